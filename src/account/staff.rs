//! Staff-side account rules: staff users, customers and permission groups (Saleor's
//! rules on who may grant what), and the paged lists behind `staffUsers`, `customers` and
//! `permissionGroups`. Resolvers in `staff_api.rs` call these.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entities::{
    account_user as user, channel, permission_group as group, permission_group_channel,
    user_permission_group as membership,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
    sea_query::{ExprTrait, Func, LikeExpr, SimpleExpr},
};
use serde_json::json;

use super::{
    error::{
        AccountError, AccountErrorCode as Code, AccountResult, AddressTypeEnum, Failure,
        PermissionGroupErrorCode as GroupCode,
    },
    service::{
        AccountService, AddressData, Purpose, check_redirect_url, invalid_email,
        is_unique_violation, language, link, metadata_json, normalize_email, parse_permissions,
        random_token, record, set_default, user_json, validate_address,
    },
};
use crate::core::{
    connection::{KeyPart, Page, PageError, PageResult, SortKey, TotalCount, fetch_page},
    context::RequestCtx,
    id,
    permissions::Permission,
};
use crate::events::EventType;

// ------------------------------------------------------------------------ lists

/// Sort orders of user lists (Saleor's `UserSortField`, those we can order by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSort {
    FirstName,
    LastName,
    Email,
    CreatedAt,
    LastModifiedAt,
}

impl UserSort {
    fn columns(self) -> Vec<user::Column> {
        let first = match self {
            Self::FirstName => user::Column::FirstName,
            Self::LastName => user::Column::LastName,
            Self::Email => user::Column::Email,
            Self::CreatedAt => user::Column::DateJoined,
            Self::LastModifiedAt => user::Column::UpdatedAt,
        };
        vec![first, user::Column::Id]
    }

    /// The cursor key of `u` under this order.
    pub fn key(self, u: &user::Model) -> Vec<KeyPart> {
        let first = match self {
            Self::FirstName => KeyPart::Str(u.first_name.clone()),
            Self::LastName => KeyPart::Str(u.last_name.clone()),
            Self::Email => KeyPart::Str(u.email.clone()),
            Self::CreatedAt => KeyPart::Time(u.date_joined),
            Self::LastModifiedAt => KeyPart::Time(u.updated_at),
        };
        vec![first, KeyPart::Int(u.id.into())]
    }
}

/// Which users a list shows.
#[derive(Clone, Debug)]
pub struct UserQuery {
    /// Staff users (`staffUsers`) or customers (`customers`).
    pub staff: bool,
    /// Case-insensitive match on email, first or last name.
    pub search: Option<String>,
    pub ids: Option<Vec<i32>>,
    pub is_active: Option<bool>,
    pub joined: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub updated: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub sort: UserSort,
    pub descending: bool,
}

/// A `LIKE` pattern matching `text` anywhere, with wildcards in `text` escaped.
fn contains(text: &str) -> LikeExpr {
    let escaped: String = text
        .trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

fn lower_like(col: impl sea_orm::sea_query::IntoColumnRef, text: &str) -> SimpleExpr {
    Func::lower(sea_orm::sea_query::Expr::col(col)).like(contains(text))
}

fn range<C: ColumnTrait>(
    mut cond: Condition,
    col: C,
    (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Condition {
    if let Some(from) = from {
        cond = cond.add(col.gte(from));
    }
    if let Some(to) = to {
        cond = cond.add(col.lte(to));
    }
    cond
}

/// A lazily counted total for `select`.
fn total<E>(db: &DatabaseConnection, select: Select<E>) -> TotalCount
where
    E: EntityTrait,
    E::Model: Sync,
{
    let db = db.clone();
    TotalCount::lazy(move || {
        let db = db.clone();
        let select = select.clone();
        async move { select.count(&db).await }
    })
}

/// Sort orders of `permissionGroups`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupSort {
    Name,
}

/// Which groups `permissionGroups` shows.
#[derive(Clone, Debug, Default)]
pub struct GroupQuery {
    pub search: Option<String>,
    pub ids: Option<Vec<i32>>,
    pub descending: bool,
}

/// The cursor key of a group (by name).
pub fn group_key(g: &group::Model) -> Vec<KeyPart> {
    vec![KeyPart::Str(g.name.clone()), KeyPart::Int(g.id.into())]
}

// ------------------------------------------------------------------------ changes

/// Changes to a permission group (`permissionGroupCreate` / `permissionGroupUpdate`).
#[derive(Clone, Debug, Default)]
pub struct GroupChanges {
    pub name: Option<String>,
    pub add_permissions: Vec<Permission>,
    pub remove_permissions: Vec<Permission>,
    pub add_users: Vec<i32>,
    pub remove_users: Vec<i32>,
    pub add_channels: Vec<i32>,
    pub remove_channels: Vec<i32>,
    pub restricted_access_to_channels: Option<bool>,
}

/// Fields of `staffCreate` / `staffUpdate`.
#[derive(Clone, Debug, Default)]
pub struct StaffChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub note: Option<String>,
    pub metadata: Option<Vec<(String, String)>>,
    pub private_metadata: Option<Vec<(String, String)>>,
    pub add_groups: Vec<i32>,
    pub remove_groups: Vec<i32>,
    /// Where the set-password link points (`staffCreate`).
    pub redirect_url: Option<String>,
}

/// Fields of `customerCreate` / `customerUpdate`.
#[derive(Clone, Debug, Default)]
pub struct CustomerChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_confirmed: Option<bool>,
    pub note: Option<String>,
    pub language_code: Option<String>,
    pub external_reference: Option<String>,
    pub metadata: Option<Vec<(String, String)>>,
    pub private_metadata: Option<Vec<(String, String)>>,
    pub default_billing_address: Option<AddressData>,
    pub default_shipping_address: Option<AddressData>,
    /// Where the set-password link points (`customerCreate`).
    pub redirect_url: Option<String>,
    /// Channel used to notify the customer (`customerCreate`).
    pub channel: Option<String>,
}

/// How to find a user (`user(id|email|externalReference)`, `customerUpdate`).
#[derive(Clone, Debug)]
pub enum UserLookup {
    Id(i32),
    Email(String),
    ExternalReference(String),
}

// ------------------------------------------------------------------------ the staff graph

/// Channels a staff user may work with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelAccess {
    /// Every channel (at least one group without restrictions, or an app).
    All,
    /// Only these channels.
    Only(BTreeSet<i32>),
}

impl ChannelAccess {
    fn allows(&self, channel: i32) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(&channel),
        }
    }
}

/// Permissions, memberships and active staff users: enough to tell which permissions
/// stay manageable (held by an active staff member who also holds MANAGE_STAFF) after a
/// change, which is Saleor's rule against locking the shop out of a permission.
#[derive(Clone, Debug, Default)]
struct StaffGraph {
    perms: HashMap<i32, BTreeSet<Permission>>,
    members: BTreeSet<(i32, i32)>,
    active_staff: HashSet<i32>,
}

impl StaffGraph {
    /// Loads the graph; on PostgreSQL the group rows stay locked until the transaction
    /// ends, so concurrent changes to permissions and memberships are checked one after
    /// the other (SQLite serialises writers anyway).
    async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self, sea_orm::DbErr> {
        let perms = group::Entity::find()
            .lock_exclusive()
            .all(conn)
            .await?
            .into_iter()
            .map(|g| (g.id, parse_permissions(&g.permissions)))
            .collect();
        let members = membership::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|m| (m.group_id, m.user_id))
            .collect();
        let active_staff = user::Entity::find()
            .filter(user::Column::IsStaff.eq(true))
            .filter(user::Column::IsActive.eq(true))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        Ok(Self {
            perms,
            members,
            active_staff,
        })
    }

    fn user_perms(&self, user_id: i32) -> BTreeSet<Permission> {
        self.members
            .iter()
            .filter(|(_, u)| *u == user_id)
            .filter_map(|(g, _)| self.perms.get(g))
            .flatten()
            .copied()
            .collect()
    }

    fn groups_of(&self, user_id: i32) -> Vec<i32> {
        self.members
            .iter()
            .filter(|(_, u)| *u == user_id)
            .map(|(g, _)| *g)
            .collect()
    }

    fn manageable(&self) -> BTreeSet<Permission> {
        let mut out = BTreeSet::new();
        for uid in &self.active_staff {
            let perms = self.user_perms(*uid);
            if perms.contains(&Permission::ManageStaff) {
                out.extend(perms);
            }
        }
        out
    }

    /// Those of `affected` no longer manageable in `self`.
    fn lost(&self, affected: impl IntoIterator<Item = Permission>) -> Vec<Permission> {
        let manageable = self.manageable();
        let lost: BTreeSet<Permission> = affected
            .into_iter()
            .filter(|p| !manageable.contains(p))
            .collect();
        lost.into_iter().collect()
    }
}

/// The caller's permissions (a staff user's or an app's).
fn actor_perms(req: &RequestCtx) -> BTreeSet<Permission> {
    match (req.user(), req.app()) {
        (Some(u), _) if u.is_staff => u.permissions.clone(),
        (_, Some(a)) => a.permissions.clone(),
        _ => BTreeSet::new(),
    }
}

fn gids(type_name: &str, pks: impl IntoIterator<Item = i32>) -> Vec<String> {
    pks.into_iter()
        .map(|pk| id::encode(type_name, pk).0)
        .collect()
}

fn not_found(type_name: &str, pk: i32) -> AccountError {
    AccountError::NotFound(format!(
        "Couldn't resolve id: {}.",
        id::encode(type_name, pk).as_str()
    ))
}

fn dedup<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    items
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn overlap<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let b: BTreeSet<T> = b.iter().copied().collect();
    dedup(a).into_iter().filter(|x| b.contains(x)).collect()
}

const DUPLICATE: &str = "The same object cannot be in both lists for adding and removing items.";

impl AccountService {
    // ---------------------------------------------------------------- reading

    /// One page of staff users or customers.
    pub async fn users_page(
        &self,
        q: &UserQuery,
        page: &Page,
    ) -> Result<(PageResult<user::Model>, TotalCount), PageError> {
        let mut cond = Condition::all().add(user::Column::IsStaff.eq(q.staff));
        if let Some(text) = q.search.as_deref().filter(|t| !t.trim().is_empty()) {
            cond = cond.add(
                Condition::any()
                    .add(lower_like(user::Column::Email, text))
                    .add(lower_like(user::Column::FirstName, text))
                    .add(lower_like(user::Column::LastName, text)),
            );
        }
        if let Some(ids) = &q.ids {
            cond = cond.add(user::Column::Id.is_in(ids.clone()));
        }
        if let Some(active) = q.is_active {
            cond = cond.add(user::Column::IsActive.eq(active));
        }
        cond = range(cond, user::Column::DateJoined, q.joined);
        cond = range(cond, user::Column::UpdatedAt, q.updated);
        page.check_kinds(&q.sort.key(&sample_user()))?;
        let select = user::Entity::find().filter(cond);
        let key = SortKey {
            columns: q.sort.columns(),
            descending: q.descending,
        };
        let rows = fetch_page(self.db(), select.clone(), &key, page).await?;
        Ok((rows, total(self.db(), select)))
    }

    /// One page of permission groups, by name.
    pub async fn groups_page(
        &self,
        q: &GroupQuery,
        page: &Page,
    ) -> Result<(PageResult<group::Model>, TotalCount), PageError> {
        let mut cond = Condition::all();
        if let Some(text) = q.search.as_deref().filter(|t| !t.trim().is_empty()) {
            cond = cond.add(lower_like(group::Column::Name, text));
        }
        if let Some(ids) = &q.ids {
            cond = cond.add(group::Column::Id.is_in(ids.clone()));
        }
        page.check_kinds(&[KeyPart::Str(String::new()), KeyPart::Int(0)])?;
        let select = group::Entity::find().filter(cond);
        let key = SortKey {
            columns: vec![group::Column::Name, group::Column::Id],
            descending: q.descending,
        };
        let rows = fetch_page(self.db(), select.clone(), &key, page).await?;
        Ok((rows, total(self.db(), select)))
    }

    /// A permission group by primary key.
    pub async fn group(&self, pk: i32) -> AccountResult<Option<group::Model>> {
        Ok(group::Entity::find_by_id(pk).one(self.db()).await?)
    }

    /// A user found by id, email or external reference, if the caller may see it: staff
    /// users need MANAGE_STAFF, customers MANAGE_USERS or MANAGE_ORDERS. Anything else is
    /// "not found".
    pub async fn find_user(
        &self,
        req: &RequestCtx,
        lookup: &UserLookup,
    ) -> AccountResult<Option<user::Model>> {
        let found = match lookup {
            UserLookup::Id(pk) => self.user(*pk).await?,
            UserLookup::Email(email) => self.user_by_email(email).await?,
            UserLookup::ExternalReference(r) => {
                user::Entity::find()
                    .filter(user::Column::ExternalReference.eq(r.as_str()))
                    .one(self.db())
                    .await?
            }
        };
        Ok(found.filter(|u| {
            if u.is_staff {
                req.has_perm(Permission::ManageStaff)
            } else {
                req.has_perm(Permission::ManageUsers) || req.has_perm(Permission::ManageOrders)
            }
        }))
    }

    /// Channels a user may work with, from their groups.
    pub async fn channel_access<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
    ) -> AccountResult<ChannelAccess> {
        let groups = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user_id))
            .find_also_related(group::Entity)
            .all(conn)
            .await?;
        let mut restricted = Vec::new();
        for (_, g) in groups {
            match g {
                Some(g) if !g.restricted_access_to_channels => return Ok(ChannelAccess::All),
                Some(g) => restricted.push(g.id),
                None => {}
            }
        }
        let channels = permission_group_channel::Entity::find()
            .filter(permission_group_channel::Column::GroupId.is_in(restricted))
            .all(conn)
            .await?;
        Ok(ChannelAccess::Only(
            channels.into_iter().map(|c| c.channel_id).collect(),
        ))
    }

    async fn caller_channels<C: ConnectionTrait>(
        &self,
        conn: &C,
        req: &RequestCtx,
    ) -> AccountResult<ChannelAccess> {
        match req.user() {
            Some(u) => self.channel_access(conn, u.id).await,
            None => Ok(ChannelAccess::All),
        }
    }

    async fn group_channels<C: ConnectionTrait>(
        &self,
        conn: &C,
        group_id: i32,
    ) -> AccountResult<BTreeSet<i32>> {
        Ok(permission_group_channel::Entity::find()
            .filter(permission_group_channel::Column::GroupId.eq(group_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| c.channel_id)
            .collect())
    }

    // ---------------------------------------------------------------- groups

    /// `permissionGroupCreate`.
    pub async fn create_group(
        &self,
        req: &RequestCtx,
        changes: GroupChanges,
    ) -> AccountResult<group::Model> {
        let name = changes.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() {
            return Err(
                Failure::new(Some("name"), GroupCode::Required, "This field is required.").into(),
            );
        }
        let restricted = changes.restricted_access_to_channels.unwrap_or(false);
        let txn = crate::db::begin_write(self.db()).await?;
        let mut errors = Vec::new();
        if group_by_name(&txn, name).await?.is_some() {
            errors.push(Failure::new(
                Some("name"),
                GroupCode::Unique,
                "Group with this Name already exists.",
            ));
        }
        let mine = actor_perms(req);
        self.check_added(&txn, req, &changes, &mine, restricted, &mut errors)
            .await?;
        if !errors.is_empty() {
            return Err(AccountError::Group(errors));
        }
        let perms: BTreeSet<Permission> = changes.add_permissions.iter().copied().collect();
        let created = group::ActiveModel {
            name: Set(name.to_owned()),
            permissions: Set(perm_json(&perms)),
            restricted_access_to_channels: Set(restricted),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| unique_name(e, "name"))?;
        add_members(&txn, created.id, &changes.add_users).await?;
        if restricted {
            add_channels(&txn, created.id, &changes.add_channels).await?;
        }
        group_event(&txn, EventType::PermissionGroupCreated, &created, req).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// `permissionGroupUpdate`.
    pub async fn update_group(
        &self,
        req: &RequestCtx,
        pk: i32,
        changes: GroupChanges,
    ) -> AccountResult<group::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let g = group::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("Group", pk))?;
        let mine = actor_perms(req);
        self.ensure_can_manage_group(&txn, req, &g, &mine).await?;

        let mut errors = Vec::new();
        for (field, dup) in [
            (
                "permissions",
                overlap(&changes.add_permissions, &changes.remove_permissions).is_empty(),
            ),
            (
                "users",
                overlap(&changes.add_users, &changes.remove_users).is_empty(),
            ),
            (
                "channels",
                overlap(&changes.add_channels, &changes.remove_channels).is_empty(),
            ),
        ] {
            if !dup {
                errors.push(Failure::new(
                    Some(field),
                    GroupCode::DuplicatedInputItem,
                    DUPLICATE,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AccountError::Group(errors));
        }
        let name = changes.name.as_deref().map(str::trim);
        if name == Some("") {
            errors.push(Failure::new(
                Some("name"),
                GroupCode::Required,
                "This field is required.",
            ));
        } else if let Some(name) = name.filter(|n| *n != g.name)
            && group_by_name(&txn, name).await?.is_some()
        {
            errors.push(Failure::new(
                Some("name"),
                GroupCode::Unique,
                "Group with this Name already exists.",
            ));
        }
        let restricted = changes
            .restricted_access_to_channels
            .unwrap_or(g.restricted_access_to_channels);
        self.check_added(&txn, req, &changes, &mine, restricted, &mut errors)
            .await?;
        let out_of_scope: Vec<Permission> = dedup(&changes.remove_permissions)
            .into_iter()
            .filter(|p| !mine.contains(p))
            .collect();
        if !out_of_scope.is_empty() {
            errors.push(
                Failure::new(
                    Some("removePermissions"),
                    GroupCode::OutOfScopePermission,
                    "You can't remove permission that you don't have.",
                )
                .permissions(out_of_scope),
            );
        }
        if restricted && !changes.remove_channels.is_empty() {
            let access = self.caller_channels(&txn, req).await?;
            let outside: Vec<i32> = dedup(&changes.remove_channels)
                .into_iter()
                .filter(|c| !access.allows(*c))
                .collect();
            if !outside.is_empty() {
                errors.push(
                    Failure::new(
                        Some("removeChannels"),
                        GroupCode::OutOfScopeChannel,
                        "You can't remove channel that you don't have access to.",
                    )
                    .channels(gids("Channel", outside)),
                );
            }
        }

        // Users being removed: in scope, not the caller's last group, and every permission
        // stays manageable afterwards.
        let before = StaffGraph::load(&txn).await?;
        if !changes.remove_users.is_empty() {
            let out_of_scope: Vec<i32> = dedup(&changes.remove_users)
                .into_iter()
                .filter(|u| !before.user_perms(*u).is_subset(&mine))
                .collect();
            if !out_of_scope.is_empty() {
                errors.push(
                    Failure::new(
                        Some("removeUsers"),
                        GroupCode::OutOfScopeUser,
                        "You can't manage these users.",
                    )
                    .users(gids("User", out_of_scope)),
                );
            }
            if let Some(me) = req.user()
                && changes.remove_users.contains(&me.id)
                && before.groups_of(me.id) == vec![g.id]
            {
                errors.push(
                    Failure::new(
                        Some("removeUsers"),
                        GroupCode::CannotRemoveFromLastGroup,
                        "You cannot remove yourself from your last group.",
                    )
                    .users(gids("User", [me.id])),
                );
            }
        }
        let current = parse_permissions(&g.permissions);
        let mut perms = current.clone();
        perms.extend(changes.add_permissions.iter().copied());
        for p in &changes.remove_permissions {
            perms.remove(p);
        }
        let mut after = before.clone();
        after.perms.insert(g.id, perms.clone());
        for u in &changes.add_users {
            after.members.insert((g.id, *u));
        }
        for u in &changes.remove_users {
            after.members.remove(&(g.id, *u));
        }
        let lost_perms = after.lost(dedup(&changes.remove_permissions));
        if !lost_perms.is_empty() {
            errors.push(
                Failure::new(
                    Some("removePermissions"),
                    GroupCode::LeftNotManageablePermission,
                    "Permissions cannot be removed, some of permissions will not be manageable.",
                )
                .permissions(lost_perms),
            );
        } else if !changes.remove_users.is_empty() {
            let lost_users = after.lost(current.iter().copied());
            if !lost_users.is_empty() {
                errors.push(
                    Failure::new(
                        Some("removeUsers"),
                        GroupCode::LeftNotManageablePermission,
                        "Users cannot be removed, some of permissions will not be manageable.",
                    )
                    .permissions(lost_users),
                );
            }
        }
        if !errors.is_empty() {
            return Err(AccountError::Group(errors));
        }

        let mut active: group::ActiveModel = g.clone().into();
        if let Some(name) = name {
            active.name = Set(name.to_owned());
        }
        active.permissions = Set(perm_json(&perms));
        active.restricted_access_to_channels = Set(restricted);
        let updated = active
            .update(&txn)
            .await
            .map_err(|e| unique_name(e, "name"))?;
        add_members(&txn, g.id, &changes.add_users).await?;
        if !changes.remove_users.is_empty() {
            membership::Entity::delete_many()
                .filter(membership::Column::GroupId.eq(g.id))
                .filter(membership::Column::UserId.is_in(changes.remove_users.clone()))
                .exec(&txn)
                .await?;
        }
        if restricted {
            add_channels(&txn, g.id, &changes.add_channels).await?;
            if !changes.remove_channels.is_empty() {
                permission_group_channel::Entity::delete_many()
                    .filter(permission_group_channel::Column::GroupId.eq(g.id))
                    .filter(
                        permission_group_channel::Column::ChannelId
                            .is_in(changes.remove_channels.clone()),
                    )
                    .exec(&txn)
                    .await?;
            }
        }
        group_event(&txn, EventType::PermissionGroupUpdated, &updated, req).await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// `permissionGroupDelete`.
    pub async fn delete_group(&self, req: &RequestCtx, pk: i32) -> AccountResult<group::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let g = group::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .ok_or_else(|| not_found("Group", pk))?;
        let mine = actor_perms(req);
        self.ensure_can_manage_group(&txn, req, &g, &mine).await?;
        let mut after = StaffGraph::load(&txn).await?;
        after.perms.remove(&g.id);
        after.members.retain(|(gid, _)| *gid != g.id);
        let lost = after.lost(parse_permissions(&g.permissions));
        if !lost.is_empty() {
            return Err(Failure::new(
                Some("id"),
                GroupCode::LeftNotManageablePermission,
                "Cannot remove group, some of permissions will not be manageable.",
            )
            .permissions(lost)
            .into());
        }
        group_event(&txn, EventType::PermissionGroupDeleted, &g, req).await?;
        group::Entity::delete_by_id(g.id).exec(&txn).await?;
        txn.commit().await?;
        Ok(g)
    }

    /// Saleor: a caller cannot manage a group with permissions or channels beyond theirs.
    async fn ensure_can_manage_group<C: ConnectionTrait>(
        &self,
        conn: &C,
        req: &RequestCtx,
        g: &group::Model,
        mine: &BTreeSet<Permission>,
    ) -> AccountResult<()> {
        if !parse_permissions(&g.permissions).is_subset(mine) {
            return Err(Failure::new(
                None,
                GroupCode::OutOfScopePermission,
                "You can't manage group with permissions out of your scope.",
            )
            .into());
        }
        let access = self.caller_channels(conn, req).await?;
        let in_scope = match (&access, g.restricted_access_to_channels) {
            (ChannelAccess::All, _) => true,
            (ChannelAccess::Only(_), false) => false,
            (ChannelAccess::Only(mine), true) => {
                self.group_channels(conn, g.id).await?.is_subset(mine)
            }
        };
        if !in_scope {
            return Err(Failure::new(
                None,
                GroupCode::OutOfScopeChannel,
                "You can't manage group with channels out of your scope.",
            )
            .into());
        }
        Ok(())
    }

    /// Checks what a create/update adds: permissions the caller holds, staff members that
    /// exist, channels the caller may access.
    async fn check_added<C: ConnectionTrait>(
        &self,
        conn: &C,
        req: &RequestCtx,
        changes: &GroupChanges,
        mine: &BTreeSet<Permission>,
        restricted: bool,
        errors: &mut Vec<Failure<GroupCode>>,
    ) -> AccountResult<()> {
        let out_of_scope: Vec<Permission> = dedup(&changes.add_permissions)
            .into_iter()
            .filter(|p| !mine.contains(p))
            .collect();
        if !out_of_scope.is_empty() {
            errors.push(
                Failure::new(
                    Some("addPermissions"),
                    GroupCode::OutOfScopePermission,
                    "You can't add permission that you don't have.",
                )
                .permissions(out_of_scope),
            );
        }
        if !changes.add_users.is_empty() {
            let wanted = dedup(&changes.add_users);
            let found: HashMap<i32, user::Model> = user::Entity::find()
                .filter(user::Column::Id.is_in(wanted.clone()))
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u.id, u))
                .collect();
            if let Some(missing) = wanted.iter().find(|u| !found.contains_key(u)) {
                return Err(not_found("User", *missing));
            }
            let non_staff: Vec<i32> = wanted
                .into_iter()
                .filter(|u| found.get(u).is_some_and(|u| !u.is_staff))
                .collect();
            if !non_staff.is_empty() {
                errors.push(
                    Failure::new(
                        Some("addUsers"),
                        GroupCode::AssignNonStaffMember,
                        "User must be staff member.",
                    )
                    .users(gids("User", non_staff)),
                );
            }
        }
        let access = self.caller_channels(conn, req).await?;
        if !restricted && changes.restricted_access_to_channels == Some(false) {
            if access != ChannelAccess::All {
                errors.push(Failure::new(
                    Some("restrictedAccessToChannels"),
                    GroupCode::OutOfScopeChannel,
                    "You can't manage group with channels out of your scope.",
                ));
            }
        } else if restricted && !changes.add_channels.is_empty() {
            let wanted = dedup(&changes.add_channels);
            let existing: HashSet<i32> = channel::Entity::find()
                .filter(channel::Column::Id.is_in(wanted.clone()))
                .all(conn)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            if let Some(missing) = wanted.iter().find(|c| !existing.contains(c)) {
                return Err(not_found("Channel", *missing));
            }
            let outside: Vec<i32> = wanted.into_iter().filter(|c| !access.allows(*c)).collect();
            if !outside.is_empty() {
                errors.push(
                    Failure::new(
                        Some("addChannels"),
                        GroupCode::OutOfScopeChannel,
                        "You can't add channel that you don't have access to.",
                    )
                    .channels(gids("Channel", outside)),
                );
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- staff

    /// `staffCreate`: a staff user without a password; with `redirect_url`, a set-password
    /// token goes out in a `STAFF_SET_PASSWORD_REQUESTED` event.
    pub async fn create_staff(
        &self,
        req: &RequestCtx,
        c: StaffChanges,
    ) -> AccountResult<user::Model> {
        let email = c
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| {
                AccountError::one(Some("email"), Code::Required, "This field is required.")
            })?;
        let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
        if let Some(url) = &c.redirect_url {
            check_redirect_url(url, "redirectUrl")?;
        }
        let txn = crate::db::begin_write(self.db()).await?;
        let graph = StaffGraph::load(&txn).await?;
        let mine = actor_perms(req);
        check_groups(&graph, &c.add_groups, "addGroups", &mine)?;
        let now = Utc::now();
        let created = user::ActiveModel {
            email: Set(email),
            password_hash: Set(None),
            first_name: Set(trimmed(&c.first_name)),
            last_name: Set(trimmed(&c.last_name)),
            is_staff: Set(true),
            is_active: Set(c.is_active.unwrap_or(true)),
            is_confirmed: Set(true),
            jwt_token_key: Set(random_token(32)),
            language_code: Set("en".to_owned()),
            note: Set(c.note.clone()),
            metadata: Set(metadata_json(
                c.metadata.as_deref().unwrap_or_default(),
                &json!({}),
            )?),
            private_metadata: Set(metadata_json(
                c.private_metadata.as_deref().unwrap_or_default(),
                &json!({}),
            )?),
            date_joined: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| unique_email(e, "email"))?;
        for g in dedup(&c.add_groups) {
            membership::ActiveModel {
                user_id: Set(created.id),
                group_id: Set(g),
            }
            .insert(&txn)
            .await?;
        }
        record(
            &txn,
            EventType::StaffCreated,
            json!({ "user": user_json(&created), "requestor": req.requestor_id() }),
        )
        .await?;
        if let Some(url) = &c.redirect_url {
            let token = self
                .issue_token(&txn, created.id, Purpose::SetPassword, json!({}))
                .await?;
            let reset_url = link(url, &[("email", &created.email), ("token", &token)]);
            record(
                &txn,
                EventType::StaffSetPasswordRequested,
                json!({
                    "user": user_json(&created),
                    "token": token,
                    "reset_url": reset_url,
                    "redirect_url": url,
                }),
            )
            .await?;
            self.log_link("staff set password", &reset_url);
        }
        txn.commit().await?;
        Ok(created)
    }

    /// `staffUpdate`.
    pub async fn update_staff(
        &self,
        req: &RequestCtx,
        pk: i32,
        c: StaffChanges,
    ) -> AccountResult<user::Model> {
        let txn = crate::db::begin_write(self.db()).await?;
        let u = user::Entity::find_by_id(pk)
            .one(&txn)
            .await?
            .filter(|u| u.is_staff)
            .ok_or_else(|| not_found("User", pk))?;
        let mine = actor_perms(req);
        let before = StaffGraph::load(&txn).await?;
        if !before.user_perms(u.id).is_subset(&mine) {
            return Err(AccountError::one(
                Some("id"),
                Code::OutOfScopeUser,
                "You can't manage this user.",
            ));
        }
        let dup = overlap(&c.add_groups, &c.remove_groups);
        if !dup.is_empty() {
            return Err(
                Failure::new(Some("groups"), Code::DuplicatedInputItem, DUPLICATE)
                    .groups(gids("Group", dup))
                    .into(),
            );
        }
        check_groups(&before, &c.add_groups, "addGroups", &mine)?;
        check_groups(&before, &c.remove_groups, "removeGroups", &mine)?;
        let is_me = req.user().is_some_and(|me| me.id == u.id);
        if is_me && c.is_active == Some(false) {
            return Err(AccountError::one(
                Some("isActive"),
                Code::DeactivateOwnAccount,
                "Cannot deactivate your own account.",
            ));
        }
        let mut after = before.clone();
        for g in &c.add_groups {
            after.members.insert((*g, u.id));
        }
        for g in &c.remove_groups {
            after.members.remove(&(*g, u.id));
        }
        if c.is_active == Some(false) {
            after.active_staff.remove(&u.id);
        }
        let lost = after.lost(before.user_perms(u.id));
        if !lost.is_empty() {
            let field = if c.is_active == Some(false) {
                "isActive"
            } else {
                "removeGroups"
            };
            return Err(Failure::new(
                Some(field),
                Code::LeftNotManageablePermission,
                "Permissions cannot be removed, some of permissions will not be manageable.",
            )
            .permissions(lost)
            .into());
        }
        let mut active: user::ActiveModel = u.clone().into();
        if let Some(email) = c.email.as_deref() {
            let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
            active.email = Set(email);
        }
        if let Some(v) = &c.first_name {
            active.first_name = Set(v.trim().to_owned());
        }
        if let Some(v) = &c.last_name {
            active.last_name = Set(v.trim().to_owned());
        }
        if let Some(v) = c.is_active {
            active.is_active = Set(v);
        }
        if let Some(v) = &c.note {
            active.note = Set(Some(v.clone()));
        }
        if let Some(items) = &c.metadata {
            active.metadata = Set(metadata_json(items, &u.metadata)?);
        }
        if let Some(items) = &c.private_metadata {
            active.private_metadata = Set(metadata_json(items, &u.private_metadata)?);
        }
        active.updated_at = Set(Utc::now());
        let updated = active
            .update(&txn)
            .await
            .map_err(|e| unique_email(e, "email"))?;
        for g in dedup(&c.add_groups) {
            if !before.members.contains(&(g, u.id)) {
                membership::ActiveModel {
                    user_id: Set(u.id),
                    group_id: Set(g),
                }
                .insert(&txn)
                .await?;
            }
        }
        if !c.remove_groups.is_empty() {
            membership::Entity::delete_many()
                .filter(membership::Column::UserId.eq(u.id))
                .filter(membership::Column::GroupId.is_in(c.remove_groups.clone()))
                .exec(&txn)
                .await?;
        }
        record(
            &txn,
            EventType::StaffUpdated,
            json!({ "user": user_json(&updated), "requestor": req.requestor_id() }),
        )
        .await?;
        txn.commit().await?;
        Ok(updated)
    }

    /// `staffDelete`.
    pub async fn delete_staff(&self, req: &RequestCtx, pk: i32) -> AccountResult<user::Model> {
        let deleted = self.delete_staff_many(req, &[pk]).await?;
        deleted
            .into_iter()
            .next()
            .ok_or_else(|| not_found("User", pk))
    }

    /// `staffBulkDelete` (and `staffDelete`): all or nothing. Refused for the caller
    /// itself, non-staff users, staff wider than the caller, and when a permission would
    /// be left without a manager.
    pub async fn delete_staff_many(
        &self,
        req: &RequestCtx,
        pks: &[i32],
    ) -> AccountResult<Vec<user::Model>> {
        let pks = dedup(pks);
        if let Some(me) = req.user().filter(|me| pks.contains(&me.id)) {
            return Err(Failure::new(
                Some("id"),
                Code::DeleteOwnAccount,
                "You cannot delete your own account.",
            )
            .users(gids("User", [me.id]))
            .into());
        }
        let txn = crate::db::begin_write(self.db()).await?;
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(pks.clone()))
            .order_by_asc(user::Column::Id)
            .all(&txn)
            .await?;
        if let Some(missing) = pks.iter().find(|pk| !rows.iter().any(|u| u.id == **pk)) {
            return Err(not_found("User", *missing));
        }
        let non_staff: Vec<i32> = rows.iter().filter(|u| !u.is_staff).map(|u| u.id).collect();
        if !non_staff.is_empty() {
            return Err(Failure::new(
                Some("id"),
                Code::DeleteNonStaffUser,
                "Cannot delete a non-staff users.",
            )
            .users(gids("User", non_staff))
            .into());
        }
        let before = StaffGraph::load(&txn).await?;
        let mine = actor_perms(req);
        let out_of_scope: Vec<i32> = rows
            .iter()
            .filter(|u| !before.user_perms(u.id).is_subset(&mine))
            .map(|u| u.id)
            .collect();
        if !out_of_scope.is_empty() {
            return Err(Failure::new(
                Some("id"),
                Code::OutOfScopeUser,
                "You can't manage this user.",
            )
            .users(gids("User", out_of_scope))
            .into());
        }
        let mut after = before.clone();
        let mut affected = BTreeSet::new();
        for u in &rows {
            after.active_staff.remove(&u.id);
            after.members.retain(|(_, uid)| *uid != u.id);
            affected.extend(before.user_perms(u.id));
        }
        let lost = after.lost(affected);
        if !lost.is_empty() {
            return Err(Failure::new(
                Some("id"),
                Code::LeftNotManageablePermission,
                "Users cannot be removed, some of permissions will not be manageable.",
            )
            .permissions(lost)
            .into());
        }
        for u in &rows {
            record(
                &txn,
                EventType::StaffDeleted,
                json!({ "user": user_json(u), "requestor": req.requestor_id() }),
            )
            .await?;
        }
        user::Entity::delete_many()
            .filter(user::Column::Id.is_in(pks))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(rows)
    }

    // ---------------------------------------------------------------- customers

    /// `customerCreate`. The customer has no password; with `redirect_url`, a
    /// set-password token goes out in an `ACCOUNT_SET_PASSWORD_REQUESTED` event.
    pub async fn create_customer(
        &self,
        req: &RequestCtx,
        c: CustomerChanges,
    ) -> AccountResult<user::Model> {
        let email = c
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .ok_or_else(|| {
                AccountError::one(Some("email"), Code::Required, "This field is required.")
            })?;
        let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
        let language_code = language(c.language_code.as_deref())?;
        let billing = address_of(&c.default_billing_address, AddressTypeEnum::Billing)?;
        let shipping = address_of(&c.default_shipping_address, AddressTypeEnum::Shipping)?;
        let mut channel = None;
        if let Some(url) = &c.redirect_url {
            check_redirect_url(url, "redirectUrl")?;
            channel = self
                .notification_channel(c.channel.as_deref(), false)
                .await?;
        }
        let txn = crate::db::begin_write(self.db()).await?;
        let now = Utc::now();
        let created = user::ActiveModel {
            email: Set(email),
            password_hash: Set(None),
            first_name: Set(trimmed(&c.first_name)),
            last_name: Set(trimmed(&c.last_name)),
            is_staff: Set(false),
            is_active: Set(c.is_active.unwrap_or(true)),
            is_confirmed: Set(false),
            jwt_token_key: Set(random_token(32)),
            language_code: Set(language_code),
            note: Set(c.note.clone()),
            metadata: Set(metadata_json(
                c.metadata.as_deref().unwrap_or_default(),
                &json!({}),
            )?),
            private_metadata: Set(metadata_json(
                c.private_metadata.as_deref().unwrap_or_default(),
                &json!({}),
            )?),
            date_joined: Set(now),
            updated_at: Set(now),
            external_reference: Set(external_reference(&c.external_reference)),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| unique_email(e, "email"))?;
        let mut created = created;
        if let Some(a) = billing {
            let row = self.insert_address(&txn, created.id, a).await?;
            created = set_default(&txn, created, row.id, AddressTypeEnum::Billing).await?;
        }
        if let Some(a) = shipping {
            let row = self.insert_address(&txn, created.id, a).await?;
            created = set_default(&txn, created, row.id, AddressTypeEnum::Shipping).await?;
        }
        record(
            &txn,
            EventType::CustomerCreated,
            json!({ "user": user_json(&created), "requestor": req.requestor_id() }),
        )
        .await?;
        if let Some(url) = &c.redirect_url {
            let token = self
                .issue_token(&txn, created.id, Purpose::SetPassword, json!({}))
                .await?;
            let reset_url = link(url, &[("email", &created.email), ("token", &token)]);
            record(
                &txn,
                EventType::AccountSetPasswordRequested,
                json!({
                    "user": user_json(&created),
                    "token": token,
                    "reset_url": reset_url,
                    "redirect_url": url,
                    "channel_slug": channel,
                }),
            )
            .await?;
            self.log_link("customer set password", &reset_url);
        }
        txn.commit().await?;
        Ok(created)
    }

    /// `customerUpdate`. Updating a staff user this way needs the rights `staffUpdate`
    /// needs (MANAGE_STAFF and every permission the staff user holds).
    pub async fn update_customer(
        &self,
        req: &RequestCtx,
        lookup: &UserLookup,
        c: CustomerChanges,
    ) -> AccountResult<user::Model> {
        let language_code = c
            .language_code
            .as_deref()
            .map(|l| language(Some(l)))
            .transpose()?;
        let billing = address_of(&c.default_billing_address, AddressTypeEnum::Billing)?;
        let shipping = address_of(&c.default_shipping_address, AddressTypeEnum::Shipping)?;
        let u = self.customer_target(req, lookup).await?;
        let txn = crate::db::begin_write(self.db()).await?;
        let mut active: user::ActiveModel = u.clone().into();
        if let Some(email) = c.email.as_deref() {
            let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
            active.email = Set(email);
        }
        if let Some(v) = &c.first_name {
            active.first_name = Set(v.trim().to_owned());
        }
        if let Some(v) = &c.last_name {
            active.last_name = Set(v.trim().to_owned());
        }
        if let Some(v) = c.is_active {
            active.is_active = Set(v);
        }
        if let Some(v) = c.is_confirmed {
            active.is_confirmed = Set(v);
        }
        if let Some(v) = &c.note {
            active.note = Set(Some(v.clone()));
        }
        if let Some(v) = language_code {
            active.language_code = Set(v);
        }
        if c.external_reference.is_some() {
            active.external_reference = Set(external_reference(&c.external_reference));
        }
        if let Some(items) = &c.metadata {
            active.metadata = Set(metadata_json(items, &u.metadata)?);
        }
        if let Some(items) = &c.private_metadata {
            active.private_metadata = Set(metadata_json(items, &u.private_metadata)?);
        }
        if let Some(a) = billing {
            let row = self.insert_address(&txn, u.id, a).await?;
            active.default_billing_address_id = Set(Some(row.id));
        }
        if let Some(a) = shipping {
            let row = self.insert_address(&txn, u.id, a).await?;
            active.default_shipping_address_id = Set(Some(row.id));
        }
        active.updated_at = Set(Utc::now());
        let updated = active
            .update(&txn)
            .await
            .map_err(|e| unique_email(e, "email"))?;
        record(
            &txn,
            EventType::CustomerUpdated,
            json!({ "user": user_json(&updated), "requestor": req.requestor_id() }),
        )
        .await?;
        txn.commit().await?;
        Ok(updated)
    }

    async fn customer_target(
        &self,
        req: &RequestCtx,
        lookup: &UserLookup,
    ) -> AccountResult<user::Model> {
        let found = match lookup {
            UserLookup::Id(pk) => self.user(*pk).await?,
            UserLookup::Email(email) => self.user_by_email(email).await?,
            UserLookup::ExternalReference(r) => {
                user::Entity::find()
                    .filter(user::Column::ExternalReference.eq(r.as_str()))
                    .one(self.db())
                    .await?
            }
        };
        let u = found.ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        if u.is_staff {
            let graph = StaffGraph::load(self.db()).await?;
            if !req.has_perm(Permission::ManageStaff)
                || !graph.user_perms(u.id).is_subset(&actor_perms(req))
            {
                return Err(AccountError::one(
                    Some("id"),
                    Code::OutOfScopeUser,
                    "You can't manage this user.",
                ));
            }
        }
        Ok(u)
    }

    /// `customerDelete`.
    pub async fn delete_customer(
        &self,
        req: &RequestCtx,
        lookup: &UserLookup,
    ) -> AccountResult<user::Model> {
        let u = match lookup {
            UserLookup::Id(pk) => self.user(*pk).await?,
            UserLookup::Email(email) => self.user_by_email(email).await?,
            UserLookup::ExternalReference(r) => {
                user::Entity::find()
                    .filter(user::Column::ExternalReference.eq(r.as_str()))
                    .one(self.db())
                    .await?
            }
        }
        .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let deleted = self.delete_customers(req, &[u.id]).await?;
        deleted
            .into_iter()
            .next()
            .ok_or_else(|| AccountError::not_found("id", "User not found."))
    }

    /// `customerBulkDelete`: all or nothing; staff accounts (and the caller) are refused.
    pub async fn delete_customers(
        &self,
        req: &RequestCtx,
        pks: &[i32],
    ) -> AccountResult<Vec<user::Model>> {
        let txn = crate::db::begin_write(self.db()).await?;
        let rows = user::Entity::find()
            .filter(user::Column::Id.is_in(dedup(pks)))
            .order_by_asc(user::Column::Id)
            .all(&txn)
            .await?;
        let mut failures = Vec::new();
        for u in &rows {
            if req.user().is_some_and(|me| me.id == u.id) {
                failures.push(Failure::new(
                    Some("id"),
                    Code::DeleteOwnAccount,
                    "You cannot delete your own account.",
                ));
            } else if u.is_staff {
                failures.push(Failure::new(
                    Some("id"),
                    Code::DeleteStaffAccount,
                    "Cannot delete a staff account.",
                ));
            }
        }
        if !failures.is_empty() {
            return Err(AccountError::Invalid(failures));
        }
        for u in &rows {
            record(
                &txn,
                EventType::CustomerDeleted,
                json!({ "user": user_json(u), "requestor": req.requestor_id() }),
            )
            .await?;
        }
        if !rows.is_empty() {
            user::Entity::delete_many()
                .filter(user::Column::Id.is_in(rows.iter().map(|u| u.id)))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(rows)
    }
}

/// A user row used only for the kinds of its sort keys.
fn sample_user() -> user::Model {
    let now = Utc::now();
    user::Model {
        id: 0,
        email: String::new(),
        password_hash: None,
        first_name: String::new(),
        last_name: String::new(),
        is_staff: false,
        is_active: false,
        is_confirmed: false,
        jwt_token_key: String::new(),
        language_code: String::new(),
        note: None,
        metadata: json!({}),
        private_metadata: json!({}),
        date_joined: now,
        updated_at: now,
        last_login: None,
        default_shipping_address_id: None,
        default_billing_address_id: None,
        external_reference: None,
    }
}

fn trimmed(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

fn external_reference(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

fn address_of(
    data: &Option<AddressData>,
    kind: AddressTypeEnum,
) -> AccountResult<Option<super::service::ValidAddress>> {
    let field = match kind {
        AddressTypeEnum::Billing => "defaultBillingAddress",
        AddressTypeEnum::Shipping => "defaultShippingAddress",
    };
    data.as_ref()
        .map(|a| validate_address(a, None, Some(kind), field))
        .transpose()
}

fn perm_json(perms: &BTreeSet<Permission>) -> serde_json::Value {
    json!(perms.iter().map(|p| p.code()).collect::<Vec<_>>())
}

async fn group_by_name<C: ConnectionTrait>(
    conn: &C,
    name: &str,
) -> Result<Option<group::Model>, sea_orm::DbErr> {
    group::Entity::find()
        .filter(group::Column::Name.eq(name))
        .one(conn)
        .await
}

fn unique_name(e: sea_orm::DbErr, field: &str) -> AccountError {
    if is_unique_violation(&e) {
        Failure::new(
            Some(field),
            GroupCode::Unique,
            "Group with this Name already exists.",
        )
        .into()
    } else {
        e.into()
    }
}

/// Maps a unique violation on users (email or external reference) to `UNIQUE`.
fn unique_email(e: sea_orm::DbErr, field: &str) -> AccountError {
    if is_unique_violation(&e) {
        let text = e.to_string();
        let field = if text.contains("external_reference") {
            "externalReference"
        } else {
            field
        };
        AccountError::one(
            Some(field),
            Code::Unique,
            format!("User with this {} already exists.", field_label(field)),
        )
    } else {
        e.into()
    }
}

fn field_label(field: &str) -> &'static str {
    if field == "externalReference" {
        "External reference"
    } else {
        "Email"
    }
}

async fn add_members<C: ConnectionTrait>(
    conn: &C,
    group_id: i32,
    users: &[i32],
) -> Result<(), sea_orm::DbErr> {
    let existing: HashSet<i32> = membership::Entity::find()
        .filter(membership::Column::GroupId.eq(group_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    for u in dedup(users) {
        if !existing.contains(&u) {
            membership::ActiveModel {
                user_id: Set(u),
                group_id: Set(group_id),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

async fn add_channels<C: ConnectionTrait>(
    conn: &C,
    group_id: i32,
    channels: &[i32],
) -> Result<(), sea_orm::DbErr> {
    let existing: HashSet<i32> = permission_group_channel::Entity::find()
        .filter(permission_group_channel::Column::GroupId.eq(group_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.channel_id)
        .collect();
    for c in dedup(channels) {
        if !existing.contains(&c) {
            permission_group_channel::ActiveModel {
                group_id: Set(group_id),
                channel_id: Set(c),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Groups must exist and hold no permission beyond the caller's (`OUT_OF_SCOPE_GROUP`).
fn check_groups(
    graph: &StaffGraph,
    groups: &[i32],
    field: &str,
    mine: &BTreeSet<Permission>,
) -> AccountResult<()> {
    if let Some(missing) = groups.iter().find(|g| !graph.perms.contains_key(g)) {
        return Err(not_found("Group", *missing));
    }
    let out: Vec<i32> = dedup(groups)
        .into_iter()
        .filter(|g| graph.perms.get(g).is_some_and(|p| !p.is_subset(mine)))
        .collect();
    if out.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            Some(field),
            Code::OutOfScopeGroup,
            "You can't manage these groups.",
        )
        .groups(gids("Group", out))
        .into())
    }
}

async fn group_event<C: ConnectionTrait>(
    conn: &C,
    event_type: EventType,
    g: &group::Model,
    req: &RequestCtx,
) -> Result<(), sea_orm::DbErr> {
    let mut event =
        crate::events::NewEvent::new(event_type, "Group", g.id).requestor(req.requestor_id());
    event.payload = json!({
        "group": {
            "id": id::encode("Group", g.id).to_string(),
            "name": g.name,
            "permissions": g.permissions,
            "restricted_access_to_channels": g.restricted_access_to_channels,
        }
    });
    crate::events::outbox::push(conn, event).await.map(|_| ())
}
