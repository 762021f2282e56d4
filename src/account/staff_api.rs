//! GraphQL for staff: `staffUsers`, `customers`, `user`, `permissionGroups`,
//! `permissionGroup`, and the staff, customer and permission-group mutations. Resolvers
//! check permissions through `RequestCtx`, call `staff.rs` and shape Saleor's payloads.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::{
    api::{AccountErrorObject, AddressInput, GroupNode, UserNode, domain_error, pairs},
    error::{
        AccountError as DomainError, AccountErrorCode, AddressTypeEnum, Failure,
        PermissionGroupErrorCode,
    },
    staff::{
        CustomerChanges, GroupChanges, GroupQuery, StaffChanges, UserLookup, UserQuery, UserSort,
        group_key,
    },
};
use crate::core::{
    connection::{self, Countable, OrderDirection, Page, PageArgs, build},
    context::RequestCtx,
    country::LanguageCodeEnum,
    error::{ErrorCode, error},
    id,
    metadata::MetadataInput,
    permissions::Permission,
    scalars::{DateRangeInput, DateTimeRangeInput},
};
use crate::countable_names;
use crate::state::AppState;
use crate::state::parts;

countable_names!(UserNames, "User");
countable_names!(GroupNames, "Group");

// ------------------------------------------------------------------------ errors

/// An error of a staff mutation (Saleor's `StaffError`).
#[derive(SimpleObject, Clone, Debug)]
pub struct StaffError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: AccountErrorCode,
    /// A type of address that causes the error.
    pub address_type: Option<AddressTypeEnum>,
    /// List of attributes IDs which causes the error.
    pub attributes: Option<Vec<ID>>,
    /// List of permission group IDs which cause the error.
    pub permissions: Option<Vec<Permission>>,
    /// List of permission group IDs which cause the error.
    pub groups: Option<Vec<ID>>,
    /// List of user IDs which causes the error.
    pub users: Option<Vec<ID>>,
}

fn ids(list: Option<Vec<String>>) -> Option<Vec<ID>> {
    list.map(|l| l.into_iter().map(ID).collect())
}

impl From<Failure> for StaffError {
    fn from(f: Failure) -> Self {
        Self {
            field: f.field,
            message: Some(f.message),
            code: f.code,
            address_type: f.address_type,
            attributes: None,
            permissions: f.params.permissions,
            groups: ids(f.params.groups),
            users: ids(f.params.users),
        }
    }
}

/// An error of a permission-group mutation (Saleor's `PermissionGroupError`).
#[derive(SimpleObject, Clone, Debug)]
pub struct PermissionGroupError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: PermissionGroupErrorCode,
    /// List of permissions which causes the error.
    pub permissions: Option<Vec<Permission>>,
    /// List of user IDs which causes the error.
    pub users: Option<Vec<ID>>,
    /// List of channels IDs which causes the error.
    pub channels: Option<Vec<ID>>,
}

impl From<Failure<PermissionGroupErrorCode>> for PermissionGroupError {
    fn from(f: Failure<PermissionGroupErrorCode>) -> Self {
        Self {
            field: f.field,
            message: Some(f.message),
            code: f.code,
            permissions: f.params.permissions,
            users: ids(f.params.users),
            channels: ids(f.params.channels),
        }
    }
}

fn staff_errors(req: &RequestCtx, e: DomainError) -> Result<Vec<StaffError>> {
    match e {
        DomainError::Invalid(f) => Ok(f.into_iter().map(Into::into).collect()),
        other => Err(domain_error(req, other)),
    }
}

fn group_errors(req: &RequestCtx, e: DomainError) -> Result<Vec<PermissionGroupError>> {
    match e {
        DomainError::Group(f) => Ok(f.into_iter().map(Into::into).collect()),
        other => Err(domain_error(req, other)),
    }
}

fn customer_errors(req: &RequestCtx, e: DomainError) -> Result<Vec<AccountErrorObject>> {
    super::api::account_errors(req, e)
}

// ------------------------------------------------------------------------ inputs

/// Saleor's `UserSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserSortField {
    /// Sort users by first name.
    FirstName,
    /// Sort users by last name.
    LastName,
    /// Sort users by email.
    Email,
    /// Sort users by order count (not supported: orders are not counted yet).
    OrderCount,
    /// Sort users by created at.
    CreatedAt,
    /// Sort users by last modified at.
    LastModifiedAt,
    /// Sort users by rank. Note: This option is available only with the `search` filter.
    Rank,
}

/// Saleor's `UserSortingInput`.
#[derive(InputObject, Clone, Debug)]
pub struct UserSortingInput {
    /// Specifies the direction in which to sort users.
    pub direction: OrderDirection,
    /// Sort users by the selected field.
    pub field: UserSortField,
}

/// Saleor's `StaffMemberStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StaffMemberStatus {
    /// User account has been activated.
    Active,
    /// User account has not been activated yet.
    Deactivated,
}

/// Saleor's `StaffUserInput` (the filter of `staffUsers`).
#[derive(InputObject, Clone, Debug, Default)]
pub struct StaffUserInput {
    pub status: Option<StaffMemberStatus>,
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
}

/// Saleor's `CustomerFilterInput` (the fields we support).
#[derive(InputObject, Clone, Debug, Default)]
pub struct CustomerFilterInput {
    pub date_joined: Option<DateRangeInput>,
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
    pub updated_at: Option<DateTimeRangeInput>,
}

/// Saleor's `PermissionGroupFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PermissionGroupFilterInput {
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
}

/// Saleor's `PermissionGroupSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PermissionGroupSortField {
    /// Sort permission group accounts by name.
    Name,
}

/// Saleor's `PermissionGroupSortingInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PermissionGroupSortingInput {
    /// Specifies the direction in which to sort permission group.
    pub direction: OrderDirection,
    /// Sort permission group by the selected field.
    pub field: PermissionGroupSortField,
}

/// Saleor's `PermissionGroupCreateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PermissionGroupCreateInput {
    /// List of permission code names to assign to this group.
    pub add_permissions: Option<Vec<Permission>>,
    /// List of users to assign to this group.
    pub add_users: Option<Vec<ID>>,
    /// List of channels to assign to this group.
    pub add_channels: Option<Vec<ID>>,
    /// Group name.
    pub name: String,
    /// Determine if the group has restricted access to channels. DEFAULT: False
    #[graphql(default_with = "Some(false)")]
    pub restricted_access_to_channels: Option<bool>,
}

/// Saleor's `PermissionGroupUpdateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PermissionGroupUpdateInput {
    /// List of permission code names to assign to this group.
    pub add_permissions: Option<Vec<Permission>>,
    /// List of users to assign to this group.
    pub add_users: Option<Vec<ID>>,
    /// List of channels to assign to this group.
    pub add_channels: Option<Vec<ID>>,
    /// Group name.
    pub name: Option<String>,
    /// List of permission code names to unassign from this group.
    pub remove_permissions: Option<Vec<Permission>>,
    /// List of users to unassign from this group.
    pub remove_users: Option<Vec<ID>>,
    /// List of channels to unassign from this group.
    pub remove_channels: Option<Vec<ID>>,
    /// Determine if the group has restricted access to channels.
    pub restricted_access_to_channels: Option<bool>,
}

/// Saleor's `StaffCreateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct StaffCreateInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The unique email address of the user.
    pub email: Option<String>,
    /// User account is active.
    pub is_active: Option<bool>,
    /// A note about the user.
    pub note: Option<String>,
    /// Fields required to update the user metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Fields required to update the user private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// List of permission group IDs to which user should be assigned.
    pub add_groups: Option<Vec<ID>>,
    /// URL of a view where users should be redirected to set the password. URL in RFC
    /// 1808 format.
    pub redirect_url: Option<String>,
}

/// Saleor's `StaffUpdateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct StaffUpdateInput {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The unique email address of the user.
    pub email: Option<String>,
    /// User account is active.
    pub is_active: Option<bool>,
    /// A note about the user.
    pub note: Option<String>,
    /// Fields required to update the user metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Fields required to update the user private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// List of permission group IDs to which user should be assigned.
    pub add_groups: Option<Vec<ID>>,
    /// List of permission group IDs from which user should be unassigned.
    pub remove_groups: Option<Vec<ID>>,
}

/// Saleor's `UserCreateInput` (without customer types and attributes).
#[derive(InputObject, Clone)]
pub struct UserCreateInput {
    /// Billing address of the customer.
    pub default_billing_address: Option<AddressInput>,
    /// Shipping address of the customer.
    pub default_shipping_address: Option<AddressInput>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The unique email address of the user.
    pub email: Option<String>,
    /// User account is active.
    pub is_active: Option<bool>,
    /// A note about the user.
    pub note: Option<String>,
    /// Fields required to update the user metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Fields required to update the user private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// User language code.
    pub language_code: Option<LanguageCodeEnum>,
    /// External ID of the customer.
    pub external_reference: Option<String>,
    /// User account is confirmed.
    #[graphql(
        deprecation = "The user will be always set as unconfirmed. The confirmation will take place when the user sets the password."
    )]
    pub is_confirmed: Option<bool>,
    /// URL of a view where users should be redirected to set the password. URL in RFC
    /// 1808 format.
    pub redirect_url: Option<String>,
    /// Slug of a channel which will be used for notify user. Optional when only one
    /// channel exists.
    pub channel: Option<String>,
}

/// Saleor's `CustomerInput` (without customer types and attributes).
#[derive(InputObject, Clone)]
pub struct CustomerInput {
    /// Billing address of the customer.
    pub default_billing_address: Option<AddressInput>,
    /// Shipping address of the customer.
    pub default_shipping_address: Option<AddressInput>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The unique email address of the user.
    pub email: Option<String>,
    /// User account is active.
    pub is_active: Option<bool>,
    /// A note about the user.
    pub note: Option<String>,
    /// Fields required to update the user metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Fields required to update the user private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
    /// User language code.
    pub language_code: Option<LanguageCodeEnum>,
    /// External ID of the customer.
    pub external_reference: Option<String>,
    /// User account is confirmed.
    pub is_confirmed: Option<bool>,
}

// ------------------------------------------------------------------------ payloads

macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $legacy:ident, $err:ty { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
            #[graphql(deprecation = "Use `errors` field instead.")]
            pub $legacy: Vec<$err>,
            pub errors: Vec<$err>,
        }

        impl $name {
            /// A payload carrying only `errors`.
            #[allow(clippy::needless_update)]
            pub fn failed(errors: Vec<$err>) -> Self {
                Self { $legacy: errors.clone(), errors, ..Default::default() }
            }
        }
    };
}

payload!(
    /// Create new permission group.
    PermissionGroupCreate, permission_group_errors, PermissionGroupError { group: Option<GroupNode> }
);
payload!(
    /// Update permission group.
    PermissionGroupUpdate, permission_group_errors, PermissionGroupError { group: Option<GroupNode> }
);
payload!(
    /// Delete permission group.
    PermissionGroupDelete, permission_group_errors, PermissionGroupError { group: Option<GroupNode> }
);
payload!(
    /// Creates a new staff user.
    StaffCreate, staff_errors, StaffError { user: Option<UserNode> }
);
payload!(
    /// Updates an existing staff user.
    StaffUpdate, staff_errors, StaffError { user: Option<UserNode> }
);
payload!(
    /// Deletes a staff user.
    StaffDelete, staff_errors, StaffError { user: Option<UserNode> }
);
payload!(
    /// Deletes staff users. Apps are not allowed to perform this mutation.
    StaffBulkDelete, staff_errors, StaffError {
        /// Returns how many objects were affected.
        count: i32,
    }
);
payload!(
    /// Creates a new customer.
    CustomerCreate, account_errors, AccountErrorObject { user: Option<UserNode> }
);
payload!(
    /// Updates an existing customer.
    CustomerUpdate, account_errors, AccountErrorObject { user: Option<UserNode> }
);
payload!(
    /// Deletes a customer.
    CustomerDelete, account_errors, AccountErrorObject { user: Option<UserNode> }
);
payload!(
    /// Deletes customers.
    CustomerBulkDelete, account_errors, AccountErrorObject {
        /// Returns how many objects were affected.
        count: i32,
    }
);

// ------------------------------------------------------------------------ helpers

/// Decodes an optional list of global IDs of `type_name` (top-level `INVALID_ID` on a bad
/// one; `PermissionGroupErrorCode` has no code for it).
fn decode_all(list: Option<Vec<ID>>, type_name: &str) -> Result<Vec<i32>> {
    list.unwrap_or_default()
        .iter()
        .map(|gid| id::decode::<i32>(gid, type_name))
        .collect()
}

fn user_sort(sort: Option<UserSortingInput>) -> Result<(UserSort, bool)> {
    let Some(sort) = sort else {
        return Ok((UserSort::Email, false));
    };
    let field = match sort.field {
        UserSortField::FirstName => UserSort::FirstName,
        UserSortField::LastName => UserSort::LastName,
        UserSortField::Email | UserSortField::Rank => UserSort::Email,
        UserSortField::CreatedAt => UserSort::CreatedAt,
        UserSortField::LastModifiedAt => UserSort::LastModifiedAt,
        UserSortField::OrderCount => {
            return Err(error(
                ErrorCode::InvalidInput,
                "Sorting users by ORDER_COUNT is not supported.",
            ));
        }
    };
    Ok((field, sort.direction == OrderDirection::Desc))
}

type UserConnection = Countable<UserNode, UserNames>;

async fn users_connection(
    req: &RequestCtx,
    state: &AppState,
    query: UserQuery,
    args: PageArgs,
    field: &str,
) -> Result<UserConnection> {
    let page = Page::parse(&args, field)?;
    let (rows, total) = state
        .accounts
        .users_page(&query, &page)
        .await
        .map_err(|e| e.into_error(req))?;
    let sort = query.sort;
    Ok(build(
        rows.map(UserNode::from),
        total,
        move |n: &UserNode| sort.key(&n.model),
    ))
}

fn customer_changes(
    input: CustomerInput,
    redirect_url: Option<String>,
    channel: Option<String>,
) -> CustomerChanges {
    CustomerChanges {
        email: input.email,
        first_name: input.first_name,
        last_name: input.last_name,
        is_active: input.is_active,
        is_confirmed: input.is_confirmed,
        note: input.note,
        language_code: input.language_code.map(|l| l.code().to_owned()),
        external_reference: input.external_reference,
        metadata: input.metadata.as_deref().map(pairs),
        private_metadata: input.private_metadata.as_deref().map(pairs),
        default_billing_address: input.default_billing_address.map(Into::into),
        default_shipping_address: input.default_shipping_address.map(Into::into),
        redirect_url,
        channel,
    }
}

/// `id` or `externalReference` of `customerUpdate` / `customerDelete`.
fn customer_lookup(
    id_arg: Option<ID>,
    external_reference: Option<String>,
) -> std::result::Result<UserLookup, Vec<AccountErrorObject>> {
    let fail = |message: String| {
        vec![AccountErrorObject::from(Failure::new(
            Some("id"),
            AccountErrorCode::GraphqlError,
            message,
        ))]
    };
    match (id_arg, external_reference) {
        (Some(gid), None) => id::decode::<i32>(&gid, "User")
            .map(UserLookup::Id)
            .map_err(|e| fail(e.message)),
        (None, Some(r)) => Ok(UserLookup::ExternalReference(r)),
        _ => Err(fail(
            "Argument 'id' or 'external_reference' must be provided.".into(),
        )),
    }
}

// ------------------------------------------------------------------------ queries

/// Staff-side account queries.
#[derive(Default)]
pub struct StaffQuery;

#[Object]
impl StaffQuery {
    /// List of the shop's staff users.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn staff_users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filtering options for staff users.")] filter: Option<StaffUserInput>,
        #[graphql(desc = "Sort staff users.")] sort_by: Option<UserSortingInput>,
        #[graphql(desc = "Return the elements in the list that come before the specified cursor.")]
        before: Option<String>,
        #[graphql(desc = "Return the elements in the list that come after the specified cursor.")]
        after: Option<String>,
        #[graphql(
            desc = "Retrieve the first n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Retrieve the last n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        last: Option<i32>,
    ) -> Result<Option<UserConnection>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageStaff])?;
        let filter = filter.unwrap_or_default();
        let (sort, descending) = user_sort(sort_by)?;
        let query = UserQuery {
            staff: true,
            search: filter.search,
            ids: filter
                .ids
                .map(|l| decode_all(Some(l), "User"))
                .transpose()?,
            is_active: filter.status.map(|s| s == StaffMemberStatus::Active),
            joined: (None, None),
            updated: (None, None),
            sort,
            descending,
        };
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        Ok(Some(
            users_connection(req, state, query, args, "staffUsers").await?,
        ))
    }

    /// List of the shop's customers.
    ///
    /// Requires one of the following permissions: MANAGE_ORDERS, MANAGE_USERS.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Filtering options for customers.",
            deprecation = "Use `where` filter instead."
        )]
        filter: Option<CustomerFilterInput>,
        #[graphql(desc = "Sort customers.")] sort_by: Option<UserSortingInput>,
        #[graphql(desc = "Search customers by email, first name or last name.")] search: Option<
            String,
        >,
        #[graphql(desc = "Return the elements in the list that come before the specified cursor.")]
        before: Option<String>,
        #[graphql(desc = "Return the elements in the list that come after the specified cursor.")]
        after: Option<String>,
        #[graphql(
            desc = "Retrieve the first n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Retrieve the last n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        last: Option<i32>,
    ) -> Result<Option<UserConnection>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageOrders, Permission::ManageUsers])?;
        let filter = filter.unwrap_or_default();
        let (sort, descending) = user_sort(sort_by)?;
        let query = UserQuery {
            staff: false,
            search: search.or(filter.search),
            ids: filter
                .ids
                .map(|l| decode_all(Some(l), "User"))
                .transpose()?,
            is_active: None,
            joined: filter.date_joined.map(|r| r.bounds()).unwrap_or_default(),
            updated: filter
                .updated_at
                .map(|r| (r.gte, r.lte))
                .unwrap_or_default(),
            sort,
            descending,
        };
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        Ok(Some(
            users_connection(req, state, query, args, "customers").await?,
        ))
    }

    /// Look up a user by ID or email address.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF, MANAGE_USERS,
    /// MANAGE_ORDERS.
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the user.")] id: Option<ID>,
        #[graphql(desc = "Email address of the user.")] email: Option<String>,
        #[graphql(desc = "External ID of the user.")] external_reference: Option<String>,
    ) -> Result<Option<UserNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[
            Permission::ManageStaff,
            Permission::ManageUsers,
            Permission::ManageOrders,
        ])?;
        let lookup = match (id, email, external_reference) {
            (Some(gid), None, None) => UserLookup::Id(id::decode::<i32>(&gid, "User")?),
            (None, Some(email), None) => UserLookup::Email(email),
            (None, None, Some(r)) => UserLookup::ExternalReference(r),
            _ => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Argument 'id', 'email' or 'external_reference' must be provided.",
                ));
            }
        };
        let found = state
            .accounts
            .find_user(req, &lookup)
            .await
            .map_err(|e| domain_error(req, e))?;
        Ok(found.map(UserNode::from))
    }

    /// List of permission groups.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn permission_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filtering options for permission groups.")] filter: Option<
            PermissionGroupFilterInput,
        >,
        #[graphql(desc = "Sort permission groups.")] sort_by: Option<PermissionGroupSortingInput>,
        #[graphql(desc = "Return the elements in the list that come before the specified cursor.")]
        before: Option<String>,
        #[graphql(desc = "Return the elements in the list that come after the specified cursor.")]
        after: Option<String>,
        #[graphql(
            desc = "Retrieve the first n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Retrieve the last n elements from the list. Note that the system only allows fetching a maximum of 100 objects in a single query."
        )]
        last: Option<i32>,
    ) -> Result<Option<Countable<GroupNode, GroupNames>>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageStaff])?;
        let filter = filter.unwrap_or_default();
        let query = GroupQuery {
            search: filter.search,
            ids: filter
                .ids
                .map(|l| decode_all(Some(l), "Group"))
                .transpose()?,
            descending: sort_by.is_some_and(|s| s.direction == OrderDirection::Desc),
        };
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "permissionGroups",
        )?;
        let (rows, total) = state
            .accounts
            .groups_page(&query, &page)
            .await
            .map_err(|e| e.into_error(req))?;
        Ok(Some(build(
            rows.map(GroupNode::from),
            total,
            |g: &GroupNode| group_key(&g.model),
        )))
    }

    /// Look up permission group by ID.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn permission_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the group.")] id: ID,
    ) -> Result<Option<GroupNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageStaff])?;
        let pk = id::decode::<i32>(&id, "Group")?;
        let found = state
            .accounts
            .group(pk)
            .await
            .map_err(|e| domain_error(req, e))?;
        Ok(found.map(GroupNode::from))
    }
}

// ------------------------------------------------------------------------ mutations

/// Staff-side account mutations.
#[derive(Default)]
pub struct StaffMutation;

/// Decodes an ID list of a staff or customer input; an invalid ID becomes a
/// `GRAPHQL_ERROR` mutation error on the field, as Saleor.
macro_rules! staff_ids {
    ($payload:ident, $list:expr, $type:literal, $field:literal) => {
        match decode_all($list, $type) {
            Ok(v) => v,
            Err(e) => {
                let failure = Failure::new(Some($field), AccountErrorCode::GraphqlError, e.message);
                return Ok($payload::failed(vec![failure.into()]));
            }
        }
    };
}

#[Object]
impl StaffMutation {
    /// Create new permission group. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn permission_group_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Input fields to create permission group.")]
        input: PermissionGroupCreateInput,
    ) -> Result<Option<PermissionGroupCreate>> {
        let result: Result<PermissionGroupCreate> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let changes = GroupChanges {
                name: Some(input.name),
                add_permissions: input.add_permissions.unwrap_or_default(),
                add_users: decode_all(input.add_users, "User")?,
                add_channels: decode_all(input.add_channels, "Channel")?,
                restricted_access_to_channels: input.restricted_access_to_channels,
                ..Default::default()
            };
            match state.accounts.create_group(req, changes).await {
                Ok(g) => {
                    state.events.wake();
                    Ok(PermissionGroupCreate {
                        group: Some(g.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(PermissionGroupCreate::failed(group_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Update permission group. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn permission_group_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the group to update.")] id: ID,
        #[graphql(desc = "Input fields to create permission group.")]
        input: PermissionGroupUpdateInput,
    ) -> Result<Option<PermissionGroupUpdate>> {
        let result: Result<PermissionGroupUpdate> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let pk = id::decode::<i32>(&id, "Group")?;
            let changes = GroupChanges {
                name: input.name,
                add_permissions: input.add_permissions.unwrap_or_default(),
                remove_permissions: input.remove_permissions.unwrap_or_default(),
                add_users: decode_all(input.add_users, "User")?,
                remove_users: decode_all(input.remove_users, "User")?,
                add_channels: decode_all(input.add_channels, "Channel")?,
                remove_channels: decode_all(input.remove_channels, "Channel")?,
                restricted_access_to_channels: input.restricted_access_to_channels,
            };
            match state.accounts.update_group(req, pk, changes).await {
                Ok(g) => {
                    state.events.wake();
                    Ok(PermissionGroupUpdate {
                        group: Some(g.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(PermissionGroupUpdate::failed(group_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Delete permission group. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn permission_group_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the group to delete.")] id: ID,
    ) -> Result<Option<PermissionGroupDelete>> {
        let result: Result<PermissionGroupDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let pk = id::decode::<i32>(&id, "Group")?;
            match state.accounts.delete_group(req, pk).await {
                Ok(g) => {
                    state.events.wake();
                    Ok(PermissionGroupDelete {
                        group: Some(g.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(PermissionGroupDelete::failed(group_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Creates a new staff user. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn staff_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a staff user.")] input: StaffCreateInput,
    ) -> Result<Option<StaffCreate>> {
        let result: Result<StaffCreate> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let changes = StaffChanges {
                email: input.email,
                first_name: input.first_name,
                last_name: input.last_name,
                is_active: input.is_active,
                note: input.note,
                metadata: input.metadata.as_deref().map(pairs),
                private_metadata: input.private_metadata.as_deref().map(pairs),
                add_groups: staff_ids!(StaffCreate, input.add_groups, "Group", "addGroups"),
                remove_groups: vec![],
                redirect_url: input.redirect_url,
            };
            match state.accounts.create_staff(req, changes).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(StaffCreate {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(StaffCreate::failed(staff_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates an existing staff user. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn staff_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a staff user to update.")] id: ID,
        #[graphql(desc = "Fields required to update a staff user.")] input: StaffUpdateInput,
    ) -> Result<Option<StaffUpdate>> {
        let result: Result<StaffUpdate> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let pk = id::decode::<i32>(&id, "User")?;
            let changes = StaffChanges {
                email: input.email,
                first_name: input.first_name,
                last_name: input.last_name,
                is_active: input.is_active,
                note: input.note,
                metadata: input.metadata.as_deref().map(pairs),
                private_metadata: input.private_metadata.as_deref().map(pairs),
                add_groups: staff_ids!(StaffUpdate, input.add_groups, "Group", "addGroups"),
                remove_groups: staff_ids!(
                    StaffUpdate,
                    input.remove_groups,
                    "Group",
                    "removeGroups"
                ),
                redirect_url: None,
            };
            match state.accounts.update_staff(req, pk, changes).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(StaffUpdate {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(StaffUpdate::failed(staff_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes a staff user. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn staff_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a staff user to delete.")] id: ID,
    ) -> Result<Option<StaffDelete>> {
        let result: Result<StaffDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let pk = id::decode::<i32>(&id, "User")?;
            match state.accounts.delete_staff(req, pk).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(StaffDelete {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(StaffDelete::failed(staff_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes staff users. Apps are not allowed to perform this mutation.
    ///
    /// Requires one of the following permissions: MANAGE_STAFF.
    async fn staff_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of user IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<StaffBulkDelete>> {
        let result: Result<StaffBulkDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_staff_user(&[Permission::ManageStaff])?;
            let pks = staff_ids!(StaffBulkDelete, Some(ids), "User", "ids");
            match state.accounts.delete_staff_many(req, &pks).await {
                Ok(rows) => {
                    state.events.wake();
                    Ok(StaffBulkDelete {
                        count: i32::try_from(rows.len()).unwrap_or(i32::MAX),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(StaffBulkDelete::failed(staff_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Creates a new customer.
    ///
    /// Requires one of the following permissions: MANAGE_USERS.
    async fn customer_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a customer.")] input: UserCreateInput,
    ) -> Result<Option<CustomerCreate>> {
        let result: Result<CustomerCreate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageUsers])?;
            let redirect_url = input.redirect_url.clone();
            let channel = input.channel.clone();
            let as_customer = CustomerInput {
                default_billing_address: input.default_billing_address,
                default_shipping_address: input.default_shipping_address,
                first_name: input.first_name,
                last_name: input.last_name,
                email: input.email,
                is_active: input.is_active,
                note: input.note,
                metadata: input.metadata,
                private_metadata: input.private_metadata,
                language_code: input.language_code,
                external_reference: input.external_reference,
                is_confirmed: None,
            };
            let changes = customer_changes(as_customer, redirect_url, channel);
            match state.accounts.create_customer(req, changes).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(CustomerCreate {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(CustomerCreate::failed(customer_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates an existing customer.
    ///
    /// Requires one of the following permissions: MANAGE_USERS.
    async fn customer_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "External ID of a customer to update.")] external_reference: Option<
            String,
        >,
        #[graphql(desc = "ID of a customer to update.")] id: Option<ID>,
        #[graphql(desc = "Fields required to update a customer.")] input: CustomerInput,
    ) -> Result<Option<CustomerUpdate>> {
        let result: Result<CustomerUpdate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageUsers])?;
            let lookup = match customer_lookup(id, external_reference) {
                Ok(l) => l,
                Err(errors) => return Ok(CustomerUpdate::failed(errors)),
            };
            let changes = customer_changes(input, None, None);
            match state.accounts.update_customer(req, &lookup, changes).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(CustomerUpdate {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(CustomerUpdate::failed(customer_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes a customer.
    ///
    /// Requires one of the following permissions: MANAGE_USERS.
    async fn customer_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "External ID of a customer to delete.")] external_reference: Option<
            String,
        >,
        #[graphql(desc = "ID of a customer to delete.")] id: Option<ID>,
    ) -> Result<Option<CustomerDelete>> {
        let result: Result<CustomerDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageUsers])?;
            let lookup = match customer_lookup(id, external_reference) {
                Ok(l) => l,
                Err(errors) => return Ok(CustomerDelete::failed(errors)),
            };
            match state.accounts.delete_customer(req, &lookup).await {
                Ok(u) => {
                    state.events.wake();
                    Ok(CustomerDelete {
                        user: Some(u.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(CustomerDelete::failed(customer_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes customers.
    ///
    /// Requires one of the following permissions: MANAGE_USERS.
    async fn customer_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of user IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<CustomerBulkDelete>> {
        let result: Result<CustomerBulkDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageUsers])?;
            let pks = staff_ids!(CustomerBulkDelete, Some(ids), "User", "ids");
            match state.accounts.delete_customers(req, &pks).await {
                Ok(rows) => {
                    state.events.wake();
                    Ok(CustomerBulkDelete {
                        count: i32::try_from(rows.len()).unwrap_or(i32::MAX),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(CustomerBulkDelete::failed(customer_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }
}
