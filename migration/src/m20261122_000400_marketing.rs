//! Marketing: leads with their timeline, scoring rules and thresholds, saved segments,
//! campaigns with A/B variants, external metric reports, and (for the checkout issue) an
//! attribution table keyed by checkout/order without a foreign key yet.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Creates a (non-unique) index `name` on `table(cols...)`.
fn index<T: IntoIden + Copy + 'static>(name: &str, table: T, cols: &[T]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for col in cols {
        idx.col(*col);
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MarketingSegment::Table)
                    .col(pk_auto(MarketingSegment::Id))
                    .col(string(MarketingSegment::Name))
                    .col(text_null(MarketingSegment::Description))
                    .col(json_binary(MarketingSegment::Filter))
                    .col(timestamp_with_time_zone(MarketingSegment::CreatedAt))
                    .col(timestamp_with_time_zone(MarketingSegment::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Campaign::Table)
                    .col(pk_auto(Campaign::Id))
                    .col(string(Campaign::Name))
                    .col(string_len(Campaign::ChannelType, 32))
                    .col(string_len(Campaign::Status, 32))
                    .col(timestamp_with_time_zone_null(Campaign::StartsAt))
                    .col(timestamp_with_time_zone_null(Campaign::EndsAt))
                    // Decimal text (e.g. "1250.00"), never a float.
                    .col(string_null(Campaign::BudgetAmount))
                    .col(string_len_null(Campaign::BudgetCurrency, 3))
                    .col(integer_null(Campaign::TargetSegmentId))
                    .col(string_null(Campaign::UtmCampaign).unique_key())
                    .col(text_null(Campaign::LandingUrl))
                    .col(string_len(Campaign::WinnerCriterion, 32))
                    .col(json_binary(Campaign::Metadata))
                    .col(json_binary(Campaign::PrivateMetadata))
                    .col(timestamp_with_time_zone(Campaign::CreatedAt))
                    .col(timestamp_with_time_zone(Campaign::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Campaign::Table, Campaign::TargetSegmentId)
                            .to(MarketingSegment::Table, MarketingSegment::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_campaign_status",
                Campaign::Table,
                &[Campaign::Status, Campaign::Id],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignVariant::Table)
                    .col(pk_auto(CampaignVariant::Id))
                    .col(integer(CampaignVariant::CampaignId))
                    .col(string(CampaignVariant::Name))
                    .col(integer(CampaignVariant::Weight))
                    .col(timestamp_with_time_zone(CampaignVariant::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignVariant::Table, CampaignVariant::CampaignId)
                            .to(Campaign::Table, Campaign::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_campaign_variant_name",
                    CampaignVariant::Table,
                    &[CampaignVariant::CampaignId, CampaignVariant::Name],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Lead::Table)
                    .col(pk_auto(Lead::Id))
                    // Normalized (trimmed, lowercase); NULL once erased.
                    .col(string_null(Lead::Email).unique_key())
                    .col(string_null(Lead::FirstName))
                    .col(string_null(Lead::LastName))
                    .col(string_null(Lead::Phone))
                    .col(string_null(Lead::Company))
                    .col(string_null(Lead::Source))
                    .col(text_null(Lead::LandingPage))
                    .col(text_null(Lead::Referrer))
                    .col(string_null(Lead::FirstUtmSource))
                    .col(string_null(Lead::FirstUtmMedium))
                    .col(string_null(Lead::FirstUtmCampaign))
                    .col(string_null(Lead::FirstUtmTerm))
                    .col(string_null(Lead::FirstUtmContent))
                    .col(string_null(Lead::LastUtmSource))
                    .col(string_null(Lead::LastUtmMedium))
                    .col(string_null(Lead::LastUtmCampaign))
                    .col(string_null(Lead::LastUtmTerm))
                    .col(string_null(Lead::LastUtmContent))
                    .col(integer_null(Lead::FirstCampaignId))
                    .col(integer_null(Lead::CampaignId))
                    .col(integer_null(Lead::CampaignVariantId))
                    .col(string_len(Lead::Stage, 32))
                    .col(integer(Lead::Score).default(0))
                    .col(boolean_null(Lead::ConsentEmail))
                    .col(timestamp_with_time_zone_null(Lead::ConsentEmailAt))
                    .col(string_null(Lead::ConsentEmailSource))
                    .col(boolean_null(Lead::ConsentSms))
                    .col(timestamp_with_time_zone_null(Lead::ConsentSmsAt))
                    .col(string_null(Lead::ConsentSmsSource))
                    .col(boolean_null(Lead::ConsentPhone))
                    .col(timestamp_with_time_zone_null(Lead::ConsentPhoneAt))
                    .col(string_null(Lead::ConsentPhoneSource))
                    // The customer account this lead became; no FK so accounts can be deleted
                    // independently (set when accounts/orders link it).
                    .col(integer_null(Lead::CustomerUserId))
                    .col(json_binary(Lead::Metadata))
                    .col(json_binary(Lead::PrivateMetadata))
                    .col(timestamp_with_time_zone(Lead::CreatedAt))
                    .col(timestamp_with_time_zone(Lead::UpdatedAt))
                    .col(timestamp_with_time_zone(Lead::LastActivityAt))
                    .col(timestamp_with_time_zone_null(Lead::ErasedAt))
                    // Inactivity decay applied up to here (see marketing::decay).
                    .col(timestamp_with_time_zone_null(Lead::ScoreDecayedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Lead::Table, Lead::CampaignId)
                            .to(Campaign::Table, Campaign::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Lead::Table, Lead::FirstCampaignId)
                            .to(Campaign::Table, Campaign::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Lead::Table, Lead::CampaignVariantId)
                            .to(CampaignVariant::Table, CampaignVariant::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_lead_stage", vec![Lead::Stage, Lead::Id]),
            ("idx_lead_score", vec![Lead::Score, Lead::Id]),
            ("idx_lead_source", vec![Lead::Source, Lead::Id]),
            ("idx_lead_created", vec![Lead::CreatedAt, Lead::Id]),
            (
                "idx_lead_last_activity",
                vec![Lead::LastActivityAt, Lead::Id],
            ),
            ("idx_lead_campaign", vec![Lead::CampaignId, Lead::Id]),
            ("idx_lead_customer", vec![Lead::CustomerUserId]),
            // Inactivity decay candidates.
            ("idx_lead_decay", vec![Lead::Score, Lead::LastActivityAt]),
        ] {
            manager
                .create_index(index(name, Lead::Table, &cols))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(LeadActivity::Table)
                    .col(big_pk_auto(LeadActivity::Id))
                    .col(integer(LeadActivity::LeadId))
                    .col(string_len(LeadActivity::Kind, 64))
                    .col(integer(LeadActivity::Points).default(0))
                    .col(string_len(LeadActivity::Source, 32))
                    .col(text_null(LeadActivity::Url))
                    .col(text_null(LeadActivity::Message))
                    .col(integer_null(LeadActivity::CampaignId))
                    .col(integer_null(LeadActivity::CampaignVariantId))
                    // True on the capture that created the lead (counted as a campaign lead).
                    .col(boolean(LeadActivity::IsNewLead).default(false))
                    .col(json_binary(LeadActivity::Data))
                    .col(timestamp_with_time_zone(LeadActivity::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeadActivity::Table, LeadActivity::LeadId)
                            .to(Lead::Table, Lead::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_lead_activity_lead",
                LeadActivity::Table,
                &[LeadActivity::LeadId, LeadActivity::Id],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_lead_activity_campaign",
                LeadActivity::Table,
                &[LeadActivity::CampaignId, LeadActivity::CreatedAt],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadScoringRule::Table)
                    .col(pk_auto(LeadScoringRule::Id))
                    .col(string(LeadScoringRule::Name))
                    .col(string_len(LeadScoringRule::Event, 64))
                    .col(string_null(LeadScoringRule::UrlContains))
                    .col(integer(LeadScoringRule::Points))
                    .col(boolean(LeadScoringRule::IsActive))
                    .col(timestamp_with_time_zone(LeadScoringRule::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LeadScoringSettings::Table)
                    .col(pk_auto(LeadScoringSettings::Id))
                    .col(integer(LeadScoringSettings::MqlThreshold))
                    .col(integer(LeadScoringSettings::SqlThreshold))
                    .to_owned(),
            )
            .await?;
        // Defaults: the example rules and thresholds; editable through the API.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(LeadScoringSettings::Table)
                    .columns([
                        LeadScoringSettings::Id,
                        LeadScoringSettings::MqlThreshold,
                        LeadScoringSettings::SqlThreshold,
                    ])
                    .values_panic([1.into(), 50.into(), 100.into()])
                    .to_owned(),
            )
            .await?;
        let mut rules = Query::insert();
        rules.into_table(LeadScoringRule::Table).columns([
            LeadScoringRule::Name,
            LeadScoringRule::Event,
            LeadScoringRule::UrlContains,
            LeadScoringRule::Points,
            LeadScoringRule::IsActive,
            LeadScoringRule::CreatedAt,
        ]);
        let now = Expr::current_timestamp();
        for (name, event, url, points) in [
            ("Captured via form", "form_submitted", None, 5),
            ("Opened email", "email_opened", None, 1),
            ("Clicked email", "email_clicked", None, 3),
            ("Visited pricing page", "page_view", Some("/pricing"), 10),
            ("Placed order", "order_placed", None, 50),
            // Applied once per full week without activity (never below a score of 0).
            ("Inactive for a week", "inactive_week", None, -5),
        ] {
            rules.values_panic([
                name.into(),
                event.into(),
                url.map(str::to_owned).into(),
                points.into(),
                true.into(),
                now.clone(),
            ]);
        }
        manager.exec_stmt(rules.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(CampaignMetricReport::Table)
                    .col(pk_auto(CampaignMetricReport::Id))
                    .col(integer(CampaignMetricReport::CampaignId))
                    // 0 = the campaign as a whole (not NULL, so the unique key holds).
                    .col(integer(CampaignMetricReport::VariantId))
                    .col(date(CampaignMetricReport::Day))
                    .col(string_len(CampaignMetricReport::Source, 64))
                    .col(big_integer(CampaignMetricReport::Impressions))
                    .col(big_integer(CampaignMetricReport::Clicks))
                    // Decimal text in the campaign's currency, never a float.
                    .col(string(CampaignMetricReport::Spend))
                    .col(timestamp_with_time_zone(CampaignMetricReport::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                CampaignMetricReport::Table,
                                CampaignMetricReport::CampaignId,
                            )
                            .to(Campaign::Table, Campaign::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "uq_campaign_metric_report",
                    CampaignMetricReport::Table,
                    &[
                        CampaignMetricReport::CampaignId,
                        CampaignMetricReport::VariantId,
                        CampaignMetricReport::Day,
                        CampaignMetricReport::Source,
                    ],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        // Checkout/order attribution: a `first` and a `last` touch row per checkout (set by
        // `checkoutAttributionSet`), given the order id at completion together with copies
        // of the order's channel, currency, total and time so campaign revenue aggregates
        // without joining orders. Campaign/variant/lead ids are stored as given (no FK) and
        // checked at completion; unknown ones are dropped there with a warning.
        manager
            .create_table(
                Table::create()
                    .table(MarketingAttribution::Table)
                    .col(big_pk_auto(MarketingAttribution::Id))
                    .col(string_null(MarketingAttribution::CheckoutToken))
                    .col(string_null(MarketingAttribution::OrderId))
                    .col(integer_null(MarketingAttribution::LeadId))
                    .col(integer_null(MarketingAttribution::CampaignId))
                    .col(integer_null(MarketingAttribution::CampaignVariantId))
                    .col(string_null(MarketingAttribution::VisitorId))
                    .col(string_len(MarketingAttribution::Touch, 16))
                    .col(string_null(MarketingAttribution::UtmSource))
                    .col(string_null(MarketingAttribution::UtmMedium))
                    .col(string_null(MarketingAttribution::UtmCampaign))
                    .col(string_null(MarketingAttribution::UtmTerm))
                    .col(string_null(MarketingAttribution::UtmContent))
                    .col(integer_null(MarketingAttribution::ChannelId))
                    .col(string_len_null(MarketingAttribution::Currency, 3))
                    .col(big_integer_null(MarketingAttribution::OrderTotal))
                    .col(timestamp_with_time_zone_null(
                        MarketingAttribution::OrderedAt,
                    ))
                    // True when this order turned the lead into a customer.
                    .col(boolean(MarketingAttribution::LeadConverted).default(false))
                    .col(timestamp_with_time_zone(MarketingAttribution::CreatedAt))
                    .col(timestamp_with_time_zone(MarketingAttribution::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use MarketingAttribution as A;
        for (name, cols, unique) in [
            (
                "uq_attribution_checkout_touch",
                vec![A::CheckoutToken, A::Touch],
                true,
            ),
            ("idx_attribution_order", vec![A::OrderId], false),
            // Campaign metrics per day/variant, and revenue by campaign over a period.
            (
                "idx_attribution_campaign",
                vec![A::CampaignId, A::Touch, A::OrderedAt],
                false,
            ),
            (
                "idx_attribution_touch_ordered",
                vec![
                    A::Touch,
                    A::OrderedAt,
                    A::CampaignId,
                    A::Currency,
                    A::OrderTotal,
                ],
                false,
            ),
        ] {
            let mut idx = index(name, A::Table, &cols);
            if unique {
                idx.unique();
            }
            manager.create_index(idx).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MarketingAttribution::Table.into_iden(),
            CampaignMetricReport::Table.into_iden(),
            LeadScoringSettings::Table.into_iden(),
            LeadScoringRule::Table.into_iden(),
            LeadActivity::Table.into_iden(),
            Lead::Table.into_iden(),
            CampaignVariant::Table.into_iden(),
            Campaign::Table.into_iden(),
            MarketingSegment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum MarketingSegment {
    Table,
    Id,
    Name,
    Description,
    Filter,
    CreatedAt,
    UpdatedAt,
}

#[allow(clippy::enum_variant_names)] // column names, not a naming choice
#[derive(DeriveIden, Clone, Copy)]
enum Campaign {
    Table,
    Id,
    Name,
    ChannelType,
    Status,
    StartsAt,
    EndsAt,
    BudgetAmount,
    BudgetCurrency,
    TargetSegmentId,
    UtmCampaign,
    LandingUrl,
    WinnerCriterion,
    Metadata,
    PrivateMetadata,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CampaignVariant {
    Table,
    Id,
    CampaignId,
    Name,
    Weight,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Lead {
    Table,
    Id,
    Email,
    FirstName,
    LastName,
    Phone,
    Company,
    Source,
    LandingPage,
    Referrer,
    FirstUtmSource,
    FirstUtmMedium,
    FirstUtmCampaign,
    FirstUtmTerm,
    FirstUtmContent,
    LastUtmSource,
    LastUtmMedium,
    LastUtmCampaign,
    LastUtmTerm,
    LastUtmContent,
    FirstCampaignId,
    CampaignId,
    CampaignVariantId,
    Stage,
    Score,
    ConsentEmail,
    ConsentEmailAt,
    ConsentEmailSource,
    ConsentSms,
    ConsentSmsAt,
    ConsentSmsSource,
    ConsentPhone,
    ConsentPhoneAt,
    ConsentPhoneSource,
    CustomerUserId,
    Metadata,
    PrivateMetadata,
    CreatedAt,
    UpdatedAt,
    LastActivityAt,
    ErasedAt,
    ScoreDecayedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LeadActivity {
    Table,
    Id,
    LeadId,
    Kind,
    Points,
    Source,
    Url,
    Message,
    CampaignId,
    CampaignVariantId,
    IsNewLead,
    Data,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LeadScoringRule {
    Table,
    Id,
    Name,
    Event,
    UrlContains,
    Points,
    IsActive,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum LeadScoringSettings {
    Table,
    Id,
    MqlThreshold,
    SqlThreshold,
}

#[derive(DeriveIden, Clone, Copy)]
enum CampaignMetricReport {
    Table,
    Id,
    CampaignId,
    VariantId,
    Day,
    Source,
    Impressions,
    Clicks,
    Spend,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum MarketingAttribution {
    Table,
    Id,
    CheckoutToken,
    OrderId,
    LeadId,
    CampaignId,
    CampaignVariantId,
    VisitorId,
    Touch,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmTerm,
    UtmContent,
    ChannelId,
    Currency,
    OrderTotal,
    OrderedAt,
    LeadConverted,
    CreatedAt,
    UpdatedAt,
}
