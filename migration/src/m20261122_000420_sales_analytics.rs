//! Indexes for sales analytics (`salesStats`): orders by channel and time, by time alone
//! (all channels), and by customer email and time (new vs returning customers).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &[&str])] = &[
    (
        "idx_shop_order_channel_created",
        &["channel_id", "created_at"],
    ),
    ("idx_shop_order_created", &["created_at"]),
    (
        "idx_shop_order_email_created",
        &["user_email", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in INDEXES {
            let mut idx = Index::create();
            idx.name(*name).table(Alias::new("shop_order"));
            for col in *cols {
                idx.col(Alias::new(*col));
            }
            manager.create_index(idx.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new("shop_order"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
