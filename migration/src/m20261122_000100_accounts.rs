//! Accounts: addresses, one-time tokens, JWT signing keys, apps and app tokens, channel
//! restrictions of permission groups, default addresses and external references on users
//! and the shop's account-confirmation settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountAddress::Table)
                    .col(pk_auto(AccountAddress::Id))
                    .col(integer(AccountAddress::UserId))
                    .col(string(AccountAddress::FirstName))
                    .col(string(AccountAddress::LastName))
                    .col(string(AccountAddress::CompanyName))
                    .col(string(AccountAddress::StreetAddress1))
                    .col(string(AccountAddress::StreetAddress2))
                    .col(string(AccountAddress::City))
                    .col(string(AccountAddress::CityArea))
                    .col(string(AccountAddress::PostalCode))
                    .col(string_len(AccountAddress::Country, 2))
                    .col(string(AccountAddress::CountryArea))
                    .col(string(AccountAddress::Phone))
                    .col(json_binary(AccountAddress::Metadata))
                    .col(json_binary(AccountAddress::PrivateMetadata))
                    .col(timestamp_with_time_zone(AccountAddress::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountAddress::Table, AccountAddress::UserId)
                            .to(AccountUser::Table, AccountUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_address_user")
                    .table(AccountAddress::Table)
                    .col(AccountAddress::UserId)
                    .to_owned(),
            )
            .await?;
        for column in [
            AccountUser::DefaultShippingAddressId,
            AccountUser::DefaultBillingAddressId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AccountUser::Table)
                        .add_column(integer_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AccountUser::Table)
                    .add_column(string_null(AccountUser::ExternalReference))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_user_external_reference")
                    .table(AccountUser::Table)
                    .col(AccountUser::ExternalReference)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PermissionGroupChannel::Table)
                    .col(integer(PermissionGroupChannel::GroupId))
                    .col(integer(PermissionGroupChannel::ChannelId))
                    .primary_key(
                        Index::create()
                            .col(PermissionGroupChannel::GroupId)
                            .col(PermissionGroupChannel::ChannelId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PermissionGroupChannel::Table,
                                PermissionGroupChannel::GroupId,
                            )
                            .to(PermissionGroup::Table, PermissionGroup::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                PermissionGroupChannel::Table,
                                PermissionGroupChannel::ChannelId,
                            )
                            .to(Channel::Table, Channel::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (column, default) in [
            (Shop::EnableAccountConfirmationByEmail, true),
            (Shop::AllowLoginWithoutConfirmation, false),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Shop::Table)
                        .add_column(boolean(column).default(default))
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AccountToken::Table)
                    .col(pk_auto(AccountToken::Id))
                    .col(integer(AccountToken::UserId))
                    .col(string_len(AccountToken::Purpose, 32))
                    .col(string_len_uniq(AccountToken::TokenHash, 64))
                    .col(json_binary(AccountToken::Payload))
                    .col(timestamp_with_time_zone(AccountToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountToken::UsedAt))
                    .col(timestamp_with_time_zone(AccountToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountToken::Table, AccountToken::UserId)
                            .to(AccountUser::Table, AccountUser::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_token_user")
                    .table(AccountToken::Table)
                    .col(AccountToken::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(JwtSigningKey::Table)
                    .col(pk_auto(JwtSigningKey::Id))
                    .col(string_len_uniq(JwtSigningKey::Kid, 64))
                    .col(text(JwtSigningKey::PrivateKeyEncrypted))
                    .col(text(JwtSigningKey::PublicN))
                    .col(string(JwtSigningKey::PublicE))
                    .col(timestamp_with_time_zone(JwtSigningKey::CreatedAt))
                    .col(timestamp_with_time_zone_null(JwtSigningKey::RetiredAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(App::Table)
                    .col(pk_auto(App::Id))
                    .col(string(App::Name))
                    .col(string_null(App::Identifier))
                    .col(boolean(App::IsActive))
                    .col(json_binary(App::Permissions))
                    .col(json_binary(App::Metadata))
                    .col(json_binary(App::PrivateMetadata))
                    .col(timestamp_with_time_zone(App::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppToken::Table)
                    .col(pk_auto(AppToken::Id))
                    .col(integer(AppToken::AppId))
                    .col(string(AppToken::Name))
                    .col(string_len_uniq(AppToken::TokenHash, 64))
                    .col(string_len(AppToken::TokenLast4, 4))
                    .col(timestamp_with_time_zone(AppToken::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppToken::Table, AppToken::AppId)
                            .to(App::Table, App::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PermissionGroupChannel::Table.into_iden(),
            AppToken::Table.into_iden(),
            App::Table.into_iden(),
            JwtSigningKey::Table.into_iden(),
            AccountToken::Table.into_iden(),
            AccountAddress::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_account_user_external_reference")
                    .table(AccountUser::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            AccountUser::DefaultShippingAddressId,
            AccountUser::DefaultBillingAddressId,
            AccountUser::ExternalReference,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AccountUser::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Shop::EnableAccountConfirmationByEmail,
            Shop::AllowLoginWithoutConfirmation,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Shop::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AccountUser {
    Table,
    Id,
    DefaultShippingAddressId,
    DefaultBillingAddressId,
    ExternalReference,
}

#[derive(DeriveIden)]
enum PermissionGroup {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channel {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PermissionGroupChannel {
    Table,
    GroupId,
    ChannelId,
}

#[derive(DeriveIden)]
enum Shop {
    Table,
    EnableAccountConfirmationByEmail,
    AllowLoginWithoutConfirmation,
}

#[derive(DeriveIden)]
enum AccountAddress {
    Table,
    Id,
    UserId,
    FirstName,
    LastName,
    CompanyName,
    #[sea_orm(iden = "street_address_1")]
    StreetAddress1,
    #[sea_orm(iden = "street_address_2")]
    StreetAddress2,
    City,
    CityArea,
    PostalCode,
    Country,
    CountryArea,
    Phone,
    Metadata,
    PrivateMetadata,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccountToken {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Payload,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum JwtSigningKey {
    Table,
    Id,
    Kid,
    PrivateKeyEncrypted,
    PublicN,
    PublicE,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum App {
    Table,
    Id,
    Name,
    Identifier,
    IsActive,
    Permissions,
    Metadata,
    PrivateMetadata,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AppToken {
    Table,
    Id,
    AppId,
    Name,
    TokenHash,
    #[sea_orm(iden = "token_last_4")]
    TokenLast4,
    CreatedAt,
}
