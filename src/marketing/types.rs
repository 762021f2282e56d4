//! Domain enums (stored as their codes) and the domain error.

use sea_orm::DbErr;
use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vmeta])* #[serde(rename = $code)] $variant),* }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored code.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            /// Parses a stored code.
            pub fn parse(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)* _ => None }
            }
        }
    };
}

coded_enum! {
    /// Lifecycle stage of a lead, in funnel order.
    Stage {
        Subscriber => "SUBSCRIBER",
        Lead => "LEAD",
        MarketingQualified => "MARKETING_QUALIFIED",
        SalesQualified => "SALES_QUALIFIED",
        Opportunity => "OPPORTUNITY",
        Customer => "CUSTOMER",
    }
}

coded_enum! {
    /// A campaign's status.
    CampaignStatus {
        Draft => "DRAFT",
        Scheduled => "SCHEDULED",
        Active => "ACTIVE",
        Paused => "PAUSED",
        Completed => "COMPLETED",
    }
}

coded_enum! {
    /// Where a campaign runs.
    ChannelType {
        Email => "EMAIL",
        PaidSearch => "PAID_SEARCH",
        PaidSocial => "PAID_SOCIAL",
        Display => "DISPLAY",
        Seo => "SEO",
        Affiliate => "AFFILIATE",
        Other => "OTHER",
    }
}

coded_enum! {
    /// A channel a lead can consent to be contacted on.
    ConsentChannel {
        Email => "EMAIL",
        Sms => "SMS",
        Phone => "PHONE",
    }
}

coded_enum! {
    /// What decides the winner of an A/B test.
    WinnerCriterion {
        /// Clicks per impression (from metric reports).
        ClickRate => "CLICK_RATE",
        /// New leads per click.
        LeadConversionRate => "LEAD_CONVERSION_RATE",
        /// Attributed orders per click.
        ConversionRate => "CONVERSION_RATE",
    }
}

impl CampaignStatus {
    /// Whether a campaign may move from `self` to `to`:
    /// draft → scheduled | active; scheduled → draft | active; active ⇄ paused;
    /// active | paused → completed. Completed is final.
    pub fn can_move_to(self, to: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, to),
            (Draft, Scheduled)
                | (Draft, Active)
                | (Scheduled, Draft)
                | (Scheduled, Active)
                | (Active, Paused)
                | (Paused, Active)
                | (Active, Completed)
                | (Paused, Completed)
        )
    }
}

/// Kind of a domain error; the API maps it to `LeadErrorCode` / `CampaignErrorCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// A value is malformed or out of range.
    Invalid,
    /// A required value is missing.
    Required,
    /// A referenced object does not exist.
    NotFound,
    /// A value must be unique and is taken.
    Unique,
    /// A lead stage change is not allowed.
    InvalidStageTransition,
    /// A campaign status change is not allowed.
    InvalidStatusTransition,
    /// Variant weights are invalid (negative, or summing to zero).
    InvalidVariantWeights,
    /// The operation is not possible in the object's state.
    NotAllowed,
}

/// A marketing operation failure: a field-level error for the caller, or an internal one.
#[derive(Debug, thiserror::Error)]
pub enum MarketingError {
    /// The caller's input or the object's state refuses the operation.
    #[error("{message}")]
    Field {
        /// GraphQL input field name, when the error is about one.
        field: Option<String>,
        code: Code,
        message: String,
    },
    /// A database failure (logged, shown as a generic error).
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl MarketingError {
    /// A field error.
    pub fn field(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::Field {
            field: Some(field.to_owned()),
            code,
            message: message.into(),
        }
    }

    /// An `INVALID` error on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::field(field, Code::Invalid, message)
    }

    /// A `REQUIRED` error on `field`.
    pub fn required(field: &str) -> Self {
        Self::field(field, Code::Required, "This field is required.")
    }

    /// A `NOT_FOUND` error on `field`.
    pub fn not_found(field: &str, what: &str) -> Self {
        Self::field(field, Code::NotFound, format!("{what} not found."))
    }
}

/// Result of a marketing operation.
pub type MResult<T> = Result<T, MarketingError>;

/// Trims `value`; blank becomes `None`. Fails when longer than `max` characters.
pub fn clean(field: &str, value: Option<&str>, max: usize) -> MResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(MarketingError::invalid(
            field,
            format!("Ensure this value has at most {max} characters."),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(MarketingError::invalid(
            field,
            "Control characters are not allowed.",
        ));
    }
    Ok(Some(v.to_owned()))
}

/// Validates an absolute http(s) URL (used for landing pages, referrers, tracked URLs).
pub fn clean_url(field: &str, value: Option<&str>) -> MResult<Option<String>> {
    let url = clean(field, value, 2048)?;
    if let Some(u) = &url {
        let lower = u.to_ascii_lowercase();
        let rest = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.contains(' ')) {
            return Err(MarketingError::invalid(field, "Enter a valid http(s) URL."));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_transitions() {
        use CampaignStatus::*;
        assert!(Draft.can_move_to(Scheduled));
        assert!(Scheduled.can_move_to(Active));
        assert!(Active.can_move_to(Paused) && Paused.can_move_to(Active));
        assert!(Paused.can_move_to(Completed));
        assert!(!Draft.can_move_to(Paused));
        assert!(!Completed.can_move_to(Active));
        assert!(!Active.can_move_to(Draft));
        assert!(!Active.can_move_to(Active));
    }

    #[test]
    fn codes_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.code()), Some(*s));
        }
        assert!(Stage::Lead < Stage::MarketingQualified);
        assert_eq!(Stage::parse("nope"), None);
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("f", Some("  "), 5).ok(), Some(None));
        assert!(clean("f", Some("abcdef"), 5).is_err());
        assert!(clean("f", Some("a\u{0}b"), 5).is_err());
        assert!(clean_url("u", Some("https://example.com/x")).is_ok());
        assert!(clean_url("u", Some("javascript:alert(1)")).is_err());
        assert!(clean_url("u", Some("https://")).is_err());
    }
}
