//! Orders (`shop_order`: `order` is an SQL keyword), their lines with snapshots of names,
//! SKUs and prices, stock allocations, and the order-number counter.

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
                    .table(a("order_counter"))
                    .col(string(a("name")).primary_key())
                    .col(big_integer(a("value")))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(a("order_counter"))
                    .columns([a("name"), a("value")])
                    .values_panic(["order".into(), 0_i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("shop_order"))
                    .col(string(a("id")).primary_key())
                    .col(big_integer(a("number")).unique_key())
                    .col(integer(a("channel_id")))
                    .col(integer_null(a("user_id")))
                    .col(string(a("user_email")))
                    .col(string(a("status")))
                    .col(string_null(a("checkout_token")).unique_key())
                    .col(string(a("currency")))
                    .col(json_binary_null(a("shipping_address")))
                    .col(json_binary_null(a("billing_address")))
                    .col(integer_null(a("shipping_method_id")))
                    .col(string_null(a("shipping_method_name")))
                    .col(big_integer(a("shipping_price")))
                    .col(big_integer(a("subtotal")))
                    .col(big_integer(a("total")))
                    .col(string_null(a("voucher_code")))
                    .col(string(a("customer_note")))
                    .col(string(a("language_code")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("shop_order"), a("channel_id"))
                            .to(a("channel"), a("id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("shop_order"), a("user_id"))
                            .to(a("account_user"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shop_order_user_number")
                    .table(a("shop_order"))
                    .col(a("user_id"))
                    .col(a("number"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("order_line"))
                    .col(pk_auto(a("id")))
                    .col(string(a("order_id")))
                    .col(integer_null(a("variant_id")))
                    .col(string(a("product_name")))
                    .col(string(a("variant_name")))
                    .col(string_null(a("product_sku")))
                    .col(integer(a("quantity")))
                    .col(string(a("currency")))
                    .col(big_integer(a("unit_price")))
                    .col(big_integer(a("undiscounted_unit_price")))
                    .col(big_integer(a("total_price")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("order_line"), a("order_id"))
                            .to(a("shop_order"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("order_line"), a("variant_id"))
                            .to(a("product_variant"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_line_order")
                    .table(a("order_line"))
                    .col(a("order_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("allocation"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("order_line_id")))
                    .col(integer(a("stock_id")))
                    .col(integer(a("quantity")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("allocation"), a("order_line_id"))
                            .to(a("order_line"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("allocation"), a("stock_id"))
                            .to(a("stock"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["allocation", "order_line", "shop_order", "order_counter"] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
