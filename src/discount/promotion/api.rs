//! GraphQL: `Promotion`, `PromotionRule`, `promotions`/`promotion` and the staff mutations
//! (MANAGE_DISCOUNTS), shaped as Saleor 3.23. Resolvers parse, authorize, call
//! [`super::service::PromotionService`] and shape payloads.

use crate::catalog::api::listings::ProductVariantWhereInput;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{promotion, promotion_rule};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value as Json, json};

use super::service::{
    Code, DateRange, FieldError, Kind, PromotionError, PromotionFilter, PromotionInput,
    PromotionPatch, PromotionService, RuleInput, RulePatch,
};
use crate::catalog::api::inputs::{
    DateTimeFilterInput, DecimalFilterInput, MetadataFilter, ProductWhereInput, StringFilterInput,
};
use crate::catalog::api::mutations::PositiveDecimal;
use crate::channel::api::ChannelNode;
use crate::core::connection::{
    self, KeyPart, OrderDirection, Page, PageArgs, PageError, SortKey, TotalCount,
};
use crate::core::context::RequestCtx;
use crate::core::error::{ErrorCode, error};
use crate::core::id;
use crate::core::permissions::Permission;
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;

fn service<'a>(ctx: &'a Context<'_>) -> Result<(PromotionService, &'a RequestCtx)> {
    let (state, req) = parts(ctx)?;
    Ok((PromotionService::new(state.db.conn.clone()), req))
}

fn staff<'a>(ctx: &'a Context<'_>) -> Result<(PromotionService, &'a RequestCtx)> {
    let (svc, req) = service(ctx)?;
    req.require_any(&[Permission::ManageDiscounts])?;
    Ok((svc, req))
}

// ------------------------------------------------------------------------ enums

/// Saleor's `PromotionTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PromotionTypeEnum {
    Catalogue,
    Order,
}

/// Saleor's `RewardValueTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RewardValueTypeEnum {
    Fixed,
    Percentage,
}

impl RewardValueTypeEnum {
    fn as_str(self) -> &'static str {
        match self {
            Self::Fixed => "FIXED",
            Self::Percentage => "PERCENTAGE",
        }
    }
}

/// Saleor's `RewardTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RewardTypeEnum {
    SubtotalDiscount,
    Gift,
}

/// Saleor's `PromotionSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PromotionSortField {
    /// Sort promotions by name.
    Name,
    /// Sort promotions by start date.
    StartDate,
    /// Sort promotions by end date.
    EndDate,
    /// Sort promotions by creation date.
    CreatedAt,
}

// ------------------------------------------------------------------------ nodes

/// Represents the promotion that allow creating discounts based on given conditions, and is
/// visible to all the customers.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Promotion")]
pub struct PromotionNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: promotion::Model,
}

impl From<promotion::Model> for PromotionNode {
    fn from(model: promotion::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for PromotionNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl PromotionNode {
    async fn id(&self) -> ID {
        id::encode("Promotion", self.model.id)
    }
    /// Name of the promotion.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// The type of the promotion. Implicate if the discount is applied on catalogue or order
    /// level.
    async fn r#type(&self) -> Option<PromotionTypeEnum> {
        Some(if self.model.kind == "ORDER" {
            PromotionTypeEnum::Order
        } else {
            PromotionTypeEnum::Catalogue
        })
    }
    /// Description of the promotion.
    async fn description(&self) -> Option<Json> {
        self.model.description.clone()
    }
    /// Start date of the promotion.
    async fn start_date(&self) -> DateTime<Utc> {
        self.model.start_date
    }
    /// End date of the promotion.
    async fn end_date(&self) -> Option<DateTime<Utc>> {
        self.model.end_date
    }
    /// Date time of promotion creation.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// Date time of last update of promotion.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// The list of promotion rules.
    async fn rules(&self, ctx: &Context<'_>) -> Result<Option<Vec<PromotionRuleNode>>> {
        let (svc, req) = service(ctx)?;
        let rules = svc
            .rules(self.model.id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(rules.into_iter().map(PromotionRuleNode).collect()))
    }
}

/// Represents the promotion rule that specifies the conditions that must be met to apply
/// the promotion discount.
#[derive(Clone)]
pub struct PromotionRuleNode(pub promotion_rule::Model);

#[Object(name = "PromotionRule")]
impl PromotionRuleNode {
    async fn id(&self) -> ID {
        id::encode("PromotionRule", self.0.id)
    }
    /// Name of the promotion rule.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Description of the promotion rule.
    async fn description(&self) -> Option<Json> {
        self.0.description.clone()
    }
    /// Promotion to which the rule belongs.
    async fn promotion(&self, ctx: &Context<'_>) -> Result<Option<PromotionNode>> {
        let (svc, req) = service(ctx)?;
        Ok(svc
            .get(self.0.promotion_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(PromotionNode::from))
    }
    /// List of channels where the rule applies.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_APP, AUTHENTICATED_STAFF_USER.
    async fn channels(&self, ctx: &Context<'_>) -> Result<Option<Vec<ChannelNode>>> {
        let (svc, req) = service(ctx)?;
        req.require_staff_or_app()?;
        let channels = svc
            .rule_channels(self.0.id)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(channels.into_iter().map(ChannelNode::from).collect()))
    }
    /// The reward value of the promotion rule. Defines the discount value applied when the
    /// rule conditions are met.
    async fn reward_value(&self) -> Option<PositiveDecimal> {
        self.0
            .reward_value
            .as_deref()
            .and_then(|v| v.parse::<Decimal>().ok())
            .map(PositiveDecimal)
    }
    /// The type of reward value of the promotion rule.
    async fn reward_value_type(&self) -> Option<RewardValueTypeEnum> {
        match self.0.reward_value_type.as_deref() {
            Some("FIXED") => Some(RewardValueTypeEnum::Fixed),
            Some("PERCENTAGE") => Some(RewardValueTypeEnum::Percentage),
            _ => None,
        }
    }
    /// The type of the predicate that must be met to apply the reward.
    async fn predicate_type(&self) -> Option<PromotionTypeEnum> {
        Some(PromotionTypeEnum::Catalogue)
    }
    /// The catalogue predicate that must be met to apply the rule reward.
    async fn catalogue_predicate(&self) -> Option<Json> {
        Some(self.0.catalogue_predicate.clone())
    }
    /// The checkout/order predicate that must be met to apply the rule reward.
    async fn order_predicate(&self) -> Option<Json> {
        Some(self.0.order_predicate.clone())
    }
    /// The reward type of the promotion rule.
    async fn reward_type(&self) -> Option<RewardTypeEnum> {
        None
    }
    /// Product variant IDs available as a gift to choose.
    async fn gift_ids(&self) -> Option<Vec<ID>> {
        Some(Vec::new())
    }
    /// Defines the maximum number of gifts to choose from the gifts list.
    async fn gifts_limit(&self) -> Option<i32> {
        None
    }
}

// ------------------------------------------------------------------------ inputs

/// Saleor's `CategoryWhereInput` (only `ids` for now).
#[derive(InputObject, Clone, Debug, Default)]
pub struct CategoryWhereInput {
    pub ids: Option<Vec<ID>>,
}

/// Saleor's `CollectionWhereInput` (only `ids` for now).
#[derive(InputObject, Clone, Debug, Default)]
pub struct CollectionWhereInput {
    pub ids: Option<Vec<ID>>,
}

/// Conditions on the catalogue level. Only `ids` are supported in the inner predicates.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CataloguePredicateInput {
    /// Defines the product variant conditions to be met.
    pub variant_predicate: Option<ProductVariantWhereInput>,
    /// Defines the product conditions to be met.
    pub product_predicate: Option<ProductWhereInput>,
    /// Defines the category conditions to be met.
    pub category_predicate: Option<CategoryWhereInput>,
    /// Defines the collection conditions to be met.
    pub collection_predicate: Option<CollectionWhereInput>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<CataloguePredicateInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<CataloguePredicateInput>>,
}

fn ids_json(ids: &Option<Vec<ID>>) -> Json {
    json!({"ids": ids.iter().flatten().map(|i| i.as_str()).collect::<Vec<_>>()})
}

impl CataloguePredicateInput {
    /// Saleor's stored JSON form; `Err` when a product predicate uses more than `ids`.
    fn to_json(&self) -> std::result::Result<Json, FieldError> {
        let mut m = serde_json::Map::new();
        if let Some(p) = &self.variant_predicate {
            let rest = ProductVariantWhereInput {
                ids: None,
                ..p.clone()
            };
            if format!("{rest:?}") != format!("{:?}", ProductVariantWhereInput::default()) {
                return Err(FieldError::new(
                    "cataloguePredicate",
                    Code::Invalid,
                    "Only `ids` are supported in variantPredicate.",
                ));
            }
            m.insert("variantPredicate".into(), ids_json(&p.ids));
        }
        if let Some(p) = &self.product_predicate {
            let rest = ProductWhereInput {
                ids: None,
                ..p.clone()
            };
            if format!("{rest:?}") != format!("{:?}", ProductWhereInput::default()) {
                return Err(FieldError::new(
                    "cataloguePredicate",
                    Code::Invalid,
                    "Only `ids` are supported in productPredicate.",
                ));
            }
            m.insert("productPredicate".into(), ids_json(&p.ids));
        }
        if let Some(p) = &self.category_predicate {
            m.insert("categoryPredicate".into(), ids_json(&p.ids));
        }
        if let Some(p) = &self.collection_predicate {
            m.insert("collectionPredicate".into(), ids_json(&p.ids));
        }
        for (key, list) in [("AND", &self.and), ("OR", &self.or)] {
            if let Some(items) = list {
                let items = items
                    .iter()
                    .map(Self::to_json)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                m.insert(key.into(), Json::Array(items));
            }
        }
        Ok(Json::Object(m))
    }
}

/// Saleor's `DiscountedObjectWhereInput`.
#[derive(InputObject, Clone, Debug)]
pub struct DiscountedObjectWhereInput {
    /// Filter by the base subtotal price.
    pub base_subtotal_price: Option<DecimalFilterInput>,
    /// Filter by the base total price.
    pub base_total_price: Option<DecimalFilterInput>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<DiscountedObjectWhereInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<DiscountedObjectWhereInput>>,
}

/// Saleor's `OrderPredicateInput` (accepted in the shape, refused: ORDER promotions are not
/// supported).
#[derive(InputObject, Clone, Debug)]
pub struct OrderPredicateInput {
    /// Defines the conditions related to checkout and order objects.
    pub discounted_object_predicate: Option<DiscountedObjectWhereInput>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<OrderPredicateInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<OrderPredicateInput>>,
}

/// Saleor's `PromotionRuleInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionRuleInput {
    /// Promotion rule name.
    pub name: Option<String>,
    /// Promotion rule description.
    pub description: Option<Json>,
    /// Defines the conditions on the catalogue level that must be met for the reward to be
    /// applied.
    pub catalogue_predicate: Option<CataloguePredicateInput>,
    /// Defines the conditions on the checkout/draft order level that must be met for the
    /// reward to be applied.
    pub order_predicate: Option<OrderPredicateInput>,
    /// Defines the promotion rule reward value type. Must be provided together with reward
    /// value.
    pub reward_value_type: Option<RewardValueTypeEnum>,
    /// Defines the discount value. Required when catalogue predicate is provided.
    pub reward_value: Option<PositiveDecimal>,
    /// Defines the reward type of the promotion rule.
    pub reward_type: Option<RewardTypeEnum>,
    /// List of channel ids to which the rule should apply to.
    pub channels: Option<Vec<ID>>,
    /// Product variant IDs available as a gift to choose.
    pub gifts: Option<Vec<ID>>,
}

/// Saleor's `PromotionRuleCreateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionRuleCreateInput {
    /// Promotion rule name.
    pub name: Option<String>,
    /// Promotion rule description.
    pub description: Option<Json>,
    /// Defines the conditions on the catalogue level that must be met for the reward to be
    /// applied.
    pub catalogue_predicate: Option<CataloguePredicateInput>,
    /// Defines the conditions on the checkout/draft order level that must be met for the
    /// reward to be applied.
    pub order_predicate: Option<OrderPredicateInput>,
    /// Defines the promotion rule reward value type. Must be provided together with reward
    /// value.
    pub reward_value_type: Option<RewardValueTypeEnum>,
    /// Defines the discount value. Required when catalogue predicate is provided.
    pub reward_value: Option<PositiveDecimal>,
    /// Defines the reward type of the promotion rule.
    pub reward_type: Option<RewardTypeEnum>,
    /// List of channel ids to which the rule should apply to.
    pub channels: Option<Vec<ID>>,
    /// Product variant IDs available as a gift to choose.
    pub gifts: Option<Vec<ID>>,
    /// The ID of the promotion that rule belongs to.
    pub promotion: ID,
}

/// Saleor's `PromotionRuleUpdateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionRuleUpdateInput {
    /// Promotion rule name.
    pub name: Option<String>,
    /// Promotion rule description.
    pub description: Option<Json>,
    /// Defines the conditions on the catalogue level that must be met for the reward to be
    /// applied.
    pub catalogue_predicate: Option<CataloguePredicateInput>,
    /// Defines the conditions on the checkout/draft order level that must be met for the
    /// reward to be applied.
    pub order_predicate: Option<OrderPredicateInput>,
    /// Defines the promotion rule reward value type. Must be provided together with reward
    /// value.
    pub reward_value_type: Option<RewardValueTypeEnum>,
    /// Defines the discount value. Required when catalogue predicate is provided.
    pub reward_value: Option<PositiveDecimal>,
    /// Defines the reward type of the promotion rule.
    pub reward_type: Option<RewardTypeEnum>,
    /// List of channel ids to add.
    pub add_channels: Option<Vec<ID>>,
    /// List of channel ids to remove.
    pub remove_channels: Option<Vec<ID>>,
    /// List of variant IDs available as a gift to add.
    pub add_gifts: Option<Vec<ID>>,
    /// List of variant IDs available as a gift to remove.
    pub remove_gifts: Option<Vec<ID>>,
}

/// Saleor's `PromotionCreateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionCreateInput {
    /// Promotion description.
    pub description: Option<Json>,
    /// The start date of the promotion in ISO 8601 format.
    pub start_date: Option<DateTime<Utc>>,
    /// The end date of the promotion in ISO 8601 format.
    pub end_date: Option<DateTime<Utc>>,
    /// Promotion name.
    pub name: String,
    /// Defines the promotion type. Implicate the required promotion rules predicate type and
    /// whether the promotion rules will give the catalogue or order discount.
    pub r#type: PromotionTypeEnum,
    /// List of promotion rules.
    pub rules: Option<Vec<PromotionRuleInput>>,
}

/// Saleor's `PromotionUpdateInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionUpdateInput {
    /// Promotion description.
    pub description: async_graphql::MaybeUndefined<Json>,
    /// The start date of the promotion in ISO 8601 format.
    pub start_date: async_graphql::MaybeUndefined<DateTime<Utc>>,
    /// The end date of the promotion in ISO 8601 format.
    pub end_date: async_graphql::MaybeUndefined<DateTime<Utc>>,
    /// Promotion name.
    pub name: Option<String>,
}

/// Saleor's `PromotionTypeEnumFilterInput`.
#[derive(InputObject, Clone, Debug)]
pub struct PromotionTypeEnumFilterInput {
    /// The value equal to.
    pub eq: Option<PromotionTypeEnum>,
    /// The value included in.
    pub one_of: Option<Vec<PromotionTypeEnum>>,
}

/// Saleor's `PromotionWhereInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PromotionWhereInput {
    pub metadata: Option<Vec<MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
    /// Filter by promotion name.
    pub name: Option<StringFilterInput>,
    /// Filter promotions by end date.
    pub end_date: Option<DateTimeFilterInput>,
    /// Filter promotions by start date.
    pub start_date: Option<DateTimeFilterInput>,
    pub is_old_sale: Option<bool>,
    pub r#type: Option<PromotionTypeEnumFilterInput>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<PromotionWhereInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<PromotionWhereInput>>,
}

fn date_range(f: &DateTimeFilterInput) -> DateRange {
    DateRange {
        one_of: f
            .eq
            .iter()
            .chain(f.one_of.iter().flatten())
            .copied()
            .collect(),
        gte: f.range.as_ref().and_then(|r| r.gte),
        lte: f.range.as_ref().and_then(|r| r.lte),
    }
}

impl PromotionWhereInput {
    fn filter(&self) -> Result<PromotionFilter> {
        if self.metadata.is_some() {
            return Err(error(
                ErrorCode::InvalidInput,
                "Filtering promotions by metadata is not supported.",
            ));
        }
        let ids = self
            .ids
            .as_ref()
            .map(|ids| {
                ids.iter()
                    .map(|i| id::decode::<i32>(i, "Promotion"))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        let kinds = self.r#type.as_ref().map(|t| {
            t.eq.iter()
                .chain(t.one_of.iter().flatten())
                .map(|k| match k {
                    PromotionTypeEnum::Catalogue => "CATALOGUE".to_owned(),
                    PromotionTypeEnum::Order => "ORDER".to_owned(),
                })
                .collect()
        });
        // Every promotion here is a new-style promotion, never a migrated sale.
        let kinds = match self.is_old_sale {
            Some(true) => Some(Vec::new()),
            _ => kinds,
        };
        Ok(PromotionFilter {
            ids,
            names: self.name.as_ref().map(StringFilterInput::values),
            kinds,
            start: self.start_date.as_ref().map(date_range),
            end: self.end_date.as_ref().map(date_range),
            and: self
                .and
                .iter()
                .flatten()
                .map(Self::filter)
                .collect::<Result<_>>()?,
            or: self
                .or
                .iter()
                .flatten()
                .map(Self::filter)
                .collect::<Result<_>>()?,
        })
    }
}

/// Saleor's `PromotionSortingInput`.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct PromotionSortingInput {
    /// Specifies the direction in which to sort promotions.
    pub direction: OrderDirection,
    /// Sort promotions by the selected field.
    pub field: PromotionSortField,
}

// ------------------------------------------------------------------------ errors

macro_rules! error_type {
    ($err:ident, $code:ident, [$($variant:ident),*], $fallback:ident, { $($extra:tt)* }) => {
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $code {
            $($variant),*
        }

        impl $code {
            #[allow(unreachable_patterns)]
            fn from_code(c: Code) -> Self {
                match c {
                    $(Code::$variant => Self::$variant,)*
                    _ => Self::$fallback,
                }
            }
        }

        #[derive(SimpleObject, Clone, Debug)]
        pub struct $err {
            /// Name of a field that caused the error. A value of `null` indicates that the
            /// error isn't associated with a particular field.
            pub field: Option<String>,
            /// The error message.
            pub message: Option<String>,
            /// The error code.
            pub code: $code,
            $($extra)*
        }
    };
}

error_type!(PromotionCreateError, PromotionCreateErrorCode,
    [GraphqlError, NotFound, Required, Invalid, MultipleCurrenciesNotAllowed, InvalidPrecision,
     MissingChannels, RulesNumberLimit, GiftsNumberLimit, InvalidGiftType], Invalid, {
    /// Index of an input list item that caused the error.
    pub index: Option<i32>,
    /// Limit of rules with orderPredicate defined.
    pub rules_limit: Option<i32>,
    /// Number of rules with orderPredicate defined exceeding the limit.
    pub rules_limit_exceed_by: Option<i32>,
    /// Limit of gifts assigned to promotion rule.
    pub gifts_limit: Option<i32>,
    /// Number of gifts defined for this promotion rule exceeding the limit.
    pub gifts_limit_exceed_by: Option<i32>,
});
error_type!(
    PromotionUpdateError,
    PromotionUpdateErrorCode,
    [GraphqlError, NotFound, Required, Invalid],
    Invalid,
    {}
);
error_type!(
    PromotionDeleteError,
    PromotionDeleteErrorCode,
    [GraphqlError, NotFound],
    GraphqlError,
    {}
);
error_type!(PromotionRuleCreateError, PromotionRuleCreateErrorCode,
    [GraphqlError, NotFound, Required, Invalid, MultipleCurrenciesNotAllowed, InvalidPrecision,
     MissingChannels, RulesNumberLimit, GiftsNumberLimit, InvalidGiftType], Invalid, {
    /// Limit of rules with orderPredicate defined.
    pub rules_limit: Option<i32>,
    /// Number of rules with orderPredicate defined exceeding the limit.
    pub rules_limit_exceed_by: Option<i32>,
    /// Limit of gifts assigned to promotion rule.
    pub gifts_limit: Option<i32>,
    /// Number of gifts defined for this promotion rule exceeding the limit.
    pub gifts_limit_exceed_by: Option<i32>,
});
error_type!(PromotionRuleUpdateError, PromotionRuleUpdateErrorCode,
    [GraphqlError, NotFound, Invalid, Required, DuplicatedInputItem, MissingChannels,
     MultipleCurrenciesNotAllowed, InvalidPrecision, InvalidGiftType, GiftsNumberLimit], Invalid, {
    /// List of channel IDs which causes the error.
    pub channels: Option<Vec<ID>>,
    /// Limit of gifts assigned to promotion rule.
    pub gifts_limit: Option<i32>,
    /// Number of gifts defined for this promotion rule exceeding the limit.
    pub gifts_limit_exceed_by: Option<i32>,
});
error_type!(
    PromotionRuleDeleteError,
    PromotionRuleDeleteErrorCode,
    [GraphqlError, NotFound],
    GraphqlError,
    {}
);

fn create_error(e: FieldError) -> PromotionCreateError {
    PromotionCreateError {
        field: e.field,
        message: Some(e.message),
        code: PromotionCreateErrorCode::from_code(e.code),
        index: e.index,
        rules_limit: None,
        rules_limit_exceed_by: None,
        gifts_limit: None,
        gifts_limit_exceed_by: None,
    }
}

fn update_error(e: FieldError) -> PromotionUpdateError {
    PromotionUpdateError {
        field: e.field,
        message: Some(e.message),
        code: PromotionUpdateErrorCode::from_code(e.code),
    }
}

fn delete_error(e: FieldError) -> PromotionDeleteError {
    PromotionDeleteError {
        field: e.field,
        message: Some(e.message),
        code: PromotionDeleteErrorCode::from_code(e.code),
    }
}

fn rule_create_error(e: FieldError) -> PromotionRuleCreateError {
    PromotionRuleCreateError {
        field: e.field,
        message: Some(e.message),
        code: PromotionRuleCreateErrorCode::from_code(e.code),
        rules_limit: None,
        rules_limit_exceed_by: None,
        gifts_limit: None,
        gifts_limit_exceed_by: None,
    }
}

fn rule_update_error(e: FieldError) -> PromotionRuleUpdateError {
    PromotionRuleUpdateError {
        field: e.field,
        message: Some(e.message),
        code: PromotionRuleUpdateErrorCode::from_code(e.code),
        channels: e.channels.map(|c| c.into_iter().map(ID).collect()),
        gifts_limit: None,
        gifts_limit_exceed_by: None,
    }
}

fn rule_delete_error(e: FieldError) -> PromotionRuleDeleteError {
    PromotionRuleDeleteError {
        field: e.field,
        message: Some(e.message),
        code: PromotionRuleDeleteErrorCode::from_code(e.code),
    }
}

// ------------------------------------------------------------------------ payloads

/// Creates a new promotion.
#[derive(SimpleObject)]
pub struct PromotionCreate {
    pub errors: Vec<PromotionCreateError>,
    pub promotion: Option<PromotionNode>,
}

/// Updates an existing promotion.
#[derive(SimpleObject)]
pub struct PromotionUpdate {
    pub errors: Vec<PromotionUpdateError>,
    pub promotion: Option<PromotionNode>,
}

/// Deletes a promotion.
#[derive(SimpleObject)]
pub struct PromotionDelete {
    pub errors: Vec<PromotionDeleteError>,
    pub promotion: Option<PromotionNode>,
}

/// Creates a new promotion rule.
#[derive(SimpleObject)]
pub struct PromotionRuleCreate {
    pub errors: Vec<PromotionRuleCreateError>,
    pub promotion_rule: Option<PromotionRuleNode>,
}

/// Updates an existing promotion rule.
#[derive(SimpleObject)]
pub struct PromotionRuleUpdate {
    pub errors: Vec<PromotionRuleUpdateError>,
    pub promotion_rule: Option<PromotionRuleNode>,
}

/// Deletes a promotion rule.
#[derive(SimpleObject)]
pub struct PromotionRuleDelete {
    pub errors: Vec<PromotionRuleDeleteError>,
    pub promotion_rule: Option<PromotionRuleNode>,
}

/// Field errors of a service call, or the internal error (logged, generic).
fn split<T>(
    req: &RequestCtx,
    r: std::result::Result<T, PromotionError>,
) -> Result<std::result::Result<T, Vec<FieldError>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(PromotionError::Fields(errs)) => Ok(Err(errs)),
        Err(PromotionError::Db(e)) => Err(req.internal(e)),
    }
}

/// A rule input's catalogue predicate as Saleor's JSON.
fn predicate_json(
    p: &Option<CataloguePredicateInput>,
) -> std::result::Result<Option<Json>, FieldError> {
    p.as_ref().map(CataloguePredicateInput::to_json).transpose()
}

fn rule_input(r: &PromotionRuleInput) -> std::result::Result<RuleInput, FieldError> {
    Ok(RuleInput {
        name: r.name.clone(),
        description: r.description.clone(),
        catalogue_predicate: predicate_json(&r.catalogue_predicate)?,
        has_order_predicate: r.order_predicate.is_some(),
        reward_value_type: r.reward_value_type.map(|t| t.as_str().to_owned()),
        reward_value: r.reward_value.map(|v| v.0),
        has_reward_type: r.reward_type.is_some(),
        has_gifts: r.gifts.as_ref().is_some_and(|g| !g.is_empty()),
        channels: r
            .channels
            .as_ref()
            .map(|c| c.iter().map(|i| i.to_string()).collect()),
    })
}

// ------------------------------------------------------------------------ query

countable_names!(PromotionNames, "Promotion");

/// A page of promotions.
pub type PromotionConnection = connection::Countable<PromotionNode, PromotionNames>;

#[derive(Default)]
pub struct PromotionQuery;

#[Object]
impl PromotionQuery {
    /// Look up a promotion by ID.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the promotion.")] id: ID,
    ) -> Result<Option<PromotionNode>> {
        let (svc, req) = staff(ctx)?;
        let pk = id::decode::<i32>(&id, "Promotion")?;
        Ok(svc
            .get(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(PromotionNode::from))
    }

    /// List of the promotions.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn promotions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where filtering options for promotions.")] r#where: Option<
            PromotionWhereInput,
        >,
        #[graphql(desc = "Sort promotions.")] sort_by: Option<PromotionSortingInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<PromotionConnection>> {
        let (svc, req) = staff(ctx)?;
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "promotions",
        )?;
        let filter = r#where.unwrap_or_default().filter()?;
        let select = promotion::Entity::find().filter(filter.condition());
        let (field, descending) = match sort_by {
            Some(s) => (s.field, s.direction == OrderDirection::Desc),
            None => (PromotionSortField::Name, false),
        };
        let column = match field {
            PromotionSortField::Name => promotion::Column::Name,
            PromotionSortField::StartDate => promotion::Column::StartDate,
            PromotionSortField::EndDate => promotion::Column::EndDateSort,
            PromotionSortField::CreatedAt => promotion::Column::CreatedAt,
        };
        let key = SortKey {
            columns: vec![column, promotion::Column::Id],
            descending,
        };
        let db = svc.db().clone();
        let rows: connection::PageResult<promotion::Model> =
            connection::fetch_page(&db, select.clone(), &key, &page)
                .await
                .map_err(|e| match e {
                    PageError::BadCursor => {
                        error(ErrorCode::InvalidCursor, "Received cursor is invalid.")
                    }
                    PageError::Db(e) => req.internal(e),
                })?;
        let total = TotalCount::lazy(move || {
            let (db, select) = (db.clone(), select.clone());
            async move { select.count(&db).await }
        });
        Ok(Some(connection::build(
            rows.map(PromotionNode::from),
            total,
            move |n: &PromotionNode| {
                let m = &n.model;
                let first = match field {
                    PromotionSortField::Name => KeyPart::Str(m.name.clone()),
                    PromotionSortField::StartDate => KeyPart::Time(m.start_date),
                    PromotionSortField::EndDate => KeyPart::Time(m.end_date_sort),
                    PromotionSortField::CreatedAt => KeyPart::Time(m.created_at),
                };
                vec![first, KeyPart::Int(i64::from(m.id))]
            },
        )))
    }
}

// ------------------------------------------------------------------------ mutations

#[derive(Default)]
pub struct PromotionMutation;

#[Object]
impl PromotionMutation {
    /// Creates a new promotion.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields requires to create a promotion.")] input: PromotionCreateInput,
    ) -> Result<Option<PromotionCreate>> {
        let (svc, req) = staff(ctx)?;
        let failed = |errors: Vec<FieldError>| PromotionCreate {
            errors: errors.into_iter().map(create_error).collect(),
            promotion: None,
        };
        let mut rules = Vec::new();
        let mut bad = Vec::new();
        for (i, r) in input.rules.iter().flatten().enumerate() {
            match rule_input(r) {
                Ok(r) => rules.push(r),
                Err(mut e) => {
                    e.index = Some(i32::try_from(i).unwrap_or(i32::MAX));
                    bad.push(e);
                }
            }
        }
        if !bad.is_empty() {
            return Ok(Some(failed(bad)));
        }
        let result = svc
            .create(PromotionInput {
                name: input.name,
                kind: match input.r#type {
                    PromotionTypeEnum::Catalogue => Kind::Catalogue,
                    PromotionTypeEnum::Order => Kind::Order,
                },
                description: input.description,
                start_date: input.start_date,
                end_date: input.end_date,
                rules,
            })
            .await;
        Ok(Some(match split(req, result)? {
            Ok(p) => PromotionCreate {
                errors: Vec::new(),
                promotion: Some(p.into()),
            },
            Err(errs) => failed(errs),
        }))
    }

    /// Updates an existing promotion.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the promotion to update.")] id: ID,
        #[graphql(desc = "Fields required to update a promotion.")] input: PromotionUpdateInput,
    ) -> Result<Option<PromotionUpdate>> {
        let (svc, req) = staff(ctx)?;
        let pk = id::decode::<i32>(&id, "Promotion")?;
        let opt = |m: async_graphql::MaybeUndefined<_>| match m {
            async_graphql::MaybeUndefined::Undefined => None,
            async_graphql::MaybeUndefined::Null => Some(None),
            async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
        };
        let patch = PromotionPatch {
            name: input.name,
            description: opt(input.description),
            start_date: match input.start_date {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
            },
            end_date: match input.end_date {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(v) => Some(Some(v)),
            },
        };
        Ok(Some(match split(req, svc.update(pk, patch).await)? {
            Ok(p) => PromotionUpdate {
                errors: Vec::new(),
                promotion: Some(p.into()),
            },
            Err(errs) => PromotionUpdate {
                errors: errs.into_iter().map(update_error).collect(),
                promotion: None,
            },
        }))
    }

    /// Deletes a promotion.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the promotion to remove.")] id: ID,
    ) -> Result<Option<PromotionDelete>> {
        let (svc, req) = staff(ctx)?;
        let pk = id::decode::<i32>(&id, "Promotion")?;
        Ok(Some(match split(req, svc.delete(pk).await)? {
            Ok(p) => PromotionDelete {
                errors: Vec::new(),
                promotion: Some(p.into()),
            },
            Err(errs) => PromotionDelete {
                errors: errs.into_iter().map(delete_error).collect(),
                promotion: None,
            },
        }))
    }

    /// Creates a new promotion rule.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_rule_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create a promotion rule.")]
        input: PromotionRuleCreateInput,
    ) -> Result<Option<PromotionRuleCreate>> {
        let (svc, req) = staff(ctx)?;
        let failed = |errors: Vec<FieldError>| PromotionRuleCreate {
            errors: errors.into_iter().map(rule_create_error).collect(),
            promotion_rule: None,
        };
        let rule = PromotionRuleInput {
            name: input.name,
            description: input.description,
            catalogue_predicate: input.catalogue_predicate,
            order_predicate: input.order_predicate,
            reward_value_type: input.reward_value_type,
            reward_value: input.reward_value,
            reward_type: input.reward_type,
            channels: input.channels,
            gifts: input.gifts,
        };
        let rule = match rule_input(&rule) {
            Ok(r) => r,
            Err(e) => return Ok(Some(failed(vec![e]))),
        };
        Ok(Some(
            match split(req, svc.rule_create(&input.promotion, rule).await)? {
                Ok(r) => PromotionRuleCreate {
                    errors: Vec::new(),
                    promotion_rule: Some(PromotionRuleNode(r)),
                },
                Err(errs) => failed(errs),
            },
        ))
    }

    /// Updates an existing promotion rule.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_rule_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the promotion rule to update.")] id: ID,
        #[graphql(desc = "Fields required to create a promotion rule.")]
        input: PromotionRuleUpdateInput,
    ) -> Result<Option<PromotionRuleUpdate>> {
        let (svc, req) = staff(ctx)?;
        let pk = id::decode::<i32>(&id, "PromotionRule")?;
        let failed = |errors: Vec<FieldError>| PromotionRuleUpdate {
            errors: errors.into_iter().map(rule_update_error).collect(),
            promotion_rule: None,
        };
        let predicate = match predicate_json(&input.catalogue_predicate) {
            Ok(p) => p,
            Err(e) => return Ok(Some(failed(vec![e]))),
        };
        let ids = |v: &Option<Vec<ID>>| -> Vec<String> {
            v.iter().flatten().map(|i| i.to_string()).collect()
        };
        let patch = RulePatch {
            name: input.name,
            description: input.description.map(Some),
            catalogue_predicate: predicate,
            has_order_predicate: input.order_predicate.is_some(),
            reward_value_type: input.reward_value_type.map(|t| t.as_str().to_owned()),
            reward_value: input.reward_value.map(|v| v.0),
            has_reward_type: input.reward_type.is_some(),
            has_gifts: input.add_gifts.as_ref().is_some_and(|g| !g.is_empty()),
            add_channels: ids(&input.add_channels),
            remove_channels: ids(&input.remove_channels),
        };
        Ok(Some(match split(req, svc.rule_update(pk, patch).await)? {
            Ok(r) => PromotionRuleUpdate {
                errors: Vec::new(),
                promotion_rule: Some(PromotionRuleNode(r)),
            },
            Err(errs) => failed(errs),
        }))
    }

    /// Deletes a promotion rule.
    ///
    /// Requires one of the following permissions: MANAGE_DISCOUNTS.
    async fn promotion_rule_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ID of the promotion to remove.")] id: ID,
    ) -> Result<Option<PromotionRuleDelete>> {
        let (svc, req) = staff(ctx)?;
        let pk = id::decode::<i32>(&id, "PromotionRule")?;
        Ok(Some(match split(req, svc.rule_delete(pk).await)? {
            Ok(r) => PromotionRuleDelete {
                errors: Vec::new(),
                promotion_rule: Some(PromotionRuleNode(r)),
            },
            Err(errs) => PromotionRuleDelete {
                errors: errs.into_iter().map(rule_delete_error).collect(),
                promotion_rule: None,
            },
        }))
    }
}
