//! Segments: saved lead filters whose members are evaluated in the database.

use chrono::Utc;
use entities::marketing_segment as segment;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::{
    MarketingService,
    filter::{LeadFilter, parse_saved},
    types::{MResult, MarketingError, clean},
};
use crate::core::connection::{Page, PageError, PageResult, SortKey, fetch_page};

/// Segment fields (create: name and filter required; update: what is set).
#[derive(Clone, Debug, Default)]
pub struct SegmentInput {
    pub name: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    pub filter: Option<LeadFilter>,
}

/// Validated segment fields: name, description (`Some(None)` clears it), filter JSON.
type CleanSegment = (
    Option<String>,
    Option<Option<String>>,
    Option<serde_json::Value>,
);

impl MarketingService {
    /// A segment by primary key.
    pub async fn segment(&self, id: i32) -> MResult<Option<segment::Model>> {
        Ok(segment::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// The stored filter of a segment, as a filter over leads.
    pub fn segment_filter(model: &segment::Model) -> LeadFilter {
        parse_saved(&model.filter)
    }

    /// One page of segments, by name.
    pub async fn segments_page(&self, page: &Page) -> MResult<PageResult<segment::Model>> {
        let key = SortKey {
            columns: vec![segment::Column::Name, segment::Column::Id],
            descending: false,
        };
        fetch_page(&self.db, segment::Entity::find(), &key, page)
            .await
            .map_err(|e| match e {
                PageError::BadCursor => MarketingError::invalid("after", "Invalid cursor."),
                PageError::Db(e) => MarketingError::Db(e),
            })
    }

    fn validate_segment(input: &SegmentInput) -> MResult<CleanSegment> {
        let name = match &input.name {
            Some(n) => {
                Some(clean("name", Some(n), 255)?.ok_or_else(|| MarketingError::required("name"))?)
            }
            None => None,
        };
        let description = match &input.description {
            Some(d) => Some(clean("description", d.as_deref(), 2000)?),
            None => None,
        };
        let filter = match &input.filter {
            Some(f) => {
                f.validate(true)?;
                Some(
                    serde_json::to_value(f)
                        .map_err(|e| MarketingError::Db(sea_orm::DbErr::Custom(e.to_string())))?,
                )
            }
            None => None,
        };
        Ok((name, description, filter))
    }

    /// Creates a segment.
    pub async fn create_segment(&self, input: SegmentInput) -> MResult<segment::Model> {
        let (name, description, filter) = Self::validate_segment(&input)?;
        let now = Utc::now();
        Ok(segment::ActiveModel {
            name: Set(name.ok_or_else(|| MarketingError::required("name"))?),
            description: Set(description.flatten()),
            filter: Set(filter.unwrap_or_else(|| serde_json::json!({}))),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?)
    }

    /// Updates a segment.
    pub async fn update_segment(&self, id: i32, input: SegmentInput) -> MResult<segment::Model> {
        let (name, description, filter) = Self::validate_segment(&input)?;
        let found = self
            .segment(id)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Segment"))?;
        let mut row: segment::ActiveModel = found.into();
        if let Some(v) = name {
            row.name = Set(v);
        }
        if let Some(v) = description {
            row.description = Set(v);
        }
        if let Some(v) = filter {
            row.filter = Set(v);
        }
        row.updated_at = Set(Utc::now());
        Ok(row.update(&self.db).await?)
    }

    /// Deletes a segment; campaigns targeting it lose their target.
    pub async fn delete_segment(&self, id: i32) -> MResult<segment::Model> {
        let found = self
            .segment(id)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Segment"))?;
        segment::Entity::delete_by_id(id).exec(&self.db).await?;
        Ok(found)
    }
}
