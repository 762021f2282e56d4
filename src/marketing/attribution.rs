//! Attribution of checkouts and orders to leads, campaigns and A/B variants.
//!
//! `checkoutAttributionSet` stores two touch rows per checkout in `marketing_attribution`:
//! `first` (written once, by the first call) and `last` (replaced by every call). Campaign,
//! variant and lead ids are stored as given and checked when the checkout completes:
//! [`on_order_placed`] runs inside the completion transaction, resolves the touches
//! (an unknown campaign or variant is dropped and a warning lands in the order's metadata
//! under [`WARNING_KEY`]; the order is placed regardless), gives the rows the order's id,
//! channel, currency, total and time, and converts the lead (the attributed one, else the
//! one with the order's email): linked to the customer account, `order_placed` on the
//! timeline (scored), stage `CUSTOMER` (forward-only), `LEAD_STAGE_CHANGED` +
//! `LEAD_CONVERTED` events.
//!
//! First touch of an order: the lead's first campaign when the lead has one (it predates the
//! checkout), else the checkout's first touch. Last touch: the checkout's last touch when it
//! names a campaign, else the lead's last campaign.

use chrono::Utc;
use entities::{
    campaign, campaign_variant, checkout, lead, lead_scoring_rule as rule, marketing_attribution,
    shop_order,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::{
    MarketingService, email,
    leads::{Utm, insert_activity, rescore_lead},
    scoring,
    types::{Code, MResult, MarketingError, Stage, clean},
};
use crate::events::{EventType, NewEvent, outbox};

/// Order metadata key holding the reason attribution was (partly) dropped.
pub const WARNING_KEY: &str = "bizgraph.attribution.warning";

/// Which touch attributes an order to a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Touch {
    /// The first campaign that reached the customer.
    First,
    /// The last campaign before the order (default).
    #[default]
    Last,
}

impl Touch {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Touch::First => "first",
            Touch::Last => "last",
        }
    }
}

/// Attribution given by a storefront for a checkout.
#[derive(Clone, Debug, Default)]
pub struct AttributionInput {
    pub utm: Utm,
    pub campaign_id: Option<i32>,
    pub variant_id: Option<i32>,
    pub visitor_id: Option<String>,
    pub lead_id: Option<i32>,
}

/// The first and last touch of a checkout or an order.
#[derive(Clone, Debug, Default)]
pub struct Touches {
    pub first: Option<marketing_attribution::Model>,
    pub last: Option<marketing_attribution::Model>,
}

impl Touches {
    fn from_rows(rows: Vec<marketing_attribution::Model>) -> Self {
        let mut t = Touches::default();
        for r in rows {
            match r.touch.as_str() {
                "first" => t.first = Some(r),
                _ => t.last = Some(r),
            }
        }
        t
    }
}

impl MarketingService {
    /// Sets the attribution of an open checkout: the first call
    /// records the first touch too; later calls replace the last touch.
    pub async fn set_checkout_attribution(
        &self,
        token: &str,
        input: AttributionInput,
    ) -> MResult<(checkout::Model, Touches)> {
        let utm = input.utm.cleaned()?;
        let visitor_id = clean("visitorId", input.visitor_id.as_deref(), 255)?;
        let txn = self.write_txn().await?;
        let found = checkout::Entity::find_by_id(token.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| MarketingError::not_found("id", "Checkout"))?;
        if found.order_id.is_some() {
            return Err(MarketingError::field(
                "id",
                Code::NotAllowed,
                "The checkout is already completed.",
            ));
        }
        let now = Utc::now();
        let existing = marketing_attribution::Entity::find()
            .filter(marketing_attribution::Column::CheckoutToken.eq(token))
            .all(&txn)
            .await?;
        let row = |touch: Touch| marketing_attribution::ActiveModel {
            checkout_token: Set(Some(token.to_owned())),
            order_id: Set(None),
            lead_id: Set(input.lead_id),
            campaign_id: Set(input.campaign_id),
            campaign_variant_id: Set(input.variant_id),
            visitor_id: Set(visitor_id.clone()),
            touch: Set(touch.code().to_owned()),
            utm_source: Set(utm.source.clone()),
            utm_medium: Set(utm.medium.clone()),
            utm_campaign: Set(utm.campaign.clone()),
            utm_term: Set(utm.term.clone()),
            utm_content: Set(utm.content.clone()),
            channel_id: Set(None),
            currency: Set(None),
            order_total: Set(None),
            ordered_at: Set(None),
            lead_converted: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        for touch in [Touch::First, Touch::Last] {
            match existing.iter().find(|r| r.touch == touch.code()) {
                None => {
                    row(touch).insert(&txn).await?;
                }
                Some(old) if touch == Touch::Last => {
                    let mut r = row(touch);
                    r.id = Set(old.id);
                    r.created_at = Set(old.created_at);
                    r.update(&txn).await?;
                }
                Some(_) => {}
            }
        }
        let mut c: checkout::ActiveModel = found.into();
        c.updated_at = Set(now);
        let c = c.update(&txn).await?;
        let touches = touches_of(&txn, marketing_attribution::Column::CheckoutToken, token).await?;
        txn.commit().await?;
        Ok((c, touches))
    }

    /// The attribution of a checkout.
    pub async fn checkout_touches(&self, token: &str) -> MResult<Touches> {
        Ok(touches_of(
            &self.db,
            marketing_attribution::Column::CheckoutToken,
            token,
        )
        .await?)
    }

    /// The attribution of an order.
    pub async fn order_touches(&self, order_id: &str) -> MResult<Touches> {
        Ok(touches_of(&self.db, marketing_attribution::Column::OrderId, order_id).await?)
    }
}

async fn touches_of<C: ConnectionTrait>(
    conn: &C,
    col: marketing_attribution::Column,
    key: &str,
) -> Result<Touches, DbErr> {
    let rows = marketing_attribution::Entity::find()
        .filter(col.eq(key))
        .order_by_asc(marketing_attribution::Column::Id)
        .all(conn)
        .await?;
    Ok(Touches::from_rows(rows))
}

/// A touch after checking its references.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Resolved {
    campaign_id: Option<i32>,
    variant_id: Option<i32>,
}

/// Checks a stored touch: an unknown campaign drops campaign and variant, an unknown (or
/// foreign) variant drops the variant; each drop adds a warning. Without a campaign id the
/// campaign whose UTM key equals `utm_campaign` is used (no warning when none matches).
async fn resolve_touch<C: ConnectionTrait>(
    conn: &C,
    row: &marketing_attribution::Model,
    warnings: &mut Vec<String>,
) -> Result<Resolved, DbErr> {
    let campaign = match (row.campaign_id, row.utm_campaign.as_deref()) {
        (Some(id), _) => {
            let found = campaign::Entity::find_by_id(id).one(conn).await?;
            if found.is_none() {
                let w = format!("Unknown campaign {id}: campaign attribution dropped.");
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            found
        }
        (None, Some(key)) => {
            campaign::Entity::find()
                .filter(campaign::Column::UtmCampaign.eq(key.to_lowercase()))
                .one(conn)
                .await?
        }
        (None, None) => None,
    };
    let Some(campaign) = campaign else {
        return Ok(Resolved::default());
    };
    let variant_id = match row.campaign_variant_id {
        Some(v) => {
            let found = campaign_variant::Entity::find_by_id(v)
                .one(conn)
                .await?
                .filter(|x| x.campaign_id == campaign.id);
            if found.is_none() {
                let w = format!(
                    "Unknown variant {v} of campaign {}: variant attribution dropped.",
                    campaign.id
                );
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            found.map(|x| x.id)
        }
        None => None,
    };
    Ok(Resolved {
        campaign_id: Some(campaign.id),
        variant_id,
    })
}

/// The lead an order belongs to: the attributed lead when it exists (and is not erased),
/// else the lead with the order's email. Locked for update.
async fn lead_of_order(
    txn: &DatabaseTransaction,
    order: &shop_order::Model,
    touches: &Touches,
) -> Result<Option<lead::Model>, DbErr> {
    let given = [touches.last.as_ref(), touches.first.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|t| t.lead_id);
    if let Some(id) = given
        && let Some(found) = lead::Entity::find_by_id(id)
            .lock_exclusive()
            .one(txn)
            .await?
            .filter(|l| l.erased_at.is_none())
    {
        return Ok(Some(found));
    }
    let Ok(email) = email::normalize(&order.user_email) else {
        return Ok(None);
    };
    Ok(lead::Entity::find()
        .filter(lead::Column::Email.eq(email))
        .lock_exclusive()
        .one(txn)
        .await?
        .filter(|l| l.erased_at.is_none()))
}

fn db_err(e: MarketingError) -> DbErr {
    match e {
        MarketingError::Db(e) => e,
        other => DbErr::Custom(other.to_string()),
    }
}

/// Attribution and lead conversion for a new order; called once from the checkout
/// completion transaction, after the order and its lines are inserted.
pub async fn on_order_placed(txn: &DatabaseTransaction, order_id: &str) -> Result<(), DbErr> {
    let Some(order) = shop_order::Entity::find_by_id(order_id.to_owned())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let touches = match order.checkout_token.as_deref() {
        Some(token) => touches_of(txn, marketing_attribution::Column::CheckoutToken, token).await?,
        None => Touches::default(),
    };
    let mut warnings = Vec::new();
    let mut first = match &touches.first {
        Some(t) => resolve_touch(txn, t, &mut warnings).await?,
        None => Resolved::default(),
    };
    let mut last = match &touches.last {
        Some(t) => resolve_touch(txn, t, &mut warnings).await?,
        None => Resolved::default(),
    };
    let lead = lead_of_order(txn, &order, &touches).await?;
    if let Some(l) = &lead {
        if l.first_campaign_id.is_some() {
            first = Resolved {
                campaign_id: l.first_campaign_id,
                variant_id: (l.first_campaign_id == l.campaign_id)
                    .then_some(l.campaign_variant_id)
                    .flatten(),
            };
        }
        if last.campaign_id.is_none() && l.campaign_id.is_some() {
            last = Resolved {
                campaign_id: l.campaign_id,
                variant_id: l.campaign_variant_id,
            };
        }
    }

    let now = Utc::now();
    let converted = match &lead {
        Some(l) => convert_lead(txn, l, &order, last, now).await?,
        None => false,
    };

    // The order's touch rows: the checkout's, or new ones when only the lead attributes.
    let lead_id = lead.as_ref().map(|l| l.id);
    for (touch, resolved, stored) in [
        (Touch::First, first, touches.first.as_ref()),
        (Touch::Last, last, touches.last.as_ref()),
    ] {
        let mut row: marketing_attribution::ActiveModel = match stored {
            Some(s) => s.clone().into(),
            None if resolved.campaign_id.is_some() || lead_id.is_some() => {
                marketing_attribution::ActiveModel {
                    checkout_token: Set(None),
                    touch: Set(touch.code().to_owned()),
                    visitor_id: Set(None),
                    utm_source: Set(None),
                    utm_medium: Set(None),
                    utm_campaign: Set(None),
                    utm_term: Set(None),
                    utm_content: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                }
            }
            None => continue,
        };
        row.order_id = Set(Some(order.id.clone()));
        row.lead_id = Set(lead_id);
        row.campaign_id = Set(resolved.campaign_id);
        row.campaign_variant_id = Set(resolved.variant_id);
        row.channel_id = Set(Some(order.channel_id));
        row.currency = Set(Some(order.currency.clone()));
        row.order_total = Set(Some(order.total));
        row.ordered_at = Set(Some(order.created_at));
        row.lead_converted = Set(converted);
        row.updated_at = Set(now);
        row.save(txn).await?;
    }

    if !warnings.is_empty() {
        let mut metadata = order.metadata.clone();
        if !metadata.is_object() {
            metadata = json!({});
        }
        if let Some(map) = metadata.as_object_mut() {
            map.insert(WARNING_KEY.to_owned(), json!(warnings.join(" ")));
        }
        let mut o: shop_order::ActiveModel = order.into();
        o.metadata = Set(metadata);
        o.update(txn).await?;
    }
    Ok(())
}

/// Records the order on the lead's timeline, links the customer account and moves the lead
/// to `CUSTOMER`. Returns whether this order converted the lead (it was not a customer yet).
async fn convert_lead(
    txn: &DatabaseTransaction,
    found: &lead::Model,
    order: &shop_order::Model,
    last: Resolved,
    now: chrono::DateTime<Utc>,
) -> Result<bool, DbErr> {
    let stage_before = Stage::parse(&found.stage).unwrap_or(Stage::Lead);
    let rules = rule::Entity::find().all(txn).await?;
    let points = scoring::points_for(&rules, "order_placed", None);
    insert_activity(
        txn,
        found.id,
        "order_placed",
        points,
        "order",
        None,
        Some(&format!("Placed order {}.", order.number)),
        (last.campaign_id, last.variant_id),
        false,
        json!({"orderId": order.id, "number": order.number, "total": order.total,
               "currency": order.currency}),
        now,
    )
    .await
    .map_err(db_err)?;
    let converted = stage_before != Stage::Customer;
    if converted {
        insert_activity(
            txn,
            found.id,
            "stage_changed",
            0,
            "system",
            None,
            Some(&format!("Placed order {}.", order.number)),
            (last.campaign_id, last.variant_id),
            false,
            json!({"from": stage_before.code(), "to": Stage::Customer.code()}),
            now,
        )
        .await
        .map_err(db_err)?;
    }
    let mut row: lead::ActiveModel = found.clone().into();
    if found.customer_user_id.is_none() && order.user_id.is_some() {
        row.customer_user_id = Set(order.user_id);
    }
    row.stage = Set(Stage::Customer.code().to_owned());
    row.updated_at = Set(now);
    row.last_activity_at = Set(now);
    row.update(txn).await?;
    rescore_lead(txn, found.id, Some(stage_before), &None)
        .await
        .map_err(db_err)?;
    outbox::push(txn, NewEvent::new(EventType::LeadUpdated, "Lead", found.id)).await?;
    Ok(converted)
}
