//! Campaigns: create/update/delete, status transitions, A/B variants and external metric
//! reports (idempotent per campaign, variant, day and source).

use chrono::{DateTime, NaiveDate, Utc};
use entities::{
    campaign, campaign_metric_report as report, campaign_variant as variant, marketing_segment,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::OnConflict,
};
use serde_json::json;
use std::str::FromStr;

use super::{
    MarketingService,
    types::{
        CampaignStatus, ChannelType, Code, MResult, MarketingError, WinnerCriterion, clean,
        clean_url,
    },
};
use crate::core::connection::{Page, PageError, PageResult, SortKey, fetch_page};
use crate::events::{EventType, NewEvent, outbox};

/// A variant to create or change.
#[derive(Clone, Debug, Default)]
pub struct VariantInput {
    pub name: Option<String>,
    pub weight: Option<i32>,
}

/// Campaign fields (create: `name` and `channel_type` required; update: what is set;
/// `Some(None)` clears an optional field).
#[derive(Clone, Debug, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub channel_type: Option<ChannelType>,
    pub starts_at: Option<Option<DateTime<Utc>>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    /// Decimal text, e.g. `"1250.00"`.
    pub budget_amount: Option<Option<String>>,
    pub budget_currency: Option<Option<String>>,
    pub target_segment_id: Option<Option<i32>>,
    pub utm_campaign: Option<Option<String>>,
    pub landing_url: Option<Option<String>>,
    pub winner_criterion: Option<WinnerCriterion>,
    /// Initial variants (create only).
    pub variants: Vec<VariantInput>,
}

/// Filter of the `campaigns` query.
#[derive(Clone, Debug, Default)]
pub struct CampaignFilter {
    pub statuses: Option<Vec<CampaignStatus>>,
    pub channel_types: Option<Vec<ChannelType>>,
    pub search: Option<String>,
}

/// An external metric report.
#[derive(Clone, Debug)]
pub struct MetricReportInput {
    pub campaign_id: i32,
    pub variant_id: Option<i32>,
    pub day: NaiveDate,
    pub source: String,
    pub impressions: i64,
    pub clicks: i64,
    /// Decimal text in the campaign's currency.
    pub spend: String,
}

/// Parses a non-negative decimal amount with at most 4 decimal places.
pub fn parse_amount(field: &str, text: &str) -> MResult<Decimal> {
    let text = text.trim();
    let plain = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.matches('.').count() <= 1;
    let amount = plain
        .then(|| Decimal::from_str(text).ok())
        .flatten()
        .ok_or_else(|| {
            MarketingError::invalid(
                field,
                "Enter a non-negative decimal amount, e.g. \"1250.00\".",
            )
        })?;
    if amount.scale() > 4 || amount > Decimal::from(1_000_000_000_000i64) {
        return Err(MarketingError::invalid(
            field,
            "The amount is out of range.",
        ));
    }
    Ok(amount.normalize())
}

fn clean_currency(value: Option<&str>) -> MResult<Option<String>> {
    let Some(c) = value.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let c = c.to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        return Err(MarketingError::invalid(
            "budgetCurrency",
            "Use a 3-letter ISO 4217 currency code.",
        ));
    }
    Ok(Some(c))
}

fn clean_utm_key(value: Option<&str>) -> MResult<Option<String>> {
    Ok(clean("utmCampaign", value, 255)?.map(|v| v.to_lowercase()))
}

fn check_weights(weights: &[i32]) -> MResult<()> {
    if weights.iter().any(|w| *w < 0) {
        return Err(MarketingError::field(
            "weight",
            Code::InvalidVariantWeights,
            "Weights must not be negative.",
        ));
    }
    if !weights.is_empty() && weights.iter().map(|w| i64::from(*w)).sum::<i64>() == 0 {
        return Err(MarketingError::field(
            "variants",
            Code::InvalidVariantWeights,
            "The variant weights must not sum to zero.",
        ));
    }
    Ok(())
}

fn campaign_event(t: EventType, id: i32, requestor: &Option<String>) -> NewEvent {
    NewEvent::new(t, "Campaign", id).requestor(requestor.clone())
}

impl MarketingService {
    /// A campaign by primary key.
    pub async fn campaign(&self, id: i32) -> MResult<Option<campaign::Model>> {
        Ok(campaign::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// A campaign's variants in primary-key order (the bucketing order).
    pub async fn variants(&self, campaign_id: i32) -> MResult<Vec<variant::Model>> {
        Ok(variant::Entity::find()
            .filter(variant::Column::CampaignId.eq(campaign_id))
            .order_by_asc(variant::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// A variant by primary key.
    pub async fn variant(&self, id: i32) -> MResult<Option<variant::Model>> {
        Ok(variant::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// One page of campaigns, newest first.
    pub async fn campaigns_page(
        &self,
        filter: &CampaignFilter,
        page: &Page,
    ) -> MResult<(PageResult<campaign::Model>, sea_orm::Condition)> {
        let mut cond = sea_orm::Condition::all();
        if let Some(s) = &filter.statuses {
            cond = cond.add(campaign::Column::Status.is_in(s.iter().map(|s| s.code())));
        }
        if let Some(c) = &filter.channel_types {
            cond = cond.add(campaign::Column::ChannelType.is_in(c.iter().map(|c| c.code())));
        }
        if let Some(q) = clean("search", filter.search.as_deref(), 255)? {
            cond = cond.add(campaign::Column::Name.contains(q));
        }
        let key = SortKey {
            columns: vec![campaign::Column::Id],
            descending: true,
        };
        let select = campaign::Entity::find().filter(cond.clone());
        let page = fetch_page(&self.db, select, &key, page)
            .await
            .map_err(|e| match e {
                PageError::BadCursor => MarketingError::invalid("after", "Invalid cursor."),
                PageError::Db(e) => MarketingError::Db(e),
            })?;
        Ok((page, cond))
    }

    async fn validate_campaign<C: ConnectionTrait>(
        conn: &C,
        input: &CampaignInput,
        current: Option<&campaign::Model>,
    ) -> MResult<campaign::ActiveModel> {
        let mut row: campaign::ActiveModel = match current {
            Some(c) => c.clone().into(),
            // Every optional field starts set (to NULL), so reads below never see NotSet.
            None => campaign::ActiveModel {
                starts_at: Set(None),
                ends_at: Set(None),
                budget_amount: Set(None),
                budget_currency: Set(None),
                target_segment_id: Set(None),
                utm_campaign: Set(None),
                landing_url: Set(None),
                winner_criterion: Set(WinnerCriterion::ClickRate.code().to_owned()),
                ..Default::default()
            },
        };
        if let Some(name) = &input.name {
            let name =
                clean("name", Some(name), 255)?.ok_or_else(|| MarketingError::required("name"))?;
            row.name = Set(name);
        } else if current.is_none() {
            return Err(MarketingError::required("name"));
        }
        match (input.channel_type, current) {
            (Some(t), _) => row.channel_type = Set(t.code().to_owned()),
            (None, None) => return Err(MarketingError::required("channelType")),
            (None, Some(_)) => {}
        }
        if let Some(v) = input.starts_at {
            row.starts_at = Set(v);
        }
        if let Some(v) = input.ends_at {
            row.ends_at = Set(v);
        }
        if let (Some(s), Some(e)) = (row.starts_at.as_ref(), row.ends_at.as_ref())
            && e < s
        {
            return Err(MarketingError::invalid(
                "endsAt",
                "The end must not be before the start.",
            ));
        }
        if let Some(v) = &input.budget_amount {
            let amount = match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                Some(t) => Some(parse_amount("budgetAmount", t)?.to_string()),
                None => None,
            };
            row.budget_amount = Set(amount);
        }
        if let Some(v) = &input.budget_currency {
            row.budget_currency = Set(clean_currency(v.as_deref())?);
        }
        if row.budget_amount.as_ref().is_some() && row.budget_currency.as_ref().is_none() {
            return Err(MarketingError::required("budgetCurrency"));
        }
        if let Some(v) = input.target_segment_id {
            if let Some(id) = v
                && marketing_segment::Entity::find_by_id(id)
                    .one(conn)
                    .await?
                    .is_none()
            {
                return Err(MarketingError::not_found("targetSegment", "Segment"));
            }
            row.target_segment_id = Set(v);
        }
        if let Some(v) = &input.utm_campaign {
            let key = clean_utm_key(v.as_deref())?;
            if let Some(k) = &key {
                let taken = campaign::Entity::find()
                    .filter(campaign::Column::UtmCampaign.eq(k.clone()))
                    .one(conn)
                    .await?
                    .is_some_and(|c| current.is_none_or(|cur| cur.id != c.id));
                if taken {
                    return Err(MarketingError::field(
                        "utmCampaign",
                        Code::Unique,
                        "Another campaign uses this UTM campaign key.",
                    ));
                }
            }
            row.utm_campaign = Set(key);
        }
        if let Some(v) = &input.landing_url {
            row.landing_url = Set(clean_url("landingUrl", v.as_deref())?);
        }
        if let Some(c) = input.winner_criterion {
            row.winner_criterion = Set(c.code().to_owned());
        }
        Ok(row)
    }

    /// Creates a campaign (status draft) with its initial variants.
    pub async fn create_campaign(
        &self,
        input: CampaignInput,
        requestor: Option<String>,
    ) -> MResult<campaign::Model> {
        let mut names = Vec::new();
        for v in &input.variants {
            let name = clean("variants.name", v.name.as_deref(), 255)?
                .ok_or_else(|| MarketingError::required("variants.name"))?;
            if names.contains(&name) {
                return Err(MarketingError::field(
                    "variants.name",
                    Code::Unique,
                    "Variant names must be unique.",
                ));
            }
            names.push(name);
        }
        let weights: Vec<i32> = input
            .variants
            .iter()
            .map(|v| v.weight.unwrap_or(1))
            .collect();
        check_weights(&weights)?;
        let txn = self.write_txn().await?;
        let mut row = Self::validate_campaign(&txn, &input, None).await?;
        let now = Utc::now();
        row.status = Set(CampaignStatus::Draft.code().to_owned());
        row.metadata = Set(json!({}));
        row.private_metadata = Set(json!({}));
        row.created_at = Set(now);
        row.updated_at = Set(now);
        let created = row.insert(&txn).await?;
        for (name, weight) in names.into_iter().zip(weights) {
            variant::ActiveModel {
                campaign_id: Set(created.id),
                name: Set(name),
                weight: Set(weight),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignCreated, created.id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(created)
    }

    /// Updates a campaign's fields (not its status: see [`Self::set_campaign_status`]).
    pub async fn update_campaign(
        &self,
        id: i32,
        input: CampaignInput,
        requestor: Option<String>,
    ) -> MResult<campaign::Model> {
        let txn = self.write_txn().await?;
        let current = campaign::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Campaign"))?;
        let mut row = Self::validate_campaign(&txn, &input, Some(&current)).await?;
        row.updated_at = Set(Utc::now());
        let updated = row.update(&txn).await?;
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignUpdated, id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(updated)
    }

    /// Deletes a campaign with its variants and reports; leads keep their UTM data and lose
    /// the campaign link.
    pub async fn delete_campaign(&self, id: i32) -> MResult<campaign::Model> {
        let found = self
            .campaign(id)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Campaign"))?;
        campaign::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(found)
    }

    /// Moves a campaign to `to` if the transition is valid.
    pub async fn set_campaign_status(
        &self,
        id: i32,
        to: CampaignStatus,
        requestor: Option<String>,
    ) -> MResult<campaign::Model> {
        let txn = self.write_txn().await?;
        let current = campaign::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Campaign"))?;
        let from = CampaignStatus::parse(&current.status).unwrap_or(CampaignStatus::Draft);
        if !from.can_move_to(to) {
            return Err(MarketingError::field(
                "status",
                Code::InvalidStatusTransition,
                format!(
                    "A campaign cannot move from {} to {}.",
                    from.code(),
                    to.code()
                ),
            ));
        }
        let mut row: campaign::ActiveModel = current.into();
        row.status = Set(to.code().to_owned());
        row.updated_at = Set(Utc::now());
        let updated = row.update(&txn).await?;
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignStatusChanged, id, &requestor)
                .payload(json!({"from": from.code(), "to": to.code()})),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(updated)
    }

    /// Adds a variant to a campaign.
    pub async fn create_variant(
        &self,
        campaign_id: i32,
        input: VariantInput,
        requestor: Option<String>,
    ) -> MResult<variant::Model> {
        let name = clean("name", input.name.as_deref(), 255)?
            .ok_or_else(|| MarketingError::required("name"))?;
        let weight = input.weight.unwrap_or(1);
        let txn = self.write_txn().await?;
        campaign::Entity::find_by_id(campaign_id)
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("campaign", "Campaign"))?;
        let existing = variant::Entity::find()
            .filter(variant::Column::CampaignId.eq(campaign_id))
            .all(&txn)
            .await?;
        if existing.iter().any(|v| v.name == name) {
            return Err(MarketingError::field(
                "name",
                Code::Unique,
                "Variant names must be unique.",
            ));
        }
        let mut weights: Vec<i32> = existing.iter().map(|v| v.weight).collect();
        weights.push(weight);
        check_weights(&weights)?;
        let created = variant::ActiveModel {
            campaign_id: Set(campaign_id),
            name: Set(name),
            weight: Set(weight),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignUpdated, campaign_id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(created)
    }

    /// Renames or re-weights a variant.
    pub async fn update_variant(
        &self,
        id: i32,
        input: VariantInput,
        requestor: Option<String>,
    ) -> MResult<variant::Model> {
        let name = match &input.name {
            Some(n) => {
                Some(clean("name", Some(n), 255)?.ok_or_else(|| MarketingError::required("name"))?)
            }
            None => None,
        };
        let txn = self.write_txn().await?;
        let current = variant::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Campaign variant"))?;
        let siblings = variant::Entity::find()
            .filter(variant::Column::CampaignId.eq(current.campaign_id))
            .all(&txn)
            .await?;
        if let Some(n) = &name
            && siblings.iter().any(|v| v.id != id && &v.name == n)
        {
            return Err(MarketingError::field(
                "name",
                Code::Unique,
                "Variant names must be unique.",
            ));
        }
        let weights: Vec<i32> = siblings
            .iter()
            .map(|v| {
                if v.id == id {
                    input.weight.unwrap_or(v.weight)
                } else {
                    v.weight
                }
            })
            .collect();
        check_weights(&weights)?;
        let campaign_id = current.campaign_id;
        let mut row: variant::ActiveModel = current.into();
        if let Some(n) = name {
            row.name = Set(n);
        }
        if let Some(w) = input.weight {
            row.weight = Set(w);
        }
        let updated = row.update(&txn).await?;
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignUpdated, campaign_id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(updated)
    }

    /// Removes a variant and its metric reports; the remaining weights must not sum to zero.
    pub async fn delete_variant(
        &self,
        id: i32,
        requestor: Option<String>,
    ) -> MResult<variant::Model> {
        let txn = self.write_txn().await?;
        let current = variant::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Campaign variant"))?;
        let weights: Vec<i32> = variant::Entity::find()
            .filter(variant::Column::CampaignId.eq(current.campaign_id))
            .filter(variant::Column::Id.ne(id))
            .all(&txn)
            .await?
            .iter()
            .map(|v| v.weight)
            .collect();
        check_weights(&weights)?;
        report::Entity::delete_many()
            .filter(report::Column::CampaignId.eq(current.campaign_id))
            .filter(report::Column::VariantId.eq(id))
            .exec(&txn)
            .await?;
        variant::Entity::delete_by_id(id).exec(&txn).await?;
        outbox::push(
            &txn,
            campaign_event(EventType::CampaignUpdated, current.campaign_id, &requestor),
        )
        .await?;
        txn.commit().await?;
        self.events.wake();
        Ok(current)
    }

    /// Records external metrics for (campaign, variant, day, source); a repeated report for
    /// the same key replaces the previous numbers, so retries never double count.
    pub async fn report_metrics(&self, input: MetricReportInput) -> MResult<report::Model> {
        let source = clean("source", Some(&input.source), 64)?
            .ok_or_else(|| MarketingError::required("source"))?;
        if input.impressions < 0 {
            return Err(MarketingError::invalid(
                "impressions",
                "Must not be negative.",
            ));
        }
        if input.clicks < 0 {
            return Err(MarketingError::invalid("clicks", "Must not be negative."));
        }
        let spend = parse_amount("spend", &input.spend)?;
        self.campaign(input.campaign_id)
            .await?
            .ok_or_else(|| MarketingError::not_found("campaign", "Campaign"))?;
        let variant_id = match input.variant_id {
            Some(v) => {
                self.variant(v)
                    .await?
                    .filter(|v| v.campaign_id == input.campaign_id)
                    .ok_or_else(|| MarketingError::not_found("variant", "Campaign variant"))?
                    .id
            }
            None => 0,
        };
        let row = report::ActiveModel {
            campaign_id: Set(input.campaign_id),
            variant_id: Set(variant_id),
            day: Set(input.day),
            source: Set(source.clone()),
            impressions: Set(input.impressions),
            clicks: Set(input.clicks),
            spend: Set(spend.to_string()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        };
        report::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    report::Column::CampaignId,
                    report::Column::VariantId,
                    report::Column::Day,
                    report::Column::Source,
                ])
                .update_columns([
                    report::Column::Impressions,
                    report::Column::Clicks,
                    report::Column::Spend,
                    report::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        report::Entity::find()
            .filter(report::Column::CampaignId.eq(input.campaign_id))
            .filter(report::Column::VariantId.eq(variant_id))
            .filter(report::Column::Day.eq(input.day))
            .filter(report::Column::Source.eq(source))
            .one(&self.db)
            .await?
            .ok_or_else(|| MarketingError::Db(sea_orm::DbErr::RecordNotFound("report".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(
            parse_amount("a", " 1250.50 ")
                .ok()
                .map(|d| d.to_string())
                .as_deref(),
            Some("1250.5")
        );
        assert!(parse_amount("a", "-1").is_err());
        assert!(parse_amount("a", "1.2.3").is_err());
        assert!(parse_amount("a", "1e3").is_err());
        assert!(parse_amount("a", "0.00001").is_err());
        assert!(parse_amount("a", "abc").is_err());
    }

    #[test]
    fn weights() {
        assert!(check_weights(&[]).is_ok());
        assert!(check_weights(&[0, 1]).is_ok());
        assert!(matches!(
            check_weights(&[0, 0]),
            Err(MarketingError::Field {
                code: Code::InvalidVariantWeights,
                ..
            })
        ));
        assert!(check_weights(&[-1, 5]).is_err());
    }

    #[test]
    fn currency_codes() {
        assert_eq!(
            clean_currency(Some(" usd ")).ok().flatten().as_deref(),
            Some("USD")
        );
        assert!(clean_currency(Some("US")).is_err());
        assert!(clean_currency(Some("U$D")).is_err());
    }
}
