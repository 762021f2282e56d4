//! Channel rules: lookup by slug and the "which channel does this request mean" rule.

use entities::channel;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Why a channel could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("Channel with '{0}' slug does not exist.")]
    NotFound(String),
    #[error("Channel with '{0}' slug is not active.")]
    Inactive(String),
    #[error("More than one channel exists. Specify which channel to use.")]
    SlugRequired,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Reads channels.
#[derive(Clone, Debug)]
pub struct ChannelService {
    db: DatabaseConnection,
}

impl ChannelService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// All channels ordered by slug; inactive ones only when `include_inactive`.
    pub async fn list(&self, include_inactive: bool) -> Result<Vec<channel::Model>, DbErr> {
        let mut query = channel::Entity::find().order_by_asc(channel::Column::Slug);
        if !include_inactive {
            query = query.filter(channel::Column::IsActive.eq(true));
        }
        query.all(&self.db).await
    }

    /// The channel with `slug`, active or not.
    pub async fn by_slug(&self, slug: &str) -> Result<Option<channel::Model>, DbErr> {
        channel::Entity::find()
            .filter(channel::Column::Slug.eq(slug))
            .one(&self.db)
            .await
    }

    /// The channel with primary key `id`.
    pub async fn by_id(&self, id: i32) -> Result<Option<channel::Model>, DbErr> {
        channel::Entity::find_by_id(id).one(&self.db).await
    }

    /// The channel a storefront request means: the given slug (which must exist and, unless
    /// `allow_inactive`, be active), or the only active channel when no slug is given.
    pub async fn resolve(
        &self,
        slug: Option<&str>,
        allow_inactive: bool,
    ) -> Result<channel::Model, ChannelError> {
        match slug {
            Some(slug) => {
                let channel = self
                    .by_slug(slug)
                    .await?
                    .ok_or_else(|| ChannelError::NotFound(slug.to_owned()))?;
                if !channel.is_active && !allow_inactive {
                    return Err(ChannelError::Inactive(slug.to_owned()));
                }
                Ok(channel)
            }
            None => {
                let mut active = self.list(false).await?;
                if active.len() == 1 {
                    Ok(active.remove(0))
                } else {
                    Err(ChannelError::SlugRequired)
                }
            }
        }
    }

    /// Distinct currencies of all channels, sorted.
    pub async fn currencies(&self) -> Result<Vec<String>, DbErr> {
        let mut currencies: Vec<String> = self
            .list(true)
            .await?
            .into_iter()
            .map(|c| c.currency_code)
            .collect();
        currencies.sort();
        currencies.dedup();
        Ok(currencies)
    }
}
