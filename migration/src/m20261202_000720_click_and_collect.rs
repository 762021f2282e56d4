//! Warehouses as Saleor's click-and-collect points: the rest of a warehouse's address and
//! an external reference, the collection point a checkout selected, and the one an order
//! is collected at (its name is snapshotted like the shipping method's).

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
        for col in [
            "street_address_2",
            "city_area",
            "country_area",
            "phone",
            "first_name",
            "last_name",
        ] {
            add_column(manager, "warehouse", string(a(col)).default("")).await?;
        }
        add_column(
            manager,
            "warehouse",
            &mut string_null(a("external_reference")),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_warehouse_external_reference")
                    .table(a("warehouse"))
                    .col(a("external_reference"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        add_column(
            manager,
            "checkout",
            &mut integer_null(a("collection_point_id")),
        )
        .await?;
        add_column(
            manager,
            "shop_order",
            &mut integer_null(a("collection_point_id")),
        )
        .await?;
        add_column(
            manager,
            "shop_order",
            &mut string_null(a("collection_point_name")),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_warehouse_external_reference")
                    .table(a("warehouse"))
                    .to_owned(),
            )
            .await?;
        let drops = [
            ("shop_order", "collection_point_name"),
            ("shop_order", "collection_point_id"),
            ("checkout", "collection_point_id"),
            ("warehouse", "external_reference"),
            ("warehouse", "last_name"),
            ("warehouse", "first_name"),
            ("warehouse", "phone"),
            ("warehouse", "country_area"),
            ("warehouse", "city_area"),
            ("warehouse", "street_address_2"),
        ];
        for (table, col) in drops {
            manager
                .alter_table(
                    Table::alter()
                        .table(a(table))
                        .drop_column(a(col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
