//! Shipping zones and methods: which methods can deliver a checkout, at which flat price.

pub mod api;

use entities::{
    channel, shipping_method, shipping_method_channel_listing as listing, shipping_zone,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;

/// A shipping method with its listing in one channel.
#[derive(Clone, Debug)]
pub struct ShippingOption {
    pub method: shipping_method::Model,
    pub listing: listing::Model,
}

/// What decides whether a method applies: destination, order value and weight.
#[derive(Clone, Debug)]
pub struct Shipment<'a> {
    pub channel_id: i32,
    pub country: &'a str,
    /// Subtotal in minor units of the channel currency.
    pub subtotal: i64,
    pub weight_grams: i64,
}

impl ShippingOption {
    /// Whether this option can deliver `s` (zone covers the country, value and weight
    /// within the method's limits).
    pub fn applies(&self, zone: &shipping_zone::Model, s: &Shipment<'_>) -> bool {
        let covers = zone
            .countries
            .split(',')
            .any(|c| c.trim().eq_ignore_ascii_case(s.country));
        let value_ok = self
            .listing
            .minimum_order_amount
            .is_none_or(|m| s.subtotal >= m)
            && self
                .listing
                .maximum_order_amount
                .is_none_or(|m| s.subtotal <= m);
        let weight_ok = self
            .method
            .minimum_order_weight_grams
            .is_none_or(|m| s.weight_grams >= i64::from(m))
            && self
                .method
                .maximum_order_weight_grams
                .is_none_or(|m| s.weight_grams <= i64::from(m));
        covers && value_ok && weight_ok && self.listing.channel_id == s.channel_id
    }
}

/// Methods listed in `s.channel_id` that can deliver `s`, cheapest first.
pub async fn options_for<C: ConnectionTrait>(
    conn: &C,
    s: &Shipment<'_>,
) -> Result<Vec<ShippingOption>, DbErr> {
    let listings = listing::Entity::find()
        .filter(listing::Column::ChannelId.eq(s.channel_id))
        .all(conn)
        .await?;
    let methods = shipping_method::Entity::find()
        .filter(shipping_method::Column::Id.is_in(listings.iter().map(|l| l.method_id)))
        .all(conn)
        .await?;
    let zones = shipping_zone::Entity::find()
        .filter(shipping_zone::Column::Id.is_in(methods.iter().map(|m| m.zone_id)))
        .all(conn)
        .await?;
    let mut out: Vec<ShippingOption> = listings
        .into_iter()
        .filter_map(|l| {
            let method = methods.iter().find(|m| m.id == l.method_id)?.clone();
            let zone = zones.iter().find(|z| z.id == method.zone_id)?;
            let option = ShippingOption { method, listing: l };
            option.applies(zone, s).then_some(option)
        })
        .collect();
    out.sort_by_key(|o| (o.listing.price_amount, o.method.id));
    Ok(out)
}

/// Methods listed in `channel_id` whose zone covers `country` (any zone when `None`),
/// whatever the order's value and weight: Saleor's `Shop.availableShippingMethods`.
pub async fn listed_in<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
    country: Option<&str>,
) -> Result<Vec<ShippingOption>, DbErr> {
    let listings = listing::Entity::find()
        .filter(listing::Column::ChannelId.eq(channel_id))
        .all(conn)
        .await?;
    let methods = shipping_method::Entity::find()
        .filter(shipping_method::Column::Id.is_in(listings.iter().map(|l| l.method_id)))
        .order_by_asc(shipping_method::Column::Id)
        .all(conn)
        .await?;
    let zones = shipping_zone::Entity::find()
        .filter(shipping_zone::Column::Id.is_in(methods.iter().map(|m| m.zone_id)))
        .all(conn)
        .await?;
    Ok(methods
        .into_iter()
        .filter(|m| {
            zones.iter().any(|z| {
                z.id == m.zone_id
                    && country.is_none_or(|c| {
                        z.countries
                            .split(',')
                            .any(|zc| zc.trim().eq_ignore_ascii_case(c))
                    })
            })
        })
        .filter_map(|method| {
            let listing = listings.iter().find(|l| l.method_id == method.id)?.clone();
            Some(ShippingOption { method, listing })
        })
        .collect())
}

/// Method `method_id` with its listing in `channel_id`, if listed there.
pub async fn option<C: ConnectionTrait>(
    conn: &C,
    method_id: i32,
    channel_id: i32,
) -> Result<Option<ShippingOption>, DbErr> {
    let Some(method) = shipping_method::Entity::find_by_id(method_id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(listing::Entity::find()
        .filter(listing::Column::MethodId.eq(method_id))
        .filter(listing::Column::ChannelId.eq(channel_id))
        .one(conn)
        .await?
        .map(|listing| ShippingOption { method, listing }))
}

/// Demo shipping zones (Americas: US, CA; Europe: GB, DE, FR, PL; Asia: IN), each with a
/// "Standard" and an "Express" method listed in every channel. Does nothing when zones
/// exist. Returns whether it created them.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if shipping_zone::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let channels = channel::Entity::find()
        .order_by_asc(channel::Column::Id)
        .all(db)
        .await?;
    let txn = db.begin().await?;
    for (zone, countries) in [
        ("Americas", "US,CA"),
        ("Europe", "GB,DE,FR,PL"),
        ("Asia", "IN"),
    ] {
        let z = shipping_zone::ActiveModel {
            name: Set(zone.to_owned()),
            countries: Set(countries.to_owned()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        // (name, min days, max days, price in USD cents).
        for (name, min_days, max_days, usd) in
            [("Standard", 3, 5, 500_i64), ("Express", 1, 2, 1500)]
        {
            let m = shipping_method::ActiveModel {
                zone_id: Set(z.id),
                name: Set(name.to_owned()),
                kind: Set("PRICE".to_owned()),
                minimum_delivery_days: Set(Some(min_days)),
                maximum_delivery_days: Set(Some(max_days)),
                minimum_order_weight_grams: Set(None),
                maximum_order_weight_grams: Set(None),
                metadata: Set(json!({})),
                private_metadata: Set(json!({})),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            for ch in &channels {
                let price = if ch.currency_code == "EUR" {
                    usd * 9 / 10
                } else {
                    usd
                };
                listing::ActiveModel {
                    method_id: Set(m.id),
                    channel_id: Set(ch.id),
                    currency: Set(ch.currency_code.clone()),
                    price_amount: Set(price),
                    minimum_order_amount: Set(None),
                    maximum_order_amount: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    txn.commit().await?;
    Ok(true)
}
