//! Address kinds shared by every domain that stores addresses.

use async_graphql::Enum;

/// Saleor's `AddressTypeEnum`: which of a customer's, checkout's or order's addresses.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddressTypeEnum {
    Billing,
    Shipping,
}
