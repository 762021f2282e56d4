//! Apps and their tokens: creation (the raw token is returned once and stored as a
//! SHA-256 hash plus its last four characters), permissions bounded by the creator's,
//! activation, and the paged list behind `apps`.

use std::collections::BTreeSet;

use chrono::Utc;
use entities::{app, app_token};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
    sea_query::{ExprTrait, Func, LikeExpr},
};
use serde_json::json;

use super::{
    error::{AccountError, AccountResult, AppErrorCode as Code, Failure},
    service::{AccountService, parse_permissions, random_token, sha256_hex},
};
use crate::core::{
    connection::{KeyPart, Page, PageError, PageResult, SortKey, TotalCount, fetch_page},
    context::RequestCtx,
    id,
    permissions::Permission,
};
use crate::events::{EventType, NewEvent, outbox};

/// Length of generated app tokens (as Saleor's).
const TOKEN_LEN: usize = 30;

/// Sort orders of `apps` (Saleor's `AppSortField`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppSort {
    Name,
    CreationDate,
}

impl AppSort {
    /// The cursor key of `a` under this order.
    pub fn key(self, a: &app::Model) -> Vec<KeyPart> {
        let first = match self {
            Self::Name => KeyPart::Str(a.name.clone()),
            Self::CreationDate => KeyPart::Time(a.created_at),
        };
        vec![first, KeyPart::Int(a.id.into())]
    }
}

/// Which apps `apps` shows.
#[derive(Clone, Debug)]
pub struct AppQuery {
    pub search: Option<String>,
    pub is_active: Option<bool>,
    /// `false` when filtering on a type we never have (third-party apps).
    pub local: bool,
    pub sort: AppSort,
    pub descending: bool,
}

/// Fields of `appCreate` / `appUpdate`.
#[derive(Clone, Debug, Default)]
pub struct AppChanges {
    pub name: Option<String>,
    pub identifier: Option<String>,
    pub permissions: Option<Vec<Permission>>,
}

/// The caller's permissions (a staff user's or an app's).
fn caller_perms(req: &RequestCtx) -> BTreeSet<Permission> {
    match (req.user(), req.app()) {
        (Some(u), _) if u.is_staff => u.permissions.clone(),
        (_, Some(a)) => a.permissions.clone(),
        _ => BTreeSet::new(),
    }
}

fn not_found(type_name: &str, pk: i32) -> AccountError {
    AccountError::NotFound(format!(
        "Couldn't resolve id: {}.",
        id::encode(type_name, pk).as_str()
    ))
}

/// The scope rule of everything done for an app (its tokens, settings, webhooks): the
/// app's permissions the caller does not hold itself. Empty: the caller may act for it.
pub fn permissions_out_of_scope(req: &RequestCtx, a: &app::Model) -> BTreeSet<Permission> {
    let mine = caller_perms(req);
    parse_permissions(&a.permissions)
        .into_iter()
        .filter(|p| !mine.contains(p))
        .collect()
}

/// Saleor: a caller may only manage apps whose permissions it holds itself.
fn ensure_can_manage(req: &RequestCtx, a: &app::Model) -> AccountResult<()> {
    if permissions_out_of_scope(req, a).is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            Some("id"),
            Code::OutOfScopeApp,
            "You can't manage this app.",
        )
        .into())
    }
}

fn check_permissions(req: &RequestCtx, perms: &[Permission]) -> AccountResult<()> {
    let mine = caller_perms(req);
    let out: BTreeSet<Permission> = perms
        .iter()
        .filter(|p| !mine.contains(p))
        .copied()
        .collect();
    if out.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            Some("permissions"),
            Code::OutOfScopePermission,
            "You can't add permission that you don't have.",
        )
        .permissions(out)
        .into())
    }
}

fn perm_json(perms: &[Permission]) -> serde_json::Value {
    let set: BTreeSet<Permission> = perms.iter().copied().collect();
    json!(set.iter().map(|p| p.code()).collect::<Vec<_>>())
}

async fn app_event<C: ConnectionTrait>(
    conn: &C,
    event_type: EventType,
    a: &app::Model,
    req: &RequestCtx,
) -> Result<(), sea_orm::DbErr> {
    let mut event = NewEvent::new(event_type, "App", a.id).requestor(req.requestor_id());
    event.payload = json!({
        "app": {
            "id": id::encode("App", a.id).to_string(),
            "name": a.name,
            "identifier": a.identifier,
            "is_active": a.is_active,
        }
    });
    outbox::push(conn, event).await.map(|_| ())
}

async fn insert_token<C: ConnectionTrait>(
    conn: &C,
    app_id: i32,
    name: Option<&str>,
) -> Result<(app_token::Model, String), sea_orm::DbErr> {
    let raw = random_token(TOKEN_LEN);
    let last4 = raw[raw.len().saturating_sub(4)..].to_owned();
    let row = app_token::ActiveModel {
        app_id: Set(app_id),
        name: Set(name.unwrap_or_default().trim().to_owned()),
        token_hash: Set(sha256_hex(raw.as_bytes())),
        token_last_4: Set(last4),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok((row, raw))
}

impl AccountService {
    /// One page of apps.
    pub async fn apps_page(
        &self,
        q: &AppQuery,
        page: &Page,
    ) -> Result<(PageResult<app::Model>, TotalCount), PageError> {
        let mut cond = Condition::all();
        if !q.local {
            cond = cond.add(app::Column::Id.lt(0));
        }
        if let Some(text) = q.search.as_deref().filter(|t| !t.trim().is_empty()) {
            let escaped: String = text
                .trim()
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            cond = cond.add(
                Func::lower(sea_orm::sea_query::Expr::col(app::Column::Name))
                    .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
            );
        }
        if let Some(active) = q.is_active {
            cond = cond.add(app::Column::IsActive.eq(active));
        }
        let sample = match q.sort {
            AppSort::Name => KeyPart::Str(String::new()),
            AppSort::CreationDate => KeyPart::Time(Utc::now()),
        };
        page.check_kinds(&[sample, KeyPart::Int(0)])?;
        let select = app::Entity::find().filter(cond);
        let first = match q.sort {
            AppSort::Name => app::Column::Name,
            AppSort::CreationDate => app::Column::CreatedAt,
        };
        let key = SortKey {
            columns: vec![first, app::Column::Id],
            descending: q.descending,
        };
        let rows = fetch_page(self.db(), select.clone(), &key, page).await?;
        let db = self.db().clone();
        let count = TotalCount::lazy(move || {
            let db = db.clone();
            let select = select.clone();
            async move { sea_orm::PaginatorTrait::count(select, &db).await }
        });
        Ok((rows, count))
    }

    /// An app by primary key.
    pub async fn app(&self, pk: i32) -> AccountResult<Option<app::Model>> {
        Ok(app::Entity::find_by_id(pk).one(self.db()).await?)
    }

    /// An app's tokens, oldest first.
    pub async fn app_tokens(&self, app_id: i32) -> AccountResult<Vec<app_token::Model>> {
        Ok(app_token::Entity::find()
            .filter(app_token::Column::AppId.eq(app_id))
            .order_by_asc(app_token::Column::Id)
            .all(self.db())
            .await?)
    }

    /// `appCreate`: the app and its first token (returned raw, once).
    pub async fn create_app(
        &self,
        req: &RequestCtx,
        c: AppChanges,
    ) -> AccountResult<(app::Model, String)> {
        let name = c.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() {
            return Err(
                Failure::new(Some("name"), Code::Required, "This field is required.").into(),
            );
        }
        let perms = c.permissions.clone().unwrap_or_default();
        check_permissions(req, &perms)?;
        let txn = crate::db::begin_write(self.db()).await?;
        let empty = json!({});
        let created = app::ActiveModel {
            name: Set(name.to_owned()),
            identifier: Set(c
                .identifier
                .as_deref()
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(str::to_owned)),
            is_active: Set(true),
            permissions: Set(perm_json(&perms)),
            metadata: Set(empty.clone()),
            private_metadata: Set(empty),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let (_, raw) = insert_token(&txn, created.id, Some("Default")).await?;
        app_event(&txn, EventType::AppInstalled, &created, req).await?;
        txn.commit().await?;
        Ok((created, raw))
    }

    /// `appUpdate`: name, identifier and (replacing them) permissions.
    pub async fn update_app(
        &self,
        req: &RequestCtx,
        pk: i32,
        c: AppChanges,
    ) -> AccountResult<app::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a = app::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("App", pk))?;
        ensure_can_manage(req, &a)?;
        let mut active: app::ActiveModel = a.into();
        if let Some(name) = c.name.as_deref() {
            if name.trim().is_empty() {
                return Err(
                    Failure::new(Some("name"), Code::Required, "This field is required.").into(),
                );
            }
            active.name = Set(name.trim().to_owned());
        }
        if let Some(identifier) = c.identifier.as_deref() {
            let identifier = identifier.trim();
            active.identifier = Set((!identifier.is_empty()).then(|| identifier.to_owned()));
        }
        if let Some(perms) = &c.permissions {
            check_permissions(req, perms)?;
            active.permissions = Set(perm_json(perms));
        }
        let updated = active.update(&txn).await?;
        app_event(&txn, EventType::AppUpdated, &updated, req).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// `appDelete`.
    pub async fn delete_app(&self, req: &RequestCtx, pk: i32) -> AccountResult<app::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a = app::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("App", pk))?;
        ensure_can_manage(req, &a)?;
        app_event(&txn, EventType::AppDeleted, &a, req).await?;
        app::Entity::delete_by_id(a.id).exec(&txn).await?;
        txn.commit().await?;
        Ok(a)
    }

    /// `appActivate` / `appDeactivate`.
    pub async fn set_app_active(
        &self,
        req: &RequestCtx,
        pk: i32,
        is_active: bool,
    ) -> AccountResult<app::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a = app::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("App", pk))?;
        ensure_can_manage(req, &a)?;
        let mut active: app::ActiveModel = a.into();
        active.is_active = Set(is_active);
        let updated = active.update(&txn).await?;
        app_event(&txn, EventType::AppStatusChanged, &updated, req).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// `appTokenCreate`: a new token for an app (returned raw, once).
    pub async fn create_app_token(
        &self,
        req: &RequestCtx,
        app_id: i32,
        name: Option<&str>,
    ) -> AccountResult<(app_token::Model, String)> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a = app::Entity::find_by_id(app_id)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("App", app_id))?;
        ensure_can_manage(req, &a).map_err(|_| {
            AccountError::from(Failure::new(
                Some("app"),
                Code::OutOfScopeApp,
                "You can't manage this app.",
            ))
        })?;
        let created = insert_token(&txn, a.id, name).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// `appTokenVerify`: whether `raw` is a token of an active app.
    pub async fn verify_app_token(&self, raw: &str) -> AccountResult<bool> {
        Ok(self.authenticate_app(raw.trim()).await?.is_some())
    }

    /// `appTokenDelete`.
    pub async fn delete_app_token(
        &self,
        req: &RequestCtx,
        pk: i32,
    ) -> AccountResult<app_token::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let (token, owner) = app_token::Entity::find_by_id(pk)
            .find_also_related(app::Entity)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("AppToken", pk))?;
        let owner = owner.ok_or_else(|| not_found("AppToken", pk))?;
        ensure_can_manage(req, &owner)?;
        app_token::Entity::delete_by_id(token.id).exec(&txn).await?;
        txn.commit().await?;
        Ok(token)
    }
}
