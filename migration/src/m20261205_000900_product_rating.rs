//! Saleor's `Product.rating` (a float set by staff, sorted on by `RATING`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("product"))
                    .add_column(double_null(Alias::new("rating")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("product"))
                    .drop_column(Alias::new("rating"))
                    .to_owned(),
            )
            .await
    }
}
