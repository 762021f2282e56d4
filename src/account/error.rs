//! The accounts domain's error: Saleor's `AccountErrorCode` with a field and a message, or
//! an internal failure. Services return it; resolvers turn it into `AccountError` objects.

use async_graphql::Enum;

use crate::core::permissions::Permission;

/// Saleor's `AccountErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccountErrorCode {
    ActivateOwnAccount,
    ActivateSuperuserAccount,
    DuplicatedInputItem,
    DeactivateOwnAccount,
    DeactivateSuperuserAccount,
    DeleteNonStaffUser,
    DeleteOwnAccount,
    DeleteStaffAccount,
    DeleteSuperuserAccount,
    GraphqlError,
    Inactive,
    Invalid,
    InvalidPassword,
    LeftNotManageablePermission,
    InvalidCredentials,
    NotFound,
    OutOfScopeUser,
    OutOfScopeGroup,
    OutOfScopePermission,
    PasswordEntirelyNumeric,
    PasswordTooCommon,
    PasswordTooShort,
    PasswordTooSimilar,
    PasswordResetAlreadyRequested,
    Required,
    Unique,
    JwtSignatureExpired,
    JwtInvalidToken,
    JwtDecodeError,
    JwtMissingToken,
    JwtInvalidCsrfToken,
    ChannelInactive,
    MissingChannelSlug,
    AccountNotConfirmed,
    LoginAttemptDelayed,
    DisabledAuthenticationMethod,
    UnknownIpAddress,
    FileSizeLimitExceeded,
}

pub use crate::core::address::AddressTypeEnum;

/// Saleor's `PermissionGroupErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PermissionGroupErrorCode {
    Required,
    Unique,
    AssignNonStaffMember,
    DuplicatedInputItem,
    CannotRemoveFromLastGroup,
    LeftNotManageablePermission,
    OutOfScopePermission,
    OutOfScopeUser,
    OutOfScopeChannel,
}

/// Saleor's `AppErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AppErrorCode {
    Forbidden,
    GraphqlError,
    Invalid,
    InvalidStatus,
    InvalidPermission,
    InvalidUrlFormat,
    InvalidManifestFormat,
    InvalidCustomHeaders,
    DuplicatedExtensionIdentifier,
    DuplicatedWebhookIdentifier,
    ManifestUrlCantConnect,
    NotFound,
    Required,
    Unique,
    OutOfScopeApp,
    OutOfScopePermission,
    UnsupportedSaleorVersion,
}

/// The objects a failure is about, shown in the error's list fields (`permissions`,
/// `users`, `groups`, `channels`); ids are global IDs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub permissions: Option<Vec<Permission>>,
    pub users: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
}

/// One validation failure with the error code set `C` (`AccountErrorCode` unless said
/// otherwise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure<C = AccountErrorCode> {
    /// The input field (GraphQL name), if the failure is about one.
    pub field: Option<String>,
    pub code: C,
    pub message: String,
    pub address_type: Option<AddressTypeEnum>,
    pub params: Params,
}

impl<C> Failure<C> {
    /// A failure about `field` (or none).
    pub fn new(field: Option<&str>, code: C, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message: message.into(),
            address_type: None,
            params: Params::default(),
        }
    }

    /// The same failure naming the permissions it is about.
    pub fn permissions(mut self, perms: impl IntoIterator<Item = Permission>) -> Self {
        self.params.permissions = Some(perms.into_iter().collect());
        self
    }

    /// The same failure naming the users (global IDs) it is about.
    pub fn users(mut self, ids: Vec<String>) -> Self {
        self.params.users = Some(ids);
        self
    }

    /// The same failure naming the permission groups (global IDs) it is about.
    pub fn groups(mut self, ids: Vec<String>) -> Self {
        self.params.groups = Some(ids);
        self
    }

    /// The same failure naming the channels (global IDs) it is about.
    pub fn channels(mut self, ids: Vec<String>) -> Self {
        self.params.channels = Some(ids);
        self
    }
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The request is invalid; shown to the client as `errors`.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    Invalid(Vec<Failure>),
    /// A permission-group mutation is invalid (Saleor's `PermissionGroupError`).
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    Group(Vec<Failure<PermissionGroupErrorCode>>),
    /// An app mutation is invalid (Saleor's `AppError`).
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    App(Vec<Failure<AppErrorCode>>),
    /// The object named by an ID argument does not exist (a top-level `NOT_FOUND` error,
    /// as Saleor's "Couldn't resolve id").
    #[error("{0}")]
    NotFound(String),
    /// A database failure; logged, shown generically.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// Any other internal failure; logged, shown generically.
    #[error("{0}")]
    Internal(String),
}

impl AccountError {
    /// A single failure.
    pub fn one(field: Option<&str>, code: AccountErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Failure::new(field, code, message)])
    }

    /// "not found" for `field`.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::one(Some(field), AccountErrorCode::NotFound, message)
    }
}

impl From<Failure> for AccountError {
    fn from(f: Failure) -> Self {
        Self::Invalid(vec![f])
    }
}

impl From<Failure<PermissionGroupErrorCode>> for AccountError {
    fn from(f: Failure<PermissionGroupErrorCode>) -> Self {
        Self::Group(vec![f])
    }
}

impl From<Failure<AppErrorCode>> for AccountError {
    fn from(f: Failure<AppErrorCode>) -> Self {
        Self::App(vec![f])
    }
}

/// Result of an account operation.
pub type AccountResult<T> = Result<T, AccountError>;
