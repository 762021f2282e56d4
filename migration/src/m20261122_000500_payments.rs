//! Payments: per-channel gateway configuration (secrets sealed with the master key),
//! Saleor's `TransactionItem` and `TransactionEvent`, provider webhook deduplication, and
//! the channel's order/checkout/payment policies.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

fn index(name: &str, table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(a(table));
    for col in cols {
        idx.col(a(col));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Channel policies (Saleor's orderSettings / checkoutSettings / paymentSettings).
        // Unpaid orders stay allowed by default so checkouts complete without a gateway.
        for (column, default) in [
            ("allow_unpaid_orders", true),
            ("automatically_complete_fully_paid_checkouts", false),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("channel"))
                        .add_column(boolean(a(column)).default(default))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(a("channel"))
                    .add_column(string(a("default_transaction_flow")).default("CHARGE"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("payment_gateway_config"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("channel_id")))
                    // The gateway's key (`dummy`, `stripe`, ...).
                    .col(string(a("gateway")))
                    .col(boolean(a("is_active")))
                    .col(json_binary(a("settings")))
                    // AES-256-GCM under the master key, bound to channel and gateway.
                    .col(text_null(a("secrets")))
                    // `{name: "••••1234"}`: what staff see of the secrets.
                    .col(json_binary(a("secrets_masked")))
                    .col(string_null(a("base_url")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("payment_gateway_config"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_payment_gateway_config_channel_gateway",
                "payment_gateway_config",
                &["channel_id", "gateway"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("payment_transaction"))
                    .col(pk_auto(a("id")))
                    .col(string(a("token")).unique_key())
                    .col(string_null(a("checkout_token")))
                    .col(string_null(a("order_id")))
                    .col(integer(a("channel_id")))
                    // In-process gateway id, or null for transactions reported by apps.
                    .col(string_null(a("gateway")))
                    .col(integer_null(a("app_id")))
                    .col(integer_null(a("user_id")))
                    .col(string(a("name")))
                    .col(string(a("message")))
                    .col(string(a("psp_reference")))
                    .col(string(a("currency")))
                    // CHARGE or AUTHORIZATION.
                    .col(string(a("flow")))
                    // Amount the transaction was initialized for (minor units).
                    .col(big_integer(a("amount_requested")))
                    .col(big_integer(a("authorized")))
                    .col(big_integer(a("charged")))
                    .col(big_integer(a("refunded")))
                    .col(big_integer(a("canceled")))
                    .col(big_integer(a("authorize_pending")))
                    .col(big_integer(a("charge_pending")))
                    .col(big_integer(a("refund_pending")))
                    .col(big_integer(a("cancel_pending")))
                    .col(json_binary(a("available_actions")))
                    .col(string_null(a("idempotency_key")))
                    .col(string(a("external_url")))
                    // Lease while a provider call for it is in flight (process/actions).
                    .col(timestamp_with_time_zone_null(a("locked_until")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("modified_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("payment_transaction"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_payment_transaction_checkout_idempotency",
                "payment_transaction",
                &["checkout_token", "idempotency_key"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_payment_transaction_order",
                "payment_transaction",
                &["order_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "ix_payment_transaction_psp",
                "payment_transaction",
                &["psp_reference"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("payment_transaction_event"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("transaction_id")))
                    // Saleor's TransactionEventTypeEnum name.
                    .col(string(a("kind")))
                    .col(big_integer(a("amount")))
                    .col(string(a("currency")))
                    .col(string(a("psp_reference")))
                    .col(string(a("message")))
                    .col(string(a("external_url")))
                    .col(integer_null(a("user_id")))
                    .col(integer_null(a("app_id")))
                    .col(string_null(a("idempotency_key")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("payment_transaction_event"), a("transaction_id"))
                            .to(a("payment_transaction"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ix_payment_transaction_event_transaction",
                "payment_transaction_event",
                &["transaction_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(a("payment_webhook_event"))
                    .col(pk_auto(a("id")))
                    .col(string(a("gateway")))
                    .col(string(a("provider_event_id")))
                    .col(timestamp_with_time_zone(a("received_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "ux_payment_webhook_event",
                "payment_webhook_event",
                &["gateway", "provider_event_id"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "payment_webhook_event",
            "payment_transaction_event",
            "payment_transaction",
            "payment_gateway_config",
        ] {
            manager
                .drop_table(Table::drop().table(a(t)).if_exists().to_owned())
                .await?;
        }
        for column in [
            "allow_unpaid_orders",
            "automatically_complete_fully_paid_checkouts",
            "default_transaction_flow",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(a("channel"))
                        .drop_column(a(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
