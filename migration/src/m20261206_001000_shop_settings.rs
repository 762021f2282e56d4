//! Saleor's site settings on the shop row (`ShopSettingsInput`), the shop's company address
//! (stored like a checkout's addresses, as JSON) and the staff notification recipients.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn shop() -> Alias {
    Alias::new("shop")
}

/// The new shop columns, with Saleor's defaults.
fn columns() -> Vec<ColumnDef> {
    vec![
        string(Alias::new("header_text")).default("").to_owned(),
        boolean(Alias::new("track_inventory_by_default"))
            .default(true)
            .to_owned(),
        string(Alias::new("default_weight_unit"))
            .default("KG")
            .to_owned(),
        json_null(Alias::new("company_address")),
        string(Alias::new("default_mail_sender_name"))
            .default("")
            .to_owned(),
        string_null(Alias::new("default_mail_sender_address")),
        string(Alias::new("password_login_mode"))
            .default("ENABLED")
            .to_owned(),
        string_null(Alias::new("customer_set_password_url")),
        boolean(Alias::new("fulfillment_auto_approve"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("fulfillment_allow_unpaid"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("allow_storefront_traffic"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("preserve_all_address_fields"))
            .default(false)
            .to_owned(),
        integer_null(Alias::new("reserve_stock_duration_anonymous_user")),
        integer_null(Alias::new("reserve_stock_duration_authenticated_user")),
        integer_null(Alias::new("limit_quantity_per_checkout"))
            .default(50)
            .to_owned(),
        boolean(Alias::new("charge_taxes_on_shipping"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("include_taxes_in_prices"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("display_gross_prices"))
            .default(true)
            .to_owned(),
        boolean(Alias::new("use_legacy_update_webhook_emission"))
            .default(false)
            .to_owned(),
        boolean(Alias::new("use_legacy_shipping_zone_stock_availability"))
            .default(false)
            .to_owned(),
        string(Alias::new("account_confirm_merge_mode"))
            .default("MERGE_DISABLED")
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for mut column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(shop())
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("staff_notification_recipient"))
                    .col(pk_auto(Alias::new("id")))
                    .col(integer_null(Alias::new("user_id")))
                    .col(string_null(Alias::new("staff_email")))
                    .col(boolean(Alias::new("active")).default(true))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                Alias::new("staff_notification_recipient"),
                                Alias::new("user_id"),
                            )
                            .to(Alias::new("account_user"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("staff_notification_recipient"))
                    .to_owned(),
            )
            .await?;
        for column in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(shop())
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
