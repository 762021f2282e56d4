//! Foundation tables: the shop, channels, users and permission groups.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Shop::Table)
                    .col(pk_auto(Shop::Id))
                    .col(string(Shop::Name))
                    .col(text_null(Shop::Description))
                    .col(string_len(Shop::DefaultCountry, 2))
                    .col(string(Shop::Domain))
                    .col(string(Shop::InstallationId))
                    .col(json_binary(Shop::Metadata))
                    .col(json_binary(Shop::PrivateMetadata))
                    .col(timestamp_with_time_zone(Shop::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Channel::Table)
                    .col(pk_auto(Channel::Id))
                    .col(string(Channel::Name))
                    .col(string_uniq(Channel::Slug))
                    .col(string_len(Channel::CurrencyCode, 3))
                    .col(string_len(Channel::DefaultCountry, 2))
                    .col(boolean(Channel::IsActive))
                    .col(json_binary(Channel::Metadata))
                    .col(json_binary(Channel::PrivateMetadata))
                    .col(timestamp_with_time_zone(Channel::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountUser::Table)
                    .col(pk_auto(AccountUser::Id))
                    .col(string_uniq(AccountUser::Email))
                    .col(string_null(AccountUser::PasswordHash))
                    .col(string(AccountUser::FirstName))
                    .col(string(AccountUser::LastName))
                    .col(boolean(AccountUser::IsStaff))
                    .col(boolean(AccountUser::IsActive))
                    .col(boolean(AccountUser::IsConfirmed))
                    .col(string(AccountUser::JwtTokenKey))
                    .col(string_len(AccountUser::LanguageCode, 35))
                    .col(text_null(AccountUser::Note))
                    .col(json_binary(AccountUser::Metadata))
                    .col(json_binary(AccountUser::PrivateMetadata))
                    .col(timestamp_with_time_zone(AccountUser::DateJoined))
                    .col(timestamp_with_time_zone(AccountUser::UpdatedAt))
                    .col(timestamp_with_time_zone_null(AccountUser::LastLogin))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PermissionGroup::Table)
                    .col(pk_auto(PermissionGroup::Id))
                    .col(string_uniq(PermissionGroup::Name))
                    .col(json_binary(PermissionGroup::Permissions))
                    .col(boolean(PermissionGroup::RestrictedAccessToChannels))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserPermissionGroup::Table)
                    .col(integer(UserPermissionGroup::UserId))
                    .col(integer(UserPermissionGroup::GroupId))
                    .primary_key(
                        Index::create()
                            .col(UserPermissionGroup::UserId)
                            .col(UserPermissionGroup::GroupId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserPermissionGroup::Table, UserPermissionGroup::UserId)
                            .to(AccountUser::Table, AccountUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserPermissionGroup::Table, UserPermissionGroup::GroupId)
                            .to(PermissionGroup::Table, PermissionGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_permission_group_group")
                    .table(UserPermissionGroup::Table)
                    .col(UserPermissionGroup::GroupId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserPermissionGroup::Table.into_iden(),
            PermissionGroup::Table.into_iden(),
            AccountUser::Table.into_iden(),
            Channel::Table.into_iden(),
            Shop::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Shop {
    Table,
    Id,
    Name,
    Description,
    DefaultCountry,
    Domain,
    InstallationId,
    Metadata,
    PrivateMetadata,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Channel {
    Table,
    Id,
    Name,
    Slug,
    CurrencyCode,
    DefaultCountry,
    IsActive,
    Metadata,
    PrivateMetadata,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccountUser {
    Table,
    Id,
    Email,
    PasswordHash,
    FirstName,
    LastName,
    IsStaff,
    IsActive,
    IsConfirmed,
    JwtTokenKey,
    LanguageCode,
    Note,
    Metadata,
    PrivateMetadata,
    DateJoined,
    UpdatedAt,
    LastLogin,
}

#[derive(DeriveIden)]
enum PermissionGroup {
    Table,
    Id,
    Name,
    Permissions,
    RestrictedAccessToChannels,
}

#[derive(DeriveIden)]
enum UserPermissionGroup {
    Table,
    UserId,
    GroupId,
}
