//! Webhooks owned by apps, and their event deliveries with every attempt recorded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .col(pk_auto(Webhook::Id))
                    .col(integer(Webhook::AppId))
                    .col(string(Webhook::Name))
                    .col(text(Webhook::TargetUrl))
                    .col(boolean(Webhook::IsActive))
                    .col(text_null(Webhook::SecretKeyEncrypted))
                    .col(json_binary(Webhook::AsyncEvents))
                    .col(text(Webhook::SubscriptionQuery))
                    .col(json_binary(Webhook::CustomHeaders))
                    .col(timestamp_with_time_zone(Webhook::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_app")
                    .table(Webhook::Table)
                    .col(Webhook::AppId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventDelivery::Table)
                    .col(big_pk_auto(EventDelivery::Id))
                    .col(integer(EventDelivery::WebhookId))
                    .col(big_integer(EventDelivery::EventId))
                    .col(string(EventDelivery::EventType))
                    .col(string(EventDelivery::Status))
                    .col(text_null(EventDelivery::Payload))
                    .col(integer(EventDelivery::AttemptCount))
                    .col(timestamp_with_time_zone(EventDelivery::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(EventDelivery::LockedUntil))
                    .col(timestamp_with_time_zone(EventDelivery::CreatedAt))
                    .col(timestamp_with_time_zone(EventDelivery::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EventDelivery::Table, EventDelivery::WebhookId)
                            .to(Webhook::Table, Webhook::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_event_delivery_webhook_event")
                    .table(EventDelivery::Table)
                    .col(EventDelivery::WebhookId)
                    .col(EventDelivery::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_delivery_due")
                    .table(EventDelivery::Table)
                    .col(EventDelivery::Status)
                    .col(EventDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventDeliveryAttempt::Table)
                    .col(big_pk_auto(EventDeliveryAttempt::Id))
                    .col(big_integer(EventDeliveryAttempt::DeliveryId))
                    .col(string(EventDeliveryAttempt::Status))
                    .col(integer(EventDeliveryAttempt::DurationMs))
                    .col(integer_null(EventDeliveryAttempt::ResponseStatusCode))
                    .col(text_null(EventDeliveryAttempt::Response))
                    .col(json_binary(EventDeliveryAttempt::RequestHeaders))
                    .col(json_binary(EventDeliveryAttempt::ResponseHeaders))
                    .col(timestamp_with_time_zone(EventDeliveryAttempt::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                EventDeliveryAttempt::Table,
                                EventDeliveryAttempt::DeliveryId,
                            )
                            .to(EventDelivery::Table, EventDelivery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_delivery_attempt_delivery")
                    .table(EventDeliveryAttempt::Table)
                    .col(EventDeliveryAttempt::DeliveryId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EventDeliveryAttempt::Table.into_iden(),
            EventDelivery::Table.into_iden(),
            Webhook::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    AppId,
    Name,
    TargetUrl,
    IsActive,
    SecretKeyEncrypted,
    AsyncEvents,
    SubscriptionQuery,
    CustomHeaders,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EventDelivery {
    Table,
    Id,
    WebhookId,
    EventId,
    EventType,
    Status,
    Payload,
    AttemptCount,
    NextAttemptAt,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventDeliveryAttempt {
    Table,
    Id,
    DeliveryId,
    Status,
    DurationMs,
    ResponseStatusCode,
    Response,
    RequestHeaders,
    ResponseHeaders,
    CreatedAt,
}
