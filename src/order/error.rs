//! The order domain's errors: Saleor's `OrderErrorCode` on the shared [`FieldError`] /
//! [`DomainError`](crate::core::mutation::DomainError), with the order lines, variants and
//! warehouse concerned.

use async_graphql::Enum;

use crate::core::id;
use crate::core::mutation::{DomainResult, ErrorCode, FieldError};

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

impl ErrorCode for OrderErrorCode {
    const GRAPHQL_ERROR: Self = Self::GraphqlError;
    const INVALID: Self = Self::Invalid;
    const NOT_FOUND: Self = Self::NotFound;
}

/// Result of an order operation.
pub type OrderResult<T> = DomainResult<T, OrderErrorCode>;

/// Names the order objects an error is about, by primary key.
pub trait OrderErrorRefs {
    /// The error concerns these order lines.
    fn with_lines(self, pks: Vec<i32>) -> Self;
    /// The error concerns these variants.
    fn with_variants(self, pks: Vec<i32>) -> Self;
    /// The error concerns this warehouse.
    fn with_warehouse(self, pk: i32) -> Self;
}

fn global_ids(type_name: &str, pks: Vec<i32>) -> Option<Vec<String>> {
    (!pks.is_empty()).then(|| {
        pks.into_iter()
            .map(|pk| id::encode(type_name, pk).0)
            .collect()
    })
}

impl<C> OrderErrorRefs for FieldError<C> {
    fn with_lines(self, pks: Vec<i32>) -> Self {
        self.with_refs(|r| r.order_lines = global_ids("OrderLine", pks))
    }

    fn with_variants(self, pks: Vec<i32>) -> Self {
        self.with_refs(|r| r.variants = global_ids("ProductVariant", pks))
    }

    fn with_warehouse(self, pk: i32) -> Self {
        self.with_refs(|r| r.warehouse = Some(id::encode("Warehouse", pk).0))
    }
}
