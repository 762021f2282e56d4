//! Reads the single shop row.

use entities::shop;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder};

/// Reads shop-wide settings.
#[derive(Clone, Debug)]
pub struct ShopService {
    db: DatabaseConnection,
}

impl ShopService {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The shop row; created at start-up, so `None` only on an uninitialised database.
    pub async fn get(&self) -> Result<Option<shop::Model>, DbErr> {
        shop::Entity::find()
            .order_by_asc(shop::Column::Id)
            .one(&self.db)
            .await
    }
}
