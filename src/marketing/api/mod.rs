//! GraphQL for marketing: types, inputs and thin resolvers over [`MarketingService`].
//!
//! Names never clash with Saleor's: `Lead*`, `Campaign*`, `MarketingSegment`,
//! `MarketingStats`. Staff fields require `MANAGE_LEADS` (leads, segments, scoring, stats)
//! or `MANAGE_CAMPAIGNS` (campaigns); `leadCapture` and `campaignVariantAssign` are public.
//!
//! [`MarketingService`]: super::MarketingService

pub mod attribution;
pub mod campaigns;
pub mod events;
pub mod leads;
pub mod loaders;
pub mod sales;
pub mod segments;
pub mod stats;

use async_graphql::{Enum, MergedObject, SimpleObject};

use super::types::{
    CampaignStatus, ChannelType, Code, ConsentChannel, MarketingError, Stage, WinnerCriterion,
};
use crate::core::context::RequestCtx;

/// Declares a GraphQL enum mirroring a domain enum, with conversions both ways.
macro_rules! mirror_enum {
    ($(#[$meta:meta])* $gql:ident as $name:literal <=> $dom:ident { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        #[graphql(name = $name)]
        pub enum $gql { $($(#[$vmeta])* $variant),* }

        impl From<$gql> for $dom {
            fn from(v: $gql) -> Self {
                match v { $($gql::$variant => $dom::$variant),* }
            }
        }

        impl From<$dom> for $gql {
            fn from(v: $dom) -> Self {
                match v { $($dom::$variant => $gql::$variant),* }
            }
        }
    };
}

mirror_enum! {
    /// Lifecycle stage of a lead, in funnel order.
    LeadStageEnum as "LeadStageEnum" <=> Stage {
        /// Opted in to hear from us (e.g. a newsletter sign-up).
        Subscriber,
        /// Gave us their details through a form.
        Lead,
        /// Engaged enough to hand to marketing (score reached the MQL threshold).
        MarketingQualified,
        /// Ready for sales (score reached the SQL threshold, or set by staff).
        SalesQualified,
        /// A deal in progress.
        Opportunity,
        /// Bought or registered as a customer.
        Customer,
    }
}

mirror_enum! {
    /// Status of a campaign.
    CampaignStatusEnum as "CampaignStatusEnum" <=> CampaignStatus {
        Draft,
        Scheduled,
        Active,
        Paused,
        Completed,
    }
}

mirror_enum! {
    /// Where a campaign runs.
    CampaignChannelTypeEnum as "CampaignChannelTypeEnum" <=> ChannelType {
        Email,
        PaidSearch,
        PaidSocial,
        Display,
        Seo,
        Affiliate,
        Other,
    }
}

mirror_enum! {
    /// A channel a lead can consent to be contacted on.
    LeadConsentChannelEnum as "LeadConsentChannelEnum" <=> ConsentChannel {
        Email,
        Sms,
        Phone,
    }
}

mirror_enum! {
    /// What decides the winner of a campaign's A/B test.
    CampaignWinnerCriterionEnum as "CampaignWinnerCriterionEnum" <=> WinnerCriterion {
        /// Clicks per impression, from metric reports.
        ClickRate,
        /// New leads per click.
        LeadConversionRate,
        /// Attributed orders (real conversions) per click.
        ConversionRate,
    }
}

/// Error codes of lead, segment and scoring mutations.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum LeadErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    InvalidStageTransition,
    NotAllowed,
    /// Too many captures from this client; try again later.
    RateLimited,
}

/// Error codes of campaign mutations.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CampaignErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    InvalidStatusTransition,
    InvalidVariantWeights,
    NotAllowed,
}

impl From<Code> for LeadErrorCode {
    fn from(code: Code) -> Self {
        match code {
            Code::Invalid | Code::InvalidVariantWeights => Self::Invalid,
            Code::Required => Self::Required,
            Code::NotFound => Self::NotFound,
            Code::Unique => Self::Unique,
            Code::InvalidStageTransition | Code::InvalidStatusTransition => {
                Self::InvalidStageTransition
            }
            Code::NotAllowed => Self::NotAllowed,
        }
    }
}

impl From<Code> for CampaignErrorCode {
    fn from(code: Code) -> Self {
        match code {
            Code::Invalid | Code::InvalidStageTransition => Self::Invalid,
            Code::Required => Self::Required,
            Code::NotFound => Self::NotFound,
            Code::Unique => Self::Unique,
            Code::InvalidStatusTransition => Self::InvalidStatusTransition,
            Code::InvalidVariantWeights => Self::InvalidVariantWeights,
            Code::NotAllowed => Self::NotAllowed,
        }
    }
}

/// An error of a lead, segment or scoring mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct LeadError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: LeadErrorCode,
}

/// An error of a campaign mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct CampaignError {
    /// Name of a field that caused the error. A value of `null` indicates that the error
    /// isn't associated with a particular field.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: CampaignErrorCode,
}

/// Turns a service failure into mutation errors of type `E`; internal failures become a
/// logged top-level error.
pub(crate) fn field_errors<E>(
    req: &RequestCtx,
    err: MarketingError,
) -> async_graphql::Result<Vec<E>>
where
    E: FromField,
{
    match err {
        MarketingError::Field {
            field,
            code,
            message,
        } => Ok(vec![E::from_field(field, code, message)]),
        MarketingError::Db(e) => Err(req.internal(e)),
    }
}

/// Builds a mutation error object from a field error.
pub(crate) trait FromField {
    fn from_field(field: Option<String>, code: Code, message: String) -> Self;
}

impl FromField for LeadError {
    fn from_field(field: Option<String>, code: Code, message: String) -> Self {
        Self {
            field,
            message: Some(message),
            code: code.into(),
        }
    }
}

impl FromField for CampaignError {
    fn from_field(field: Option<String>, code: Code, message: String) -> Self {
        Self {
            field,
            message: Some(message),
            code: code.into(),
        }
    }
}

/// Maps a service failure in a query to a top-level error.
pub(crate) fn query_error(req: &RequestCtx, err: MarketingError) -> async_graphql::Error {
    use crate::core::error::{ErrorCode, error};
    match err {
        MarketingError::Field {
            code: Code::NotFound,
            message,
            ..
        } => error(ErrorCode::NotFound, message),
        MarketingError::Field { message, .. } => error(ErrorCode::InvalidInput, message),
        MarketingError::Db(e) => req.internal(e),
    }
}

/// Marketing queries.
#[derive(MergedObject, Default)]
pub struct MarketingQuery(
    leads::LeadQuery,
    segments::SegmentQuery,
    campaigns::CampaignQuery,
    stats::StatsQuery,
    sales::SalesQueryRoot,
);

/// Marketing mutations.
#[derive(MergedObject, Default)]
pub struct MarketingMutation(
    leads::LeadMutation,
    segments::SegmentMutation,
    campaigns::CampaignMutation,
    attribution::AttributionMutation,
);
