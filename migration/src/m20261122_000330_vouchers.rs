//! Vouchers: codes with a percentage or fixed discount on the entire order, per-channel
//! values and minimum spend, usage limit and validity dates.

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
                    .table(a("voucher"))
                    .col(pk_auto(a("id")))
                    .col(string(a("code")).unique_key())
                    .col(string(a("name")))
                    // PERCENTAGE or FIXED.
                    .col(string(a("discount_type")))
                    .col(integer_null(a("usage_limit")))
                    .col(integer(a("used")))
                    .col(timestamp_with_time_zone(a("start_date")))
                    .col(timestamp_with_time_zone_null(a("end_date")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("voucher_channel_listing"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("voucher_id")))
                    .col(integer(a("channel_id")))
                    .col(string(a("currency")))
                    // FIXED: minor units; PERCENTAGE: hundredths of a percent (1000 = 10%).
                    .col(big_integer(a("discount_value")))
                    .col(big_integer_null(a("min_spent")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("voucher_channel_listing"), a("voucher_id"))
                            .to(a("voucher"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("voucher_channel_listing"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["voucher_channel_listing", "voucher"] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
