//! GraphQL: Saleor's `Voucher` and its staff queries and mutations (MANAGE_DISCOUNTS).
//! Resolvers parse arguments and shape payloads; rules live in `write.rs`.

use std::sync::Arc;

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject,
};
use chrono::{DateTime, Utc};
use entities::{
    channel, collection, product_variant, voucher, voucher_channel_listing as listing,
    voucher_collection as v_collection, voucher_product_variant as v_variant,
};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter};

use super::error::{Code, DiscountError as ServiceError};
use super::write::{self, Catalogue, ListingAdd, VoucherChange};
use crate::catalog::api::category::{
    CategoryNames, CollectionNames, ProductConnection, category_connection, product_connection,
    viewer,
};
use crate::catalog::api::common::Money;
use crate::catalog::api::mutations::PositiveDecimal;
use crate::catalog::api::products::{ProductVariantNames, VariantNode};
use crate::catalog::api::{category::CategoryNode, category::CollectionNode};
use crate::catalog::read::{CategoryFilter, ProductFilter, Viewer};
use crate::channel::api::ChannelNode;
use crate::core::{
    connection::{self, Countable, KeyPart, Page, PageArgs, PageResult, SortKey, TotalCount},
    context::RequestCtx,
    country::{CountryCode, CountryDisplay},
    error::{ErrorCode, error},
    id,
    permissions::Permission,
    scalars::{DateTimeRangeInput, IntRangeInput},
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::AppState;
use crate::state::parts;

// ------------------------------------------------------------------------ enums

/// Saleor's `VoucherTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum VoucherTypeEnum {
    Shipping,
    EntireOrder,
    SpecificProduct,
}

impl VoucherTypeEnum {
    fn stored(self) -> &'static str {
        match self {
            Self::Shipping => write::SHIPPING,
            Self::EntireOrder => write::ENTIRE_ORDER,
            Self::SpecificProduct => write::SPECIFIC_PRODUCT,
        }
    }
    fn of(s: &str) -> Self {
        match s {
            write::SHIPPING => Self::Shipping,
            write::SPECIFIC_PRODUCT => Self::SpecificProduct,
            _ => Self::EntireOrder,
        }
    }
}

/// Saleor's `DiscountValueTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DiscountValueTypeEnum {
    Fixed,
    Percentage,
}

impl DiscountValueTypeEnum {
    fn stored(self) -> &'static str {
        match self {
            Self::Fixed => write::FIXED,
            Self::Percentage => write::PERCENTAGE,
        }
    }
}

/// Saleor's `DiscountErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DiscountErrorCode {
    AlreadyExists,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    CannotManageProductWithoutVariant,
    DuplicatedInputItem,
    VoucherAlreadyUsed,
}

/// Saleor's `DiscountStatusEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DiscountStatusEnum {
    Active,
    Expired,
    Scheduled,
}

/// Saleor's `VoucherDiscountType`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum VoucherDiscountType {
    Fixed,
    Percentage,
    Shipping,
}

/// Saleor's `VoucherSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum VoucherSortField {
    /// Sort vouchers by code.
    #[graphql(deprecation = "Use the `NAME` field instead.")]
    Code,
    /// Sort vouchers by name.
    Name,
    /// Sort vouchers by start date.
    StartDate,
    /// Sort vouchers by end date (not supported yet).
    EndDate,
    /// Sort vouchers by value (not supported yet).
    Value,
    /// Sort vouchers by type.
    Type,
    /// Sort vouchers by usage limit (not supported yet).
    UsageLimit,
    /// Sort vouchers by minimum spent amount (not supported yet).
    MinimumSpentAmount,
}

// ------------------------------------------------------------------------ errors

/// An error of a discount mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct DiscountError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// List of products IDs which causes the error.
    pub products: Option<Vec<ID>>,
    /// The error code.
    pub code: DiscountErrorCode,
    /// List of channels IDs which causes the error.
    pub channels: Option<Vec<ID>>,
    /// List of voucher codes which causes the error.
    pub voucher_codes: Option<Vec<String>>,
}

impl DiscountError {
    fn new(field: &str, code: DiscountErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: Some(message.into()),
            products: None,
            code,
            channels: None,
            voucher_codes: None,
        }
    }
}

/// The payload error of a service error; internal failures become top-level errors.
fn payload_error(req: &RequestCtx, e: ServiceError) -> Result<DiscountError> {
    match e {
        ServiceError::Input {
            field,
            message,
            code,
            channels,
        } => Ok(DiscountError {
            field: Some(field),
            message: Some(message),
            products: None,
            code: match code {
                Code::Invalid => DiscountErrorCode::Invalid,
                Code::NotFound => DiscountErrorCode::NotFound,
                Code::Required => DiscountErrorCode::Required,
                Code::Unique => DiscountErrorCode::Unique,
                Code::DuplicatedInputItem => DiscountErrorCode::DuplicatedInputItem,
            },
            channels: (!channels.is_empty())
                .then(|| channels.iter().map(|c| id::encode("Channel", c)).collect()),
            voucher_codes: None,
        }),
        ServiceError::Db(e) => Err(req.internal(e)),
    }
}

// ------------------------------------------------------------------------ types

countable_names!(VoucherNames, "Voucher");
countable_names!(VoucherCodeNames, "VoucherCode");

/// Saleor's `VoucherCountableConnection`.
pub type Vouchers = Countable<VoucherNode, VoucherNames>;

/// Vouchers allow giving discounts to particular customers on categories, collections or
/// specific products. They can be used during checkout by providing valid voucher codes.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Voucher")]
pub struct VoucherNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: voucher::Model,
    /// The channel whose values `discountValue`, `currency` and `minSpent` show.
    #[graphql(skip)]
    pub channel: Option<channel::Model>,
}

impl VoucherNode {
    pub fn new(model: voucher::Model, channel: Option<channel::Model>) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            channel,
        }
    }

    async fn listing(&self, ctx: &Context<'_>) -> Result<Option<listing::Model>> {
        let Some(ch) = &self.channel else {
            return Ok(None);
        };
        let (state, req) = parts(ctx)?;
        write::listing_in(&state.db.conn, self.model.id, ch.id)
            .await
            .map_err(|e| service_internal(req, e))
    }

    async fn linked(&self, ctx: &Context<'_>) -> Result<Catalogue> {
        let (state, req) = parts(ctx)?;
        write::catalogue(&state.db.conn, self.model.id)
            .await
            .map_err(|e| service_internal(req, e))
    }
}

fn service_internal(req: &RequestCtx, e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::Db(e) => req.internal(e),
        other => error(ErrorCode::Internal, other.to_string()),
    }
}

impl HasMetadata for VoucherNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

fn page_args(
    first: Option<i32>,
    last: Option<i32>,
    after: Option<String>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        last,
        after,
        before,
    }
}

fn discount_value(model: &voucher::Model, l: &listing::Model) -> f64 {
    write::value_decimal(&model.discount_type, l.discount_value, &l.currency)
        .to_string()
        .parse()
        .unwrap_or(0.0)
}

#[ComplexObject]
impl VoucherNode {
    /// The ID of the voucher.
    async fn id(&self) -> ID {
        id::encode("Voucher", self.model.id)
    }
    /// The name of the voucher.
    async fn name(&self) -> Option<&str> {
        Some(self.model.name.as_str()).filter(|n| !n.is_empty())
    }
    /// Codes of the voucher (one code per voucher here).
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn codes(
        &self,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<VoucherCode, VoucherCodeNames>>> {
        let page = Page::parse(&page_args(first, last, after, before), "codes")?;
        let id = i64::from(self.model.id);
        let int = |k: &Vec<KeyPart>| match k.first() {
            Some(KeyPart::Int(i)) => Some(*i),
            _ => None,
        };
        let in_page = page.after.as_ref().is_none_or(|a| int(a) < Some(id))
            && page
                .before
                .as_ref()
                .is_none_or(|b| int(b).is_some_and(|b| b > id));
        let items = if in_page {
            vec![VoucherCode(self.model.clone())]
        } else {
            vec![]
        };
        Ok(Some(connection::build(
            PageResult {
                items,
                has_next_page: false,
                has_previous_page: false,
            },
            TotalCount::lazy(|| async { Ok(1) }),
            |c: &VoucherCode| vec![KeyPart::Int(i64::from(c.0.id))],
        )))
    }
    /// The code of the voucher.
    async fn code(&self) -> Option<&str> {
        Some(&self.model.code)
    }
    /// The number of times a voucher can be used.
    async fn usage_limit(&self) -> Option<i32> {
        self.model.usage_limit
    }
    /// Usage count of the voucher.
    async fn used(&self) -> i32 {
        self.model.used
    }
    /// The start date and time of voucher.
    async fn start_date(&self) -> DateTime<Utc> {
        self.model.start_date
    }
    /// The end date and time of voucher.
    async fn end_date(&self) -> Option<DateTime<Utc>> {
        self.model.end_date
    }
    /// Determine if the voucher should be applied once per order. If set to True, the
    /// voucher is applied to a single cheapest eligible product in checkout.
    async fn apply_once_per_order(&self) -> bool {
        self.model.apply_once_per_order
    }
    /// Determine if the voucher usage should be limited to one use per customer.
    async fn apply_once_per_customer(&self) -> bool {
        self.model.apply_once_per_customer
    }
    /// Determine if the voucher codes can be used once or multiple times.
    async fn single_use(&self) -> bool {
        self.model.single_use
    }
    /// Determine if the voucher is available only for staff members.
    async fn only_for_staff(&self) -> bool {
        self.model.only_for_staff
    }
    /// Determine minimal quantity of items in checkout.
    async fn min_checkout_items_quantity(&self) -> Option<i32> {
        self.model.min_checkout_items_quantity
    }
    /// List of categories this voucher applies to.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CategoryNode, CategoryNames>>> {
        let ids = self.linked(ctx).await?.categories;
        let filter = CategoryFilter {
            ids: Some(ids),
            ..Default::default()
        };
        category_connection(ctx, filter, page_args(first, last, after, before))
            .await
            .map(Some)
    }
    /// List of collections this voucher applies to.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn collections(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CollectionNode, CollectionNames>>> {
        let (state, req) = parts(ctx)?;
        let page = Page::parse(&page_args(first, last, after, before), "collections")?;
        let db = state.db.conn.clone();
        let select = collection::Entity::find().filter(
            collection::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(v_collection::Column::CollectionId)
                    .from(v_collection::Entity)
                    .and_where(v_collection::Column::VoucherId.eq(self.model.id))
                    .to_owned(),
            ),
        );
        let key = SortKey {
            columns: vec![collection::Column::Name, collection::Column::Id],
            descending: false,
        };
        let rows: PageResult<collection::Model> =
            connection::fetch_page(&db, select.clone(), &key, &page)
                .await
                .map_err(|e| e.into_error(req))?;
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        Ok(Some(connection::build(
            rows.map(|c| CollectionNode::new(c, None)),
            total,
            |n: &CollectionNode| crate::catalog::read::collection_key(&n.model),
        )))
    }
    /// List of products this voucher applies to.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<ProductConnection>> {
        let ids = self.linked(ctx).await?.products;
        let viewer = viewer(ctx, None).await?;
        let filter = ProductFilter {
            ids: Some(ids),
            ..Default::default()
        };
        product_connection(
            ctx,
            viewer,
            filter,
            None,
            page_args(first, last, after, before),
        )
        .await
        .map(Some)
    }
    /// List of product variants this voucher applies to.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn variants(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<VariantNode, ProductVariantNames>>> {
        let (state, req) = parts(ctx)?;
        let page = Page::parse(&page_args(first, last, after, before), "variants")?;
        let db = state.db.conn.clone();
        let select = product_variant::Entity::find().filter(
            product_variant::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(v_variant::Column::ProductVariantId)
                    .from(v_variant::Entity)
                    .and_where(v_variant::Column::VoucherId.eq(self.model.id))
                    .to_owned(),
            ),
        );
        let key = SortKey {
            columns: vec![product_variant::Column::Id],
            descending: false,
        };
        let rows: PageResult<product_variant::Model> =
            connection::fetch_page(&db, select.clone(), &key, &page)
                .await
                .map_err(|e| e.into_error(req))?;
        let ids: Vec<i32> = rows.items.iter().map(|v| v.id).collect();
        let staff = Arc::new(Viewer {
            channel: self.channel.clone(),
            staff: true,
            tax: Default::default(),
        });
        let mut nodes = crate::catalog::api::variant_nodes::by_ids(
            &state.db.conn,
            &state.catalog.products,
            &staff,
            &ids,
        )
        .await
        .map_err(|e| req.internal(e))?;
        let page = PageResult {
            items: ids.iter().filter_map(|i| nodes.remove(i)).collect(),
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
        };
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        Ok(Some(connection::build(page, total, |n: &VariantNode| {
            vec![KeyPart::Int(i64::from(n.row.variant.id))]
        })))
    }
    /// List of countries available for the shipping voucher.
    async fn countries(&self) -> Option<Vec<CountryDisplay>> {
        Some(
            self.model
                .countries
                .split(',')
                .filter_map(CountryCode::parse)
                .map(CountryDisplay::from)
                .collect(),
        )
    }
    /// Determines a type of discount for voucher - value or percentage
    async fn discount_value_type(&self) -> DiscountValueTypeEnum {
        if self.model.discount_type == write::PERCENTAGE {
            DiscountValueTypeEnum::Percentage
        } else {
            DiscountValueTypeEnum::Fixed
        }
    }
    /// Voucher value in the requested channel.
    async fn discount_value(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(self
            .listing(ctx)
            .await?
            .map(|l| discount_value(&self.model, &l)))
    }
    /// Currency code for voucher in the requested channel.
    async fn currency(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(self.listing(ctx).await?.map(|l| l.currency))
    }
    /// Minimum order value to apply voucher in the requested channel.
    async fn min_spent(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        Ok(self
            .listing(ctx)
            .await?
            .and_then(|l| l.min_spent.map(|m| Money::from_minor(m, &l.currency))))
    }
    /// Determines a type of voucher.
    async fn r#type(&self) -> VoucherTypeEnum {
        VoucherTypeEnum::of(&self.model.voucher_type)
    }
    /// List of availability in channels for the voucher.
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<VoucherChannelListing>>> {
        let (state, req) = parts(ctx)?;
        let rows = write::listings(&state.db.conn, self.model.id)
            .await
            .map_err(|e| service_internal(req, e))?;
        Ok(Some(
            rows.into_iter()
                .map(|l| VoucherChannelListing {
                    value: discount_value(&self.model, &l),
                    model: l,
                })
                .collect(),
        ))
    }
}

/// Represents voucher channel listing.
pub struct VoucherChannelListing {
    model: listing::Model,
    value: f64,
}

#[Object]
impl VoucherChannelListing {
    /// The ID of the object.
    async fn id(&self) -> ID {
        id::encode("VoucherChannelListing", self.model.id)
    }
    /// The channel in which voucher is available.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        let (state, req) = parts(ctx)?;
        state
            .channels
            .by_id(self.model.channel_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(ChannelNode::from)
            .ok_or_else(|| error(ErrorCode::Internal, "Voucher listing without a channel."))
    }
    /// The value of the discount (an amount, or a percentage).
    async fn discount_value(&self) -> f64 {
        self.value
    }
    /// Currency code for the voucher in the channel.
    async fn currency(&self) -> &str {
        &self.model.currency
    }
    /// Minimum order value to apply voucher.
    async fn min_spent(&self) -> Option<Money> {
        self.model
            .min_spent
            .map(|m| Money::from_minor(m, &self.model.currency))
    }
}

/// Represents voucher code data (one code per voucher here).
#[derive(Clone)]
pub struct VoucherCode(voucher::Model);

#[Object]
impl VoucherCode {
    /// The ID of the voucher code.
    async fn id(&self) -> ID {
        id::encode("VoucherCode", self.0.id)
    }
    /// Code to use the voucher.
    async fn code(&self) -> Option<&str> {
        Some(&self.0.code)
    }
    /// Number of times a code has been used.
    async fn used(&self) -> Option<i32> {
        Some(self.0.used)
    }
    /// Whether a code is active or not.
    async fn is_active(&self) -> Option<bool> {
        Some(true)
    }
    /// Date time of code creation (the voucher's start here).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.start_date
    }
}

// ------------------------------------------------------------------------ inputs

/// Saleor's `VoucherFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct VoucherFilterInput {
    pub status: Option<Vec<DiscountStatusEnum>>,
    pub times_used: Option<IntRangeInput>,
    pub discount_type: Option<Vec<VoucherDiscountType>>,
    pub started: Option<DateTimeRangeInput>,
    pub search: Option<String>,
    pub metadata: Option<Vec<crate::catalog::api::inputs::MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
}

/// Saleor's `VoucherSortingInput`.
#[derive(InputObject, Clone, Debug)]
pub struct VoucherSortingInput {
    /// Specifies the direction in which to sort vouchers.
    pub direction: connection::OrderDirection,
    /// Specifies the channel in which to sort the data.
    #[graphql(deprecation = "Use root-level channel argument instead.")]
    pub channel: Option<String>,
    /// Sort vouchers by the selected field.
    pub field: VoucherSortField,
}

/// Saleor's `VoucherInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct VoucherInput {
    /// Voucher type: PRODUCT, CATEGORY SHIPPING or ENTIRE_ORDER.
    pub r#type: Option<VoucherTypeEnum>,
    /// Voucher name.
    pub name: MaybeUndefined<String>,
    /// Code to use the voucher.
    #[graphql(deprecation = "Use `addCodes` instead.")]
    pub code: Option<String>,
    /// List of codes to add (one code per voucher here).
    pub add_codes: Option<Vec<String>>,
    /// Start date of the voucher in ISO 8601 format.
    pub start_date: Option<DateTime<Utc>>,
    /// End date of the voucher in ISO 8601 format.
    pub end_date: MaybeUndefined<DateTime<Utc>>,
    /// Choices: fixed or percentage.
    pub discount_value_type: Option<DiscountValueTypeEnum>,
    /// Products discounted by the voucher.
    pub products: Option<Vec<ID>>,
    /// Variants discounted by the voucher.
    pub variants: Option<Vec<ID>>,
    /// Collections discounted by the voucher.
    pub collections: Option<Vec<ID>>,
    /// Categories discounted by the voucher.
    pub categories: Option<Vec<ID>>,
    /// Minimal quantity of checkout items required to apply the voucher.
    pub min_checkout_items_quantity: MaybeUndefined<i32>,
    /// Country codes that can be used with the shipping voucher.
    pub countries: Option<Vec<String>>,
    /// Voucher should be applied to the cheapest item or entire order.
    pub apply_once_per_order: Option<bool>,
    /// Voucher should be applied once per customer.
    pub apply_once_per_customer: Option<bool>,
    /// Voucher can be used only by staff user.
    pub only_for_staff: Option<bool>,
    /// When set to 'True', each voucher code can be used only once.
    pub single_use: Option<bool>,
    /// Limit number of times this voucher can be used in total.
    pub usage_limit: MaybeUndefined<i32>,
}

/// Saleor's `CatalogueInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CatalogueInput {
    /// Products related to the discount.
    pub products: Option<Vec<ID>>,
    /// Categories related to the discount.
    pub categories: Option<Vec<ID>>,
    /// Collections related to the discount.
    pub collections: Option<Vec<ID>>,
    /// Product variant related to the discount.
    pub variants: Option<Vec<ID>>,
}

/// Saleor's `VoucherChannelListingAddInput`.
#[derive(InputObject, Clone, Debug)]
pub struct VoucherChannelListingAddInput {
    /// ID of a channel.
    pub channel_id: ID,
    /// Value of the voucher.
    pub discount_value: Option<PositiveDecimal>,
    /// Min purchase amount required to apply the voucher.
    pub min_amount_spent: Option<PositiveDecimal>,
}

/// Saleor's `VoucherChannelListingInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct VoucherChannelListingInput {
    /// List of channels to which the voucher should be assigned.
    pub add_channels: Option<Vec<VoucherChannelListingAddInput>>,
    /// List of channels from which the voucher should be unassigned.
    pub remove_channels: Option<Vec<ID>>,
}

fn decode_all(ids: Option<&Vec<ID>>, type_name: &str) -> Result<Option<Vec<i32>>> {
    ids.map(|ids| {
        ids.iter()
            .map(|i| id::decode::<i32>(i, type_name))
            .collect::<Result<Vec<_>>>()
    })
    .transpose()
}

fn maybe<T: Clone>(m: &MaybeUndefined<T>) -> Option<Option<T>> {
    match m {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.clone())),
    }
}

impl VoucherInput {
    fn to_change(&self) -> std::result::Result<VoucherChange, Box<DiscountError>> {
        let code = match (&self.add_codes, &self.code) {
            (Some(codes), _) if codes.len() > 1 => {
                return Err(Box::new(DiscountError {
                    voucher_codes: Some(codes.clone()),
                    ..DiscountError::new(
                        "addCodes",
                        DiscountErrorCode::Invalid,
                        "Only one code per voucher is supported.",
                    )
                }));
            }
            (Some(codes), _) if !codes.is_empty() => Some((codes[0].clone(), "addCodes")),
            (_, Some(code)) => Some((code.clone(), "code")),
            _ => None,
        };
        let ids = |v: Option<&Vec<ID>>, t: &str, field: &str| {
            decode_all(v, t).map_err(|e| {
                Box::new(DiscountError::new(
                    field,
                    DiscountErrorCode::GraphqlError,
                    e.message,
                ))
            })
        };
        Ok(VoucherChange {
            voucher_type: self.r#type.map(VoucherTypeEnum::stored),
            name: maybe(&self.name),
            code,
            start_date: self.start_date,
            end_date: maybe(&self.end_date),
            discount_type: self.discount_value_type.map(DiscountValueTypeEnum::stored),
            min_checkout_items_quantity: maybe(&self.min_checkout_items_quantity),
            countries: self.countries.clone(),
            apply_once_per_order: self.apply_once_per_order,
            apply_once_per_customer: self.apply_once_per_customer,
            only_for_staff: self.only_for_staff,
            single_use: self.single_use,
            usage_limit: maybe(&self.usage_limit),
            products: ids(self.products.as_ref(), "Product", "products")?,
            variants: ids(self.variants.as_ref(), "ProductVariant", "variants")?,
            categories: ids(self.categories.as_ref(), "Category", "categories")?,
            collections: ids(self.collections.as_ref(), "Collection", "collections")?,
        })
    }
}

impl CatalogueInput {
    fn to_catalogue(&self) -> Result<Catalogue> {
        Ok(Catalogue {
            products: decode_all(self.products.as_ref(), "Product")?.unwrap_or_default(),
            variants: decode_all(self.variants.as_ref(), "ProductVariant")?.unwrap_or_default(),
            categories: decode_all(self.categories.as_ref(), "Category")?.unwrap_or_default(),
            collections: decode_all(self.collections.as_ref(), "Collection")?.unwrap_or_default(),
        })
    }
}

// ------------------------------------------------------------------------ queries

/// Voucher queries (MANAGE_DISCOUNTS).
#[derive(Default)]
pub struct DiscountQuery;

/// The channel named by `slug` (none when omitted or unknown).
async fn channel_of(
    state: &AppState,
    req: &RequestCtx,
    slug: Option<&str>,
) -> Result<Option<channel::Model>> {
    match slug {
        Some(slug) => state
            .channels
            .by_slug(slug)
            .await
            .map_err(|e| req.internal(e)),
        None => Ok(None),
    }
}

fn filter_condition(f: &VoucherFilterInput) -> Result<Condition> {
    let mut cond = Condition::all();
    if f.metadata.as_ref().is_some_and(|m| !m.is_empty()) {
        return Err(error(
            ErrorCode::InvalidInput,
            "Filtering vouchers by metadata is not supported yet.",
        ));
    }
    if let Some(search) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let like = |c: voucher::Column| {
            Expr::expr(Func::lower(Expr::col(c)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        cond = cond.add(
            Condition::any()
                .add(like(voucher::Column::Code))
                .add(like(voucher::Column::Name)),
        );
    }
    if let Some(ids) = decode_all(f.ids.as_ref(), "Voucher")? {
        cond = cond.add(voucher::Column::Id.is_in(ids));
    }
    if let Some(types) = &f.discount_type {
        let mut any = Condition::any();
        for t in types {
            any = any.add(match t {
                VoucherDiscountType::Shipping => voucher::Column::VoucherType.eq(write::SHIPPING),
                VoucherDiscountType::Fixed => voucher::Column::DiscountType
                    .eq(write::FIXED)
                    .and(voucher::Column::VoucherType.ne(write::SHIPPING)),
                VoucherDiscountType::Percentage => voucher::Column::DiscountType
                    .eq(write::PERCENTAGE)
                    .and(voucher::Column::VoucherType.ne(write::SHIPPING)),
            });
        }
        cond = cond.add(any);
    }
    if let Some(statuses) = &f.status {
        let now = Utc::now();
        let mut any = Condition::any();
        for s in statuses {
            any = any.add(match s {
                DiscountStatusEnum::Active => Condition::all()
                    .add(voucher::Column::StartDate.lte(now))
                    .add(
                        Condition::any()
                            .add(voucher::Column::EndDate.is_null())
                            .add(voucher::Column::EndDate.gt(now)),
                    ),
                DiscountStatusEnum::Expired => {
                    Condition::all().add(voucher::Column::EndDate.lte(now))
                }
                DiscountStatusEnum::Scheduled => {
                    Condition::all().add(voucher::Column::StartDate.gt(now))
                }
            });
        }
        cond = cond.add(any);
    }
    if let Some(r) = f.times_used {
        if let Some(g) = r.gte {
            cond = cond.add(voucher::Column::Used.gte(g));
        }
        if let Some(l) = r.lte {
            cond = cond.add(voucher::Column::Used.lte(l));
        }
    }
    if let Some(r) = f.started {
        if let Some(g) = r.gte {
            cond = cond.add(voucher::Column::StartDate.gte(g));
        }
        if let Some(l) = r.lte {
            cond = cond.add(voucher::Column::StartDate.lte(l));
        }
    }
    Ok(cond)
}

#[Object]
impl DiscountQuery {
    /// Look up a voucher by ID.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the voucher.")] id: ID,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
    ) -> Result<Option<VoucherNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        let channel = channel_of(state, req, channel.as_deref()).await?;
        Ok(write::get(&state.db.conn, pk)
            .await
            .map_err(|e| service_internal(req, e))?
            .map(|v| VoucherNode::new(v, channel)))
    }

    /// List of the shop's vouchers.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn vouchers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filtering options for vouchers.")] filter: Option<VoucherFilterInput>,
        #[graphql(desc = "Sort voucher.")] sort_by: Option<VoucherSortingInput>,
        #[graphql(deprecation = "Use `filter.search` input instead.")] query: Option<String>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Vouchers>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let page = Page::parse(&page_args(first, last, after, before), "vouchers")?;
        let channel_slug = channel.or_else(|| sort_by.as_ref().and_then(|s| s.channel.clone()));
        let channel = channel_of(state, req, channel_slug.as_deref()).await?;
        let mut f = filter.unwrap_or_default();
        if f.search.is_none() {
            f.search = query;
        }
        let select = voucher::Entity::find().filter(filter_condition(&f)?);
        let (field, descending) = sort_by
            .as_ref()
            .map_or((VoucherSortField::Code, false), |s| {
                (s.field, s.direction == connection::OrderDirection::Desc)
            });
        let column = match field {
            VoucherSortField::Code => voucher::Column::Code,
            VoucherSortField::Name => voucher::Column::Name,
            VoucherSortField::StartDate => voucher::Column::StartDate,
            VoucherSortField::Type => voucher::Column::VoucherType,
            _ => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Sorting vouchers by end date, value, usage limit or minimum spent amount is not supported yet.",
                ));
            }
        };
        let key = SortKey {
            columns: vec![column, voucher::Column::Id],
            descending,
        };
        let db = state.db.conn.clone();
        let rows: PageResult<voucher::Model> =
            connection::fetch_page(&db, select.clone(), &key, &page)
                .await
                .map_err(|e| e.into_error(req))?;
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        Ok(Some(connection::build(
            rows.map(|v| VoucherNode::new(v, channel.clone())),
            total,
            move |n: &VoucherNode| {
                let m = &n.model;
                let first = match field {
                    VoucherSortField::Name => KeyPart::Str(m.name.clone()),
                    VoucherSortField::StartDate => KeyPart::Time(m.start_date),
                    VoucherSortField::Type => KeyPart::Str(m.voucher_type.clone()),
                    _ => KeyPart::Str(m.code.clone()),
                };
                vec![first, KeyPart::Int(i64::from(m.id))]
            },
        )))
    }
}

// ------------------------------------------------------------------------ mutations

macro_rules! payload {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            #[graphql(deprecation = "Use `errors` field instead.")]
            pub discount_errors: Vec<DiscountError>,
            pub errors: Vec<DiscountError>,
            pub voucher: Option<VoucherNode>,
        }

        impl $name {
            fn ok(voucher: VoucherNode) -> Self {
                Self {
                    voucher: Some(voucher),
                    ..Default::default()
                }
            }
            fn err(e: DiscountError) -> Self {
                Self {
                    discount_errors: vec![e.clone()],
                    errors: vec![e],
                    voucher: None,
                }
            }
        }
    };
}

payload!(VoucherCreate, "Creates a new voucher.");
payload!(VoucherUpdate, "Updates a voucher.");
payload!(VoucherDelete, "Deletes a voucher.");
payload!(
    VoucherAddCatalogues,
    "Adds products, categories, collections to a voucher."
);
payload!(
    VoucherRemoveCatalogues,
    "Removes products, categories, collections from a voucher."
);
payload!(
    VoucherChannelListingUpdate,
    "Manage voucher's availability in channels."
);

/// Deletes vouchers.
#[derive(SimpleObject, Default)]
pub struct VoucherBulkDelete {
    /// Returns how many objects were affected.
    pub count: i32,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub discount_errors: Vec<DiscountError>,
    pub errors: Vec<DiscountError>,
}

/// Voucher mutations (MANAGE_DISCOUNTS).
#[derive(Default)]
pub struct DiscountMutation;

/// Runs a service call and shapes its payload: `Ok(model)` → `ok`, input errors → `err`.
macro_rules! respond {
    ($payload:ident, $req:expr, $call:expr, $channel:expr) => {
        match $call {
            Ok(v) => Ok(Some($payload::ok(VoucherNode::new(v, $channel)))),
            Err(e) => Ok(Some($payload::err(payload_error($req, e)?))),
        }
    };
}

#[Object]
impl DiscountMutation {
    /// Creates a new voucher.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a voucher.")] input: VoucherInput,
    ) -> Result<Option<VoucherCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let change = match input.to_change() {
            Ok(c) => c,
            Err(e) => return Ok(Some(VoucherCreate::err(*e))),
        };
        respond!(
            VoucherCreate,
            req,
            write::create(&state.db.conn, change).await,
            None
        )
    }

    /// Deletes a voucher.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a voucher to delete.")] id: ID,
    ) -> Result<Option<VoucherDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        respond!(
            VoucherDelete,
            req,
            write::delete(&state.db.conn, pk).await,
            None
        )
    }

    /// Deletes vouchers.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of voucher IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<VoucherBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pks = decode_all(Some(&ids), "Voucher")?.unwrap_or_default();
        match write::bulk_delete(&state.db.conn, &pks).await {
            Ok(n) => Ok(Some(VoucherBulkDelete {
                count: i32::try_from(n).unwrap_or(i32::MAX),
                ..Default::default()
            })),
            Err(e) => {
                let e = payload_error(req, e)?;
                Ok(Some(VoucherBulkDelete {
                    count: 0,
                    discount_errors: vec![e.clone()],
                    errors: vec![e],
                }))
            }
        }
    }

    /// Updates a voucher.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a voucher to update.")] id: ID,
        #[graphql(desc = "Fields required to update a voucher.")] input: VoucherInput,
    ) -> Result<Option<VoucherUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        let change = match input.to_change() {
            Ok(c) => c,
            Err(e) => return Ok(Some(VoucherUpdate::err(*e))),
        };
        respond!(
            VoucherUpdate,
            req,
            write::update(&state.db.conn, pk, change).await,
            None
        )
    }

    /// Adds products, categories, collections to a voucher.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_catalogues_add(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a voucher.")] id: ID,
        #[graphql(desc = "Fields required to modify catalogue IDs of voucher.")]
        input: CatalogueInput,
    ) -> Result<Option<VoucherAddCatalogues>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        let c = input.to_catalogue()?;
        respond!(
            VoucherAddCatalogues,
            req,
            write::catalogues(&state.db.conn, pk, &c, true).await,
            None
        )
    }

    /// Removes products, categories, collections from a voucher.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_catalogues_remove(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a voucher.")] id: ID,
        #[graphql(desc = "Fields required to modify catalogue IDs of voucher.")]
        input: CatalogueInput,
    ) -> Result<Option<VoucherRemoveCatalogues>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        let c = input.to_catalogue()?;
        respond!(
            VoucherRemoveCatalogues,
            req,
            write::catalogues(&state.db.conn, pk, &c, false).await,
            None
        )
    }

    /// Manage voucher's availability in channels.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn voucher_channel_listing_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a voucher to update.")] id: ID,
        #[graphql(desc = "Fields required to update voucher channel listings.")]
        input: VoucherChannelListingInput,
    ) -> Result<Option<VoucherChannelListingUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageDiscounts])?;
        let pk = id::decode::<i32>(&id, "Voucher")?;
        let mut add = Vec::new();
        for a in input.add_channels.unwrap_or_default() {
            add.push(ListingAdd {
                channel_id: id::decode::<i32>(&a.channel_id, "Channel")?,
                discount_value: a.discount_value.map(|d| d.0),
                min_amount_spent: a.min_amount_spent.map(|d| d.0),
            });
        }
        let remove = decode_all(input.remove_channels.as_ref(), "Channel")?.unwrap_or_default();
        respond!(
            VoucherChannelListingUpdate,
            req,
            write::update_listings(&state.db.conn, pk, add, remove).await,
            None
        )
    }
}

/// Voucher `id` as a node (for the generic metadata mutations and `Order.voucher`).
pub async fn node(
    state: &AppState,
    id: i32,
    channel: Option<channel::Model>,
) -> std::result::Result<Option<VoucherNode>, sea_orm::DbErr> {
    Ok(voucher::Entity::find_by_id(id)
        .one(&state.db.conn)
        .await?
        .map(|v| VoucherNode::new(v, channel)))
}
