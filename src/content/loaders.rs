//! Content dataloaders: one batched query per relation, whatever the page size. Like the
//! catalog's, they live for the whole process and batch without caching.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entities::page;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use crate::core::loaders::{LoadError, loader};

/// Whether a page type has pages, by page type ID (`PageType.hasPages`).
pub struct HasPagesLoader(DatabaseConnection);

impl Loader<i32> for HasPagesLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, bool>, LoadError> {
        let used: Vec<i32> = page::Entity::find()
            .select_only()
            .column(page::Column::PageTypeId)
            .filter(page::Column::PageTypeId.is_in(keys.to_vec()))
            .distinct()
            .into_tuple()
            .all(&self.0)
            .await?;
        Ok(keys.iter().map(|k| (*k, used.contains(k))).collect())
    }
}

/// Every content dataloader.
pub struct ContentLoaders {
    pub has_pages: DataLoader<HasPagesLoader>,
}

impl ContentLoaders {
    /// Loaders over `db` (batching runs on tokio tasks).
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            has_pages: loader(HasPagesLoader(db.clone())),
        }
    }
}

impl std::fmt::Debug for ContentLoaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContentLoaders").finish_non_exhaustive()
    }
}
