//! Shipping zones (sets of countries) and their shipping methods with per-channel prices
//! and order value limits.

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
                    .table(a("shipping_zone"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    // ISO codes separated by commas, e.g. "US,CA".
                    .col(string(a("countries")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("shipping_method"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("zone_id")))
                    .col(string(a("name")))
                    .col(string(a("kind")))
                    .col(integer_null(a("minimum_delivery_days")))
                    .col(integer_null(a("maximum_delivery_days")))
                    .col(integer_null(a("minimum_order_weight_grams")))
                    .col(integer_null(a("maximum_order_weight_grams")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("shipping_method"), a("zone_id"))
                            .to(a("shipping_zone"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("shipping_method_channel_listing"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("method_id")))
                    .col(integer(a("channel_id")))
                    .col(string(a("currency")))
                    .col(big_integer(a("price_amount")))
                    .col(big_integer_null(a("minimum_order_amount")))
                    .col(big_integer_null(a("maximum_order_amount")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("shipping_method_channel_listing"), a("method_id"))
                            .to(a("shipping_method"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("shipping_method_channel_listing"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_shipping_listing_method_channel")
                    .table(a("shipping_method_channel_listing"))
                    .col(a("method_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "shipping_method_channel_listing",
            "shipping_method",
            "shipping_zone",
        ] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
