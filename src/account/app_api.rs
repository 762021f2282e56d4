//! GraphQL for apps: the `App` and `AppToken` types, `apps`, `app`, and `appCreate`,
//! `appUpdate`, `appDelete`, `appActivate`, `appDeactivate`, `appTokenCreate`,
//! `appTokenDelete`. Resolvers check permissions and call `apps.rs`.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{app, app_token};

use super::{
    api::{PermissionDisplay, domain_error},
    apps::{AppChanges, AppQuery, AppSort},
    error::{AccountError as DomainError, AppErrorCode, Failure},
    service::parse_permissions,
};
use crate::core::{
    connection::{self, Countable, OrderDirection, Page, PageArgs, build},
    context::RequestCtx,
    error::{ErrorCode, error},
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::AppState;
use crate::state::parts;

countable_names!(AppNames, "App");

/// Saleor's `AppTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AppTypeEnum {
    /// Local Saleor App. The app is fully manageable from dashboard. You can change
    /// assigned permissions, add webhooks, or authentication token.
    Local,
    /// Third party external service. One click installation by Saleor.
    Thirdparty,
}

/// Represents app data.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "App")]
pub struct AppNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: app::Model,
}

impl From<app::Model> for AppNode {
    fn from(model: app::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for AppNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

/// Whether the caller is this app itself.
fn is_owner(req: &RequestCtx, app_id: i32) -> bool {
    req.app().is_some_and(|a| a.id == app_id)
}

#[ComplexObject]
impl AppNode {
    /// The ID of the app.
    async fn id(&self) -> ID {
        id::encode("App", self.model.id)
    }

    /// Canonical app ID from the manifest.
    async fn identifier(&self) -> Option<&str> {
        self.model.identifier.as_deref()
    }

    /// List of the app's permissions.
    async fn permissions(&self) -> Option<Vec<PermissionDisplay>> {
        Some(
            parse_permissions(&self.model.permissions)
                .into_iter()
                .map(PermissionDisplay::from)
                .collect(),
        )
    }

    /// The date and time when the app was created.
    async fn created(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(self.model.created_at)
    }

    /// Determine if app will be set active or not.
    async fn is_active(&self) -> Option<bool> {
        Some(self.model.is_active)
    }

    /// Name of the app.
    async fn name(&self) -> Option<&str> {
        Some(&self.model.name)
    }

    /// Type of the app.
    #[graphql(name = "type")]
    async fn kind(&self) -> Option<AppTypeEnum> {
        Some(AppTypeEnum::Local)
    }

    /// Last 4 characters of the tokens.
    ///
    /// Requires one of the following permissions: MANAGE_APPS, OWNER.
    async fn tokens(&self, ctx: &Context<'_>) -> Result<Option<Vec<AppTokenNode>>> {
        let req = ctx.data::<RequestCtx>()?;
        if !is_owner(req, self.model.id) {
            req.require_any(&[Permission::ManageApps])?;
        }
        let state = ctx.data::<AppState>()?;
        let rows = state
            .accounts
            .app_tokens(self.model.id)
            .await
            .map_err(|e| domain_error(req, e))?;
        Ok(Some(rows.into_iter().map(AppTokenNode::masked).collect()))
    }
}

/// Represents token data. Only the last four characters of a token are ever shown here;
/// the raw token appears once, in the `authToken` of `appCreate` / `appTokenCreate`.
#[derive(Clone)]
pub struct AppTokenNode {
    model: app_token::Model,
}

impl AppTokenNode {
    /// A token showing only its last four characters.
    pub fn masked(model: app_token::Model) -> Self {
        Self { model }
    }
}

#[Object(name = "AppToken")]
impl AppTokenNode {
    /// The ID of the app token.
    async fn id(&self) -> ID {
        id::encode("AppToken", self.model.id)
    }

    /// Name of the authenticated token.
    async fn name(&self) -> Option<&str> {
        Some(&self.model.name)
    }

    /// Last 4 characters of the token.
    async fn auth_token(&self) -> Option<&str> {
        Some(&self.model.token_last_4)
    }
}

// ------------------------------------------------------------------------ errors and inputs

/// An error of an app mutation (Saleor's `AppError`).
#[derive(SimpleObject, Clone, Debug)]
pub struct AppError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: AppErrorCode,
    /// List of permissions which causes the error.
    pub permissions: Option<Vec<Permission>>,
}

impl From<Failure<AppErrorCode>> for AppError {
    fn from(f: Failure<AppErrorCode>) -> Self {
        Self {
            field: f.field,
            message: Some(f.message),
            code: f.code,
            permissions: f.params.permissions,
        }
    }
}

fn app_errors(req: &RequestCtx, e: DomainError) -> Result<Vec<AppError>> {
    match e {
        DomainError::App(f) => Ok(f.into_iter().map(Into::into).collect()),
        other => Err(domain_error(req, other)),
    }
}

/// Saleor's `AppInput`.
#[derive(InputObject, Clone, Debug)]
pub struct AppInput {
    /// Name of the app.
    pub name: Option<String>,
    /// Canonical app ID. If not provided, the identifier will be generated based on app.id.
    pub identifier: Option<String>,
    /// List of permission code names to assign to this app.
    pub permissions: Option<Vec<Permission>>,
}

impl From<AppInput> for AppChanges {
    fn from(i: AppInput) -> Self {
        Self {
            name: i.name,
            identifier: i.identifier,
            permissions: i.permissions,
        }
    }
}

/// Saleor's `AppTokenInput`.
#[derive(InputObject, Clone, Debug)]
pub struct AppTokenInput {
    /// Name of the token.
    pub name: Option<String>,
    /// ID of app.
    pub app: ID,
}

/// Saleor's `AppFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AppFilterInput {
    pub search: Option<String>,
    pub is_active: Option<bool>,
    #[graphql(name = "type")]
    pub kind: Option<AppTypeEnum>,
}

/// Saleor's `AppSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AppSortField {
    /// Sort apps by name.
    Name,
    /// Sort apps by creation date.
    CreationDate,
}

/// Saleor's `AppSortingInput`.
#[derive(InputObject, Clone, Debug)]
pub struct AppSortingInput {
    /// Specifies the direction in which to sort apps.
    pub direction: OrderDirection,
    /// Sort apps by the selected field.
    pub field: AppSortField,
}

// ------------------------------------------------------------------------ payloads

macro_rules! app_payload {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(SimpleObject, Default)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
            #[graphql(deprecation = "Use `errors` field instead.")]
            pub app_errors: Vec<AppError>,
            pub errors: Vec<AppError>,
        }

        impl $name {
            /// A payload carrying only `errors`.
            pub fn failed(errors: Vec<AppError>) -> Self {
                Self { app_errors: errors.clone(), errors, ..Default::default() }
            }
        }
    };
}

app_payload!(
    /// Creates a new app. Requires the following permissions: AUTHENTICATED_STAFF_USER and
    /// MANAGE_APPS.
    AppCreate {
        /// The newly created authentication token.
        auth_token: Option<String>,
        app: Option<AppNode>,
    }
);
app_payload!(
    /// Updates an existing app.
    AppUpdate { app: Option<AppNode> }
);
app_payload!(
    /// Deletes an app.
    AppDelete { app: Option<AppNode> }
);
app_payload!(
    /// Activate the app.
    AppActivate { app: Option<AppNode> }
);
app_payload!(
    /// Deactivate the app.
    AppDeactivate { app: Option<AppNode> }
);
app_payload!(
    /// Creates a new token.
    AppTokenCreate {
        /// The newly created authentication token.
        auth_token: Option<String>,
        app_token: Option<AppTokenNode>,
    }
);
app_payload!(
    /// Deletes an authentication token assigned to app.
    AppTokenDelete { app_token: Option<AppTokenNode> }
);

app_payload!(
    /// Verify provided app token.
    AppTokenVerify {
        /// Determine if token is valid or not.
        valid: bool,
    }
);

/// Decodes an app (or token) ID argument; a malformed one is a `GRAPHQL_ERROR` on `field`.
fn app_pk(gid: &ID, type_name: &str, field: &str) -> std::result::Result<i32, Vec<AppError>> {
    id::decode::<i32>(gid, type_name).map_err(|e| {
        vec![AppError::from(Failure::new(
            Some(field),
            AppErrorCode::GraphqlError,
            e.message,
        ))]
    })
}

// ------------------------------------------------------------------------ queries

/// App queries.
#[derive(Default)]
pub struct AppQueryRoot;

#[Object]
impl AppQueryRoot {
    /// List of the apps.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, MANAGE_APPS.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn apps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filtering options for apps.")] filter: Option<AppFilterInput>,
        #[graphql(desc = "Sort apps.")] sort_by: Option<AppSortingInput>,
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
    ) -> Result<Option<Countable<AppNode, AppNames>>> {
        let (state, req) = parts(ctx)?;
        if !req.user().is_some_and(|u| u.is_staff) {
            req.require_any(&[Permission::ManageApps])?;
        }
        let filter = filter.unwrap_or_default();
        let (sort, descending) = match sort_by {
            None => (AppSort::Name, false),
            Some(s) => (
                match s.field {
                    AppSortField::Name => AppSort::Name,
                    AppSortField::CreationDate => AppSort::CreationDate,
                },
                s.direction == OrderDirection::Desc,
            ),
        };
        let query = AppQuery {
            search: filter.search,
            is_active: filter.is_active,
            local: filter.kind != Some(AppTypeEnum::Thirdparty),
            sort,
            descending,
        };
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "apps",
        )?;
        let (rows, total) = state
            .accounts
            .apps_page(&query, &page)
            .await
            .map_err(|e| e.into_error(req))?;
        Ok(Some(build(
            rows.map(AppNode::from),
            total,
            move |a: &AppNode| sort.key(&a.model),
        )))
    }

    /// Look up an app by ID. If ID is not provided, return the currently authenticated
    /// app.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER
    /// AUTHENTICATED_APP. The authenticated app has access to its resources. Fetching
    /// different apps requires MANAGE_APPS permission.
    async fn app(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the app.")] id: Option<ID>,
    ) -> Result<Option<AppNode>> {
        let (state, req) = parts(ctx)?;
        req.require_staff_or_app()?;
        let pk = match (&id, req.app()) {
            (Some(gid), _) => id::decode::<i32>(gid, "App")?,
            (None, Some(me)) => me.id,
            (None, None) => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Argument 'id' is required when not authenticated as an app.",
                ));
            }
        };
        if req.app().is_some() && !is_owner(req, pk) {
            req.require_any(&[Permission::ManageApps])?;
        }
        let found = state
            .accounts
            .app(pk)
            .await
            .map_err(|e| domain_error(req, e))?;
        Ok(found.map(AppNode::from))
    }
}

// ------------------------------------------------------------------------ mutations

/// App mutations.
#[derive(Default)]
pub struct AppMutation;

#[Object]
impl AppMutation {
    /// Creates a new app. Requires the following permissions: AUTHENTICATED_STAFF_USER and
    /// MANAGE_APPS.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a new app.")] input: AppInput,
    ) -> Result<Option<AppCreate>> {
        let result: Result<AppCreate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            match state.accounts.create_app(req, input.into()).await {
                Ok((a, token)) => {
                    state.events.wake();
                    Ok(AppCreate {
                        auth_token: Some(token),
                        app: Some(a.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(AppCreate::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Updates an existing app.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an app to update.")] id: ID,
        #[graphql(desc = "Fields required to update an existing app.")] input: AppInput,
    ) -> Result<Option<AppUpdate>> {
        let result: Result<AppUpdate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&id, "App", "id") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppUpdate::failed(errors)),
            };
            match state.accounts.update_app(req, pk, input.into()).await {
                Ok(a) => {
                    state.events.wake();
                    Ok(AppUpdate {
                        app: Some(a.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(AppUpdate::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes an app.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an app to delete.")] id: ID,
    ) -> Result<Option<AppDelete>> {
        let result: Result<AppDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&id, "App", "id") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppDelete::failed(errors)),
            };
            match state.accounts.delete_app(req, pk).await {
                Ok(a) => {
                    state.events.wake();
                    Ok(AppDelete {
                        app: Some(a.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(AppDelete::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Activate the app.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_activate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of app to activate.")] id: ID,
    ) -> Result<Option<AppActivate>> {
        let result: Result<AppActivate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&id, "App", "id") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppActivate::failed(errors)),
            };
            match state.accounts.set_app_active(req, pk, true).await {
                Ok(a) => {
                    state.events.wake();
                    Ok(AppActivate {
                        app: Some(a.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(AppActivate::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deactivate the app.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_deactivate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of app to deactivate.")] id: ID,
    ) -> Result<Option<AppDeactivate>> {
        let result: Result<AppDeactivate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&id, "App", "id") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppDeactivate::failed(errors)),
            };
            match state.accounts.set_app_active(req, pk, false).await {
                Ok(a) => {
                    state.events.wake();
                    Ok(AppDeactivate {
                        app: Some(a.into()),
                        ..Default::default()
                    })
                }
                Err(e) => Ok(AppDeactivate::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Creates a new token.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_token_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a new auth token.")] input: AppTokenInput,
    ) -> Result<Option<AppTokenCreate>> {
        let result: Result<AppTokenCreate> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&input.app, "App", "app") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppTokenCreate::failed(errors)),
            };
            match state
                .accounts
                .create_app_token(req, pk, input.name.as_deref())
                .await
            {
                Ok((t, raw)) => Ok(AppTokenCreate {
                    auth_token: Some(raw),
                    app_token: Some(AppTokenNode::masked(t)),
                    ..Default::default()
                }),
                Err(e) => Ok(AppTokenCreate::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Verify provided app token. Answers only whether the token belongs to an active app.
    async fn app_token_verify(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "App token to verify.")] token: String,
    ) -> Result<Option<AppTokenVerify>> {
        let result: Result<AppTokenVerify> = async {
            let (state, req) = parts(ctx)?;
            match state.accounts.verify_app_token(&token).await {
                Ok(valid) => Ok(AppTokenVerify {
                    valid,
                    ..Default::default()
                }),
                Err(e) => Ok(AppTokenVerify::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }

    /// Deletes an authentication token assigned to app.
    ///
    /// Requires one of the following permissions: MANAGE_APPS.
    async fn app_token_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an auth token to delete.")] id: ID,
    ) -> Result<Option<AppTokenDelete>> {
        let result: Result<AppTokenDelete> = async {
            let (state, req) = parts(ctx)?;
            req.require_any(&[Permission::ManageApps])?;
            let pk = match app_pk(&id, "AppToken", "id") {
                Ok(pk) => pk,
                Err(errors) => return Ok(AppTokenDelete::failed(errors)),
            };
            match state.accounts.delete_app_token(req, pk).await {
                Ok(t) => Ok(AppTokenDelete {
                    app_token: Some(AppTokenNode::masked(t)),
                    ..Default::default()
                }),
                Err(e) => Ok(AppTokenDelete::failed(app_errors(req, e)?)),
            }
        }
        .await;
        result.map(Some)
    }
}
