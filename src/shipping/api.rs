//! Saleor's `ShippingMethod` type and `Delivery`.

use async_graphql::{Enum, ID, Object, SimpleObject};

use crate::catalog::api::common::Money;
use crate::core::id;

use super::ShippingOption;

/// Saleor's `ShippingMethodTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShippingMethodTypeEnum {
    Price,
    Weight,
}

/// Shipping methods that can be used as means of shipping for orders and checkouts.
#[derive(Clone, Debug)]
pub struct ShippingMethodNode(pub ShippingOption);

#[Object(name = "ShippingMethod")]
impl ShippingMethodNode {
    /// Unique ID of ShippingMethod available for Order.
    async fn id(&self) -> ID {
        id::encode("ShippingMethod", self.0.method.id)
    }
    /// Type of the shipping method.
    #[graphql(deprecation = "No longer supported")]
    async fn r#type(&self) -> Option<ShippingMethodTypeEnum> {
        Some(if self.0.method.kind == "WEIGHT" {
            ShippingMethodTypeEnum::Weight
        } else {
            ShippingMethodTypeEnum::Price
        })
    }
    /// Shipping method name.
    async fn name(&self) -> &str {
        &self.0.method.name
    }
    /// Maximum delivery days for this shipping method.
    async fn maximum_delivery_days(&self) -> Option<i32> {
        self.0.method.maximum_delivery_days
    }
    /// Minimum delivery days for this shipping method.
    async fn minimum_delivery_days(&self) -> Option<i32> {
        self.0.method.minimum_delivery_days
    }
    /// The price of selected shipping method.
    async fn price(&self) -> Money {
        Money::from_minor(self.0.listing.price_amount, &self.0.listing.currency)
    }
    /// Maximum order price for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn maximum_order_price(&self) -> Option<Money> {
        self.0
            .listing
            .maximum_order_amount
            .map(|m| Money::from_minor(m, &self.0.listing.currency))
    }
    /// Minimum order price for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn minimum_order_price(&self) -> Option<Money> {
        self.0
            .listing
            .minimum_order_amount
            .map(|m| Money::from_minor(m, &self.0.listing.currency))
    }
    /// Describes if this shipping method is active and can be selected.
    async fn active(&self) -> bool {
        true
    }
    /// Message connected to this shipping method.
    async fn message(&self) -> Option<String> {
        None
    }
}

/// Represents a delivery option of a checkout.
#[derive(SimpleObject, Clone, Debug)]
pub struct Delivery {
    /// The ID of the delivery.
    pub id: ID,
    /// The shipping method of the delivery.
    pub shipping_method: Option<ShippingMethodNode>,
}

impl Delivery {
    /// The delivery by `option`.
    pub fn of(option: ShippingOption) -> Self {
        Self {
            // Saleor's type name for these IDs; `checkoutDeliveryMethodUpdate` accepts them.
            id: id::encode("CheckoutDelivery", option.method.id),
            shipping_method: Some(ShippingMethodNode(option)),
        }
    }
}

/// Represents a delivery method chosen for the checkout or order.
#[derive(async_graphql::Union, Clone)]
#[allow(clippy::large_enum_variant)] // short-lived GraphQL output values
pub enum DeliveryMethod {
    Warehouse(crate::catalog::api::warehouses::WarehouseNode),
    ShippingMethod(ShippingMethodNode),
}
