//! Generic dataloaders over SeaORM entities, so a domain declares a relation's loader in
//! one line: [`ChildrenLoader`] (the rows under each parent key) and [`RowLoader`] (a row by a
//! unique key), one statement per batch.
//! Loaders are process-wide and do not cache: they batch the loads of concurrent
//! resolvers (a page of orders asking for their lines) into one statement.

use std::{collections::HashMap, hash::Hash, sync::Arc};

use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Value,
};

/// Loader errors are shared between the callers of one batch.
pub type LoadError = Arc<DbErr>;

/// The rows of `E` under each parent key (`parent IN (keys)`), ordered by `order`;
/// a key without rows loads an empty list.
pub struct ChildrenLoader<E: EntityTrait, K> {
    db: DatabaseConnection,
    parent: E::Column,
    order: E::Column,
    key_of: fn(&E::Model) -> Option<K>,
}

impl<E: EntityTrait, K> ChildrenLoader<E, K> {
    /// Rows whose `parent` column holds the key (`key_of` reads it back from a row).
    pub fn new(
        db: &DatabaseConnection,
        parent: E::Column,
        order: E::Column,
        key_of: fn(&E::Model) -> Option<K>,
    ) -> Self {
        Self {
            db: db.clone(),
            parent,
            order,
            key_of,
        }
    }
}

impl<E, K> Loader<K> for ChildrenLoader<E, K>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
    K: Clone + Eq + Hash + Send + Sync + Into<Value> + 'static,
{
    type Value = Vec<E::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, Vec<E::Model>>, LoadError> {
        let rows = E::find()
            .filter(self.parent.is_in(keys.iter().cloned()))
            .order_by_asc(self.order)
            .all(&self.db)
            .await?;
        let mut out: HashMap<K, Vec<E::Model>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for row in rows {
            if let Some(key) = (self.key_of)(&row) {
                out.entry(key).or_default().push(row);
            }
        }
        Ok(out)
    }
}

/// The row of `E` whose unique `column` holds each key (keys without a row are absent).
pub struct RowLoader<E: EntityTrait, K> {
    db: DatabaseConnection,
    column: E::Column,
    key_of: fn(&E::Model) -> K,
}

impl<E: EntityTrait, K> RowLoader<E, K> {
    /// Rows by `column` (`key_of` reads it back from a row).
    pub fn new(db: &DatabaseConnection, column: E::Column, key_of: fn(&E::Model) -> K) -> Self {
        Self {
            db: db.clone(),
            column,
            key_of,
        }
    }
}

impl<E, K> Loader<K> for RowLoader<E, K>
where
    E: EntityTrait,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
    K: Clone + Eq + Hash + Send + Sync + Into<Value> + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[K]) -> Result<HashMap<K, E::Model>, LoadError> {
        let rows = E::find()
            .filter(self.column.is_in(keys.iter().cloned()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| ((self.key_of)(&r), r)).collect())
    }
}

/// A process-wide dataloader over `loader`: the one way every domain builds its loaders
/// (batches run on tokio tasks that stay in the operation's trace).
pub fn loader<T: Send + Sync + 'static>(loader: T) -> async_graphql::dataloader::DataLoader<T> {
    async_graphql::dataloader::DataLoader::new(loader, crate::telemetry::spawn)
}
