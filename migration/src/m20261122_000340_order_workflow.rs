//! The staff order workflow: fulfillments and their lines, the order event history, the
//! quantity fulfilled per order line, the order's origin (checkout or draft) and the
//! channel's "automatically confirm all new orders" setting.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(a("order_line"))
                    .add_column(integer(a("quantity_fulfilled")).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(a("shop_order"))
                    .add_column(string(a("origin")).default("CHECKOUT"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(a("channel"))
                    .add_column(boolean(a("automatically_confirm_all_new_orders")).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_shop_order_status_number")
                    .table(a("shop_order"))
                    .col(a("status"))
                    .col(a("number"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkout_updated_at")
                    .table(a("checkout"))
                    .col(a("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("fulfillment"))
                    .col(pk_auto(a("id")))
                    .col(string(a("order_id")))
                    .col(integer(a("fulfillment_order")))
                    .col(string(a("status")))
                    .col(string(a("tracking_number")))
                    .col(integer_null(a("warehouse_id")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("fulfillment"), a("order_id"))
                            .to(a("shop_order"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("fulfillment"), a("warehouse_id"))
                            .to(a("warehouse"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fulfillment_order")
                    .table(a("fulfillment"))
                    .col(a("order_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("fulfillment_line"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("fulfillment_id")))
                    .col(integer(a("order_line_id")))
                    .col(integer_null(a("stock_id")))
                    .col(integer(a("quantity")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("fulfillment_line"), a("fulfillment_id"))
                            .to(a("fulfillment"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("fulfillment_line"), a("order_line_id"))
                            .to(a("order_line"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("fulfillment_line"), a("stock_id"))
                            .to(a("stock"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_fulfillment_line_fulfillment")
                    .table(a("fulfillment_line"))
                    .col(a("fulfillment_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(a("order_event"))
                    .col(pk_auto(a("id")))
                    .col(string(a("order_id")))
                    .col(string(a("event_type")))
                    .col(timestamp_with_time_zone(a("date")))
                    .col(integer_null(a("user_id")))
                    .col(integer_null(a("app_id")))
                    .col(json_binary(a("parameters")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("order_event"), a("order_id"))
                            .to(a("shop_order"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("order_event"), a("user_id"))
                            .to(a("account_user"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_order_event_order")
                    .table(a("order_event"))
                    .col(a("order_id"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in ["order_event", "fulfillment_line", "fulfillment"] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
