//! GraphQL: `checkoutAttributionSet`, and the `MarketingAttribution` shown as
//! `Checkout.attribution` and `Order.attribution`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::marketing_attribution;

use super::leads::{UtmInput, UtmParameters, opt_pk, utm};
use crate::checkout::api::{CheckoutErrorNode, CheckoutNode, checkout_token};
use crate::checkout::error::CheckoutErrorCode;
use crate::core::{context::RequestCtx, id};
use crate::marketing::{
    Code, MarketingError,
    attribution::{AttributionInput, Touch, Touches},
};
use crate::state::AppState;

/// Which touch attributes orders to campaigns.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(name = "AttributionTouchEnum")]
pub enum AttributionTouchEnum {
    /// The first campaign that reached the customer (the lead's first campaign, else the
    /// checkout's first attribution).
    FirstTouch,
    /// The last campaign before the order (the checkout's latest attribution, else the
    /// lead's last campaign).
    #[default]
    LastTouch,
}

impl From<AttributionTouchEnum> for Touch {
    fn from(t: AttributionTouchEnum) -> Self {
        match t {
            AttributionTouchEnum::FirstTouch => Touch::First,
            AttributionTouchEnum::LastTouch => Touch::Last,
        }
    }
}

/// One touch: where a visitor came from.
#[derive(Clone)]
pub struct MarketingTouch(marketing_attribution::Model);

#[Object]
impl MarketingTouch {
    /// Campaign ID as given (on a checkout) or as resolved at completion (on an order).
    async fn campaign_id(&self) -> Option<ID> {
        self.0.campaign_id.map(|pk| id::encode("Campaign", pk))
    }
    /// Campaign variant ID.
    async fn variant_id(&self) -> Option<ID> {
        self.0
            .campaign_variant_id
            .map(|pk| id::encode("CampaignVariant", pk))
    }
    /// Lead ID as given, or (on an order) the lead the order converted or belongs to.
    async fn lead_id(&self) -> Option<ID> {
        self.0.lead_id.map(|pk| id::encode("Lead", pk))
    }
    /// The storefront's visitor id (as used for `campaignVariantAssign`).
    async fn visitor_id(&self) -> Option<&str> {
        self.0.visitor_id.as_deref()
    }
    /// UTM parameters of the visit.
    async fn utm(&self) -> Option<UtmParameters> {
        let m = &self.0;
        utm(
            &m.utm_source,
            &m.utm_medium,
            &m.utm_campaign,
            &m.utm_term,
            &m.utm_content,
        )
    }
    /// Whether this order turned its lead into a customer (always false on checkouts).
    async fn lead_converted(&self) -> bool {
        self.0.lead_converted
    }
    /// When the touch was recorded.
    async fn created(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the touch last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Attribution of a checkout or order: first and last touch.
#[derive(SimpleObject, Clone)]
pub struct MarketingAttribution {
    pub first_touch: Option<MarketingTouch>,
    pub last_touch: Option<MarketingTouch>,
}

impl MarketingAttribution {
    fn from_touches(t: Touches) -> Option<Self> {
        (t.first.is_some() || t.last.is_some()).then(|| Self {
            first_touch: t.first.map(MarketingTouch),
            last_touch: t.last.map(MarketingTouch),
        })
    }
}

/// `Checkout.attribution`.
pub async fn checkout_attribution(
    ctx: &Context<'_>,
    token: &str,
) -> Result<Option<MarketingAttribution>> {
    let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
    let t = state
        .marketing
        .checkout_touches(token)
        .await
        .map_err(|e| super::query_error(req, e))?;
    Ok(MarketingAttribution::from_touches(t))
}

/// `Order.attribution`.
pub async fn order_attribution(
    ctx: &Context<'_>,
    order_id: &str,
) -> Result<Option<MarketingAttribution>> {
    let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
    let t = state
        .marketing
        .order_touches(order_id)
        .await
        .map_err(|e| super::query_error(req, e))?;
    Ok(MarketingAttribution::from_touches(t))
}

/// Where the visitor behind a checkout came from.
#[derive(InputObject, Clone, Debug, Default)]
pub struct CheckoutAttributionInput {
    /// UTM parameters of the visit. Without `campaign`, `utm.campaign` is matched against
    /// the campaigns' UTM keys at completion.
    pub utm: Option<UtmInput>,
    /// Campaign to attribute the order to. Unknown campaigns never block the checkout: the
    /// attribution is dropped at completion with a warning in the order's metadata.
    pub campaign: Option<ID>,
    /// Campaign variant shown to the visitor (from `campaignVariantAssign`).
    pub campaign_variant: Option<ID>,
    /// The storefront's visitor id.
    pub visitor_id: Option<String>,
    /// The lead (e.g. from `leadCapture`); otherwise the lead with the order's email.
    pub lead: Option<ID>,
}

/// Sets the marketing attribution of a checkout.
#[derive(SimpleObject, Clone)]
pub struct CheckoutAttributionSet {
    pub checkout: Option<CheckoutNode>,
    pub attribution: Option<MarketingAttribution>,
    pub errors: Vec<CheckoutErrorNode>,
}

fn checkout_error(req: &RequestCtx, e: MarketingError) -> Result<CheckoutErrorNode> {
    match e {
        MarketingError::Field {
            field,
            code,
            message,
        } => Ok(CheckoutErrorNode {
            field,
            message: Some(message),
            code: match code {
                Code::NotFound => CheckoutErrorCode::NotFound,
                Code::Required => CheckoutErrorCode::Required,
                _ => CheckoutErrorCode::Invalid,
            },
            variants: None,
            lines: None,
            address_type: None,
        }),
        MarketingError::Db(e) => Err(req.internal(e)),
    }
}

/// Attribution mutations.
#[derive(Default)]
pub struct AttributionMutation;

#[Object]
impl AttributionMutation {
    /// Records where the visitor behind a checkout came from (UTM parameters, campaign,
    /// variant, visitor and lead). The first call is the checkout's first touch; every call
    /// replaces its last touch. Copied to the order by `checkoutComplete`. Public, like the
    /// other checkout mutations by checkout ID.
    async fn checkout_attribution_set(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CheckoutAttributionInput,
    ) -> Result<Option<CheckoutAttributionSet>> {
        let (req, state) = (ctx.data::<RequestCtx>()?, ctx.data::<AppState>()?);
        let token = checkout_token(Some(&id), None, None)?.to_string();
        let domain = AttributionInput {
            utm: input.utm.map(Into::into).unwrap_or_default(),
            campaign_id: opt_pk(input.campaign.as_ref(), "Campaign")?,
            variant_id: opt_pk(input.campaign_variant.as_ref(), "CampaignVariant")?,
            visitor_id: input.visitor_id,
            lead_id: opt_pk(input.lead.as_ref(), "Lead")?,
        };
        let result = state
            .marketing
            .set_checkout_attribution(&token, domain)
            .await;
        Ok(Some(match result {
            Ok((c, touches)) => CheckoutAttributionSet {
                checkout: Some(CheckoutNode::new(c)),
                attribution: MarketingAttribution::from_touches(touches),
                errors: Vec::new(),
            },
            Err(e) => CheckoutAttributionSet {
                checkout: None,
                attribution: None,
                errors: vec![checkout_error(req, e)?],
            },
        }))
    }
}
