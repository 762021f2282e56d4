//! Staff writes on promotions and rules: Saleor's validation rules and error codes, one
//! write transaction each, with the precomputed catalogue prices of every product the
//! change can affect (old and new predicates) recomputed in the same transaction.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use entities::{
    category, channel, collection, product, product_variant, promotion, promotion_rule,
    promotion_rule_channel,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};
use serde_json::{Value as Json, json};

use super::recalc;
use crate::catalog::money;

/// Saleor's promotion error codes (each mutation's enum is a subset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    GraphqlError,
    NotFound,
    Required,
    Invalid,
    MultipleCurrenciesNotAllowed,
    InvalidPrecision,
    MissingChannels,
    DuplicatedInputItem,
    /// Saleor's limits on ORDER rules and gifts (not produced: ORDER promotions are refused).
    RulesNumberLimit,
    GiftsNumberLimit,
    InvalidGiftType,
}

/// One field error of a promotion mutation.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: Option<String>,
    pub code: Code,
    pub message: String,
    /// Index of the rule in `promotionCreate`'s `rules`.
    pub index: Option<i32>,
    /// Channel IDs that caused the error (`promotionRuleUpdate`).
    pub channels: Option<Vec<String>>,
}

impl FieldError {
    pub fn new(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            code,
            message: message.into(),
            index: None,
            channels: None,
        }
    }
}

/// Why a promotion write failed.
#[derive(Debug, thiserror::Error)]
pub enum PromotionError {
    #[error("invalid input")]
    Fields(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl PromotionError {
    fn one(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::Fields(vec![FieldError::new(field, code, message)])
    }
}

pub type Result<T> = std::result::Result<T, PromotionError>;

/// `CATALOGUE` or `ORDER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Catalogue,
    Order,
}

/// A rule as given to `promotionCreate` / `promotionRuleCreate`.
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    pub name: Option<String>,
    pub description: Option<Json>,
    /// Saleor's `CataloguePredicateInput` as JSON (global IDs as given).
    pub catalogue_predicate: Option<Json>,
    pub has_order_predicate: bool,
    /// `PERCENTAGE` or `FIXED`.
    pub reward_value_type: Option<String>,
    pub reward_value: Option<Decimal>,
    pub has_reward_type: bool,
    pub has_gifts: bool,
    /// Channel global IDs.
    pub channels: Option<Vec<String>>,
}

/// `promotionCreate`'s input.
#[derive(Clone, Debug)]
pub struct PromotionInput {
    pub name: String,
    pub kind: Kind,
    pub description: Option<Json>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub rules: Vec<RuleInput>,
}

/// `promotionUpdate`'s input (`None`: unchanged; `Some(None)`: cleared).
#[derive(Clone, Debug, Default)]
pub struct PromotionPatch {
    pub name: Option<String>,
    pub description: Option<Option<Json>>,
    pub start_date: Option<Option<DateTime<Utc>>>,
    pub end_date: Option<Option<DateTime<Utc>>>,
}

/// `promotionRuleUpdate`'s input.
#[derive(Clone, Debug, Default)]
pub struct RulePatch {
    pub name: Option<String>,
    pub description: Option<Option<Json>>,
    pub catalogue_predicate: Option<Json>,
    pub has_order_predicate: bool,
    pub reward_value_type: Option<String>,
    pub reward_value: Option<Decimal>,
    pub has_reward_type: bool,
    pub has_gifts: bool,
    pub add_channels: Vec<String>,
    pub remove_channels: Vec<String>,
}

fn far_future() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The promotions service.
#[derive(Clone)]
pub struct PromotionService {
    db: DatabaseConnection,
}

impl PromotionService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub async fn get(&self, id: i32) -> std::result::Result<Option<promotion::Model>, DbErr> {
        promotion::Entity::find_by_id(id).one(&self.db).await
    }

    /// Rules of `promotion_id`, oldest first.
    pub async fn rules(
        &self,
        promotion_id: i32,
    ) -> std::result::Result<Vec<promotion_rule::Model>, DbErr> {
        use sea_orm::QueryOrder;
        promotion_rule::Entity::find()
            .filter(promotion_rule::Column::PromotionId.eq(promotion_id))
            .order_by_asc(promotion_rule::Column::Id)
            .all(&self.db)
            .await
    }

    pub async fn rule(&self, id: i32) -> std::result::Result<Option<promotion_rule::Model>, DbErr> {
        promotion_rule::Entity::find_by_id(id).one(&self.db).await
    }

    /// Channels of a rule.
    pub async fn rule_channels(
        &self,
        rule_id: i32,
    ) -> std::result::Result<Vec<channel::Model>, DbErr> {
        let ids: Vec<i32> = promotion_rule_channel::Entity::find()
            .filter(promotion_rule_channel::Column::PromotionRuleId.eq(rule_id))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| r.channel_id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        channel::Entity::find()
            .filter(channel::Column::Id.is_in(ids))
            .all(&self.db)
            .await
    }

    /// Creates a promotion with its rules.
    pub async fn create(&self, input: PromotionInput) -> Result<promotion::Model> {
        let mut errors = Vec::new();
        if input.name.trim().is_empty() {
            errors.push(FieldError::new(
                "name",
                Code::Required,
                "This field is required.",
            ));
        }
        if input.kind == Kind::Order {
            errors.push(FieldError::new(
                "type",
                Code::Invalid,
                "ORDER promotions are not supported; only CATALOGUE promotions take effect.",
            ));
        }
        let start = input.start_date.unwrap_or_else(Utc::now);
        if let Some(end) = input.end_date
            && end < start
        {
            errors.push(FieldError::new(
                "endDate",
                Code::Invalid,
                "End date can't be before start date.",
            ));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let mut cleaned = Vec::new();
        for (i, rule) in input.rules.iter().enumerate() {
            match clean_rule(&txn, rule).await? {
                Ok(c) => cleaned.push(c),
                Err(errs) => errors.extend(errs.into_iter().map(|mut e| {
                    e.index = Some(i32::try_from(i).unwrap_or(i32::MAX));
                    e
                })),
            }
        }
        if !errors.is_empty() {
            return Err(PromotionError::Fields(errors));
        }
        let now = Utc::now();
        let p = promotion::ActiveModel {
            name: Set(input.name.trim().to_owned()),
            kind: Set("CATALOGUE".to_owned()),
            description: Set(input.description),
            start_date: Set(start),
            end_date: Set(input.end_date),
            end_date_sort: Set(input.end_date.unwrap_or_else(far_future)),
            created_at: Set(now),
            updated_at: Set(now),
            applied_active: Set(false),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut predicates = Vec::new();
        for c in cleaned {
            predicates.push(c.predicate.clone());
            insert_rule(&txn, p.id, c).await?;
        }
        let p = self.reprice(&txn, p, &predicates).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Changes a promotion's name, description or dates.
    pub async fn update(&self, id: i32, patch: PromotionPatch) -> Result<promotion::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = find_promotion(&txn, id, "id").await?;
        if let Some(name) = &patch.name
            && name.trim().is_empty()
        {
            return Err(PromotionError::one(
                "name",
                Code::Required,
                "This field cannot be blank.",
            ));
        }
        let start = match patch.start_date {
            Some(Some(s)) => s,
            Some(None) => {
                return Err(PromotionError::one(
                    "startDate",
                    Code::Required,
                    "This field cannot be null.",
                ));
            }
            None => p.start_date,
        };
        let end = patch.end_date.unwrap_or(p.end_date);
        if let Some(e) = end
            && e < start
        {
            let field = if patch.end_date.is_some() {
                "endDate"
            } else {
                "startDate"
            };
            return Err(PromotionError::one(
                field,
                Code::Invalid,
                "End date can't be before start date.",
            ));
        }
        let dates_changed = start != p.start_date || end != p.end_date;
        let mut am = p.clone().into_active_model();
        if let Some(name) = patch.name {
            am.name = Set(name.trim().to_owned());
        }
        if let Some(d) = patch.description {
            am.description = Set(d);
        }
        am.start_date = Set(start);
        am.end_date = Set(end);
        am.end_date_sort = Set(end.unwrap_or_else(far_future));
        am.updated_at = Set(Utc::now());
        let p = am.update(&txn).await?;
        let p = if dates_changed {
            let predicates = rule_predicates(&txn, p.id).await?;
            self.reprice(&txn, p, &predicates).await?
        } else {
            p
        };
        txn.commit().await?;
        Ok(p)
    }

    /// Deletes a promotion and its rules; prices it gave return to normal.
    pub async fn delete(&self, id: i32) -> Result<promotion::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = find_promotion(&txn, id, "id").await?;
        let predicates = rule_predicates(&txn, p.id).await?;
        let refs: Vec<&Json> = predicates.iter().collect();
        let products: Vec<i32> = recalc::products_of(&txn, &refs)
            .await?
            .into_iter()
            .collect();
        promotion::Entity::delete_by_id(p.id).exec(&txn).await?;
        recalc::refresh(&txn, Some(&products)).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Adds a rule to promotion `promotion_id` (global ID, checked here).
    pub async fn rule_create(
        &self,
        promotion_id: &str,
        input: RuleInput,
    ) -> Result<promotion_rule::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(pid) = pk_of(promotion_id, "Promotion") else {
            return Err(PromotionError::one(
                "promotion",
                Code::GraphqlError,
                format!("Invalid ID: {promotion_id}. Expected: Promotion."),
            ));
        };
        let p = find_promotion(&txn, pid, "promotion").await?;
        let cleaned = clean_rule(&txn, &input)
            .await?
            .map_err(PromotionError::Fields)?;
        let predicate = cleaned.predicate.clone();
        let rule = insert_rule(&txn, p.id, cleaned).await?;
        self.reprice(&txn, p, &[predicate]).await?;
        txn.commit().await?;
        Ok(rule)
    }

    /// Changes a rule.
    pub async fn rule_update(&self, id: i32, patch: RulePatch) -> Result<promotion_rule::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(rule) = promotion_rule::Entity::find_by_id(id).one(&txn).await? else {
            return Err(PromotionError::one(
                "id",
                Code::NotFound,
                format!(
                    "Couldn't resolve to a node: {}",
                    crate::core::id::encode("PromotionRule", id).as_str()
                ),
            ));
        };
        let dup: Vec<String> = patch
            .add_channels
            .iter()
            .filter(|c| patch.remove_channels.contains(c))
            .cloned()
            .collect();
        if !dup.is_empty() {
            return Err(PromotionError::Fields(vec![FieldError {
                channels: Some(dup),
                ..FieldError::new(
                    "addChannels",
                    Code::DuplicatedInputItem,
                    "The same object cannot be in both lists for adding and removing items.",
                )
            }]));
        }
        let current: Vec<i32> = promotion_rule_channel::Entity::find()
            .filter(promotion_rule_channel::Column::PromotionRuleId.eq(rule.id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.channel_id)
            .collect();
        let add = resolve_channels(&txn, &patch.add_channels, "addChannels").await?;
        let remove = resolve_channels(&txn, &patch.remove_channels, "removeChannels").await?;
        let mut channels: BTreeSet<i32> = current.iter().copied().collect();
        channels.extend(add.iter().map(|c| c.id));
        for c in &remove {
            channels.remove(&c.id);
        }
        let merged = RuleInput {
            name: patch.name.clone().or(rule.name.clone()),
            description: patch
                .description
                .clone()
                .unwrap_or(rule.description.clone()),
            catalogue_predicate: Some(
                patch
                    .catalogue_predicate
                    .clone()
                    .unwrap_or(rule.catalogue_predicate.clone()),
            ),
            has_order_predicate: patch.has_order_predicate,
            reward_value_type: patch
                .reward_value_type
                .clone()
                .or(rule.reward_value_type.clone()),
            reward_value: patch
                .reward_value
                .or(rule.reward_value.as_deref().and_then(|v| v.parse().ok())),
            has_reward_type: patch.has_reward_type,
            has_gifts: patch.has_gifts,
            channels: Some(
                channels
                    .iter()
                    .map(|c| crate::core::id::encode("Channel", c).to_string())
                    .collect(),
            ),
        };
        let cleaned = clean_rule(&txn, &merged).await?.map_err(|errs| {
            PromotionError::Fields(
                errs.into_iter()
                    .map(|mut e| {
                        // Channel problems come from `addChannels` here.
                        if e.field.as_deref() == Some("channels") {
                            e.field = Some("addChannels".to_owned());
                        }
                        e
                    })
                    .collect(),
            )
        })?;
        let old_predicate = rule.catalogue_predicate.clone();
        let mut am = rule.into_active_model();
        am.name = Set(cleaned.name.clone());
        am.description = Set(cleaned.description.clone());
        am.catalogue_predicate = Set(cleaned.predicate.clone());
        am.reward_value_type = Set(cleaned.reward_value_type.clone());
        am.reward_value = Set(cleaned.reward_value.map(|v| v.normalize().to_string()));
        let rule = am.update(&txn).await?;
        promotion_rule_channel::Entity::delete_many()
            .filter(promotion_rule_channel::Column::PromotionRuleId.eq(rule.id))
            .exec(&txn)
            .await?;
        for c in &cleaned.channels {
            promotion_rule_channel::ActiveModel {
                promotion_rule_id: Set(rule.id),
                channel_id: Set(c.id),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        let p = find_promotion(&txn, rule.promotion_id, "promotion").await?;
        self.reprice(&txn, p, &[old_predicate, cleaned.predicate])
            .await?;
        txn.commit().await?;
        Ok(rule)
    }

    /// Deletes a rule.
    pub async fn rule_delete(&self, id: i32) -> Result<promotion_rule::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let Some(rule) = promotion_rule::Entity::find_by_id(id).one(&txn).await? else {
            return Err(PromotionError::one(
                "id",
                Code::NotFound,
                format!(
                    "Couldn't resolve to a node: {}",
                    crate::core::id::encode("PromotionRule", id).as_str()
                ),
            ));
        };
        let products: Vec<i32> = recalc::products_of(&txn, &[&rule.catalogue_predicate])
            .await?
            .into_iter()
            .collect();
        promotion_rule::Entity::delete_by_id(rule.id)
            .exec(&txn)
            .await?;
        recalc::refresh(&txn, Some(&products)).await?;
        txn.commit().await?;
        Ok(rule)
    }

    /// Recomputes prices of the products `predicates` match and records whether the
    /// promotion runs now (the periodic task takes over from there).
    async fn reprice(
        &self,
        txn: &DatabaseTransaction,
        p: promotion::Model,
        predicates: &[Json],
    ) -> Result<promotion::Model> {
        let refs: Vec<&Json> = predicates.iter().collect();
        let products: Vec<i32> = recalc::products_of(txn, &refs).await?.into_iter().collect();
        recalc::refresh(txn, Some(&products)).await?;
        let active = recalc::is_running(&p, Utc::now());
        if p.applied_active != active {
            let mut am = p.into_active_model();
            am.applied_active = Set(active);
            return Ok(am.update(txn).await?);
        }
        Ok(p)
    }

    /// Creates the demo promotion (see [`super::seed_demo`]).
    pub(super) async fn seed_demo_in(&self) -> Result<bool> {
        let Some(bags) = category::Entity::find()
            .filter(category::Column::Slug.eq("bags"))
            .one(&self.db)
            .await?
        else {
            return Ok(false);
        };
        let channels: Vec<String> = channel::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| crate::core::id::encode("Channel", c.id).to_string())
            .collect();
        self.create(PromotionInput {
            name: "Bag week".to_owned(),
            kind: Kind::Catalogue,
            description: Some(crate::catalog::seed::rich("10% off every bag.")),
            start_date: Some(Utc::now() - chrono::Duration::days(1)),
            end_date: None,
            rules: vec![RuleInput {
                name: Some("10% off bags".to_owned()),
                catalogue_predicate: Some(json!({"categoryPredicate": {"ids": [
                    crate::core::id::encode("Category", bags.id).to_string()
                ]}})),
                reward_value_type: Some("PERCENTAGE".to_owned()),
                reward_value: Some(Decimal::from(10)),
                channels: Some(channels),
                ..Default::default()
            }],
        })
        .await?;
        Ok(true)
    }
}

/// The demo promotion: 10% off the "Bags" category in every channel.
pub async fn seed_demo(db: &DatabaseConnection) -> std::result::Result<bool, DbErr> {
    match PromotionService::new(db.clone()).seed_demo_in().await {
        Ok(created) => Ok(created),
        Err(PromotionError::Db(e)) => Err(e),
        Err(PromotionError::Fields(errs)) => {
            Err(DbErr::Custom(format!("demo promotion refused: {errs:?}")))
        }
    }
}

async fn find_promotion<C: ConnectionTrait>(
    conn: &C,
    id: i32,
    field: &str,
) -> Result<promotion::Model> {
    promotion::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            PromotionError::one(
                field,
                Code::NotFound,
                format!(
                    "Couldn't resolve to a node: {}",
                    crate::core::id::encode("Promotion", id).as_str()
                ),
            )
        })
}

async fn rule_predicates<C: ConnectionTrait>(conn: &C, promotion_id: i32) -> Result<Vec<Json>> {
    Ok(promotion_rule::Entity::find()
        .filter(promotion_rule::Column::PromotionId.eq(promotion_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.catalogue_predicate)
        .collect())
}

fn pk_of(global: &str, kind: &str) -> Option<i32> {
    crate::core::id::split(global)
        .filter(|(t, _)| t == kind)
        .and_then(|(_, pk)| pk.parse().ok())
}

async fn resolve_channels<C: ConnectionTrait>(
    conn: &C,
    ids: &[String],
    field: &str,
) -> Result<Vec<channel::Model>> {
    let mut pks = Vec::new();
    for g in ids {
        match pk_of(g, "Channel") {
            Some(pk) => pks.push(pk),
            None => {
                return Err(PromotionError::Fields(vec![FieldError {
                    channels: Some(vec![g.clone()]),
                    ..FieldError::new(
                        field,
                        Code::GraphqlError,
                        format!("Invalid ID: {g}. Expected: Channel."),
                    )
                }]));
            }
        }
    }
    if pks.is_empty() {
        return Ok(Vec::new());
    }
    let found = channel::Entity::find()
        .filter(channel::Column::Id.is_in(pks.clone()))
        .all(conn)
        .await?;
    let missing: Vec<String> = pks
        .iter()
        .filter(|pk| !found.iter().any(|c| c.id == **pk))
        .map(|pk| crate::core::id::encode("Channel", pk).to_string())
        .collect();
    if !missing.is_empty() {
        return Err(PromotionError::Fields(vec![FieldError {
            channels: Some(missing.clone()),
            ..FieldError::new(
                field,
                Code::NotFound,
                format!("Couldn't resolve to a node: {}", missing.join(", ")),
            )
        }]));
    }
    Ok(found)
}

/// A validated rule, ready to store.
struct CleanRule {
    name: Option<String>,
    description: Option<Json>,
    predicate: Json,
    reward_value_type: Option<String>,
    reward_value: Option<Decimal>,
    channels: Vec<channel::Model>,
}

/// Saleor's rule validation: the outer error is the database, the inner the field errors.
async fn clean_rule<C: ConnectionTrait>(
    conn: &C,
    input: &RuleInput,
) -> std::result::Result<std::result::Result<CleanRule, Vec<FieldError>>, DbErr> {
    let mut errors = Vec::new();
    let channels =
        match resolve_channels(conn, input.channels.as_deref().unwrap_or(&[]), "channels").await {
            Ok(c) => c,
            Err(PromotionError::Db(e)) => return Err(e),
            Err(PromotionError::Fields(e)) => {
                errors.extend(e);
                Vec::new()
            }
        };
    if input.has_order_predicate {
        errors.push(FieldError::new(
            "orderPredicate",
            Code::Invalid,
            "Order predicate can't be used in a CATALOGUE promotion.",
        ));
    }
    if input.has_reward_type {
        errors.push(FieldError::new(
            "rewardType",
            Code::Invalid,
            "The rewardType can't be set for a rule with a cataloguePredicate.",
        ));
    }
    if input.has_gifts {
        errors.push(FieldError::new(
            "gifts",
            Code::Invalid,
            "Gifts can only be given by ORDER promotions.",
        ));
    }
    let predicate = input
        .catalogue_predicate
        .clone()
        .unwrap_or_else(|| json!({}));
    errors.extend(check_predicate(conn, &predicate).await?);
    let has_predicate = predicate.as_object().is_some_and(|o| !o.is_empty());
    let reward_type = input.reward_value_type.as_deref();
    if has_predicate {
        if input.reward_value.is_none() {
            errors.push(FieldError::new(
                "rewardValue",
                Code::Required,
                "The rewardValue is required when cataloguePredicate is provided.",
            ));
        }
        if reward_type.is_none() {
            errors.push(FieldError::new(
                "rewardValueType",
                Code::Required,
                "The rewardValueType is required when cataloguePredicate is provided.",
            ));
        }
    }
    if let (Some(t), Some(value)) = (reward_type, input.reward_value) {
        match t {
            "PERCENTAGE" if value > Decimal::from(100) => errors.push(FieldError::new(
                "rewardValue",
                Code::Invalid,
                "Invalid percentage value.",
            )),
            "FIXED" => {
                let currencies: HashSet<&str> =
                    channels.iter().map(|c| c.currency_code.as_str()).collect();
                if channels.is_empty() && input.channels.as_ref().is_none_or(Vec::is_empty) {
                    errors.push(FieldError::new(
                        "channels",
                        Code::MissingChannels,
                        "Channels must be specified for FIXED rewardValueType.",
                    ));
                } else if currencies.len() > 1 {
                    errors.push(FieldError::new(
                        "rewardValueType",
                        Code::MultipleCurrenciesNotAllowed,
                        "For FIXED rewardValueType, all channels must have the same currency.",
                    ));
                } else if let Some(currency) = currencies.into_iter().next()
                    && money::to_minor(value, currency).is_err()
                {
                    errors.push(FieldError::new(
                        "rewardValue",
                        Code::InvalidPrecision,
                        format!(
                            "Value cannot have more than {} decimal places.",
                            money::fraction_digits(currency)
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(CleanRule {
        name: input.name.clone(),
        description: input.description.clone(),
        predicate,
        reward_value_type: input.reward_value_type.clone(),
        reward_value: input.reward_value,
        channels,
    }))
}

/// Checks every ID of a catalogue predicate: the right type, and an existing object.
async fn check_predicate<C: ConnectionTrait>(
    conn: &C,
    predicate: &Json,
) -> std::result::Result<Vec<FieldError>, DbErr> {
    let mut wanted: Vec<(&str, &str, Vec<i32>)> = Vec::new();
    let mut errors = Vec::new();
    let mut stack = vec![predicate];
    let kinds = [
        ("productPredicate", "Product"),
        ("variantPredicate", "ProductVariant"),
        ("categoryPredicate", "Category"),
        ("collectionPredicate", "Collection"),
    ];
    while let Some(node) = stack.pop() {
        let Some(obj) = node.as_object() else {
            continue;
        };
        for (key, kind) in kinds {
            let Some(ids) = obj
                .get(key)
                .and_then(|o| o.get("ids"))
                .and_then(Json::as_array)
            else {
                continue;
            };
            let mut pks = Vec::new();
            for id in ids {
                let text = id.as_str().unwrap_or_default();
                match pk_of(text, kind) {
                    Some(pk) => pks.push(pk),
                    None => errors.push(FieldError::new(
                        "cataloguePredicate",
                        Code::GraphqlError,
                        format!("Invalid ID: {text}. Expected: {kind}."),
                    )),
                }
            }
            wanted.push((key, kind, pks));
        }
        for list in ["AND", "OR"] {
            if let Some(items) = obj.get(list).and_then(Json::as_array) {
                stack.extend(items.iter());
            }
        }
    }
    for (_, kind, pks) in wanted {
        if pks.is_empty() {
            continue;
        }
        let found = match kind {
            "Product" => {
                product::Entity::find()
                    .filter(product::Column::Id.is_in(pks.clone()))
                    .count(conn)
                    .await?
            }
            "ProductVariant" => {
                product_variant::Entity::find()
                    .filter(product_variant::Column::Id.is_in(pks.clone()))
                    .count(conn)
                    .await?
            }
            "Category" => {
                category::Entity::find()
                    .filter(category::Column::Id.is_in(pks.clone()))
                    .count(conn)
                    .await?
            }
            _ => {
                collection::Entity::find()
                    .filter(collection::Column::Id.is_in(pks.clone()))
                    .count(conn)
                    .await?
            }
        };
        let distinct: HashSet<i32> = pks.iter().copied().collect();
        if found < distinct.len() as u64 {
            errors.push(FieldError::new(
                "cataloguePredicate",
                Code::NotFound,
                format!("Couldn't resolve to a node: some {kind} IDs do not exist."),
            ));
        }
    }
    Ok(errors)
}

async fn insert_rule(
    txn: &DatabaseTransaction,
    promotion_id: i32,
    c: CleanRule,
) -> std::result::Result<promotion_rule::Model, DbErr> {
    let rule = promotion_rule::ActiveModel {
        promotion_id: Set(promotion_id),
        name: Set(c.name),
        description: Set(c.description),
        reward_value_type: Set(c.reward_value_type),
        reward_value: Set(c.reward_value.map(|v| v.normalize().to_string())),
        reward_type: Set(None),
        catalogue_predicate: Set(c.predicate),
        order_predicate: Set(json!({})),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    for ch in &c.channels {
        promotion_rule_channel::ActiveModel {
            promotion_rule_id: Set(rule.id),
            channel_id: Set(ch.id),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(rule)
}

/// Filters of `promotions(where: …)`.
#[derive(Clone, Debug, Default)]
pub struct PromotionFilter {
    pub ids: Option<Vec<i32>>,
    pub names: Option<Vec<String>>,
    pub kinds: Option<Vec<String>>,
    pub start: Option<DateRange>,
    pub end: Option<DateRange>,
    pub and: Vec<PromotionFilter>,
    pub or: Vec<PromotionFilter>,
}

/// A date filter: exact values or a range.
#[derive(Clone, Debug, Default)]
pub struct DateRange {
    pub one_of: Vec<DateTime<Utc>>,
    pub gte: Option<DateTime<Utc>>,
    pub lte: Option<DateTime<Utc>>,
}

impl PromotionFilter {
    /// The SQL condition of this filter.
    pub fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(ids) = &self.ids {
            c = c.add(promotion::Column::Id.is_in(ids.clone()));
        }
        if let Some(names) = &self.names {
            c = c.add(promotion::Column::Name.is_in(names.clone()));
        }
        if let Some(kinds) = &self.kinds {
            c = c.add(promotion::Column::Kind.is_in(kinds.clone()));
        }
        let dates = |c: Condition, col: promotion::Column, r: &DateRange| {
            let mut c = c;
            if !r.one_of.is_empty() {
                c = c.add(col.is_in(r.one_of.clone()));
            }
            if let Some(g) = r.gte {
                c = c.add(col.gte(g));
            }
            if let Some(l) = r.lte {
                c = c.add(col.lte(l));
            }
            c
        };
        if let Some(r) = &self.start {
            c = dates(c, promotion::Column::StartDate, r);
        }
        if let Some(r) = &self.end {
            c = dates(c, promotion::Column::EndDate, r);
        }
        for f in &self.and {
            c = c.add(f.condition());
        }
        if !self.or.is_empty() {
            let mut any = Condition::any();
            for f in &self.or {
                any = any.add(f.condition());
            }
            c = c.add(any);
        }
        c
    }
}
