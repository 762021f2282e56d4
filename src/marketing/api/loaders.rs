//! Dataloaders: campaigns and variants referenced from lists of leads, activities and
//! campaigns are fetched in one query per batch, so SQL statements do not grow with the
//! page size. Registered in the schema's data (no cache: batching only, so nothing stale
//! is shared between requests).

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{campaign, campaign_variant};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// A campaign primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CampaignId(pub i32);

/// A variant primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VariantId(pub i32);

/// The variants of a campaign (by campaign primary key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VariantsOf(pub i32);

/// Loads marketing rows by key, in batches.
pub struct MarketingLoader {
    db: DatabaseConnection,
}

/// The schema-level loader.
pub type MarketingLoaders = DataLoader<MarketingLoader>;

/// Creates the loader over `db` (spawns its batches on the current tokio runtime).
pub fn loaders(db: DatabaseConnection) -> MarketingLoaders {
    DataLoader::new(MarketingLoader { db }, crate::telemetry::spawn)
}

impl Loader<CampaignId> for MarketingLoader {
    type Value = campaign::Model;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[CampaignId],
    ) -> Result<HashMap<CampaignId, Self::Value>, Self::Error> {
        let rows = campaign::Entity::find()
            .filter(campaign::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|c| (CampaignId(c.id), c)).collect())
    }
}

impl Loader<VariantId> for MarketingLoader {
    type Value = campaign_variant::Model;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[VariantId],
    ) -> Result<HashMap<VariantId, Self::Value>, Self::Error> {
        let rows = campaign_variant::Entity::find()
            .filter(campaign_variant::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|v| (VariantId(v.id), v)).collect())
    }
}

impl Loader<VariantsOf> for MarketingLoader {
    type Value = Vec<campaign_variant::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[VariantsOf],
    ) -> Result<HashMap<VariantsOf, Self::Value>, Self::Error> {
        let rows = campaign_variant::Entity::find()
            .filter(campaign_variant::Column::CampaignId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(campaign_variant::Column::Id)
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        let mut out: HashMap<VariantsOf, Self::Value> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for v in rows {
            out.entry(VariantsOf(v.campaign_id)).or_default().push(v);
        }
        Ok(out)
    }
}
