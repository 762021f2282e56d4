//! Checkouts and their lines. A checkout is identified by its UUID token (Saleor's
//! `Checkout.id` encodes the token); addresses are stored as JSON snapshots.

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
                    .table(a("checkout"))
                    .col(string(a("token")).primary_key())
                    .col(integer(a("channel_id")))
                    .col(integer_null(a("user_id")))
                    .col(string_null(a("email")))
                    .col(string(a("currency")))
                    .col(json_binary_null(a("shipping_address")))
                    .col(json_binary_null(a("billing_address")))
                    .col(integer_null(a("shipping_method_id")))
                    .col(string_null(a("voucher_code")))
                    .col(string(a("customer_note")))
                    .col(string(a("language_code")))
                    .col(string_null(a("order_id")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("checkout"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("checkout"), a("user_id"))
                            .to(a("account_user"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkout_user")
                    .table(a("checkout"))
                    .col(a("user_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("checkout_line"))
                    .col(pk_auto(a("id")))
                    .col(string(a("checkout_token")))
                    .col(integer(a("variant_id")))
                    .col(integer(a("quantity")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("checkout_line"), a("checkout_token"))
                            .to(a("checkout"), a("token"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("checkout_line"), a("variant_id"))
                            .to(a("product_variant"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkout_line_checkout")
                    .table(a("checkout_line"))
                    .col(a("checkout_token"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["checkout_line", "checkout"] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
