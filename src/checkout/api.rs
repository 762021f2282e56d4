//! Saleor's checkout API: `checkout(id)`, `checkoutCreate`, line, email, customer and address
//! mutations. Thin: arguments in, [`CheckoutService`] call, payload out.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, InputObject, Object, Result, SimpleObject, Union};
use entities::{channel, checkout};
use sea_orm::EntityTrait;

use crate::account::api::{AddressInput, AddressNode, UserNode};
use crate::account::error::AddressTypeEnum;
use crate::account::service::AddressData;
use crate::catalog::api::common::{Money, TaxedMoney};
use crate::catalog::api::products::VariantNode;
use crate::catalog::api::variant_nodes;
use crate::catalog::api::warehouses::WarehouseNode;
use crate::catalog::read::Viewer;
use crate::channel::api::ChannelNode;
use crate::core::metadata::MetadataInput;
use crate::core::{context::RequestCtx, country::LanguageCodeEnum, id, permissions::Permission};
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::shipping::api::{Delivery, DeliveryMethod, ShippingMethodNode};
use crate::state::AppState;
use crate::state::parts;

use super::error::{CheckoutError, CheckoutErrorCode, Failure};
use super::service::{
    Actor, AddressKind, AddressRules, CheckoutService, DeliveryMethodId, LineInput, LineUpdate,
    NewCheckout, PricedLine,
};

// ------------------------------------------------------------------------ helpers

/// The acting user or app, as the service sees them.
pub fn actor(req: &RequestCtx) -> Actor {
    Actor {
        user_id: req.user().map(|u| u.id),
        email: req.user().map(|u| u.email.clone()),
        manage: req.has_perm(Permission::ManageCheckouts),
        requestor: req.requestor_id(),
    }
}

/// The checkout token from `id` (or the deprecated `checkoutId`/`token` arguments).
pub fn checkout_token(
    id: Option<&ID>,
    checkout_id: Option<&ID>,
    token: Option<uuid::Uuid>,
) -> Result<uuid::Uuid> {
    if let Some(id) = id.or(checkout_id) {
        return id::decode::<uuid::Uuid>(id, "Checkout");
    }
    token.ok_or_else(|| {
        crate::core::error::error(
            crate::core::error::ErrorCode::BadRequest,
            "At least one of arguments is required: 'id', 'token'.",
        )
    })
}

fn decode_many(ids: &[ID], type_name: &str) -> Result<Vec<i32>> {
    ids.iter()
        .map(|i| id::decode::<i32>(i, type_name))
        .collect()
}

/// Payload errors from a service error (internal failures become a top-level error).
fn errors(req: &RequestCtx, e: CheckoutError) -> Result<Vec<CheckoutErrorNode>> {
    match e {
        CheckoutError::Invalid(failures) => {
            Ok(failures.into_iter().map(CheckoutErrorNode::from).collect())
        }
        CheckoutError::Db(e) => Err(req.internal(e)),
    }
}

fn payload<T>(
    req: &RequestCtx,
    result: Result<checkout::Model, CheckoutError>,
    make: impl FnOnce(Option<CheckoutNode>, Vec<CheckoutErrorNode>) -> T,
) -> Result<T> {
    match result {
        Ok(c) => Ok(make(Some(CheckoutNode::new(c)), Vec::new())),
        Err(e) => Ok(make(None, errors(req, e)?)),
    }
}

// ------------------------------------------------------------------------ types

/// Represents errors in checkout mutations.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "CheckoutError")]
pub struct CheckoutErrorNode {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: CheckoutErrorCode,
    /// List of varint IDs which causes the error.
    pub variants: Option<Vec<ID>>,
    /// List of line Ids which cause the error.
    pub lines: Option<Vec<ID>>,
    /// A type of address that causes the error.
    pub address_type: Option<AddressTypeEnum>,
}

impl From<Failure> for CheckoutErrorNode {
    fn from(f: Failure) -> Self {
        let ids = |pks: Vec<i32>, t: &str| {
            (!pks.is_empty()).then(|| pks.into_iter().map(|pk| id::encode(t, pk)).collect())
        };
        Self {
            field: f.field,
            message: Some(f.message),
            code: f.code,
            variants: ids(f.variants, "ProductVariant"),
            lines: ids(f.lines, "CheckoutLine"),
            address_type: f.address_type,
        }
    }
}

/// A gift card (none can be applied to checkouts yet).
#[derive(SimpleObject, Clone, Debug)]
pub struct GiftCard {
    /// ID of the gift card.
    pub id: ID,
    /// Code in format which allows displaying in a user interface.
    pub display_code: String,
    /// Last 4 characters of gift card code.
    pub last_4_code_chars: String,
    /// Current balance of the gift card.
    pub current_balance: Money,
}

/// Available payment gateway backend with configuration necessary to setup client.
#[derive(SimpleObject, Clone, Debug)]
pub struct PaymentGateway {
    /// Payment gateway name.
    pub name: String,
    /// Payment gateway ID.
    pub id: ID,
    /// Payment gateway client configuration.
    pub config: Vec<GatewayConfigLine>,
    /// Payment gateway supported currencies.
    pub currencies: Vec<String>,
}

/// Payment gateway client configuration key and value pair.
#[derive(SimpleObject, Clone, Debug)]
pub struct GatewayConfigLine {
    /// Gateway config key.
    pub field: String,
    /// Gateway config value for key.
    pub value: Option<String>,
}

/// Saleor's `CheckoutAuthorizeStatusEnum`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CheckoutAuthorizeStatusEnum {
    None,
    Partial,
    Full,
}

/// Saleor's `CheckoutChargeStatusEnum`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CheckoutChargeStatusEnum {
    None,
    Partial,
    Full,
    Overcharged,
}

/// Indicates insufficient stock for a given checkout line. Placing the order will not be
/// possible until solving this problem.
#[derive(SimpleObject, Clone)]
pub struct CheckoutLineProblemInsufficientStock {
    /// Available quantity of a variant.
    pub available_quantity: Option<i32>,
    /// The line that has variant with insufficient stock.
    pub line: CheckoutLineNode,
    /// The variant with insufficient stock.
    pub variant: VariantNode,
}

/// The variant assigned to the checkout line is not available.
#[derive(SimpleObject, Clone)]
pub struct CheckoutLineProblemVariantNotAvailable {
    /// The line that has variant that is not available.
    pub line: CheckoutLineNode,
}

/// Indicates that the delivery methods are stale.
#[derive(SimpleObject, Clone)]
pub struct CheckoutProblemDeliveryMethodStale {
    /// The delivery.
    pub delivery: Delivery,
}

/// Indicates that the selected delivery method is invalid.
#[derive(SimpleObject, Clone)]
pub struct CheckoutProblemDeliveryMethodInvalid {
    /// The delivery.
    pub delivery: Delivery,
}

/// Represents a problem in the checkout line.
#[derive(Union, Clone)]
pub enum CheckoutLineProblem {
    CheckoutLineProblemInsufficientStock(Box<CheckoutLineProblemInsufficientStock>),
    CheckoutLineProblemVariantNotAvailable(Box<CheckoutLineProblemVariantNotAvailable>),
}

/// Represents a problem in the checkout.
#[derive(Union, Clone)]
pub enum CheckoutProblem {
    CheckoutProblemDeliveryMethodStale(CheckoutProblemDeliveryMethodStale),
    CheckoutProblemDeliveryMethodInvalid(CheckoutProblemDeliveryMethodInvalid),
    CheckoutLineProblemInsufficientStock(Box<CheckoutLineProblemInsufficientStock>),
    CheckoutLineProblemVariantNotAvailable(Box<CheckoutLineProblemVariantNotAvailable>),
}

/// Checkout object.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Checkout")]
pub struct CheckoutNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    /// The stored checkout.
    #[graphql(skip)]
    pub model: checkout::Model,
    /// Lines, prices and stock, loaded once for all the fields that need them.
    #[graphql(skip)]
    loaded: Arc<tokio::sync::OnceCell<Arc<Loaded>>>,
}

impl HasMetadata for CheckoutNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

impl CheckoutNode {
    /// Wraps a checkout.
    pub fn new(model: checkout::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            loaded: Arc::default(),
        }
    }

    async fn loaded(&self, ctx: &Context<'_>) -> Result<Arc<Loaded>> {
        let (state, req) = parts(ctx)?;
        self.loaded
            .get_or_try_init(|| Loaded::load(state, &self.model))
            .await
            .cloned()
            .map_err(|e| req.internal(e))
    }
}

/// Lines and variants of one checkout.
struct Loaded {
    channel: channel::Model,
    lines: Vec<CheckoutLineNode>,
    delivery: super::service::DeliveryInfo,
    voucher: Option<crate::discount::ChannelVoucher>,
    discount: i64,
    totals: super::service::Totals,
}

impl Loaded {
    async fn load(state: &AppState, c: &checkout::Model) -> anyhow::Result<Arc<Self>> {
        let db = &state.db.conn;
        let channel = channel::Entity::find_by_id(c.channel_id)
            .one(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("checkout channel missing"))?;
        let priced = state.checkout.priced_lines(c).await?;
        let ids: Vec<i32> = priced.iter().map(|l| l.line.variant_id).collect();
        let viewer = Arc::new(Viewer {
            channel: Some(channel.clone()),
            staff: true,
            tax: Default::default(),
        });
        let mut nodes = variant_nodes::by_ids(db, &state.catalog.products, &viewer, &ids).await?;
        let available = CheckoutService::available_stock(db, channel.id, &ids).await?;
        let mut lines = Vec::new();
        for l in priced {
            let Some(variant) = nodes.get(&l.line.variant_id).cloned() else {
                continue;
            };
            lines.push(CheckoutLineNode {
                meta: MetadataFields::new(&l.line.metadata, &l.line.private_metadata),
                variant,
                currency: c.currency.clone(),
                taxed: crate::tax::Taxed::untaxed(l.amount()),
                available: available.get(&l.line.variant_id).copied().unwrap_or(0),
                priced: l,
            });
        }
        nodes.clear();
        let priced: Vec<PricedLine> = lines.iter().map(|l| l.priced.clone()).collect();
        let delivery = state.checkout.delivery(c, &priced).await?;
        let (voucher, discount) = state.checkout.voucher(c, &priced, &delivery).await?;
        let tax = CheckoutService::tax_context_of(db, c).await?;
        let totals = CheckoutService::totals(&priced, delivery.shipping_price(), &discount, &tax);
        let discount = totals.discount;
        for (line, taxed) in lines.iter_mut().zip(&totals.lines) {
            line.taxed = *taxed;
        }
        Ok(Arc::new(Self {
            channel,
            lines,
            delivery,
            voucher,
            discount,
            totals,
        }))
    }

    fn totals(&self) -> &super::service::Totals {
        &self.totals
    }
}

#[ComplexObject]
impl CheckoutNode {
    /// The ID of the checkout.
    async fn id(&self) -> ID {
        id::encode("Checkout", &self.model.token)
    }
    /// The checkout's token.
    async fn token(&self) -> uuid::Uuid {
        uuid::Uuid::parse_str(&self.model.token).unwrap_or_default()
    }
    /// The date and time when the checkout was created.
    async fn created(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.created_at
    }
    /// Time of last modification of the given checkout.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.updated_at
    }
    /// Marketing attribution set by `checkoutAttributionSet`; `null` when none.
    /// (bizgraph extension)
    async fn attribution(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::marketing::api::attribution::MarketingAttribution>> {
        crate::marketing::api::attribution::checkout_attribution(ctx, &self.model.token).await
    }
    /// The user assigned to the checkout.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(uid) = self.model.user_id else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        let owner = req.user().is_some_and(|u| u.id == uid);
        if !owner && !req.has_perm(Permission::ManageUsers) {
            return Ok(None);
        }
        Ok(state
            .accounts
            .user(uid)
            .await
            .map_err(|e| req.internal(e))?
            .map(UserNode::from))
    }
    /// The channel for which checkout was created.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        Ok(ChannelNode::from(self.loaded(ctx).await?.channel.clone()))
    }
    /// The billing address of the checkout.
    async fn billing_address(&self) -> Option<AddressNode> {
        self.model
            .billing_address
            .as_ref()
            .map(|a| AddressNode::new(super::service::address_model(a), None))
    }
    /// The shipping address of the checkout.
    async fn shipping_address(&self) -> Option<AddressNode> {
        self.model
            .shipping_address
            .as_ref()
            .map(|a| AddressNode::new(super::service::address_model(a), None))
    }
    /// The customer note for the checkout.
    async fn customer_note(&self) -> &str {
        &self.model.customer_note
    }
    /// The note for the checkout.
    #[graphql(deprecation = "Use `customerNote` instead.")]
    async fn note(&self) -> &str {
        &self.model.customer_note
    }
    #[graphql(deprecation = "Use `updatedAt` instead.")]
    async fn last_change(&self) -> chrono::DateTime<chrono::Utc> {
        self.model.updated_at
    }
    /// Date when oldest stock reservation for this checkout expires or null if no stock is
    /// reserved. (Checkouts reserve no stock here: it is allocated at completion.)
    async fn stock_reservation_expires(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }
    /// The voucher assigned to the checkout.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::discount::api::VoucherNode>> {
        let (_, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let loaded = self.loaded(ctx).await?;
        Ok(loaded.voucher.as_ref().map(|v| {
            crate::discount::api::VoucherNode::new(v.voucher.clone(), Some(loaded.channel.clone()))
        }))
    }
    /// The total discount applied to the checkout. Note: Only discount created via voucher
    /// are included in this field.
    async fn discount(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        let loaded = self.loaded(ctx).await?;
        Ok(Some(Money::from_minor(
            loaded.discount,
            &self.model.currency,
        )))
    }
    /// The name of the applied discount.
    async fn discount_name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let loaded = self.loaded(ctx).await?;
        Ok(loaded.voucher.as_ref().map(|v| v.voucher.name.clone()))
    }
    /// Translation of the discountName field.
    async fn translated_discount_name(&self) -> Option<String> {
        None
    }
    /// The code of the voucher applied to the checkout.
    async fn voucher_code(&self) -> Option<&str> {
        self.model.voucher_code.as_deref()
    }
    /// List of available payment gateways: the channel's active gateways for the
    /// checkout's currency.
    async fn available_payment_gateways(&self, ctx: &Context<'_>) -> Result<Vec<PaymentGateway>> {
        let (state, req) = parts(ctx)?;
        crate::payment::api::gateways_for(state, req, self.model.channel_id, &self.model.currency)
            .await
    }
    /// List of transactions for the checkout. Requires one of the following permissions:
    /// MANAGE_CHECKOUTS, HANDLE_PAYMENTS.
    async fn transactions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<crate::payment::api::TransactionItemNode>>> {
        let (state, req) = parts(ctx)?;
        crate::payment::api::checkout_transactions(state, req, &self.model.token)
            .await
            .map(Some)
    }
    /// Email of a customer.
    async fn email(&self) -> Option<&str> {
        self.model.email.as_deref()
    }
    /// List of gift cards associated with this checkout.
    async fn gift_cards(&self) -> Vec<GiftCard> {
        Vec::new()
    }
    /// Returns True, if checkout requires shipping.
    async fn is_shipping_required(&self, ctx: &Context<'_>) -> Result<bool> {
        // Every demo product type ships; digital products are not modelled yet.
        Ok(!self.loaded(ctx).await?.lines.is_empty())
    }
    /// The number of items purchased.
    async fn quantity(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(self
            .loaded(ctx)
            .await?
            .lines
            .iter()
            .map(|l| l.priced.line.quantity)
            .sum())
    }
    /// A list of checkout lines, each containing information about an item in the checkout.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<CheckoutLineNode>> {
        Ok(self.loaded(ctx).await?.lines.clone())
    }
    /// The price of the shipping, with all the taxes included. Set to 0 when no delivery
    /// method is selected.
    async fn shipping_price(&self, ctx: &Context<'_>) -> Result<TaxedMoney> {
        let t = self.loaded(ctx).await?;
        Ok(TaxedMoney::taxed(t.totals().shipping, &self.model.currency))
    }
    /// The price of the checkout before shipping, with taxes included.
    async fn subtotal_price(&self, ctx: &Context<'_>) -> Result<TaxedMoney> {
        let t = self.loaded(ctx).await?;
        Ok(TaxedMoney::taxed(t.totals().subtotal, &self.model.currency))
    }
    /// The sum of the checkout line prices, with all the taxes, shipping costs, and
    /// discounts included.
    async fn total_price(&self, ctx: &Context<'_>) -> Result<TaxedMoney> {
        let t = self.loaded(ctx).await?;
        Ok(TaxedMoney::taxed(t.totals().total, &self.model.currency))
    }
    /// The difference between the paid and the checkout total amount.
    async fn total_balance(&self, ctx: &Context<'_>) -> Result<Money> {
        let loaded = self.loaded(ctx).await?;
        let t = loaded.totals();
        let (state, req) = parts(ctx)?;
        let paid = crate::payment::api::checkout_sums(state, req, &self.model.token).await?;
        Ok(Money::from_minor(
            paid.charged - t.total.gross,
            &self.model.currency,
        ))
    }
    /// Checkout language code.
    async fn language_code(&self) -> LanguageCodeEnum {
        LanguageCodeEnum::ALL
            .iter()
            .copied()
            .find(|l| l.code() == self.model.language_code)
            .unwrap_or(LanguageCodeEnum::EN)
    }
    /// Determines whether displayed prices should include taxes.
    async fn display_gross_prices(&self) -> bool {
        true
    }
    /// Returns True if checkout has to be exempt from taxes.
    async fn tax_exemption(&self) -> bool {
        false
    }
    /// The authorize status of the checkout, from its transactions.
    async fn authorize_status(&self, ctx: &Context<'_>) -> Result<CheckoutAuthorizeStatusEnum> {
        let loaded = self.loaded(ctx).await?;
        let t = loaded.totals();
        let (state, req) = parts(ctx)?;
        let paid = crate::payment::api::checkout_sums(state, req, &self.model.token).await?;
        use crate::payment::service::AuthorizeStatus as A;
        Ok(match crate::payment::api::authorize(t.total.gross, &paid) {
            A::Full => CheckoutAuthorizeStatusEnum::Full,
            A::Partial => CheckoutAuthorizeStatusEnum::Partial,
            A::None => CheckoutAuthorizeStatusEnum::None,
        })
    }
    /// The charge status of the checkout, from its transactions.
    async fn charge_status(&self, ctx: &Context<'_>) -> Result<CheckoutChargeStatusEnum> {
        let loaded = self.loaded(ctx).await?;
        let t = loaded.totals();
        let (state, req) = parts(ctx)?;
        let paid = crate::payment::api::checkout_sums(state, req, &self.model.token).await?;
        use crate::payment::service::ChargeStatus as C;
        Ok(match crate::payment::api::charge(t.total.gross, &paid) {
            C::Overcharged => CheckoutChargeStatusEnum::Overcharged,
            C::Full => CheckoutChargeStatusEnum::Full,
            C::Partial => CheckoutChargeStatusEnum::Partial,
            C::None => CheckoutChargeStatusEnum::None,
        })
    }
    /// The delivery method selected for this checkout.
    async fn delivery(&self, ctx: &Context<'_>) -> Result<Option<Delivery>> {
        Ok(self
            .loaded(ctx)
            .await?
            .delivery
            .selected
            .clone()
            .map(Delivery::of))
    }
    /// Collection points that can be used for this order.
    async fn available_collection_points(&self, ctx: &Context<'_>) -> Result<Vec<WarehouseNode>> {
        let (state, req) = parts(ctx)?;
        let loaded = self.loaded(ctx).await?;
        let priced: Vec<PricedLine> = loaded.lines.iter().map(|l| l.priced.clone()).collect();
        Ok(state
            .checkout
            .collection_points(&self.model, &priced)
            .await
            .map_err(|e| req.internal(e))?
            .into_iter()
            .map(WarehouseNode::from)
            .collect())
    }
    /// The delivery method selected for this checkout: a shipping method or a pick up
    /// point.
    #[graphql(deprecation = "Use `delivery` instead.")]
    async fn delivery_method(&self, ctx: &Context<'_>) -> Result<Option<DeliveryMethod>> {
        let delivery = &self.loaded(ctx).await?.delivery;
        Ok(match (&delivery.collection_point, &delivery.selected) {
            (Some(w), _) => Some(DeliveryMethod::Warehouse(w.clone().into())),
            (None, Some(m)) => Some(DeliveryMethod::ShippingMethod(ShippingMethodNode::new(
                m.clone(),
            ))),
            (None, None) => None,
        })
    }
    /// The shipping method related with checkout.
    #[graphql(deprecation = "Use `delivery` instead.")]
    async fn shipping_method(&self, ctx: &Context<'_>) -> Result<Option<ShippingMethodNode>> {
        let delivery = &self.loaded(ctx).await?.delivery;
        Ok(match delivery.collection_point {
            Some(_) => None,
            None => delivery.selected.clone().map(ShippingMethodNode::new),
        })
    }
    /// Shipping methods that can be used with this checkout.
    #[graphql(deprecation = "Use `shippingMethods` instead.")]
    async fn available_shipping_methods(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<ShippingMethodNode>> {
        self.shipping_methods(ctx).await
    }
    /// Shipping methods that can be used with this checkout.
    async fn shipping_methods(&self, ctx: &Context<'_>) -> Result<Vec<ShippingMethodNode>> {
        Ok(self
            .loaded(ctx)
            .await?
            .delivery
            .options
            .iter()
            .cloned()
            .map(ShippingMethodNode::new)
            .collect())
    }
    /// List of problems with the checkout.
    async fn problems(&self, ctx: &Context<'_>) -> Result<Option<Vec<CheckoutProblem>>> {
        let loaded = self.loaded(ctx).await?;
        let mut out = Vec::new();
        if let Some(selected) = &loaded.delivery.selected
            && !loaded.delivery.selected_valid
        {
            out.push(CheckoutProblem::CheckoutProblemDeliveryMethodInvalid(
                CheckoutProblemDeliveryMethodInvalid {
                    delivery: Delivery::of(selected.clone()),
                },
            ));
        }
        for l in &loaded.lines {
            out.extend(l.line_problems().into_iter().map(|p| match p {
                CheckoutLineProblem::CheckoutLineProblemInsufficientStock(p) => {
                    CheckoutProblem::CheckoutLineProblemInsufficientStock(p)
                }
                CheckoutLineProblem::CheckoutLineProblemVariantNotAvailable(p) => {
                    CheckoutProblem::CheckoutLineProblemVariantNotAvailable(p)
                }
            }));
        }
        Ok(Some(out))
    }
}

/// Represents an item in the checkout.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "CheckoutLine")]
pub struct CheckoutLineNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    /// The variant of the line.
    pub variant: VariantNode,
    #[graphql(skip)]
    priced: PricedLine,
    /// Stock available for the variant in the checkout's channel.
    #[graphql(skip)]
    available: i64,
    /// The line's total before the order discount, taxed.
    #[graphql(skip)]
    taxed: crate::tax::Taxed,
    #[graphql(skip)]
    currency: String,
}

#[ComplexObject]
impl CheckoutLineNode {
    /// The ID of the checkout line.
    async fn id(&self) -> ID {
        id::encode("CheckoutLine", self.priced.line.id)
    }
    /// The quantity of the variant.
    async fn quantity(&self) -> i32 {
        self.priced.line.quantity
    }
    /// The unit price of the checkout line, with taxes and discounts.
    async fn unit_price(&self) -> TaxedMoney {
        TaxedMoney::taxed(
            self.taxed.per_unit(self.priced.line.quantity),
            &self.currency,
        )
    }
    /// The unit price of the checkout line, without discounts.
    async fn undiscounted_unit_price(&self) -> Money {
        Money::from_minor(
            self.priced
                .undiscounted_unit_price
                .or(self.priced.unit_price)
                .unwrap_or(0),
            &self.currency,
        )
    }
    /// The sum of the checkout line price, taxes and discounts.
    async fn total_price(&self) -> TaxedMoney {
        TaxedMoney::taxed(self.taxed, &self.currency)
    }
    /// The sum of the checkout line price, without discounts.
    async fn undiscounted_total_price(&self) -> Money {
        Money::from_minor(self.total(), &self.currency)
    }
    /// Indicates whether the item need to be delivered.
    async fn requires_shipping(&self) -> bool {
        true
    }
    /// List of problems with the checkout line.
    async fn problems(&self) -> Option<Vec<CheckoutLineProblem>> {
        Some(self.line_problems())
    }
    /// Determine if the line is a gift. (No gift promotions here: always false.)
    async fn is_gift(&self) -> Option<bool> {
        Some(false)
    }
    /// The unit price before any price-lowering was applied (no prior prices are recorded
    /// here).
    async fn prior_unit_price(&self) -> Option<Money> {
        None
    }
    /// The line's total prior price (no prior prices are recorded here).
    async fn prior_total_price(&self) -> Option<Money> {
        None
    }
    /// Reason for the line's price override. (Checkout prices are never overridden here.)
    async fn price_override_reason(&self) -> Option<String> {
        None
    }
}

impl HasMetadata for CheckoutLineNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

impl CheckoutLineNode {
    /// The line's problems: its variant is no longer sold in the channel, or its quantity
    /// exceeds the stock.
    fn line_problems(&self) -> Vec<CheckoutLineProblem> {
        if self.priced.unit_price.is_none() {
            return vec![CheckoutLineProblem::CheckoutLineProblemVariantNotAvailable(
                Box::new(CheckoutLineProblemVariantNotAvailable { line: self.clone() }),
            )];
        }
        if self.variant.row.variant.track_inventory
            && i64::from(self.priced.line.quantity) > self.available
        {
            return vec![CheckoutLineProblem::CheckoutLineProblemInsufficientStock(
                Box::new(CheckoutLineProblemInsufficientStock {
                    available_quantity: Some(i32::try_from(self.available).unwrap_or(i32::MAX)),
                    line: self.clone(),
                    variant: self.variant.clone(),
                }),
            )];
        }
        Vec::new()
    }

    fn total(&self) -> i64 {
        self.priced
            .undiscounted_unit_price
            .or(self.priced.unit_price)
            .unwrap_or(0)
            .saturating_mul(i64::from(self.priced.line.quantity))
    }
}

// ------------------------------------------------------------------------ inputs

/// Saleor's `CheckoutAddressValidationRules`.
#[derive(InputObject, Clone, Copy)]
pub struct CheckoutAddressValidationRules {
    /// Determines if an error should be raised when the provided address doesn't have all
    /// the required fields.
    #[graphql(default_with = "Some(true)")]
    pub check_required_fields: Option<bool>,
    /// Determines if an error should be raised when the provided address doesn't match the
    /// expected format.
    #[graphql(default_with = "Some(true)")]
    pub check_fields_format: Option<bool>,
    /// Determines if Saleor should apply normalization on address fields.
    #[graphql(default_with = "Some(true)")]
    pub enable_fields_normalization: Option<bool>,
}

impl From<Option<CheckoutAddressValidationRules>> for AddressRules {
    fn from(r: Option<CheckoutAddressValidationRules>) -> Self {
        r.map_or_else(AddressRules::default, |r| AddressRules {
            check_required_fields: r.check_required_fields.unwrap_or(true),
            check_fields_format: r.check_fields_format.unwrap_or(true),
            enable_fields_normalization: r.enable_fields_normalization.unwrap_or(true),
        })
    }
}

/// Saleor's `CheckoutValidationRules`.
#[derive(InputObject, Clone, Copy)]
pub struct CheckoutValidationRules {
    /// The validation rules that can be applied to provided shipping address data.
    pub shipping_address: Option<CheckoutAddressValidationRules>,
    /// The validation rules that can be applied to provided billing address data.
    pub billing_address: Option<CheckoutAddressValidationRules>,
}

/// A line to add to a checkout.
#[derive(InputObject, Clone)]
pub struct CheckoutLineInput {
    /// The number of items purchased.
    pub quantity: i32,
    /// ID of the product variant.
    pub variant_id: ID,
    /// Flag that allow force splitting the same variant into multiple lines by skipping the
    /// matching logic (not supported: lines are always merged).
    #[graphql(default_with = "Some(false)")]
    pub force_new_line: Option<bool>,
    /// Fields required to update the object's metadata.
    pub metadata: Option<Vec<MetadataInput>>,
}

/// A change of a checkout line.
#[derive(InputObject, Clone)]
pub struct CheckoutLineUpdateInput {
    /// ID of the product variant.
    #[graphql(deprecation = "Use `lineId` instead.")]
    pub variant_id: Option<ID>,
    /// The number of items purchased. Optional for apps, required for any other users.
    pub quantity: Option<i32>,
    /// ID of the line.
    pub line_id: Option<ID>,
}

/// Fields of a new checkout.
#[derive(InputObject)]
pub struct CheckoutCreateInput {
    /// Slug of a channel in which to create a checkout.
    pub channel: Option<String>,
    /// A list of checkout lines, each containing information about an item in the checkout.
    pub lines: Vec<CheckoutLineInput>,
    /// The customer's email address.
    pub email: Option<String>,
    /// The mailing address to where the checkout will be shipped.
    pub shipping_address: Option<AddressInput>,
    /// Billing address of the customer.
    pub billing_address: Option<AddressInput>,
    /// Checkout language code.
    pub language_code: Option<LanguageCodeEnum>,
    /// The checkout validation rules that can be changed.
    pub validation_rules: Option<CheckoutValidationRules>,
}

fn line_inputs(lines: &[CheckoutLineInput]) -> Result<Vec<LineInput>> {
    lines
        .iter()
        .map(|l| {
            Ok(LineInput {
                variant_id: id::decode::<i32>(&l.variant_id, "ProductVariant")?,
                quantity: l.quantity,
            })
        })
        .collect()
}

// ------------------------------------------------------------------------ payloads

macro_rules! checkout_payload {
    ($name:ident, $gql:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject)]
        #[graphql(name = $gql)]
        pub struct $name {
            /// The checkout.
            pub checkout: Option<CheckoutNode>,
            /// Errors of the mutation.
            pub errors: Vec<CheckoutErrorNode>,
        }

        impl $name {
            fn make(checkout: Option<CheckoutNode>, errors: Vec<CheckoutErrorNode>) -> Self {
                Self { checkout, errors }
            }
        }
    };
}

checkout_payload!(CheckoutCreate, "CheckoutCreate", "Create a new checkout.");
checkout_payload!(
    CheckoutLinesAdd,
    "CheckoutLinesAdd",
    "Adds a checkout line to the existing checkout."
);
checkout_payload!(
    CheckoutLinesUpdate,
    "CheckoutLinesUpdate",
    "Updates checkout line in the existing checkout."
);
checkout_payload!(
    CheckoutLinesDelete,
    "CheckoutLinesDelete",
    "Deletes checkout lines."
);
checkout_payload!(
    CheckoutLineDelete,
    "CheckoutLineDelete",
    "Deletes a CheckoutLine."
);
checkout_payload!(
    CheckoutEmailUpdate,
    "CheckoutEmailUpdate",
    "Updates email address in the existing checkout object."
);
checkout_payload!(
    CheckoutCustomerAttach,
    "CheckoutCustomerAttach",
    "Sets the customer as the owner of the checkout."
);
checkout_payload!(
    CheckoutCustomerDetach,
    "CheckoutCustomerDetach",
    "Removes the user assigned as the owner of the checkout."
);
checkout_payload!(
    CheckoutShippingAddressUpdate,
    "CheckoutShippingAddressUpdate",
    "Update shipping address in the existing checkout."
);
checkout_payload!(
    CheckoutBillingAddressUpdate,
    "CheckoutBillingAddressUpdate",
    "Update billing address in the existing checkout."
);

checkout_payload!(
    CheckoutAddPromoCode,
    "CheckoutAddPromoCode",
    "Adds a gift card or a voucher to a checkout."
);
checkout_payload!(
    CheckoutRemovePromoCode,
    "CheckoutRemovePromoCode",
    "Remove a gift card or a voucher from a checkout."
);
checkout_payload!(
    CheckoutDeliveryMethodUpdate,
    "CheckoutDeliveryMethodUpdate",
    "Updates the delivery method (shipping method or pick up point) of the checkout."
);

/// Saleor's `DeliveryOptionsCalculateErrorCode`.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOptionsCalculateErrorCode {
    GraphqlError,
    NotFound,
    Invalid,
}

/// An error of `deliveryOptionsCalculate`.
#[derive(SimpleObject, Clone, Debug)]
pub struct DeliveryOptionsCalculateError {
    /// Name of a field that caused the error.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: DeliveryOptionsCalculateErrorCode,
}

/// Calculates available delivery options for a checkout.
#[derive(SimpleObject)]
pub struct DeliveryOptionsCalculate {
    /// List of the available deliveries.
    pub deliveries: Vec<Delivery>,
    /// Errors of the mutation.
    pub errors: Vec<DeliveryOptionsCalculateError>,
}

// ------------------------------------------------------------------------ resolvers

/// Checkout queries.
#[derive(Default)]
pub struct CheckoutQuery;

#[Object]
impl CheckoutQuery {
    /// Look up a checkout by id.
    async fn checkout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The checkout's ID.")] id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutNode>> {
        let token = checkout_token(id.as_ref(), None, token)?;
        let (state, req) = parts(ctx)?;
        Ok(state
            .checkout
            .find(&token.to_string())
            .await
            .map_err(|e| req.internal(e))?
            .map(CheckoutNode::new))
    }
}

/// Checkout mutations.
#[derive(Default)]
pub struct CheckoutMutation;

#[Object]
impl CheckoutMutation {
    /// Create a new checkout.
    async fn checkout_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create checkout.")] input: CheckoutCreateInput,
    ) -> Result<Option<CheckoutCreate>> {
        let result: Result<CheckoutCreate> = async {
            let (state, req) = parts(ctx)?;
            let channel = match state
                .channels
                .resolve(input.channel.as_deref(), req.is_staff_or_app())
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    let (code, field) = match input.channel {
                        None => (CheckoutErrorCode::MissingChannelSlug, "channel"),
                        Some(_) => (CheckoutErrorCode::NotFound, "channel"),
                    };
                    return Ok(CheckoutCreate::make(
                        None,
                        vec![Failure::new(Some(field), code, e.to_string()).into()],
                    ));
                }
            };
            if !channel.is_active {
                return Ok(CheckoutCreate::make(
                    None,
                    vec![
                        Failure::new(
                            Some("channel"),
                            CheckoutErrorCode::ChannelInactive,
                            "Cannot create checkout in an inactive channel.",
                        )
                        .into(),
                    ],
                ));
            }
            let rules = input.validation_rules;
            let new = NewCheckout {
                channel,
                lines: line_inputs(&input.lines)?,
                email: input.email,
                shipping_address: input.shipping_address.map(AddressData::from),
                billing_address: input.billing_address.map(AddressData::from),
                shipping_rules: rules.and_then(|r| r.shipping_address).into(),
                billing_rules: rules.and_then(|r| r.billing_address).into(),
                language_code: input
                    .language_code
                    .unwrap_or(LanguageCodeEnum::EN)
                    .code()
                    .to_owned(),
            };
            payload(
                req,
                state.checkout.create(&actor(req), new).await,
                CheckoutCreate::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Adds a checkout line to the existing checkout. If line was already in checkout, its
    /// quantity will be increased.
    async fn checkout_lines_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        lines: Vec<CheckoutLineInput>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutLinesAdd>> {
        let result: Result<CheckoutLinesAdd> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let lines = line_inputs(&lines)?;
            payload(
                req,
                state.checkout.lines_add(&token, &actor(req), lines).await,
                CheckoutLinesAdd::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Updates checkout line in the existing checkout.
    async fn checkout_lines_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        lines: Vec<CheckoutLineUpdateInput>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutLinesUpdate>> {
        let result: Result<CheckoutLinesUpdate> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let updates = lines
                .iter()
                .map(|l| {
                    Ok(LineUpdate {
                        line_id: l
                            .line_id
                            .as_ref()
                            .map(|i| id::decode::<i32>(i, "CheckoutLine"))
                            .transpose()?,
                        variant_id: l
                            .variant_id
                            .as_ref()
                            .map(|i| id::decode::<i32>(i, "ProductVariant"))
                            .transpose()?,
                        quantity: l.quantity,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            payload(
                req,
                state
                    .checkout
                    .lines_update(&token, &actor(req), updates)
                    .await,
                CheckoutLinesUpdate::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Deletes checkout lines.
    async fn checkout_lines_delete(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        lines_ids: Vec<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutLinesDelete>> {
        let result: Result<CheckoutLinesDelete> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), None, token)?.to_string();
            let ids = decode_many(&lines_ids, "CheckoutLine")?;
            payload(
                req,
                state.checkout.lines_delete(&token, &actor(req), ids).await,
                CheckoutLinesDelete::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Deletes a CheckoutLine.
    #[graphql(deprecation = "Use `checkoutLinesDelete` instead.")]
    async fn checkout_line_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        line_id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutLineDelete>> {
        let result: Result<CheckoutLineDelete> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let ids = decode_many(line_id.as_slice(), "CheckoutLine")?;
            payload(
                req,
                state.checkout.lines_delete(&token, &actor(req), ids).await,
                CheckoutLineDelete::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Updates email address in the existing checkout object.
    async fn checkout_email_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        email: String,
        id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutEmailUpdate>> {
        let result: Result<CheckoutEmailUpdate> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            payload(
                req,
                state
                    .checkout
                    .email_update(&token, &actor(req), &email)
                    .await,
                CheckoutEmailUpdate::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Sets the customer as the owner of the checkout.
    async fn checkout_customer_attach(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        customer_id: Option<ID>,
        id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutCustomerAttach>> {
        let result: Result<CheckoutCustomerAttach> = async {
            let (state, req) = parts(ctx)?;
            req.require_user()?;
            if customer_id.is_some() {
                req.require_any(&[Permission::ImpersonateUser])?;
            }
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            payload(
                req,
                state.checkout.customer_attach(&token, &actor(req)).await,
                CheckoutCustomerAttach::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Removes the user assigned as the owner of the checkout.
    async fn checkout_customer_detach(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutCustomerDetach>> {
        let result: Result<CheckoutCustomerDetach> = async {
            let (state, req) = parts(ctx)?;
            req.require_user()?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            payload(
                req,
                state.checkout.customer_detach(&token, &actor(req)).await,
                CheckoutCustomerDetach::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Update shipping address in the existing checkout.
    #[allow(clippy::too_many_arguments)]
    async fn checkout_shipping_address_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        #[graphql(default_with = "Some(true)")] save_address: Option<bool>,
        shipping_address: AddressInput,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
        validation_rules: Option<CheckoutAddressValidationRules>,
    ) -> Result<Option<CheckoutShippingAddressUpdate>> {
        let result: Result<CheckoutShippingAddressUpdate> = async {
            let _ = save_address;
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let data = AddressData::from(shipping_address);
            payload(
                req,
                state
                    .checkout
                    .address_update(
                        &token,
                        &actor(req),
                        AddressKind::Shipping,
                        &data,
                        validation_rules.into(),
                    )
                    .await,
                CheckoutShippingAddressUpdate::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Adds a gift card or a voucher to a checkout (vouchers only: gift cards are not
    /// supported yet).
    async fn checkout_add_promo_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        promo_code: String,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutAddPromoCode>> {
        let result: Result<CheckoutAddPromoCode> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            payload(
                req,
                state
                    .checkout
                    .add_promo_code(&token, &actor(req), &promo_code)
                    .await,
                CheckoutAddPromoCode::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Remove a gift card or a voucher from a checkout.
    async fn checkout_remove_promo_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        promo_code: Option<String>,
        promo_code_id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutRemovePromoCode>> {
        let result: Result<CheckoutRemovePromoCode> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let voucher_id = promo_code_id
                .as_ref()
                .map(|i| id::decode::<i32>(i, "Voucher"))
                .transpose()?;
            payload(
                req,
                state
                    .checkout
                    .remove_promo_code(&token, &actor(req), promo_code.as_deref(), voucher_id)
                    .await,
                CheckoutRemovePromoCode::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Calculates available delivery options for a checkout.
    async fn delivery_options_calculate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the checkout.")] id: ID,
    ) -> Result<Option<DeliveryOptionsCalculate>> {
        let result: Result<DeliveryOptionsCalculate> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(Some(&id), None, None)?.to_string();
            let found = state
                .checkout
                .find(&token)
                .await
                .map_err(|e| req.internal(e))?;
            let Some(c) = found else {
                return Ok(DeliveryOptionsCalculate {
                    deliveries: Vec::new(),
                    errors: vec![DeliveryOptionsCalculateError {
                        field: Some("id".to_owned()),
                        message: Some("Couldn't resolve to a node: the checkout.".to_owned()),
                        code: DeliveryOptionsCalculateErrorCode::NotFound,
                    }],
                });
            };
            let lines = state
                .checkout
                .priced_lines(&c)
                .await
                .map_err(|e| req.internal(e))?;
            let info = state
                .checkout
                .delivery(&c, &lines)
                .await
                .map_err(|e| req.internal(e))?;
            Ok(DeliveryOptionsCalculate {
                deliveries: info.options.into_iter().map(Delivery::of).collect(),
                errors: Vec::new(),
            })
        }
        .await;
        result.map(Some)
    }

    /// Updates the delivery method (shipping method or pick up point) of the checkout.
    async fn checkout_delivery_method_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Delivery Method ID (`Warehouse` ID or `ShippingMethod` ID or `CheckoutDelivery` ID).\n\nDEPRECATED: Usage of `ShippingMethod` ID is deprecated. Use CheckoutDelivery ID instead."
        )]
        delivery_method_id: Option<ID>,
        id: Option<ID>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
    ) -> Result<Option<CheckoutDeliveryMethodUpdate>> {
        let result: Result<CheckoutDeliveryMethodUpdate> = async {
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), None, token)?.to_string();
            let Some(method) = delivery_method_id else {
                return Ok(CheckoutDeliveryMethodUpdate::make(
                    None,
                    vec![
                        Failure::new(
                            Some("deliveryMethodId"),
                            CheckoutErrorCode::DeliveryMethodNotApplicable,
                            "Clearing the delivery method is not supported.",
                        )
                        .into(),
                    ],
                ));
            };
            // As Saleor: a pick-up point (`Warehouse`), or a shipping method by its own ID or
            // by the `CheckoutDelivery` ID that `deliveryOptionsCalculate` and
            // `Checkout.delivery` hand out (the storefront sends the latter).
            let method = match id::split(&method).map(|(kind, _)| kind).as_deref() {
                Some("Warehouse") => {
                    DeliveryMethodId::Warehouse(id::decode::<i32>(&method, "Warehouse")?)
                }
                Some(kind @ ("ShippingMethod" | "CheckoutDelivery")) => {
                    DeliveryMethodId::Shipping(id::decode::<i32>(&method, kind)?)
                }
                Some(_) => {
                    return Ok(CheckoutDeliveryMethodUpdate::make(
                        None,
                        vec![
                            Failure::new(
                                Some("deliveryMethodId"),
                                CheckoutErrorCode::Invalid,
                                "ID does not belong to Warehouse, ShippingMethod, or CheckoutDelivery",
                            )
                            .into(),
                        ],
                    ));
                }
                None => DeliveryMethodId::Shipping(id::decode::<i32>(&method, "ShippingMethod")?),
            };
            payload(
                req,
                state
                    .checkout
                    .delivery_method_update(&token, &actor(req), method)
                    .await,
                CheckoutDeliveryMethodUpdate::make,
            )
        }
        .await;
        result.map(Some)
    }

    /// Update billing address in the existing checkout.
    #[allow(clippy::too_many_arguments)]
    async fn checkout_billing_address_update(
        &self,
        ctx: &Context<'_>,
        billing_address: AddressInput,
        #[graphql(deprecation = "Use `id` instead.")] checkout_id: Option<ID>,
        id: Option<ID>,
        #[graphql(default_with = "Some(true)")] save_address: Option<bool>,
        #[graphql(deprecation = "Use `id` instead.")] token: Option<uuid::Uuid>,
        validation_rules: Option<CheckoutAddressValidationRules>,
    ) -> Result<Option<CheckoutBillingAddressUpdate>> {
        let result: Result<CheckoutBillingAddressUpdate> = async {
            let _ = save_address;
            let (state, req) = parts(ctx)?;
            let token = checkout_token(id.as_ref(), checkout_id.as_ref(), token)?.to_string();
            let data = AddressData::from(billing_address);
            payload(
                req,
                state
                    .checkout
                    .address_update(
                        &token,
                        &actor(req),
                        AddressKind::Billing,
                        &data,
                        validation_rules.into(),
                    )
                    .await,
                CheckoutBillingAddressUpdate::make,
            )
        }
        .await;
        result.map(Some)
    }
}
