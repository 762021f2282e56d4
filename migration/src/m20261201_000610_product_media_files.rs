//! Uploaded product images: the original file of a `product_media` row, stored in the
//! database so every stateless instance can serve it and make thumbnails from it.
//! Thumbnails themselves are a per-instance disk cache, never stored here.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("product_media_file"))
                    // One file per media; deleting the media (or its product) deletes it.
                    .col(integer(a("media_id")).primary_key())
                    // Sniffed from the content: image/png, image/jpeg, image/gif, image/webp.
                    .col(string(a("content_type")))
                    .col(integer(a("width")))
                    .col(integer(a("height")))
                    .col(big_integer(a("byte_size")))
                    // SHA-256 of `data`, hex: names cache entries and makes ETags.
                    .col(string(a("sha256")))
                    // BLOB on SQLite, bytea on PostgreSQL.
                    .col(blob(a("data")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product_media_file"), a("media_id"))
                            .to(a("product_media"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(a("product_media_file")).to_owned())
            .await
    }
}
