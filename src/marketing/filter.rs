//! Lead filters: the `leads` query's filter and the saved filter of a segment, both turned
//! into one SQL condition so segment members are evaluated in the database.

use chrono::{DateTime, Utc};
use entities::{lead, marketing_segment};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use serde::{Deserialize, Serialize};

use super::types::{ConsentChannel, MResult, MarketingError, Stage};

/// A filter over leads. Every set criterion must hold.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<Stage>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_gte: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score_lte: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<String>>,
    /// Last-touch campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_ids: Option<Vec<i32>>,
    /// Members of a saved segment (not allowed inside a segment's own filter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<i32>,
    /// Channels the lead has granted consent on (all of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consents: Option<Vec<ConsentChannel>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_gte: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_lte: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_gte: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_lte: Option<DateTime<Utc>>,
    /// Linked to a customer account or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_customer: Option<bool>,
    /// Case-insensitive text in email, names or company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl LeadFilter {
    /// Checks the filter's values (ranges, lengths); `in_segment` forbids a nested segment.
    pub fn validate(&self, in_segment: bool) -> MResult<()> {
        if in_segment && self.segment_id.is_some() {
            return Err(MarketingError::invalid(
                "filter",
                "A segment's filter cannot refer to another segment.",
            ));
        }
        if let (Some(a), Some(b)) = (self.score_gte, self.score_lte)
            && a > b
        {
            return Err(MarketingError::invalid("score", "gte must not exceed lte."));
        }
        if self
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 255)
        {
            return Err(MarketingError::invalid(
                "search",
                "The search text is too long.",
            ));
        }
        if self.sources.as_ref().is_some_and(|s| s.len() > 100)
            || self.campaign_ids.as_ref().is_some_and(|s| s.len() > 100)
        {
            return Err(MarketingError::invalid(
                "filter",
                "At most 100 values per list.",
            ));
        }
        Ok(())
    }

    /// The condition for this filter alone (a nested segment is resolved by [`condition`]).
    fn own_condition(&self) -> Condition {
        let mut cond = Condition::all().add(lead::Column::ErasedAt.is_null());
        if let Some(stages) = &self.stages {
            cond = cond.add(lead::Column::Stage.is_in(stages.iter().map(|s| s.code())));
        }
        if let Some(v) = self.score_gte {
            cond = cond.add(lead::Column::Score.gte(v));
        }
        if let Some(v) = self.score_lte {
            cond = cond.add(lead::Column::Score.lte(v));
        }
        if let Some(sources) = &self.sources {
            cond = cond.add(lead::Column::Source.is_in(sources.iter().cloned()));
        }
        if let Some(ids) = &self.campaign_ids {
            cond = cond.add(lead::Column::CampaignId.is_in(ids.iter().copied()));
        }
        for channel in self.consents.iter().flatten() {
            let col = match channel {
                ConsentChannel::Email => lead::Column::ConsentEmail,
                ConsentChannel::Sms => lead::Column::ConsentSms,
                ConsentChannel::Phone => lead::Column::ConsentPhone,
            };
            cond = cond.add(col.eq(true));
        }
        if let Some(v) = self.created_gte {
            cond = cond.add(lead::Column::CreatedAt.gte(v));
        }
        if let Some(v) = self.created_lte {
            cond = cond.add(lead::Column::CreatedAt.lte(v));
        }
        if let Some(v) = self.last_activity_gte {
            cond = cond.add(lead::Column::LastActivityAt.gte(v));
        }
        if let Some(v) = self.last_activity_lte {
            cond = cond.add(lead::Column::LastActivityAt.lte(v));
        }
        match self.is_customer {
            Some(true) => cond = cond.add(lead::Column::CustomerUserId.is_not_null()),
            Some(false) => cond = cond.add(lead::Column::CustomerUserId.is_null()),
            None => {}
        }
        if let Some(text) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let pattern = like_pattern(text);
            let mut any = Condition::any();
            for col in [
                lead::Column::Email,
                lead::Column::FirstName,
                lead::Column::LastName,
                lead::Column::Company,
            ] {
                any = any.add(
                    Expr::expr(Func::lower(Expr::col((lead::Entity, col))))
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                );
            }
            cond = cond.add(any);
        }
        cond
    }
}

/// The SQL condition selecting the leads matching `filter`, including a referenced
/// segment's saved filter. Erased leads never match.
pub async fn condition<C: ConnectionTrait>(conn: &C, filter: &LeadFilter) -> MResult<Condition> {
    let mut cond = filter.own_condition();
    if let Some(segment_id) = filter.segment_id {
        let segment = marketing_segment::Entity::find_by_id(segment_id)
            .one(conn)
            .await?
            .ok_or_else(|| MarketingError::not_found("segment", "Segment"))?;
        let saved = parse_saved(&segment.filter);
        cond = cond.add(saved.own_condition());
    }
    Ok(cond)
}

/// Reads a segment's stored filter; anything unreadable matches nothing new (empty filter).
pub fn parse_saved(stored: &serde_json::Value) -> LeadFilter {
    let mut filter: LeadFilter = serde_json::from_value(stored.clone()).unwrap_or_default();
    filter.segment_id = None;
    filter
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    #[test]
    fn like_escapes() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn filter_round_trips_and_builds_sql() {
        let filter = LeadFilter {
            stages: Some(vec![Stage::MarketingQualified]),
            score_gte: Some(10),
            consents: Some(vec![ConsentChannel::Email]),
            search: Some("Acme".into()),
            ..Default::default()
        };
        let json = serde_json::to_value(&filter).unwrap_or_default();
        assert_eq!(json["stages"][0], "MARKETING_QUALIFIED");
        assert_eq!(parse_saved(&json), filter);
        let sql = lead::Entity::find()
            .filter(filter.own_condition())
            .build(DbBackend::Postgres)
            .to_string();
        assert!(
            sql.contains("\"stage\" IN ('MARKETING_QUALIFIED')"),
            "{sql}"
        );
        assert!(sql.contains("\"consent_email\" = TRUE"), "{sql}");
        assert!(sql.contains("LIKE '%acme%'"), "{sql}");
        assert!(sql.contains("\"erased_at\" IS NULL"), "{sql}");
    }

    #[test]
    fn validation() {
        let nested = LeadFilter {
            segment_id: Some(1),
            ..Default::default()
        };
        assert!(nested.validate(true).is_err());
        assert!(nested.validate(false).is_ok());
        let range = LeadFilter {
            score_gte: Some(5),
            score_lte: Some(1),
            ..Default::default()
        };
        assert!(range.validate(false).is_err());
    }
}
