//! Saleor's order API: `order(id)`, `orders` (staff), `User.orders`, `checkoutComplete`.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};
use entities::{order_line, shop_order};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::account::api::{AddressNode, UserNode};
use crate::catalog::api::common::{Image, Money, TaxedMoney, ThumbnailFormatEnum, image_url};
use crate::catalog::api::products::VariantNode;
use crate::catalog::api::variant_nodes::OrderedVariant;
use crate::channel::api::ChannelNode;
use crate::checkout::api::{CheckoutErrorNode, actor, checkout_token};
use crate::checkout::error::CheckoutError;
use crate::checkout::service::address_model;
use crate::core::connection::{self, Countable, KeyPart, Page, PageArgs, SortKey, TotalCount};
use crate::core::{context::RequestCtx, id, permissions::Permission};
use crate::countable_names;
use crate::loaders::loaders;
use crate::shipping::{
    self,
    api::{DeliveryMethod, ShippingMethodNode},
};
use crate::state::parts;
use crate::tax::Taxed;

use super::service::{self, Reader};
use super::workflow_api::{FulfillmentNode, OrderEventNode};

countable_names!(OrderNames, "Order");

/// Who reads, as the order service sees them.
pub fn reader(req: &RequestCtx) -> Reader {
    Reader {
        user_id: req.user().map(|u| u.id),
        manage: req.has_perm(Permission::ManageOrders),
    }
}

/// Saleor's `OrderStatus`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    Draft,
    Unconfirmed,
    Unfulfilled,
    PartiallyFulfilled,
    PartiallyReturned,
    Returned,
    Fulfilled,
    Canceled,
    Expired,
}

impl OrderStatus {
    fn parse(s: &str) -> Self {
        match s {
            "DRAFT" => Self::Draft,
            "UNCONFIRMED" => Self::Unconfirmed,
            "PARTIALLY_FULFILLED" => Self::PartiallyFulfilled,
            "PARTIALLY_RETURNED" => Self::PartiallyReturned,
            "RETURNED" => Self::Returned,
            "FULFILLED" => Self::Fulfilled,
            "CANCELED" => Self::Canceled,
            "EXPIRED" => Self::Expired,
            _ => Self::Unfulfilled,
        }
    }

    fn display(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Unconfirmed => "Unconfirmed",
            Self::Unfulfilled => "Unfulfilled",
            Self::PartiallyFulfilled => "Partially fulfilled",
            Self::PartiallyReturned => "Partially returned",
            Self::Returned => "Returned",
            Self::Fulfilled => "Fulfilled",
            Self::Canceled => "Canceled",
            Self::Expired => "Expired",
        }
    }
}

/// Saleor's `OrderOriginEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderOriginEnum {
    Checkout,
    Draft,
    Reissue,
    BulkCreate,
}

/// Saleor's `PaymentChargeStatusEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentChargeStatusEnum {
    NotCharged,
    Pending,
    PartiallyCharged,
    FullyCharged,
    PartiallyRefunded,
    FullyRefunded,
    Refused,
    Cancelled,
}

/// Saleor's `OrderChargeStatusEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderChargeStatusEnum {
    None,
    Partial,
    Full,
    Overcharged,
}

/// Saleor's `OrderAuthorizeStatusEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderAuthorizeStatusEnum {
    None,
    Partial,
    Full,
}

/// Saleor's `OrderDiscountType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDiscountType {
    Sale,
    Voucher,
    Manual,
    Promotion,
    OrderPromotion,
}

/// Contains all details related to the applied discount to the order.
#[derive(SimpleObject, Clone, Debug)]
pub struct OrderDiscount {
    /// The ID of discount applied.
    pub id: ID,
    /// The type of applied discount: Sale, Voucher or Manual.
    pub r#type: OrderDiscountType,
    /// The name of applied discount.
    pub name: Option<String>,
    /// Returns amount of discount.
    pub amount: Money,
}

/// Represents an order in the shop.
#[derive(Clone)]
pub struct OrderNode {
    /// The stored order.
    pub model: shop_order::Model,
    lines: Arc<tokio::sync::OnceCell<Vec<OrderLineNode>>>,
    paid: Arc<tokio::sync::OnceCell<crate::payment::service::Sums>>,
}

impl OrderNode {
    /// Wraps an order.
    pub fn new(model: shop_order::Model) -> Self {
        Self {
            model,
            lines: Arc::default(),
            paid: Arc::default(),
        }
    }

    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, &self.model.currency)
    }

    fn taxed(&self, gross: i64, net: i64) -> TaxedMoney {
        TaxedMoney::taxed(Taxed { net, gross }, &self.model.currency)
    }

    /// Payment sums over the order's transactions (loaded once per node).
    async fn paid(&self, ctx: &Context<'_>) -> Result<crate::payment::service::Sums> {
        self.paid
            .get_or_try_init(|| async {
                let txs = crate::payment::api::order_transaction_rows(ctx, &self.model.id).await?;
                Ok(crate::payment::service::Sums::of(&txs))
            })
            .await
            .copied()
    }

    async fn load_lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLineNode>> {
        self.lines
            .get_or_try_init(|| order_lines(ctx, &self.model))
            .await
            .cloned()
    }
}

/// The lines of `order` as nodes, with their variants priced in the order's channel
/// (batched with every other order of the request).
pub(crate) async fn order_lines(
    ctx: &Context<'_>,
    order: &shop_order::Model,
) -> Result<Vec<OrderLineNode>> {
    let (_, req) = parts(ctx)?;
    let loaders = loaders(ctx)?;
    let lines = loaders
        .order
        .lines
        .load_one(order.id.clone())
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default();
    let keys: Vec<OrderedVariant> = lines
        .iter()
        .filter_map(|l| l.variant_id.map(|v| (order.channel_id, v)))
        .collect();
    let mut variants = loaders
        .variants
        .load_many(keys)
        .await
        .map_err(|e| req.internal(e))?;
    Ok(lines
        .into_iter()
        .map(|model| OrderLineNode {
            variant: model
                .variant_id
                .and_then(|v| variants.remove(&(order.channel_id, v))),
            model,
        })
        .collect())
}

/// The lines of the order `order_id` (none if it no longer exists).
pub(crate) async fn lines_of_order(
    ctx: &Context<'_>,
    order_id: &str,
) -> Result<Vec<OrderLineNode>> {
    let (_, req) = parts(ctx)?;
    let order = loaders(ctx)?
        .order
        .orders
        .load_one(order_id.to_owned())
        .await
        .map_err(|e| req.internal(e))?;
    match order {
        Some(order) => order_lines(ctx, &order).await,
        None => Ok(Vec::new()),
    }
}

#[Object(name = "Order")]
impl OrderNode {
    /// The ID of the order.
    async fn id(&self) -> ID {
        id::encode("Order", &self.model.id)
    }
    /// Date and time when the order was created.
    async fn created(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.created_at
    }
    /// Date and time when the order was created.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.updated_at
    }
    /// Status of the order.
    async fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.model.status)
    }
    /// User-friendly order status.
    async fn status_display(&self) -> &'static str {
        OrderStatus::parse(&self.model.status).display()
    }
    /// User-friendly number of an order.
    async fn number(&self) -> String {
        self.model.number.to_string()
    }
    /// Email address of the customer.
    async fn user_email(&self) -> Option<String> {
        Some(self.model.user_email.clone())
    }
    /// Marketing attribution (first and last touch, resolved at completion); `null` when
    /// the order is not attributed. (bizgraph extension)
    async fn attribution(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::marketing::api::attribution::MarketingAttribution>> {
        crate::marketing::api::attribution::order_attribution(ctx, &self.model.id).await
    }
    /// User who placed the order (for its owner and staff with MANAGE_ORDERS).
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(uid) = self.model.user_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        if !service::owner_or_staff(&self.model, reader(req)) {
            return Ok(None);
        }
        Ok(loaders(ctx)?
            .account
            .users
            .load_one(uid)
            .await
            .map_err(|e| req.internal(e))?
            .map(UserNode::from))
    }
    /// The channel of the order.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        let (_, req) = parts(ctx)?;
        loaders(ctx)?
            .catalog
            .channels
            .load_one(self.model.channel_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(ChannelNode::from)
            .ok_or_else(|| req.internal("order channel missing"))
    }
    /// Billing address.
    async fn billing_address(&self) -> Option<AddressNode> {
        self.model
            .billing_address
            .as_ref()
            .map(|a| AddressNode::new(address_model(a), None))
    }
    /// Shipping address.
    async fn shipping_address(&self) -> Option<AddressNode> {
        self.model
            .shipping_address
            .as_ref()
            .map(|a| AddressNode::new(address_model(a), None))
    }
    /// Method used for the delivery.
    async fn delivery_method(&self, ctx: &Context<'_>) -> Result<Option<DeliveryMethod>> {
        let (state, req) = parts(ctx)?;
        if let Some(point) = self.model.collection_point_id {
            return Ok(entities::warehouse::Entity::find_by_id(point)
                .one(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?
                .map(|w| DeliveryMethod::Warehouse(w.into())));
        }
        let Some(method_id) = self.model.shipping_method_id else {
            return Ok(None);
        };
        Ok(
            shipping::option(&state.db.conn, method_id, self.model.channel_id)
                .await
                .map_err(|e| req.internal(e))?
                .map(|o| DeliveryMethod::ShippingMethod(ShippingMethodNode::new(o))),
        )
    }
    /// Name of the shipping method.
    async fn shipping_method_name(&self) -> Option<&str> {
        self.model.shipping_method_name.as_deref()
    }
    /// Name of the collection point where the order should be picked up by the customer.
    async fn collection_point_name(&self) -> Option<&str> {
        self.model.collection_point_name.as_deref()
    }
    /// List of order lines.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<OrderLineNode>> {
        self.load_lines(ctx).await
    }
    /// List of shipments for the order.
    async fn fulfillments(&self, ctx: &Context<'_>) -> Result<Vec<FulfillmentNode>> {
        super::workflow_api::fulfillments(ctx, &self.model).await
    }
    /// List of events associated with the order.
    /// Requires one of the following permissions: MANAGE_ORDERS.
    async fn events(&self, ctx: &Context<'_>) -> Result<Vec<OrderEventNode>> {
        super::workflow_api::order_events(ctx, &self.model).await
    }
    /// The order's token (its ID's UUID).
    #[graphql(deprecation = "Use `id` instead.")]
    async fn token(&self) -> &str {
        &self.model.id
    }
    /// Order origin.
    async fn origin(&self) -> OrderOriginEnum {
        if self.model.origin == "DRAFT" {
            OrderOriginEnum::Draft
        } else {
            OrderOriginEnum::Checkout
        }
    }
    /// List of all discounts assigned to the order (the voucher's, if any).
    async fn discounts(&self) -> Vec<OrderDiscount> {
        let amount = self.model.subtotal + self.model.shipping_price - self.model.total;
        match &self.model.voucher_code {
            Some(code) if amount > 0 => vec![OrderDiscount {
                id: id::encode("OrderDiscount", &self.model.id),
                r#type: OrderDiscountType::Voucher,
                name: Some(code.clone()),
                amount: self.money(amount),
            }],
            _ => Vec::new(),
        }
    }
    /// The voucher applied to the order.
    async fn voucher(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::discount::api::VoucherNode>> {
        let Some(code) = &self.model.voucher_code else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        let Some(v) = crate::discount::find(&state.db.conn, code, self.model.channel_id)
            .await
            .map_err(|e| req.internal(e))?
        else {
            return Ok(None);
        };
        let channel = state
            .channels
            .by_id(self.model.channel_id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(crate::discount::api::VoucherNode::new(
            v.voucher, channel,
        )))
    }
    /// Voucher code that was used for Order.
    async fn voucher_code(&self) -> Option<&str> {
        self.model.voucher_code.as_deref()
    }
    /// Total amount of the order.
    async fn total(&self) -> TaxedMoney {
        self.taxed(self.model.total, self.model.total_net)
    }
    /// Undiscounted total amount of the order: subtotal plus shipping.
    async fn undiscounted_total(&self) -> TaxedMoney {
        let m = &self.model;
        self.taxed(
            m.subtotal + m.shipping_price,
            m.subtotal_net + m.shipping_price_net,
        )
    }
    /// The sum of line prices not including shipping.
    async fn subtotal(&self) -> TaxedMoney {
        self.taxed(self.model.subtotal, self.model.subtotal_net)
    }
    /// Total price of shipping.
    async fn shipping_price(&self) -> TaxedMoney {
        self.taxed(self.model.shipping_price, self.model.shipping_price_net)
    }

    /// Informs if an order is fully paid.
    async fn is_paid(&self, ctx: &Context<'_>) -> Result<bool> {
        let paid = self.paid(ctx).await?;
        Ok(paid.charged >= self.model.total)
    }
    /// Internal payment status.
    async fn payment_status(&self, ctx: &Context<'_>) -> Result<PaymentChargeStatusEnum> {
        let p = self.paid(ctx).await?;
        Ok(if p.refunded > 0 && p.charged == 0 {
            PaymentChargeStatusEnum::FullyRefunded
        } else if p.refunded > 0 {
            PaymentChargeStatusEnum::PartiallyRefunded
        } else if p.charged > 0 && p.charged >= self.model.total {
            PaymentChargeStatusEnum::FullyCharged
        } else if p.charged > 0 {
            PaymentChargeStatusEnum::PartiallyCharged
        } else if p.charge_pending > 0 || p.authorize_pending > 0 {
            PaymentChargeStatusEnum::Pending
        } else {
            PaymentChargeStatusEnum::NotCharged
        })
    }
    /// The charge status of the order, from its transactions.
    async fn charge_status(&self, ctx: &Context<'_>) -> Result<OrderChargeStatusEnum> {
        use crate::payment::service::ChargeStatus as C;
        let p = self.paid(ctx).await?;
        Ok(match crate::payment::api::charge(self.model.total, &p) {
            C::Overcharged => OrderChargeStatusEnum::Overcharged,
            C::Full => OrderChargeStatusEnum::Full,
            C::Partial => OrderChargeStatusEnum::Partial,
            C::None => OrderChargeStatusEnum::None,
        })
    }
    /// The authorize status of the order, from its transactions.
    async fn authorize_status(&self, ctx: &Context<'_>) -> Result<OrderAuthorizeStatusEnum> {
        use crate::payment::service::AuthorizeStatus as A;
        let p = self.paid(ctx).await?;
        Ok(match crate::payment::api::authorize(self.model.total, &p) {
            A::Full => OrderAuthorizeStatusEnum::Full,
            A::Partial => OrderAuthorizeStatusEnum::Partial,
            A::None => OrderAuthorizeStatusEnum::None,
        })
    }
    /// Amount captured for the order.
    #[graphql(deprecation = "Use `totalCharged` instead.")]
    async fn total_captured(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.money(self.paid(ctx).await?.charged))
    }
    /// Amount charged for the order.
    async fn total_charged(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.money(self.paid(ctx).await?.charged))
    }
    /// Amount authorized for the order.
    async fn total_authorized(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.money(self.paid(ctx).await?.authorized))
    }
    /// Amount refunded.
    async fn total_refunded(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.money(self.paid(ctx).await?.refunded))
    }
    /// The difference between the paid and the order total amount.
    async fn total_balance(&self, ctx: &Context<'_>) -> Result<Money> {
        Ok(self.money(self.paid(ctx).await?.charged - self.model.total))
    }
    /// List of transactions for the order.
    async fn transactions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::payment::api::TransactionItemNode>> {
        let txs = crate::payment::api::order_transaction_rows(ctx, &self.model.id).await?;
        Ok(txs
            .into_iter()
            .map(crate::payment::api::TransactionItemNode::from)
            .collect())
    }
    /// Customer note.
    async fn customer_note(&self) -> &str {
        &self.model.customer_note
    }
}

/// Represents order line of particular order.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "OrderLine")]
pub struct OrderLineNode {
    /// A purchased product variant. Null if the variant has been deleted.
    pub variant: Option<VariantNode>,
    #[graphql(skip)]
    pub(crate) model: order_line::Model,
}

impl OrderLineNode {
    fn taxed_unit(&self) -> TaxedMoney {
        let m = &self.model;
        TaxedMoney::taxed(
            Taxed {
                net: m.unit_price_net,
                gross: m.unit_price,
            },
            &m.currency,
        )
    }

    /// A line without its variant (e.g. one just deleted).
    pub fn detached(model: order_line::Model) -> Self {
        Self {
            variant: None,
            model,
        }
    }
}

#[ComplexObject]
impl OrderLineNode {
    /// The ID of the order line.
    async fn id(&self) -> ID {
        id::encode("OrderLine", self.model.id)
    }
    /// Name of the product in order line.
    async fn product_name(&self) -> &str {
        &self.model.product_name
    }
    /// Name of the variant of product in order line.
    async fn variant_name(&self) -> &str {
        &self.model.variant_name
    }
    /// SKU of the product variant.
    async fn product_sku(&self) -> Option<&str> {
        self.model.product_sku.as_deref()
    }
    /// Number of variant items ordered.
    async fn quantity(&self) -> i32 {
        self.model.quantity
    }
    /// Number of variant items fulfilled.
    async fn quantity_fulfilled(&self) -> i32 {
        self.model.quantity_fulfilled
    }
    /// A quantity of items remaining to be fulfilled.
    async fn quantity_to_fulfill(&self) -> i32 {
        self.model.quantity - self.model.quantity_fulfilled
    }
    /// Price of the single item in the order line.
    async fn unit_price(&self) -> TaxedMoney {
        self.taxed_unit()
    }
    /// Price of the single item in the order line without any discount applied (a staff
    /// price override on a draft line is the only discount a line carries).
    async fn undiscounted_unit_price(&self) -> TaxedMoney {
        let m = &self.model;
        if let (Some(net), Some(gross)) = (
            m.undiscounted_unit_price_net,
            m.undiscounted_unit_price_gross,
        ) {
            // Snapshot of a line sold with a catalogue promotion.
            return TaxedMoney::taxed(Taxed { net, gross }, &m.currency);
        }
        let entered = m.undiscounted_unit_price;
        if entered == m.unit_price || entered == m.unit_price_net {
            return self.taxed_unit();
        }
        // The line does not record whether its channel entered prices gross or net; the
        // override case shows the undiscounted price as gross.
        TaxedMoney::taxed(
            crate::tax::calc::apply(entered, m.tax_rate_bp, true),
            &m.currency,
        )
    }
    /// Sum of the line-level discounts applied to the order line (catalogue promotions).
    /// Order-level discounts which affect the line are not visible in this field.
    async fn unit_discount(&self) -> Money {
        Money::from_minor(self.model.unit_discount_amount, &self.model.currency)
    }
    /// Reason for line-level discounts applied on the order line.
    async fn unit_discount_reason(&self) -> Option<&str> {
        self.model.unit_discount_reason.as_deref()
    }
    /// Value of the discount. Can store fixed value or percent value. After
    /// `checkoutComplete` the field always stores a fixed value.
    async fn unit_discount_value(&self) -> crate::catalog::api::mutations::PositiveDecimal {
        let m = &self.model;
        let value = m
            .unit_discount_value
            .as_deref()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| {
                crate::catalog::money::to_decimal(m.unit_discount_amount, &m.currency)
            });
        crate::catalog::api::mutations::PositiveDecimal(value)
    }
    /// Type of the discount: `fixed` or `percent`. After `checkoutComplete` the field is
    /// always set to `fixed`.
    async fn unit_discount_type(&self) -> Option<crate::discount::api::DiscountValueTypeEnum> {
        use crate::discount::api::DiscountValueTypeEnum as T;
        match self.model.unit_discount_type.as_deref() {
            Some("PERCENTAGE") => Some(T::Percentage),
            Some(_) => Some(T::Fixed),
            None => None,
        }
    }
    /// Price of the order line without discounts.
    async fn undiscounted_total_price(&self) -> TaxedMoney {
        let m = &self.model;
        let q = i64::from(m.quantity);
        match (
            m.undiscounted_unit_price_net,
            m.undiscounted_unit_price_gross,
        ) {
            (Some(net), Some(gross)) => TaxedMoney::taxed(
                Taxed {
                    net: net.saturating_mul(q),
                    gross: gross.saturating_mul(q),
                },
                &m.currency,
            ),
            _ => TaxedMoney::taxed(
                Taxed {
                    net: m.total_price_net,
                    gross: m.total_price,
                },
                &m.currency,
            ),
        }
    }
    /// Price of the order line.
    async fn total_price(&self) -> TaxedMoney {
        let m = &self.model;
        TaxedMoney::taxed(
            Taxed {
                net: m.total_price_net,
                gross: m.total_price,
            },
            &m.currency,
        )
    }
    /// Rate of tax applied on product variant, as a fraction (0.19 for 19%).
    async fn tax_rate(&self) -> f64 {
        f64::from(self.model.tax_rate_bp) / 10_000.0
    }
    /// Whether the item requires shipping.
    async fn is_shipping_required(&self) -> bool {
        true
    }
    /// The main thumbnail for the ordered product.
    async fn thumbnail(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
        #[graphql(default_with = "Some(ThumbnailFormatEnum::Original)")] format: Option<
            ThumbnailFormatEnum,
        >,
    ) -> Option<Image> {
        let thumb = self.variant.as_ref()?.product.thumbnail.as_ref()?;
        Some(Image {
            url: image_url(ctx, &thumb.url, size, format),
            alt: Some(thumb.alt.clone()),
        })
    }
}

/// A page of orders matching `filter` (newest first).
pub async fn order_connection(
    ctx: &Context<'_>,
    user_id: Option<i32>,
    args: PageArgs,
) -> Result<Countable<OrderNode, OrderNames>> {
    let (state, req) = parts(ctx)?;
    let page = Page::parse(&args, "orders")?;
    let db = state.db.conn.clone();
    let select = move || {
        let q = shop_order::Entity::find().filter(shop_order::Column::Status.ne("DRAFT"));
        match user_id {
            Some(u) => q.filter(shop_order::Column::UserId.eq(u)),
            None => q,
        }
    };
    let result = connection::fetch_page(
        &db,
        select(),
        &SortKey {
            columns: vec![shop_order::Column::Number],
            descending: true,
        },
        &page,
    )
    .await
    .map_err(|e| match e {
        connection::PageError::BadCursor => crate::core::error::error(
            crate::core::error::ErrorCode::InvalidCursor,
            "Received cursor is invalid.",
        ),
        connection::PageError::Db(e) => req.internal(e),
    })?;
    let total = TotalCount::lazy(move || {
        let (db, q) = (db.clone(), select());
        async move { q.count(&db).await }
    });
    Ok(connection::build(
        result.map(OrderNode::new),
        total,
        |n: &OrderNode| vec![KeyPart::Int(n.model.number)],
    ))
}

/// Order queries.
#[derive(Default)]
pub struct OrderQuery;

#[Object]
impl OrderQuery {
    /// Look up an order by ID or external reference. Anyone holding an order's ID reads it
    /// (its UUID is the order's secret, as in Saleor); drafts are for MANAGE_ORDERS only.
    async fn order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of an order.")] id: Option<ID>,
        #[graphql(desc = "External ID of an order.")] external_reference: Option<String>,
    ) -> Result<Option<OrderNode>> {
        let _ = external_reference;
        let Some(id) = id else { return Ok(None) };
        let pk = id::decode::<uuid::Uuid>(&id, "Order")?;
        let (state, req) = parts(ctx)?;
        Ok(service::find(&state.db.conn, &pk.to_string(), reader(req))
            .await
            .map_err(|e| req.internal(e))?
            .map(OrderNode::new))
    }

    /// Look up an order by token (the UUID of its ID): guest orders for anyone holding it.
    #[graphql(deprecation = "Use `order(id:)` instead.")]
    async fn order_by_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The order's token.")] token: uuid::Uuid,
    ) -> Result<Option<OrderNode>> {
        let (state, req) = parts(ctx)?;
        Ok(
            service::find(&state.db.conn, &token.to_string(), reader(req))
                .await
                .map_err(|e| req.internal(e))?
                .map(OrderNode::new),
        )
    }
}

/// Completes the checkout.
#[derive(SimpleObject)]
pub struct CheckoutComplete {
    /// Placed order.
    pub order: Option<OrderNode>,
    /// Set to true if payment needs to be confirmed before checkout is complete.
    pub confirmation_needed: bool,
    /// Errors of the mutation.
    pub errors: Vec<CheckoutErrorNode>,
}

/// Order mutations.
#[derive(Default)]
pub struct OrderMutation;

#[Object]
impl OrderMutation {
    /// Completes the checkout. As a result a new order is created. Payments are not
    /// supported yet: orders are created unpaid (as Saleor with `allowUnpaidOrders`).
    async fn checkout_complete(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutComplete>> {
        let result: Result<CheckoutComplete> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            match state.checkout.complete(&token, &actor(req)).await {
                Ok(done) => {
                    let order = shop_order::Entity::find_by_id(done.order_id)
                        .one(&state.db.conn)
                        .await
                        .map_err(|e| req.internal(e))?;
                    Ok(CheckoutComplete {
                        order: order.map(OrderNode::new),
                        confirmation_needed: false,
                        errors: Vec::new(),
                    })
                }
                Err(CheckoutError::Invalid(failures)) => Ok(CheckoutComplete {
                    order: None,
                    confirmation_needed: false,
                    errors: failures.into_iter().map(CheckoutErrorNode::from).collect(),
                }),
                Err(CheckoutError::Db(e)) => Err(req.internal(e)),
            }
        }
        .await;
        result.map(Some)
    }
}
