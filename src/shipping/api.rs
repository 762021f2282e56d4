//! Saleor's `ShippingMethod` type and `Delivery`.

use async_graphql::{ComplexObject, Enum, ID, SimpleObject};

use crate::catalog::api::common::{JsonString, Money, Weight};
use crate::core::id;
use crate::metadata::api::{HasMetadata, MetadataFields};

use super::ShippingOption;

/// Saleor's `ShippingMethodTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShippingMethodTypeEnum {
    Price,
    Weight,
}

/// Shipping methods that can be used as means of shipping for orders and checkouts.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "ShippingMethod")]
pub struct ShippingMethodNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub option: ShippingOption,
}

impl ShippingMethodNode {
    pub fn new(option: ShippingOption) -> Self {
        Self {
            meta: MetadataFields::new(&option.method.metadata, &option.method.private_metadata),
            option,
        }
    }
}

impl HasMetadata for ShippingMethodNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl ShippingMethodNode {
    /// Unique ID of ShippingMethod available for Order.
    async fn id(&self) -> ID {
        id::encode("ShippingMethod", self.option.method.id)
    }
    /// Type of the shipping method.
    #[graphql(deprecation = "No longer supported")]
    async fn r#type(&self) -> Option<ShippingMethodTypeEnum> {
        Some(if self.option.method.kind == "WEIGHT" {
            ShippingMethodTypeEnum::Weight
        } else {
            ShippingMethodTypeEnum::Price
        })
    }
    /// Shipping method name.
    async fn name(&self) -> &str {
        &self.option.method.name
    }
    /// Maximum delivery days for this shipping method.
    async fn maximum_delivery_days(&self) -> Option<i32> {
        self.option.method.maximum_delivery_days
    }
    /// Minimum delivery days for this shipping method.
    async fn minimum_delivery_days(&self) -> Option<i32> {
        self.option.method.minimum_delivery_days
    }
    /// The price of selected shipping method.
    async fn price(&self) -> Money {
        Money::from_minor(
            self.option.listing.price_amount,
            &self.option.listing.currency,
        )
    }
    /// Maximum order price for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn maximum_order_price(&self) -> Option<Money> {
        self.option
            .listing
            .maximum_order_amount
            .map(|m| Money::from_minor(m, &self.option.listing.currency))
    }
    /// Minimum order price for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn minimum_order_price(&self) -> Option<Money> {
        self.option
            .listing
            .minimum_order_amount
            .map(|m| Money::from_minor(m, &self.option.listing.currency))
    }
    /// Shipping method description. (Methods here have none.)
    async fn description(&self) -> Option<JsonString> {
        None
    }
    /// Minimum order weight for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn minimum_order_weight(&self) -> Option<Weight> {
        self.option
            .method
            .minimum_order_weight_grams
            .map(Weight::from_grams)
    }
    /// Maximum order weight for this shipping method.
    #[graphql(deprecation = "Use the root-level `shippingZone` query instead.")]
    async fn maximum_order_weight(&self) -> Option<Weight> {
        self.option
            .method
            .maximum_order_weight_grams
            .map(Weight::from_grams)
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
#[derive(SimpleObject, Clone)]
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
            shipping_method: Some(ShippingMethodNode::new(option)),
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

/// `Shop.availableShippingMethods`: the methods listed in the channel `channel` whose zone
/// covers the address's country (every zone when no country is given); empty for an
/// unknown channel, as Saleor answers.
pub async fn available_for_shop(
    ctx: &async_graphql::Context<'_>,
    channel: &str,
    address: Option<crate::account::api::AddressInput>,
) -> async_graphql::Result<Option<Vec<ShippingMethodNode>>> {
    let (state, req) = crate::state::parts(ctx)?;
    let Some(ch) = state
        .channels
        .by_slug(channel)
        .await
        .map_err(|e| req.internal(e))?
    else {
        return Ok(Some(Vec::new()));
    };
    let country = address.and_then(|a| a.country).map(|c| c.code());
    let options = super::listed_in(&state.db.conn, ch.id, country)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(Some(
        options.into_iter().map(ShippingMethodNode::new).collect(),
    ))
}
