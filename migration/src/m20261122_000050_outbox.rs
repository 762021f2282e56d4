//! The transactional outbox: domain events written in the same transaction as the change,
//! dispatched afterwards to the event bus (subscriptions) and webhooks.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string(Outbox::EventType))
                    .col(string(Outbox::ObjectType))
                    .col(string(Outbox::ObjectId))
                    .col(string_null(Outbox::ChannelSlug))
                    .col(integer_null(Outbox::UserId))
                    .col(string_null(Outbox::Requestor))
                    .col(json_binary(Outbox::Payload))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::DispatchedAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(integer(Outbox::Attempts).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_pending")
                    .table(Outbox::Table)
                    .col(Outbox::DispatchedAt)
                    .col(Outbox::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    EventType,
    ObjectType,
    ObjectId,
    ChannelSlug,
    UserId,
    Requestor,
    Payload,
    CreatedAt,
    DispatchedAt,
    LockedUntil,
    Attempts,
}
