//! Catalogue promotions, as Saleor 3.19+ models them: a `promotion` (CATALOGUE or ORDER)
//! with `promotion_rule`s (channels, reward value and type, catalogue predicate).
//!
//! Reads never evaluate promotions: the discounted price of every variant channel listing
//! is precomputed (`variant_channel_listing.discounted_price_amount`, with the rules that
//! apply and their discount in `variant_listing_promotion_rule`), and product listings carry
//! the discounted price range next to the undiscounted one. Order lines snapshot the
//! catalogue discount they were sold with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// Adds one column (SQLite takes one column per ALTER TABLE).
async fn add_column(
    manager: &SchemaManager<'_>,
    table: &str,
    col: &mut ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(a(table)).add_column(col).to_owned())
        .await
}

async fn drop_column(manager: &SchemaManager<'_>, table: &str, col: &str) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(a(table))
                .drop_column(a(col))
                .to_owned(),
        )
        .await
}

const ORDER_LINE_COLUMNS: [&str; 6] = [
    "unit_discount_amount",
    "unit_discount_type",
    "unit_discount_value",
    "unit_discount_reason",
    "undiscounted_unit_price_net",
    "undiscounted_unit_price_gross",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("promotion"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    // CATALOGUE or ORDER.
                    .col(string(a("type")))
                    .col(json_binary_null(a("description")))
                    .col(timestamp_with_time_zone(a("start_date")))
                    .col(timestamp_with_time_zone_null(a("end_date")))
                    // `end_date`, or 9999-12-31 for none: the keyset sort key of END_DATE.
                    .col(timestamp_with_time_zone(a("end_date_sort")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    // Whether the precomputed prices reflect the promotion as running: the
                    // periodic task recalculates when this differs from the dates.
                    .col(boolean(a("applied_active")).default(false))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_promotion_name")
                    .table(a("promotion"))
                    .col(a("name"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        for col in ["start_date", "end_date_sort", "created_at"] {
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_promotion_{col}"))
                        .table(a("promotion"))
                        .col(a(col))
                        .col(a("id"))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(a("promotion_rule"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("promotion_id")))
                    .col(string_null(a("name")))
                    .col(json_binary_null(a("description")))
                    // PERCENTAGE or FIXED.
                    .col(string_null(a("reward_value_type")))
                    // Exact decimal text (a percentage, or an amount in the channel currency).
                    .col(string_null(a("reward_value")))
                    .col(string_null(a("reward_type")))
                    .col(json_binary(a("catalogue_predicate")))
                    .col(json_binary(a("order_predicate")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("promotion_rule"), a("promotion_id"))
                            .to(a("promotion"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_promotion_rule_promotion")
                    .table(a("promotion_rule"))
                    .col(a("promotion_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("promotion_rule_channel"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("promotion_rule_id")))
                    .col(integer(a("channel_id")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("promotion_rule_channel"), a("promotion_rule_id"))
                            .to(a("promotion_rule"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("promotion_rule_channel"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_promotion_rule_channel_unique")
                    .table(a("promotion_rule_channel"))
                    .col(a("promotion_rule_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("variant_listing_promotion_rule"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("variant_channel_listing_id")))
                    .col(integer(a("promotion_rule_id")))
                    // Minor units of `currency` taken off one unit.
                    .col(big_integer(a("discount_amount")))
                    .col(string_len(a("currency"), 3))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                a("variant_listing_promotion_rule"),
                                a("variant_channel_listing_id"),
                            )
                            .to(a("variant_channel_listing"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("variant_listing_promotion_rule"), a("promotion_rule_id"))
                            .to(a("promotion_rule"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_vlpr_listing")
                    .table(a("variant_listing_promotion_rule"))
                    .col(a("variant_channel_listing_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_vlpr_rule")
                    .table(a("variant_listing_promotion_rule"))
                    .col(a("promotion_rule_id"))
                    .to_owned(),
            )
            .await?;
        add_column(
            manager,
            "variant_channel_listing",
            &mut big_integer_null(a("discounted_price_amount")),
        )
        .await?;
        for col in ["discounted_min_price", "discounted_max_price"] {
            add_column(
                manager,
                "product_channel_listing",
                &mut big_integer_null(a(col)),
            )
            .await?;
        }
        // Existing prices are undiscounted until the first recalculation.
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE variant_channel_listing SET discounted_price_amount = price_amount",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE product_channel_listing SET discounted_min_price = min_price, \
             discounted_max_price = max_price",
        )
        .await?;
        add_column(
            manager,
            "order_line",
            big_integer(a("unit_discount_amount")).default(0),
        )
        .await?;
        for col in [
            "unit_discount_type",
            "unit_discount_value",
            "unit_discount_reason",
        ] {
            add_column(manager, "order_line", &mut string_null(a(col))).await?;
        }
        for col in [
            "undiscounted_unit_price_net",
            "undiscounted_unit_price_gross",
        ] {
            add_column(manager, "order_line", &mut big_integer_null(a(col))).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ORDER_LINE_COLUMNS {
            drop_column(manager, "order_line", col).await?;
        }
        for col in ["discounted_min_price", "discounted_max_price"] {
            drop_column(manager, "product_channel_listing", col).await?;
        }
        drop_column(
            manager,
            "variant_channel_listing",
            "discounted_price_amount",
        )
        .await?;
        for t in [
            "variant_listing_promotion_rule",
            "promotion_rule_channel",
            "promotion_rule",
            "promotion",
        ] {
            manager
                .drop_table(Table::drop().table(a(t)).to_owned())
                .await?;
        }
        Ok(())
    }
}
