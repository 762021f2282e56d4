//! Taxes with flat rates, as Saleor models them: a tax configuration per channel (charge
//! taxes, prices entered with or without tax, display gross prices) with per-country
//! exceptions, tax classes, and rates per country (a country's default rate has no class).
//! Products and product types point at a tax class; orders keep net amounts next to the
//! gross ones they already had.

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(a("tax_class"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("tax_class_country_rate"))
                    .col(pk_auto(a("id")))
                    .col(integer_null(a("tax_class_id")))
                    .col(string_len(a("country"), 2))
                    // Hundredths of a percent: 1900 = 19%.
                    .col(integer(a("rate_bp")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("tax_class_country_rate"), a("tax_class_id"))
                            .to(a("tax_class"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tax_rate_country_class")
                    .table(a("tax_class_country_rate"))
                    .col(a("country"))
                    .col(a("tax_class_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("tax_configuration"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("channel_id")).unique_key())
                    .col(boolean(a("charge_taxes")).default(true))
                    .col(string_null(a("tax_calculation_strategy")))
                    .col(boolean(a("display_gross_prices")).default(true))
                    .col(boolean(a("prices_entered_with_tax")).default(true))
                    .col(string_null(a("tax_app_id")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("tax_configuration"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("tax_configuration_per_country"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("tax_configuration_id")))
                    .col(string_len(a("country"), 2))
                    .col(boolean(a("charge_taxes")))
                    .col(string_null(a("tax_calculation_strategy")))
                    .col(boolean(a("display_gross_prices")))
                    .col(string_null(a("tax_app_id")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                a("tax_configuration_per_country"),
                                a("tax_configuration_id"),
                            )
                            .to(a("tax_configuration"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tax_config_country")
                    .table(a("tax_configuration_per_country"))
                    .col(a("tax_configuration_id"))
                    .col(a("country"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Channels get their configuration at start-up (`tax::service::ensure_configurations`).
        add_column(manager, "product", &mut integer_null(a("tax_class_id"))).await?;
        add_column(
            manager,
            "product_type",
            &mut integer_null(a("tax_class_id")),
        )
        .await?;
        // Orders: the existing amounts are gross; net amounts and the line's rate join them.
        for col in ["subtotal_net", "shipping_price_net", "total_net"] {
            add_column(manager, "shop_order", big_integer(a(col)).default(0)).await?;
        }
        for col in ["unit_price_net", "total_price_net"] {
            add_column(manager, "order_line", big_integer(a(col)).default(0)).await?;
        }
        add_column(manager, "order_line", integer(a("tax_rate_bp")).default(0)).await?;
        let conn = manager.get_connection();
        conn.execute_unprepared(
            "UPDATE shop_order SET subtotal_net = subtotal, shipping_price_net = shipping_price, \
             total_net = total",
        )
        .await?;
        conn.execute_unprepared(
            "UPDATE order_line SET unit_price_net = unit_price, total_price_net = total_price",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "tax_configuration_per_country",
            "tax_configuration",
            "tax_class_country_rate",
            "tax_class",
        ] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
