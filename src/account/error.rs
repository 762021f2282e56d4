//! The accounts domain's error: Saleor's `AccountErrorCode` with a field and a message, or
//! an internal failure. Services return it; resolvers turn it into `AccountError` objects.

use async_graphql::Enum;

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

/// Saleor's `AddressTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddressTypeEnum {
    Billing,
    Shipping,
}

/// One validation failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The input field (GraphQL name), if the failure is about one.
    pub field: Option<String>,
    pub code: AccountErrorCode,
    pub message: String,
    pub address_type: Option<AddressTypeEnum>,
}

impl Failure {
    /// A failure about `field` (or none).
    pub fn new(field: Option<&str>, code: AccountErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message: message.into(),
            address_type: None,
        }
    }
}

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The request is invalid; shown to the client as `errors`.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    Invalid(Vec<Failure>),
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

/// Result of an account operation.
pub type AccountResult<T> = Result<T, AccountError>;
