//! Lead scoring and lifecycle: rules (activity type → ± points), thresholds that move leads
//! to marketing- and sales-qualified, and the stage transition rules.
//!
//! A lead's score is the sum of the points its activities were awarded; each activity is
//! scored by the rules active when it happened. Automatic stage moves only go forward
//! (never past sales-qualified); staff may set any stage with a recorded reason.

use chrono::Utc;
use entities::{lead_scoring_rule as rule, lead_scoring_settings as settings};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};

use super::{
    MarketingService,
    types::{Code, MResult, MarketingError, Stage, clean},
};
use crate::events::{EventType, NewEvent, outbox};

/// Score thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Score at which a lead becomes marketing-qualified.
    pub mql: i32,
    /// Score at which a lead becomes sales-qualified.
    pub sql: i32,
}

/// The current thresholds, read on `conn`.
pub async fn load_thresholds<C: ConnectionTrait>(conn: &C) -> MResult<Thresholds> {
    let row = settings::Entity::find_by_id(1).one(conn).await?;
    Ok(
        row.map_or(Thresholds { mql: 50, sql: 100 }, |s| Thresholds {
            mql: s.mql_threshold,
            sql: s.sql_threshold,
        }),
    )
}

/// Points awarded to an activity of type `kind` at `url` by the active `rules`.
pub fn points_for(rules: &[rule::Model], kind: &str, url: Option<&str>) -> i32 {
    rules
        .iter()
        .filter(|r| r.is_active && r.event == kind)
        .filter(|r| match (&r.url_contains, url) {
            (None, _) => true,
            (Some(needle), Some(url)) => url.to_lowercase().contains(&needle.to_lowercase()),
            (Some(_), None) => false,
        })
        .fold(0i32, |acc, r| acc.saturating_add(r.points))
}

/// The stage a lead moves to automatically: forward only, to MQL or SQL by score.
pub fn auto_stage(current: Stage, score: i32, t: Thresholds) -> Stage {
    let by_score = if score >= t.sql {
        Stage::SalesQualified
    } else if score >= t.mql {
        Stage::MarketingQualified
    } else {
        Stage::Subscriber
    };
    current.max(by_score)
}

/// Checks a manual stage change by staff: the stage must differ, a reason is required, and
/// a lead linked to a customer account stays a customer.
pub fn check_manual_change(
    current: Stage,
    to: Stage,
    reason: &str,
    linked_to_customer: bool,
) -> MResult<()> {
    if reason.trim().is_empty() {
        return Err(MarketingError::required("reason"));
    }
    if current == to {
        return Err(MarketingError::field(
            "stage",
            Code::InvalidStageTransition,
            format!("The lead is already in stage {}.", to.code()),
        ));
    }
    if linked_to_customer && current == Stage::Customer {
        return Err(MarketingError::field(
            "stage",
            Code::InvalidStageTransition,
            "The lead is linked to a customer account and cannot leave the CUSTOMER stage.",
        ));
    }
    Ok(())
}

/// Validates an activity type: 1–64 characters of `a-z`, `0-9`, `_`, `.`, `-`.
pub fn clean_kind(field: &str, kind: &str) -> MResult<String> {
    let kind = kind.trim().to_ascii_lowercase();
    if kind.is_empty() {
        return Err(MarketingError::required(field));
    }
    if kind.len() > 64
        || !kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err(MarketingError::invalid(
            field,
            "Use 1-64 characters: letters, digits, '_', '.', '-'.",
        ));
    }
    Ok(kind)
}

/// Input of a scoring rule (create: every field; update: what is set).
#[derive(Clone, Debug, Default)]
pub struct RuleInput {
    pub name: Option<String>,
    pub event: Option<String>,
    /// `Some(None)` clears the URL condition.
    pub url_contains: Option<Option<String>>,
    pub points: Option<i32>,
    pub is_active: Option<bool>,
}

const MAX_POINTS: i32 = 10_000;

/// Validated rule texts: name, event, URL condition (`Some(None)` clears it).
type CleanRule = (Option<String>, Option<String>, Option<Option<String>>);

impl MarketingService {
    /// Every scoring rule, oldest first.
    pub async fn scoring_rules(&self) -> MResult<Vec<rule::Model>> {
        Ok(rule::Entity::find()
            .order_by_asc(rule::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The current thresholds.
    pub async fn thresholds<C: ConnectionTrait>(&self, conn: &C) -> MResult<Thresholds> {
        load_thresholds(conn).await
    }

    /// Changes the thresholds; MQL must be positive and below SQL.
    pub async fn update_thresholds(
        &self,
        mql: Option<i32>,
        sql: Option<i32>,
    ) -> MResult<Thresholds> {
        let current = self.thresholds(&self.db).await?;
        let next = Thresholds {
            mql: mql.unwrap_or(current.mql),
            sql: sql.unwrap_or(current.sql),
        };
        if next.mql <= 0 {
            return Err(MarketingError::invalid(
                "mqlThreshold",
                "The threshold must be positive.",
            ));
        }
        if next.sql <= next.mql {
            return Err(MarketingError::invalid(
                "sqlThreshold",
                "The sales-qualified threshold must be above the marketing-qualified one.",
            ));
        }
        let row = settings::ActiveModel {
            id: Set(1),
            mql_threshold: Set(next.mql),
            sql_threshold: Set(next.sql),
        };
        if settings::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .is_some()
        {
            row.update(&self.db).await?;
        } else {
            row.insert(&self.db).await?;
        }
        Ok(next)
    }

    fn validate_rule(input: &RuleInput) -> MResult<CleanRule> {
        let name = match &input.name {
            Some(n) => {
                Some(clean("name", Some(n), 255)?.ok_or_else(|| MarketingError::required("name"))?)
            }
            None => None,
        };
        let event = input
            .event
            .as_deref()
            .map(|e| clean_kind("event", e))
            .transpose()?;
        let url = match &input.url_contains {
            Some(u) => Some(clean("urlContains", u.as_deref(), 255)?),
            None => None,
        };
        if input
            .points
            .is_some_and(|p| !(-MAX_POINTS..=MAX_POINTS).contains(&p))
        {
            return Err(MarketingError::invalid(
                "points",
                format!("Points must be between -{MAX_POINTS} and {MAX_POINTS}."),
            ));
        }
        Ok((name, event, url))
    }

    /// Creates a scoring rule.
    pub async fn create_rule(&self, input: RuleInput) -> MResult<rule::Model> {
        let (name, event, url) = Self::validate_rule(&input)?;
        let name = name.ok_or_else(|| MarketingError::required("name"))?;
        let event = event.ok_or_else(|| MarketingError::required("event"))?;
        let points = input
            .points
            .ok_or_else(|| MarketingError::required("points"))?;
        Ok(rule::ActiveModel {
            name: Set(name),
            event: Set(event),
            url_contains: Set(url.flatten()),
            points: Set(points),
            is_active: Set(input.is_active.unwrap_or(true)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?)
    }

    /// Updates a scoring rule.
    pub async fn update_rule(&self, id: i32, input: RuleInput) -> MResult<rule::Model> {
        let (name, event, url) = Self::validate_rule(&input)?;
        let found = rule::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Scoring rule"))?;
        let mut row: rule::ActiveModel = found.into();
        if let Some(v) = name {
            row.name = Set(v);
        }
        if let Some(v) = event {
            row.event = Set(v);
        }
        if let Some(v) = url {
            row.url_contains = Set(v);
        }
        if let Some(v) = input.points {
            row.points = Set(v);
        }
        if let Some(v) = input.is_active {
            row.is_active = Set(v);
        }
        Ok(row.update(&self.db).await?)
    }

    /// Deletes a scoring rule; scores already awarded stay.
    pub async fn delete_rule(&self, id: i32) -> MResult<rule::Model> {
        let found = rule::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Scoring rule"))?;
        rule::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(found)
    }

    /// Records a stage-change event pair (stage changed, and converted when it reaches
    /// customer) in `conn`.
    pub(crate) async fn push_stage_events<C: ConnectionTrait>(
        conn: &C,
        lead_id: i32,
        from: Stage,
        to: Stage,
        requestor: Option<String>,
    ) -> MResult<()> {
        let payload = serde_json::json!({"from": from.code(), "to": to.code()});
        outbox::push(
            conn,
            NewEvent::new(EventType::LeadStageChanged, "Lead", lead_id)
                .requestor(requestor.clone())
                .payload(payload.clone()),
        )
        .await?;
        if to == Stage::Customer {
            outbox::push(
                conn,
                NewEvent::new(EventType::LeadConverted, "Lead", lead_id)
                    .requestor(requestor)
                    .payload(payload),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(event: &str, url: Option<&str>, points: i32, active: bool) -> rule::Model {
        rule::Model {
            id: 0,
            name: event.into(),
            event: event.into(),
            url_contains: url.map(Into::into),
            points,
            is_active: active,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn rules_add_up() {
        let rules = vec![
            rule("page_view", None, 1, true),
            rule("page_view", Some("/Pricing"), 10, true),
            rule("email_opened", None, 1, true),
            rule("page_view", None, 100, false),
            rule("unsubscribed", None, -20, true),
        ];
        assert_eq!(
            points_for(&rules, "page_view", Some("https://x.io/pricing?a=1")),
            11
        );
        assert_eq!(
            points_for(&rules, "page_view", Some("https://x.io/blog")),
            1
        );
        assert_eq!(points_for(&rules, "page_view", None), 1);
        assert_eq!(points_for(&rules, "unsubscribed", None), -20);
        assert_eq!(points_for(&rules, "other", None), 0);
    }

    #[test]
    fn automatic_moves_only_forward() {
        let t = Thresholds { mql: 50, sql: 100 };
        assert_eq!(auto_stage(Stage::Lead, 10, t), Stage::Lead);
        assert_eq!(auto_stage(Stage::Lead, 50, t), Stage::MarketingQualified);
        assert_eq!(auto_stage(Stage::Subscriber, 49, t), Stage::Subscriber);
        assert_eq!(auto_stage(Stage::Lead, 100, t), Stage::SalesQualified);
        // Never backwards, never past SQL by score.
        assert_eq!(
            auto_stage(Stage::SalesQualified, 0, t),
            Stage::SalesQualified
        );
        assert_eq!(auto_stage(Stage::Opportunity, 500, t), Stage::Opportunity);
        assert_eq!(auto_stage(Stage::Customer, 0, t), Stage::Customer);
    }

    #[test]
    fn manual_changes() {
        assert!(check_manual_change(Stage::Lead, Stage::Opportunity, "call", false).is_ok());
        assert!(check_manual_change(Stage::SalesQualified, Stage::Lead, "bad fit", false).is_ok());
        let same = check_manual_change(Stage::Lead, Stage::Lead, "x", false);
        assert!(matches!(
            same,
            Err(MarketingError::Field {
                code: Code::InvalidStageTransition,
                ..
            })
        ));
        assert!(matches!(
            check_manual_change(Stage::Lead, Stage::Customer, "  ", false),
            Err(MarketingError::Field {
                code: Code::Required,
                ..
            })
        ));
        assert!(check_manual_change(Stage::Customer, Stage::Lead, "x", true).is_err());
    }

    #[test]
    fn activity_kinds() {
        assert_eq!(
            clean_kind("type", " Page_View ").ok().as_deref(),
            Some("page_view")
        );
        assert!(clean_kind("type", "").is_err());
        assert!(clean_kind("type", "drop table;").is_err());
    }
}
