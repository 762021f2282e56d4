//! The checkout domain's error: Saleor's `CheckoutErrorCode` with a field, a message and
//! the variants/lines concerned, or an internal failure.

use async_graphql::Enum;

use crate::account::error::AddressTypeEnum;

/// Saleor's `CheckoutErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum CheckoutErrorCode {
    BillingAddressNotSet,
    CheckoutNotFullyPaid,
    GraphqlError,
    ProductNotPublished,
    ProductUnavailableForPurchase,
    InsufficientStock,
    Invalid,
    InvalidShippingMethod,
    NotFound,
    PaymentError,
    PriceOverrideReasonWithoutOverride,
    QuantityGreaterThanLimit,
    Required,
    ShippingAddressNotSet,
    ShippingMethodNotApplicable,
    DeliveryMethodNotApplicable,
    ShippingMethodNotSet,
    ShippingNotRequired,
    TaxError,
    Unique,
    VoucherNotApplicable,
    GiftCardNotApplicable,
    ZeroQuantity,
    MissingChannelSlug,
    ChannelInactive,
    UnavailableVariantInChannel,
    EmailNotSet,
    NoLines,
    InactivePayment,
    NonEditableGiftLine,
    NonRemovableGiftLine,
    ShippingChangeForbidden,
    MissingAddressData,
}

/// One validation failure, as Saleor's `CheckoutError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The input field (GraphQL name), if the failure is about one.
    pub field: Option<String>,
    /// Saleor's code.
    pub code: CheckoutErrorCode,
    /// Human-readable message.
    pub message: String,
    /// Primary keys of the variants concerned.
    pub variants: Vec<i32>,
    /// Primary keys of the checkout lines concerned.
    pub lines: Vec<i32>,
    /// Which address the failure is about.
    pub address_type: Option<AddressTypeEnum>,
}

impl Failure {
    /// A failure about `field` (or none).
    pub fn new(field: Option<&str>, code: CheckoutErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message: message.into(),
            variants: Vec::new(),
            lines: Vec::new(),
            address_type: None,
        }
    }

    /// The same failure, naming `variants`.
    pub fn with_variants(mut self, variants: Vec<i32>) -> Self {
        self.variants = variants;
        self
    }

    /// The same failure, naming `lines`.
    pub fn with_lines(mut self, lines: Vec<i32>) -> Self {
        self.lines = lines;
        self
    }
}

/// Why a checkout or order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    /// The request is invalid; shown to the client as `errors`.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    Invalid(Vec<Failure>),
    /// A database failure; logged, shown generically.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl CheckoutError {
    /// A single failure.
    pub fn one(field: Option<&str>, code: CheckoutErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![Failure::new(field, code, message)])
    }

    /// "not found" for `field`.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::one(Some(field), CheckoutErrorCode::NotFound, message)
    }
}

impl From<Failure> for CheckoutError {
    fn from(f: Failure) -> Self {
        Self::Invalid(vec![f])
    }
}

/// Result of a checkout operation.
pub type CheckoutResult<T> = Result<T, CheckoutError>;
