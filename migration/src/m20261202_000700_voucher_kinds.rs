//! Voucher kinds as in Saleor: entire order, specific products (linked products, variants,
//! categories, collections) or shipping; minimum quantity, once per order / per customer,
//! staff only, single use, countries, metadata; per-customer usage.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// `voucher_{target}` link table: (voucher, target) pairs, cascading from both sides.
fn link(target: &str) -> TableCreateStatement {
    let table = format!("voucher_{target}");
    let column = format!("{target}_id");
    Table::create()
        .table(a(&table))
        .col(integer(a("voucher_id")))
        .col(integer(a(&column)))
        .primary_key(Index::create().col(a("voucher_id")).col(a(&column)))
        .foreign_key(
            ForeignKey::create()
                .from(a(&table), a("voucher_id"))
                .to(a("voucher"), a("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(a(&table), a(&column))
                .to(a(target), a("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

const LINKS: [&str; 4] = ["product", "product_variant", "category", "collection"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        let columns = [
            // ENTIRE_ORDER, SPECIFIC_PRODUCT or SHIPPING.
            string(a("voucher_type")).default("ENTIRE_ORDER").to_owned(),
            integer_null(a("min_checkout_items_quantity")).to_owned(),
            boolean(a("apply_once_per_order")).default(false).to_owned(),
            boolean(a("apply_once_per_customer"))
                .default(false)
                .to_owned(),
            boolean(a("only_for_staff")).default(false).to_owned(),
            boolean(a("single_use")).default(false).to_owned(),
            // ISO codes separated by commas; empty: every country.
            string(a("countries")).default("").to_owned(),
            json_binary(a("metadata")).default("{}").to_owned(),
            json_binary(a("private_metadata")).default("{}").to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("voucher"))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        for target in LINKS {
            manager.create_table(link(target)).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(a("voucher_customer"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("voucher_id")))
                    .col(string(a("customer_email")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("voucher_customer"), a("voucher_id"))
                            .to(a("voucher"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("voucher_customer_unique")
                    .table(a("voucher_customer"))
                    .col(a("voucher_id"))
                    .col(a("customer_email"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("voucher_channel_listing_unique")
                    .table(a("voucher_channel_listing"))
                    .col(a("voucher_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("voucher_channel_listing_unique")
                    .table(a("voucher_channel_listing"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(a("voucher_customer"))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        for target in LINKS {
            manager
                .drop_table(
                    Table::drop()
                        .table(a(&format!("voucher_{target}")))
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            "voucher_type",
            "min_checkout_items_quantity",
            "apply_once_per_order",
            "apply_once_per_customer",
            "only_for_staff",
            "single_use",
            "countries",
            "metadata",
            "private_metadata",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("voucher"))
                        .drop_column(a(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
