//! End-to-end tests of catalogue promotions: the staff API (MANAGE_DISCOUNTS) with
//! Saleor's validation errors, discounted catalog pricing in both channels (list and
//! detail), a promotion that starts later, and a discounted checkout whose totals, taxes and
//! order-line snapshot are checked to the cent. Expected figures come from the stored
//! undiscounted prices, computed here independently.

#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, data, error_code};
use base64::Engine;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";

fn gid(t: &str, pk: impl std::fmt::Display) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{t}:{pk}"))
}

fn cents(v: &Value) -> i64 {
    (v["amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// `num / den` rounded half up (non-negative amounts).
fn div_round(num: i64, den: i64) -> i64 {
    (2 * num + den) / (2 * den)
}

async fn staff(s: &TestServer, token: &str, q: &str, vars: Value) -> Value {
    let body = s.gql_as(token, q, vars).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    data(&body).clone()
}

async fn product_id(s: &TestServer, slug: &str) -> i32 {
    entities::product::Entity::find()
        .filter(entities::product::Column::Slug.eq(slug))
        .one(&s.state.db.conn)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn channel_id(s: &TestServer, slug: &str) -> i32 {
    entities::channel::Entity::find()
        .filter(entities::channel::Column::Slug.eq(slug))
        .one(&s.state.db.conn)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// `(variant pk, undiscounted price in minor units)` of `slug` in `channel`, from the table.
async fn stored_prices(s: &TestServer, slug: &str, channel: &str) -> Vec<(i32, i64)> {
    let pid = product_id(s, slug).await;
    let ch = channel_id(s, channel).await;
    let variants: Vec<i32> = entities::product_variant::Entity::find()
        .filter(entities::product_variant::Column::ProductId.eq(pid))
        .all(&s.state.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    let mut out: Vec<(i32, i64)> = entities::variant_channel_listing::Entity::find()
        .filter(entities::variant_channel_listing::Column::VariantId.is_in(variants))
        .filter(entities::variant_channel_listing::Column::ChannelId.eq(ch))
        .all(&s.state.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.variant_id, l.price_amount.unwrap()))
        .collect();
    out.sort();
    out
}

/// A product's detail pricing: `(variant pk, price gross, undiscounted gross, onSale)` per
/// variant, plus the product's pricing object.
async fn detail(s: &TestServer, slug: &str, channel: &str) -> (Vec<(i32, i64, i64, bool)>, Value) {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) {
        pricing { onSale discount { gross { amount } }
          priceRange { start { gross { amount } } stop { gross { amount } } }
          priceRangeUndiscounted { start { gross { amount } } stop { gross { amount } } } }
        variants { id pricing { onSale discount { gross { amount } }
          price { gross { amount } net { amount } } priceUndiscounted { gross { amount } } } } } }";
    let d = data(&s.gql(q, json!({"slug": slug, "channel": channel})).await).clone();
    let mut variants: Vec<(i32, i64, i64, bool)> = d["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(v["id"].as_str().unwrap())
                .unwrap();
            let pk = String::from_utf8(raw).unwrap()[15..].parse().unwrap();
            (
                pk,
                cents(&v["pricing"]["price"]["gross"]),
                cents(&v["pricing"]["priceUndiscounted"]["gross"]),
                v["pricing"]["onSale"].as_bool().unwrap(),
            )
        })
        .collect();
    variants.sort();
    (variants, d["product"]["pricing"].clone())
}

/// The product's pricing as the storefront's product list shows it.
async fn listed(s: &TestServer, slug: &str, channel: &str) -> Value {
    let q = "query($channel: String!) { products(first: 100, channel: $channel) { edges { node {
        slug pricing { onSale discount { gross { amount } }
          priceRange { start { gross { amount } } stop { gross { amount } } }
          priceRangeUndiscounted { start { gross { amount } } stop { gross { amount } } } } } } } }";
    let d = data(&s.gql(q, json!({"channel": channel})).await).clone();
    d["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["slug"] == slug)
        .unwrap()["node"]["pricing"]
        .clone()
}

const CREATE: &str = "mutation($input: PromotionCreateInput!) { promotionCreate(input: $input) {
    promotion { id name type startDate endDate rules { id name rewardValue rewardValueType
      cataloguePredicate channels { slug } } }
    errors { field code message index } } }";

fn percent_rule(channels: &[&str], predicate: Value, value: Value) -> Value {
    json!({"name": "rule", "channels": channels, "rewardValueType": "PERCENTAGE",
           "rewardValue": value, "cataloguePredicate": predicate})
}

#[tokio::test]
async fn staff_api_permissions_validation_and_crud() {
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let customer = s.customer_token("promo@example.com").await;
    let list = "{ promotions(first: 10) { totalCount edges { node { name type } } } }";
    assert_eq!(
        error_code(&s.gql(list, json!({})).await),
        "PERMISSION_DENIED"
    );
    assert_eq!(
        error_code(&s.gql_as(&customer, list, json!({})).await),
        "PERMISSION_DENIED"
    );
    let input = json!({"name": "X", "type": "CATALOGUE"});
    assert_eq!(
        error_code(&s.gql(CREATE, json!({"input": input})).await),
        "PERMISSION_DENIED"
    );
    assert_eq!(
        error_code(&s.gql_as(&customer, CREATE, json!({"input": input})).await),
        "PERMISSION_DENIED"
    );
    // The demo promotion.
    let d = staff(&s, &token, list, json!({})).await;
    assert_eq!(d["promotions"]["totalCount"], 1);
    assert_eq!(d["promotions"]["edges"][0]["node"]["name"], "Bag week");

    let usd = gid("Channel", channel_id(&s, USD).await);
    let eur = gid("Channel", channel_id(&s, EUR).await);
    let cap = gid("Product", product_id(&s, "dad-cap").await);
    let pred = json!({"productPredicate": {"ids": [cap]}});
    let errors = |d: &Value| d["promotionCreate"]["errors"].clone();

    // Percentage above 100.
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Too much", "type": "CATALOGUE",
        "rules": [percent_rule(&[&usd], pred.clone(), json!(150))]}}),
    )
    .await;
    assert_eq!(
        errors(&d),
        json!([{"field": "rewardValue", "code": "INVALID", "message": "Invalid percentage value.", "index": 0}])
    );
    // FIXED over two currencies.
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Fixed", "type": "CATALOGUE",
        "rules": [{"channels": [usd, eur], "rewardValueType": "FIXED", "rewardValue": 2,
                   "cataloguePredicate": pred}]}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["code"], "MULTIPLE_CURRENCIES_NOT_ALLOWED");
    assert_eq!(errors(&d)[0]["field"], "rewardValueType");
    // FIXED without channels; too many decimals.
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Fixed", "type": "CATALOGUE",
        "rules": [{"rewardValueType": "FIXED", "rewardValue": 2, "cataloguePredicate": pred}]}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["code"], "MISSING_CHANNELS");
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Fixed", "type": "CATALOGUE",
        "rules": [{"channels": [usd], "rewardValueType": "FIXED", "rewardValue": "2.555",
                   "cataloguePredicate": pred}]}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["code"], "INVALID_PRECISION");
    // Unknown and malformed IDs; missing reward.
    let d = staff(&s, &token, CREATE, json!({"input": {"name": "Ghost", "type": "CATALOGUE",
        "rules": [percent_rule(&[&usd], json!({"productPredicate": {"ids": [gid("Product", 999_999)]}}), json!(5))]}}))
    .await;
    assert_eq!(errors(&d)[0]["code"], "NOT_FOUND");
    assert_eq!(errors(&d)[0]["field"], "cataloguePredicate");
    let d = staff(&s, &token, CREATE, json!({"input": {"name": "Ghost", "type": "CATALOGUE",
        "rules": [percent_rule(&[&gid("Channel", 9_999)], json!({"categoryPredicate": {"ids": ["bm90LWFuLWlk"]}}), json!(5))]}}))
    .await;
    let errs = errors(&d);
    let codes: Vec<&str> = errs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"NOT_FOUND"), "{d}");
    assert!(codes.contains(&"GRAPHQL_ERROR"), "{d}");
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "No reward", "type": "CATALOGUE",
        "rules": [{"channels": [usd], "cataloguePredicate": pred}]}}),
    )
    .await;
    let errs = errors(&d);
    let fields: Vec<&str> = errs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["rewardValue", "rewardValueType"]);
    // ORDER promotions are refused; end before start.
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Order", "type": "ORDER"}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["field"], "type");
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Backwards", "type": "CATALOGUE",
        "startDate": "2030-01-02T00:00:00Z", "endDate": "2030-01-01T00:00:00Z"}}),
    )
    .await;
    assert_eq!(errors(&d)[0]["field"], "endDate");
    assert_eq!(
        staff(&s, &token, list, json!({})).await["promotions"]["totalCount"],
        1,
        "nothing was stored"
    );

    // Create, read, update, rules, delete.
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Cap days", "type": "CATALOGUE",
        "description": {"blocks": []},
        "rules": [percent_rule(&[&usd, &eur], pred.clone(), json!(12.5))]}}),
    )
    .await;
    assert_eq!(errors(&d), json!([]));
    let p = d["promotionCreate"]["promotion"].clone();
    assert_eq!(p["type"], "CATALOGUE");
    assert_eq!(p["rules"][0]["rewardValueType"], "PERCENTAGE");
    assert_eq!(p["rules"][0]["cataloguePredicate"], pred);
    assert_eq!(p["rules"][0]["channels"].as_array().unwrap().len(), 2);
    let id = p["id"].as_str().unwrap().to_owned();
    let q = "query($id: ID!) { promotion(id: $id) { name description rules { id } } }";
    let d = staff(&s, &token, q, json!({"id": id})).await;
    assert_eq!(d["promotion"]["name"], "Cap days");
    assert_eq!(d["promotion"]["description"], json!({"blocks": []}));
    assert_eq!(
        error_code(&s.gql_as(&customer, q, json!({"id": id})).await),
        "PERMISSION_DENIED"
    );
    let d = staff(&s, &token, "mutation($id: ID!) { promotionUpdate(id: $id, input: {name: \"Cap week\", endDate: \"2099-01-01T00:00:00Z\"}) {
        promotion { name endDate } errors { field code } } }", json!({"id": id})).await;
    assert_eq!(d["promotionUpdate"]["promotion"]["name"], "Cap week");
    assert!(
        d["promotionUpdate"]["promotion"]["endDate"]
            .as_str()
            .unwrap()
            .starts_with("2099-01-01T00:00:00")
    );
    let d = staff(&s, &token, "mutation($p: ID!, $ch: [ID!]) { promotionRuleCreate(input: {promotion: $p, channels: $ch,
        rewardValueType: FIXED, rewardValue: 1, cataloguePredicate: {categoryPredicate: {ids: []}}}) {
        promotionRule { id rewardValue channels { slug } promotion { name } } errors { field code } } }",
        json!({"p": id, "ch": [usd]})).await;
    assert_eq!(d["promotionRuleCreate"]["errors"], json!([]));
    assert_eq!(
        d["promotionRuleCreate"]["promotionRule"]["promotion"]["name"],
        "Cap week"
    );
    let rule = d["promotionRuleCreate"]["promotionRule"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upd = "mutation($id: ID!, $add: [ID!], $rm: [ID!]) { promotionRuleUpdate(id: $id, input: {addChannels: $add, removeChannels: $rm}) {
        promotionRule { channels { slug } } errors { field code channels } } }";
    let d = staff(
        &s,
        &token,
        upd,
        json!({"id": rule, "add": [eur], "rm": [eur]}),
    )
    .await;
    assert_eq!(
        d["promotionRuleUpdate"]["errors"][0]["code"],
        "DUPLICATED_INPUT_ITEM"
    );
    assert_eq!(
        d["promotionRuleUpdate"]["errors"][0]["channels"],
        json!([eur])
    );
    let d = staff(&s, &token, upd, json!({"id": rule, "add": [eur]})).await;
    assert_eq!(
        d["promotionRuleUpdate"]["errors"][0]["code"],
        "MULTIPLE_CURRENCIES_NOT_ALLOWED"
    );
    let d = staff(&s, &token, upd, json!({"id": rule, "add": [], "rm": [usd]})).await;
    assert_eq!(
        d["promotionRuleUpdate"]["errors"][0]["code"],
        "MISSING_CHANNELS"
    );
    let d = staff(&s, &token, "mutation($id: ID!) { promotionRuleDelete(id: $id) { promotionRule { id } errors { code } } }",
        json!({"id": rule})).await;
    assert_eq!(d["promotionRuleDelete"]["promotionRule"]["id"], rule);
    // Sorting and keyset pages.
    let page = "query($after: String) { promotions(first: 1, after: $after, sortBy: {field: NAME, direction: DESC}) {
        edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }";
    let d = staff(&s, &token, page, json!({})).await;
    assert_eq!(d["promotions"]["edges"][0]["node"]["name"], "Cap week");
    assert_eq!(d["promotions"]["pageInfo"]["hasNextPage"], true);
    let d = staff(
        &s,
        &token,
        page,
        json!({"after": d["promotions"]["pageInfo"]["endCursor"]}),
    )
    .await;
    assert_eq!(d["promotions"]["edges"][0]["node"]["name"], "Bag week");
    assert_eq!(d["promotions"]["pageInfo"]["hasNextPage"], false);
    let d = staff(
        &s,
        &token,
        "{ promotions(first: 5, where: {name: {eq: \"Bag week\"}}) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["promotions"]["totalCount"], 1);
    let del = "mutation($id: ID!) { promotionDelete(id: $id) { promotion { name } errors { field code } } }";
    let d = staff(&s, &token, del, json!({"id": id})).await;
    assert_eq!(d["promotionDelete"]["promotion"]["name"], "Cap week");
    let d = staff(&s, &token, del, json!({"id": id})).await;
    assert_eq!(d["promotionDelete"]["errors"][0]["code"], "NOT_FOUND");
    let d = staff(&s, &token, q, json!({"id": id})).await;
    assert_eq!(d["promotion"], Value::Null);
    assert_eq!(
        error_code(&s.gql_as(&token, q, json!({"id": gid("Product", 1)})).await),
        "INVALID_ID"
    );
}

#[tokio::test]
async fn catalog_pricing_reflects_the_best_discount_in_each_channel() {
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let slug = "dad-cap";
    let usd_prices = stored_prices(&s, slug, USD).await;
    let eur_prices = stored_prices(&s, slug, EUR).await;
    assert!(!usd_prices.is_empty());
    // Before: nothing on sale.
    let (variants, pricing) = detail(&s, slug, USD).await;
    assert!(variants.iter().all(|v| v.1 == v.2 && !v.3), "{variants:?}");
    assert_eq!(pricing["onSale"], false);
    assert_eq!(pricing["discount"], Value::Null);

    // 20% in USD; in EUR a fixed 1.50 and a 5% rule: the larger discount wins per variant.
    let usd = gid("Channel", channel_id(&s, USD).await);
    let eur = gid("Channel", channel_id(&s, EUR).await);
    let pred = json!({"productPredicate": {"ids": [gid("Product", product_id(&s, slug).await)]}});
    let d = staff(&s, &token, CREATE, json!({"input": {"name": "Caps", "type": "CATALOGUE",
        "rules": [percent_rule(&[&usd], pred.clone(), json!(20)),
                  {"channels": [eur], "rewardValueType": "FIXED", "rewardValue": "1.50", "cataloguePredicate": pred},
                  percent_rule(&[&eur], json!({"OR": [{"collectionPredicate": {"ids": []}}, pred.clone()]}), json!(5))]}}))
    .await;
    assert_eq!(d["promotionCreate"]["errors"], json!([]), "{d}");
    let promo = d["promotionCreate"]["promotion"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let usd_expected: Vec<(i32, i64, i64)> = usd_prices
        .iter()
        .map(|&(v, p)| (v, p - div_round(p * 20, 100), p))
        .collect();
    let eur_expected: Vec<(i32, i64, i64)> = eur_prices
        .iter()
        .map(|&(v, p)| (v, p - 150.max(div_round(p * 5, 100)).min(p), p))
        .collect();
    for (channel, expected) in [(USD, &usd_expected), (EUR, &eur_expected)] {
        let (variants, pricing) = detail(&s, slug, channel).await;
        let got: Vec<(i32, i64, i64)> = variants.iter().map(|v| (v.0, v.1, v.2)).collect();
        assert_eq!(&got, expected, "{channel}");
        assert!(variants.iter().all(|v| v.3), "{variants:?}");
        let lo = expected.iter().map(|e| e.1).min().unwrap();
        let hi = expected.iter().map(|e| e.1).max().unwrap();
        let ulo = expected.iter().map(|e| e.2).min().unwrap();
        let uhi = expected.iter().map(|e| e.2).max().unwrap();
        for p in [pricing, listed(&s, slug, channel).await] {
            assert_eq!(p["onSale"], true);
            assert_eq!(cents(&p["priceRange"]["start"]["gross"]), lo);
            assert_eq!(cents(&p["priceRange"]["stop"]["gross"]), hi);
            assert_eq!(cents(&p["priceRangeUndiscounted"]["start"]["gross"]), ulo);
            assert_eq!(cents(&p["priceRangeUndiscounted"]["stop"]["gross"]), uhi);
            assert_eq!(cents(&p["discount"]["gross"]), ulo - lo);
        }
    }
    // EUR prices are entered with 19% VAT (Germany): the net is taken from the discounted gross.
    let q = "query($slug: String!) { product(slug: $slug, channel: \"channel-eur\") { variants { pricing { price { gross { amount } net { amount } } } } } }";
    let d = data(&s.gql(q, json!({"slug": slug})).await).clone();
    for v in d["product"]["variants"].as_array().unwrap() {
        let gross = cents(&v["pricing"]["price"]["gross"]);
        assert_eq!(
            cents(&v["pricing"]["price"]["net"]),
            div_round(gross * 100, 119)
        );
    }
    // A price change is re-discounted at once.
    let variant_pk = usd_prices[0].0;
    let d = staff(&s, &token, "mutation($id: ID!, $ch: ID!) { productVariantChannelListingUpdate(id: $id, input: [{channelId: $ch, price: 50}]) { errors { code } } }",
        json!({"id": gid("ProductVariant", variant_pk), "ch": usd})).await;
    assert_eq!(d["productVariantChannelListingUpdate"]["errors"], json!([]));
    let (variants, _) = detail(&s, slug, USD).await;
    assert_eq!((variants[0].1, variants[0].2), (4000, 5000));

    // A promotion starting later changes nothing until it starts (periodic recalculation).
    let tote = "tote-bag";
    let (before, _) = detail(&s, tote, USD).await;
    let start = chrono::Utc::now() + chrono::Duration::seconds(2);
    let d = staff(&s, &token, CREATE, json!({"input": {"name": "Later", "type": "CATALOGUE", "startDate": start.to_rfc3339(),
        "rules": [percent_rule(&[&usd], json!({"productPredicate": {"ids": [gid("Product", product_id(&s, tote).await)]}}), json!(50))]}}))
    .await;
    assert_eq!(d["promotionCreate"]["errors"], json!([]));
    let later = d["promotionCreate"]["promotion"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(detail(&s, tote, USD).await.0, before);
    assert_eq!(
        bizgraph::discount::promotion::recalc::toggle_due(&s.state.db.conn)
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(
        bizgraph::discount::promotion::recalc::toggle_due(&s.state.db.conn)
            .await
            .unwrap(),
        1
    );
    let (after, _) = detail(&s, tote, USD).await;
    for (b, a) in before.iter().zip(&after) {
        // Tote bags are also in the demo "Bag week" (10%): the larger discount (50%) wins.
        assert_eq!(a.2, b.2);
        assert_eq!(a.1, a.2 - div_round(a.2 * 50, 100));
        assert!(a.3);
    }
    // Ending it (end date in the past) gives the demo promotion back.
    let d = staff(&s, &token, "mutation($id: ID!, $end: DateTime) { promotionUpdate(id: $id, input: {endDate: $end}) { errors { field code } } }",
        json!({"id": later, "end": (chrono::Utc::now() - chrono::Duration::milliseconds(10)).to_rfc3339()})).await;
    assert_eq!(d["promotionUpdate"]["errors"], json!([]));
    assert_eq!(detail(&s, tote, USD).await.0, before);

    // Deleting the promotion restores the undiscounted prices.
    staff(
        &s,
        &token,
        "mutation($id: ID!) { promotionDelete(id: $id) { errors { code } } }",
        json!({"id": promo}),
    )
    .await;
    let (variants, pricing) = detail(&s, slug, EUR).await;
    assert!(variants.iter().all(|v| v.1 == v.2 && !v.3));
    assert_eq!(pricing["onSale"], false);
}

#[tokio::test]
async fn demo_promotion_discounts_bags_by_ten_percent() {
    let s = TestServer::start().await;
    for channel in [USD, EUR] {
        let stored = stored_prices(&s, "tote-bag", channel).await;
        let (variants, _) = detail(&s, "tote-bag", channel).await;
        for ((pk, p), v) in stored.iter().zip(&variants) {
            assert_eq!(*pk, v.0);
            assert_eq!((v.1, v.2, v.3), (p - div_round(p * 10, 100), *p, true));
        }
        // Other categories are untouched.
        let (variants, _) = detail(&s, "monospace-tee", channel).await;
        assert!(variants.iter().all(|v| v.1 == v.2 && !v.3));
    }
}

fn de_address() -> Value {
    json!({"firstName": "Erika", "lastName": "Mustermann", "streetAddress1": "Hauptstr. 1",
        "city": "Berlin", "postalCode": "10115", "country": "DE"})
}

#[tokio::test]
async fn discounted_checkout_totals_and_order_line_snapshot() {
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let slug = "dad-cap";
    let (variant_pk, price) = stored_prices(&s, slug, EUR).await[0];
    let eur = gid("Channel", channel_id(&s, EUR).await);
    let pred = json!({"variantPredicate": {"ids": [gid("ProductVariant", variant_pk)]}});
    let d = staff(
        &s,
        &token,
        CREATE,
        json!({"input": {"name": "Cap deal", "type": "CATALOGUE",
        "rules": [percent_rule(&[&eur], pred, json!(15))]}}),
    )
    .await;
    let promo = d["promotionCreate"]["promotion"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unit = price - div_round(price * 15, 100);
    let qty = 3;

    let lines_q = "lines { quantity unitPrice { gross { amount } net { amount } } undiscountedUnitPrice { amount }
        totalPrice { gross { amount } net { amount } } undiscountedTotalPrice { amount } }
        subtotalPrice { gross { amount } net { amount } tax { amount } }
        shippingPrice { gross { amount } net { amount } } totalPrice { gross { amount } net { amount } tax { amount } }";
    let d = staff(
        &s,
        &token,
        &format!(
            "mutation($input: CheckoutCreateInput!) {{ checkoutCreate(input: $input) {{
        checkout {{ id {lines_q} }} errors {{ field code message }} }} }}"
        ),
        json!({"input": {"channel": EUR, "email": "cap@example.com",
            "lines": [{"variantId": gid("ProductVariant", variant_pk), "quantity": qty}],
            "shippingAddress": de_address(), "billingAddress": de_address()}}),
    )
    .await;
    assert_eq!(d["checkoutCreate"]["errors"], json!([]), "{d}");
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = staff(&s, &token, "mutation($id: ID!) { deliveryOptionsCalculate(id: $id) { deliveries { shippingMethod { id } } } }",
        json!({"id": id})).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let d = staff(&s, &token, &format!("mutation($id: ID!, $m: ID!) {{ checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m) {{
        checkout {{ {lines_q} }} errors {{ code }} }} }}"), json!({"id": id, "m": method})).await;
    let c = d["checkoutDeliveryMethodUpdate"]["checkout"].clone();
    // Gross-entered prices at Germany's 19%: net = gross / 1.19 on the line total.
    let line_gross = unit * qty;
    let line_net = div_round(line_gross * 100, 119);
    let line = &c["lines"][0];
    assert_eq!(cents(&line["unitPrice"]["gross"]), unit);
    assert_eq!(cents(&line["undiscountedUnitPrice"]), price);
    assert_eq!(cents(&line["totalPrice"]["gross"]), line_gross);
    assert_eq!(cents(&line["totalPrice"]["net"]), line_net);
    assert_eq!(cents(&line["undiscountedTotalPrice"]), price * qty);
    assert_eq!(cents(&c["subtotalPrice"]["gross"]), line_gross);
    assert_eq!(cents(&c["subtotalPrice"]["net"]), line_net);
    assert_eq!(cents(&c["subtotalPrice"]["tax"]), line_gross - line_net);
    let shipping = cents(&c["shippingPrice"]["gross"]);
    let shipping_net = cents(&c["shippingPrice"]["net"]);
    assert_eq!(shipping_net, div_round(shipping * 100, 119));
    assert_eq!(cents(&c["totalPrice"]["gross"]), line_gross + shipping);
    assert_eq!(cents(&c["totalPrice"]["net"]), line_net + shipping_net);

    let d = staff(&s, &token, "mutation($id: ID!) { checkoutComplete(id: $id) { order { id
        total { gross { amount } } subtotal { gross { amount } net { amount } }
        lines { quantity unitPrice { gross { amount } net { amount } } undiscountedUnitPrice { gross { amount } net { amount } }
          unitDiscount { amount currency } unitDiscountType unitDiscountValue unitDiscountReason
          totalPrice { gross { amount } net { amount } } undiscountedTotalPrice { gross { amount } } } }
        errors { code message } } }", json!({"id": id})).await;
    assert_eq!(d["checkoutComplete"]["errors"], json!([]), "{d}");
    let o = &d["checkoutComplete"]["order"];
    assert_eq!(cents(&o["total"]["gross"]), line_gross + shipping);
    assert_eq!(cents(&o["subtotal"]["net"]), line_net);
    let l = &o["lines"][0];
    assert_eq!(cents(&l["unitPrice"]["gross"]), unit);
    assert_eq!(cents(&l["totalPrice"]["gross"]), line_gross);
    assert_eq!(cents(&l["undiscountedUnitPrice"]["gross"]), price);
    assert_eq!(
        cents(&l["undiscountedUnitPrice"]["net"]),
        div_round(price * 100, 119)
    );
    assert_eq!(cents(&l["undiscountedTotalPrice"]["gross"]), price * qty);
    assert_eq!(cents(&l["unitDiscount"]), price - unit);
    assert_eq!(l["unitDiscount"]["currency"], "EUR");
    assert_eq!(l["unitDiscountType"], "FIXED");
    assert_eq!(
        l["unitDiscountValue"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        (price - unit) as f64 / 100.0
    );
    assert_eq!(l["unitDiscountReason"], format!("Promotion: {promo}"));
}
