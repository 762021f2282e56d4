//! The order domain's error: Saleor's `OrderErrorCode` with a field, a message and the
//! order lines / variants / warehouse concerned, or an internal failure.

use async_graphql::Enum;

/// Saleor's `OrderErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum OrderErrorCode {
    BillingAddressNotSet,
    CannotCancelFulfillment,
    CannotCancelOrder,
    CannotDelete,
    CannotDiscount,
    CannotRefund,
    CannotFulfillUnpaidOrder,
    CaptureInactivePayment,
    GiftCardLine,
    NotEditable,
    FulfillOrderLine,
    GraphqlError,
    Invalid,
    ProductNotPublished,
    ProductUnavailableForPurchase,
    NotFound,
    OrderNoShippingAddress,
    PaymentError,
    PaymentMissing,
    TransactionError,
    Required,
    ShippingMethodNotApplicable,
    ShippingMethodRequired,
    TaxError,
    Unique,
    VoidInactivePayment,
    ZeroQuantity,
    InvalidQuantity,
    InsufficientStock,
    DuplicatedInputItem,
    NotAvailableInChannel,
    ChannelInactive,
    InvalidVoucher,
    InvalidVoucherCode,
    NonEditableGiftLine,
    NonRemovableGiftLine,
    MissingAddressData,
}

/// One validation failure, as Saleor's `OrderError`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderFailure {
    /// The input field (GraphQL name), if the failure is about one.
    pub field: Option<String>,
    /// Saleor's code.
    pub code: OrderErrorCode,
    /// Human-readable message.
    pub message: String,
    /// Primary keys of the order lines concerned.
    pub order_lines: Vec<i32>,
    /// Primary keys of the variants concerned.
    pub variants: Vec<i32>,
    /// The warehouse concerned.
    pub warehouse: Option<i32>,
}

impl OrderFailure {
    /// A failure about `field` (or none).
    pub fn new(field: Option<&str>, code: OrderErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.map(str::to_owned),
            code,
            message: message.into(),
            order_lines: Vec::new(),
            variants: Vec::new(),
            warehouse: None,
        }
    }

    /// The same failure, naming order `lines`.
    pub fn with_lines(mut self, lines: Vec<i32>) -> Self {
        self.order_lines = lines;
        self
    }

    /// The same failure, naming `variants`.
    pub fn with_variants(mut self, variants: Vec<i32>) -> Self {
        self.variants = variants;
        self
    }

    /// The same failure, naming a warehouse.
    pub fn with_warehouse(mut self, warehouse: i32) -> Self {
        self.warehouse = Some(warehouse);
        self
    }
}

/// Why an order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// The request is invalid; shown to the client as `errors`.
    #[error("{}", .0.first().map(|f| f.message.as_str()).unwrap_or("invalid"))]
    Invalid(Vec<OrderFailure>),
    /// A database failure; logged, shown generically.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

impl OrderError {
    /// A single failure.
    pub fn one(field: Option<&str>, code: OrderErrorCode, message: impl Into<String>) -> Self {
        Self::Invalid(vec![OrderFailure::new(field, code, message)])
    }
}

impl From<OrderFailure> for OrderError {
    fn from(f: OrderFailure) -> Self {
        Self::Invalid(vec![f])
    }
}

/// Result of an order operation.
pub type OrderResult<T> = Result<T, OrderError>;
