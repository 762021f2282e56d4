//! Re-validation of a long-lived credential against the database.
//!
//! A websocket authenticates once, in `connection_init`, and may then stream for hours
//! (app tokens never expire). Live subscriptions keep the [`LiveCredential`] the socket
//! opened with and call [`revalidate`] before sending each event, so a token revoked by
//! `tokensDeactivateAll` or a password change, a deactivated user, a deactivated or
//! deleted app, a deleted app token or a shrunk permission set stops the stream at the
//! next event. One statement per check.

use std::collections::BTreeSet;

use entities::{account_user as user, app, app_token, permission_group, user_permission_group};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QuerySelect, RelationTrait,
};
use serde_json::Value as Json;

use super::service::{ct_eq, parse_permissions, sha256_hex};
use crate::core::context::{AuthApp, AuthUser, Requestor};

/// What a websocket authenticated with, kept so live subscriptions can re-check it.
#[derive(Clone)]
pub enum LiveCredential {
    /// A user's access token: the user and the revocation key (`token` claim) it carries.
    User { user_id: i32, token_key: String },
    /// An app token, by the hash the database stores.
    App { token_hash: String },
}

impl std::fmt::Debug for LiveCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::User { user_id, .. } => write!(f, "LiveCredential::User({user_id})"),
            Self::App { .. } => f.write_str("LiveCredential::App"),
        }
    }
}

impl LiveCredential {
    /// The credential behind an already authenticated `authorization` value (a bearer JWT
    /// or an app token); `None` for anonymous callers.
    pub fn from_authorization(authorization: &str, requestor: &Requestor) -> Option<Self> {
        let token = authorization.trim().rsplit(' ').next()?.trim();
        match requestor {
            Requestor::Anonymous => None,
            Requestor::User(u) => Some(Self::User {
                user_id: u.id,
                token_key: token_key(token)?,
            }),
            Requestor::App(_) => Some(Self::App {
                token_hash: sha256_hex(token.as_bytes()),
            }),
        }
    }

    /// A stable identity of the credential (not the secret itself), so that subscriptions
    /// sharing one execution also share one credential.
    pub fn identity(&self) -> String {
        match self {
            Self::User { user_id, token_key } => {
                format!("user:{user_id}:{}", sha256_hex(token_key.as_bytes()))
            }
            Self::App { token_hash } => format!("app:{token_hash}"),
        }
    }
}

/// The `token` claim of a JWT whose signature was verified when the socket opened.
fn token_key(jwt: &str) -> Option<String> {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let claims = jwt.split('.').nth(1)?;
    let claims: Json = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    claims.get("token")?.as_str().map(str::to_owned)
}

/// Why a credential no longer holds.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The token was revoked or deleted, or its user or app is gone or inactive.
    Token,
}

/// The caller `credential` stands for now, with its current permissions, or [`Revoked`].
pub async fn revalidate(
    db: &DatabaseConnection,
    credential: &LiveCredential,
) -> Result<Result<Requestor, Revoked>, DbErr> {
    match credential {
        LiveCredential::User { user_id, token_key } => {
            revalidate_user(db, *user_id, token_key).await
        }
        LiveCredential::App { token_hash } => Ok(app_by_token_hash(db, token_hash)
            .await?
            .map(Requestor::App)
            .ok_or(Revoked::Token)),
    }
}

/// A user row joined with the permissions of each of its groups (one row per group).
#[derive(FromQueryResult)]
struct UserGrant {
    email: String,
    is_staff: bool,
    is_active: bool,
    jwt_token_key: String,
    permissions: Option<Json>,
}

async fn revalidate_user(
    db: &DatabaseConnection,
    user_id: i32,
    token_key: &str,
) -> Result<Result<Requestor, Revoked>, DbErr> {
    let rows = user::Entity::find()
        .select_only()
        .column(user::Column::Email)
        .column(user::Column::IsStaff)
        .column(user::Column::IsActive)
        .column(user::Column::JwtTokenKey)
        .column_as(permission_group::Column::Permissions, "permissions")
        .join(
            JoinType::LeftJoin,
            user::Relation::UserPermissionGroup.def(),
        )
        .join(
            JoinType::LeftJoin,
            user_permission_group::Relation::Group.def(),
        )
        .filter(user::Column::Id.eq(user_id))
        .into_model::<UserGrant>()
        .all(db)
        .await?;
    let Some(first) = rows.first() else {
        return Ok(Err(Revoked::Token));
    };
    if !first.is_active || !ct_eq(token_key, &first.jwt_token_key) {
        return Ok(Err(Revoked::Token));
    }
    let permissions: BTreeSet<_> = if first.is_staff {
        rows.iter()
            .filter_map(|r| r.permissions.as_ref())
            .flat_map(parse_permissions)
            .collect()
    } else {
        BTreeSet::new()
    };
    Ok(Ok(Requestor::User(AuthUser {
        id: user_id,
        email: first.email.clone(),
        is_staff: first.is_staff,
        permissions,
    })))
}

/// The active app an app token (by hash) belongs to; `None` when the token or app is gone
/// or the app is inactive.
pub async fn app_by_token_hash(
    db: &DatabaseConnection,
    token_hash: &str,
) -> Result<Option<AuthApp>, DbErr> {
    let found = app_token::Entity::find()
        .filter(app_token::Column::TokenHash.eq(token_hash))
        .find_also_related(app::Entity)
        .one(db)
        .await?;
    Ok(match found {
        Some((_, Some(a))) if a.is_active => Some(AuthApp {
            id: a.id,
            name: a.name,
            permissions: parse_permissions(&a.permissions),
        }),
        _ => None,
    })
}
