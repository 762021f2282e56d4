//! The request context: who is calling (anonymous, a user or an app), with which
//! permissions, under which request id. Every permission check goes through it.

use std::collections::BTreeSet;

use super::error::{ErrorCode, error, permission_denied};
use super::permissions::Permission;

/// An authenticated user.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: i32,
    pub email: String,
    pub is_staff: bool,
    pub permissions: BTreeSet<Permission>,
}

/// An authenticated app (by app token).
#[derive(Clone, Debug)]
pub struct AuthApp {
    pub id: i32,
    pub name: String,
    pub permissions: BTreeSet<Permission>,
}

/// Who is making the request.
#[derive(Clone, Debug, Default)]
pub enum Requestor {
    #[default]
    Anonymous,
    User(AuthUser),
    App(AuthApp),
}

impl Requestor {
    /// Whether this is a staff user or an app.
    pub fn is_staff_or_app(&self) -> bool {
        match self {
            Self::Anonymous => false,
            Self::User(u) => u.is_staff,
            Self::App(_) => true,
        }
    }
}

/// What the transport knows about the client, for rate limits and cookie-based token
/// refresh. Inserted next to [`RequestCtx`] by the HTTP handlers (absent on websockets).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// The client's IP address (the socket peer, or `X-Forwarded-For` when trusted).
    pub ip: Option<String>,
    /// The raw `Cookie` header.
    pub cookies: Option<String>,
}

impl ClientInfo {
    /// The value of cookie `name`, if sent.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.as_deref()?.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v.trim())
        })
    }
}

/// Per-request data available to every resolver.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub request_id: String,
    pub requestor: Requestor,
}

impl RequestCtx {
    /// A context for an anonymous caller.
    pub fn anonymous(request_id: impl Into<String>) -> Self {
        Self {
            request_id: request_id.into(),
            requestor: Requestor::Anonymous,
        }
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&AuthUser> {
        match &self.requestor {
            Requestor::User(user) => Some(user),
            _ => None,
        }
    }

    /// The calling app, if any.
    pub fn app(&self) -> Option<&AuthApp> {
        match &self.requestor {
            Requestor::App(app) => Some(app),
            _ => None,
        }
    }

    /// Global ID of the calling user or app, recorded with events.
    pub fn requestor_id(&self) -> Option<String> {
        match &self.requestor {
            Requestor::Anonymous => None,
            Requestor::User(u) => Some(super::id::encode("User", u.id).0),
            Requestor::App(a) => Some(super::id::encode("App", a.id).0),
        }
    }

    /// Whether the caller holds `perm` (staff through groups, apps directly).
    pub fn has_perm(&self, perm: Permission) -> bool {
        match &self.requestor {
            Requestor::Anonymous => false,
            Requestor::User(u) => u.is_staff && u.permissions.contains(&perm),
            Requestor::App(a) => a.permissions.contains(&perm),
        }
    }

    /// Whether the caller is a staff user or an app (Saleor's `AUTHENTICATED_STAFF_USER`
    /// and `AUTHENTICATED_APP`).
    pub fn is_staff_or_app(&self) -> bool {
        self.requestor.is_staff_or_app()
    }

    /// Succeeds when the caller holds at least one of `perms`.
    pub fn require_any(&self, perms: &[Permission]) -> async_graphql::Result<()> {
        if perms.iter().any(|p| self.has_perm(*p)) {
            return Ok(());
        }
        let codes: Vec<&str> = perms.iter().map(|p| p.code()).collect();
        Err(permission_denied(&codes))
    }

    /// Succeeds when the caller is a staff user (not an app) holding at least one of
    /// `perms`, and returns it: Saleor's "Apps are not allowed to perform this mutation".
    pub fn require_staff_user(&self, perms: &[Permission]) -> async_graphql::Result<&AuthUser> {
        self.require_any(perms)?;
        match self.user() {
            Some(u) if u.is_staff => Ok(u),
            _ => Err(permission_denied(&[])),
        }
    }

    /// Succeeds when the caller is a staff user or an app.
    pub fn require_staff_or_app(&self) -> async_graphql::Result<()> {
        if self.is_staff_or_app() {
            return Ok(());
        }
        Err(permission_denied(&[
            "AUTHENTICATED_STAFF_USER",
            "AUTHENTICATED_APP",
        ]))
    }

    /// Succeeds when a user is signed in and returns it.
    pub fn require_user(&self) -> async_graphql::Result<&AuthUser> {
        self.user().ok_or_else(|| {
            error(
                ErrorCode::PermissionDenied,
                "To access this path, you need to be authenticated (AUTHENTICATED_USER).",
            )
        })
    }

    /// Logs `err` under this request's id and returns a generic internal error.
    pub fn internal(&self, err: impl std::fmt::Display) -> async_graphql::Error {
        super::error::internal(&self.request_id, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(perms: &[Permission]) -> RequestCtx {
        RequestCtx {
            request_id: "t".into(),
            requestor: Requestor::User(AuthUser {
                id: 1,
                email: "s@example.com".into(),
                is_staff: true,
                permissions: perms.iter().copied().collect(),
            }),
        }
    }

    #[test]
    fn permission_checks() {
        let ctx = staff(&[Permission::ManageProducts]);
        assert!(ctx.require_any(&[Permission::ManageProducts]).is_ok());
        assert!(ctx.require_any(&[Permission::ManageOrders]).is_err());
        assert!(RequestCtx::anonymous("a").require_staff_or_app().is_err());
        assert!(ctx.require_staff_or_app().is_ok());
    }
}
