//! Marketing attribution end to end over HTTP: a lead captured from a landing page with UTM
//! parameters scores up to MQL, is assigned a campaign variant, checks out with attribution,
//! becomes a customer at `checkoutComplete`, and the campaign shows the conversion, revenue,
//! ROAS from reported spend and the A/B readout; unknown campaigns in attribution; metrics
//! and `salesStats` over mixed currencies.
#![allow(clippy::unwrap_used)]

use crate::ops;

use crate::common::{TestServer, error_code};
use serde_json::{Value, json};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";
const TRACKING_KEY: &str = "tracking-key-for-attribution-tests-0123";

async fn server() -> TestServer {
    TestServer::start_with(|c| c.marketing_tracking_key = Some(TRACKING_KEY.into())).await
}

/// Runs a query that must not fail at the top level; returns `data`.
async fn ok(server: &TestServer, token: Option<&str>, query: &str, vars: Value) -> Value {
    let body = match token {
        Some(t) => server.gql_as(t, query, vars).await,
        None => server.gql(query, vars).await,
    };
    assert!(body.get("errors").is_none(), "{query}: {body:#}");
    body["data"].clone()
}

/// Runs the storefront's checkout operation `name`.
async fn sf(server: &TestServer, name: &str, vars: Value) -> Value {
    ok(server, None, &ops::checkout_document(name), vars).await
}

async fn first_variant(server: &TestServer, slug: &str, channel: &str) -> String {
    let d = ok(
        server,
        None,
        "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) { variants { id } } }",
        json!({"slug": slug, "channel": channel}),
    )
    .await;
    d["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn cents(v: &Value) -> i64 {
    (v["amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// A guest checkout in `channel` for `email` with `quantity` of the first variant of
/// `slug`, delivery chosen; returns its id and total in cents.
async fn ready_checkout(
    server: &TestServer,
    channel: &str,
    email: &str,
    slug: &str,
    quantity: i32,
) -> (String, i64) {
    let variant = first_variant(server, slug, channel).await;
    let addr = json!({"firstName": "Ada", "lastName": "Lovelace", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let d = ok(
        server,
        None,
        "mutation($input: CheckoutCreateInput!) { checkoutCreate(input: $input) { checkout { id } errors { field code } } }",
        json!({"input": {"channel": channel, "email": email, "shippingAddress": addr, "billingAddress": addr,
                         "lines": [{"variantId": variant, "quantity": quantity}]}}),
    )
    .await;
    assert_eq!(d["checkoutCreate"]["errors"], json!([]), "{d}");
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = sf(server, "deliveryOptionsCalculate", json!({"id": id})).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let d = sf(
        server,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": "EN"}),
    )
    .await;
    let u = &d["checkoutDeliveryMethodUpdate"];
    assert_eq!(u["errors"], json!([]));
    let total = cents(&u["checkout"]["totalPrice"]["gross"]);
    (id, total)
}

const ATTRIBUTION_SET: &str = "mutation($id: ID!, $input: CheckoutAttributionInput!) {
    checkoutAttributionSet(id: $id, input: $input) {
        checkout { id attribution { firstTouch { campaignId } lastTouch { campaignId } } }
        attribution { firstTouch { campaignId variantId leadId visitorId utm { source medium campaign content } }
                      lastTouch { campaignId variantId leadId visitorId utm { source medium campaign content } } }
        errors { field code message } } }";

async fn set_attribution(server: &TestServer, id: &str, input: Value) -> Value {
    let d = ok(
        server,
        None,
        ATTRIBUTION_SET,
        json!({"id": id, "input": input}),
    )
    .await;
    d["checkoutAttributionSet"].clone()
}

/// Completes a checkout; returns the order id.
async fn complete(server: &TestServer, id: &str) -> String {
    let d = sf(server, "checkoutComplete", json!({"checkoutId": id})).await;
    assert_eq!(d["checkoutComplete"]["errors"], json!([]), "{d}");
    d["checkoutComplete"]["order"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const ORDER: &str = "query($id: ID!) { order(id: $id) { id total { gross { amount currency } }
    attribution { firstTouch { campaignId variantId leadId leadConverted }
                  lastTouch { campaignId variantId leadId visitorId leadConverted utm { source campaign } } } } }";

/// Creates a campaign and starts it (the storefront only assigns variants of running
/// campaigns).
async fn create_campaign(server: &TestServer, staff: &str, input: Value) -> (String, Vec<String>) {
    let d = ok(
        server,
        Some(staff),
        "mutation($input: CampaignInput!) { campaignCreate(input: $input) {
            campaign { id variants { id } } errors { field code } } }",
        json!({"input": input}),
    )
    .await;
    let c = &d["campaignCreate"];
    assert_eq!(c["errors"], json!([]), "{d}");
    let variants = c["campaign"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    let id = c["campaign"]["id"].as_str().unwrap().to_owned();
    let d = ok(
        server,
        Some(staff),
        "mutation($id: ID!) { campaignStatusUpdate(id: $id, status: ACTIVE) { errors { field code } } }",
        json!({"id": id}),
    )
    .await;
    assert_eq!(d["campaignStatusUpdate"]["errors"], json!([]), "{d}");
    (id, variants)
}

async fn report(server: &TestServer, staff: &str, input: Value) {
    let d = ok(
        server,
        Some(staff),
        "mutation($input: CampaignMetricsReportInput!) { campaignMetricsReport(input: $input) { errors { field code } } }",
        json!({"input": input}),
    )
    .await;
    assert_eq!(d["campaignMetricsReport"]["errors"], json!([]), "{d}");
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// The global ID of the lead with `email` (anonymous captures do not return the lead).
async fn lead_id(server: &TestServer, email: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = entities::lead::Entity::find()
        .filter(entities::lead::Column::Email.eq(email))
        .one(&server.state.db.conn)
        .await
        .unwrap()
        .unwrap();
    bizgraph::core::id::encode("Lead", found.id).0
}

/// The stored metadata of an order (`Order.metadata` is not exposed yet).
async fn order_metadata(server: &TestServer, order_gid: &str) -> Value {
    use sea_orm::EntityTrait;
    let pk: String =
        bizgraph::core::id::decode(&async_graphql::ID(order_gid.into()), "Order").unwrap();
    entities::shop_order::Entity::find_by_id(pk)
        .one(&server.state.db.conn)
        .await
        .unwrap()
        .unwrap()
        .metadata
}

const LEAD: &str = "query($id: ID!) { lead(id: $id) { stage score
    activities(first: 50) { edges { node { type points } } } } }";

#[tokio::test]
async fn captured_lead_checks_out_with_attribution_and_campaign_shows_conversion_roas_and_readout()
{
    let server = server().await;
    let staff = server.staff_token().await;

    // A campaign with two variants, 20.00 USD of spend per variant reported today.
    let (campaign, variants) = create_campaign(
        &server,
        &staff,
        json!({"name": "Spring", "channelType": "PAID_SEARCH", "utmCampaign": "spring-sale",
               "budgetAmount": "1000", "budgetCurrency": "USD", "winnerCriterion": "CONVERSION_RATE",
               "variants": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}]}),
    )
    .await;

    // 1. Capture from the landing page with UTM parameters.
    let d = ok(
        &server,
        None,
        "mutation($input: LeadCaptureInput!) { leadCapture(input: $input) { lead { id } errors { field code } } }",
        json!({"input": {"email": "Ada@Example.com", "firstName": "Ada",
            "landingPage": "https://shop.example/spring?utm_source=google&utm_campaign=spring-sale",
            "utm": {"source": "google", "medium": "cpc", "campaign": "spring-sale"}}}),
    )
    .await;
    assert_eq!(d["leadCapture"]["errors"], json!([]));
    let lead = lead_id(&server, "ada@example.com").await;

    // 2. Activities raise the score: 5 (form) + 5 × 10 (pricing page) = 55 ≥ 50 → MQL.
    for _ in 0..5 {
        let d = ok(
            &server,
            None,
            "mutation($input: LeadActivityTrackInput!, $key: String) { leadActivityTrack(input: $input, trackingKey: $key) { errors { code } } }",
            json!({"input": {"email": "ada@example.com", "type": "page_view", "url": "https://shop.example/pricing"},
                   "key": TRACKING_KEY}),
        )
        .await;
        assert_eq!(d["leadActivityTrack"]["errors"], json!([]));
    }
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(d["lead"]["stage"], "MARKETING_QUALIFIED");
    assert_eq!(d["lead"]["score"], 55);

    // 3. The storefront assigns a variant to the visitor.
    let d = ok(
        &server,
        None,
        "mutation($c: ID!) { campaignVariantAssign(campaignId: $c, visitorId: \"visitor-ada\") { variant { id } errors { code } } }",
        json!({"c": campaign}),
    )
    .await;
    let variant = d["campaignVariantAssign"]["variant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = variants.iter().find(|v| **v != variant).unwrap().clone();

    // 4. Checkout with attribution: first call is the first touch, later calls the last.
    let (checkout, total) =
        ready_checkout(&server, USD, "ada@example.com", "monospace-tee", 2).await;
    let a = set_attribution(
        &server,
        &checkout,
        json!({"utm": {"source": "newsletter", "medium": "email"}, "visitorId": "visitor-ada"}),
    )
    .await;
    assert_eq!(a["errors"], json!([]), "{a}");
    assert_eq!(a["attribution"]["firstTouch"]["campaignId"], Value::Null);
    let a = set_attribution(
        &server,
        &checkout,
        json!({"utm": {"source": "google", "medium": "cpc", "campaign": "spring-sale", "content": "ad-2"},
               "campaign": campaign, "campaignVariant": variant, "visitorId": "visitor-ada", "lead": lead}),
    )
    .await;
    assert_eq!(a["errors"], json!([]), "{a}");
    assert_eq!(
        a["attribution"]["firstTouch"]["utm"]["source"],
        "newsletter"
    );
    let last = &a["attribution"]["lastTouch"];
    assert_eq!(last["campaignId"], campaign.as_str());
    assert_eq!(last["variantId"], variant.as_str());
    assert_eq!(last["leadId"], lead.as_str());
    assert_eq!(last["utm"]["content"], "ad-2");
    assert_eq!(
        a["checkout"]["attribution"]["lastTouch"]["campaignId"],
        campaign.as_str()
    );

    // 5. Complete: the order carries the attribution and the lead becomes a customer.
    let order = complete(&server, &checkout).await;
    let d = ok(&server, Some(&staff), ORDER, json!({"id": order})).await;
    let o = &d["order"];
    assert_eq!(cents(&o["total"]["gross"]), total);
    let last = &o["attribution"]["lastTouch"];
    assert_eq!(last["campaignId"], campaign.as_str());
    assert_eq!(last["variantId"], variant.as_str());
    assert_eq!(last["leadId"], lead.as_str());
    assert_eq!(last["visitorId"], "visitor-ada");
    assert_eq!(last["leadConverted"], true);
    assert_eq!(last["utm"]["campaign"], "spring-sale");
    // First touch: the lead's first campaign (captured with utm_campaign spring-sale).
    assert_eq!(
        o["attribution"]["firstTouch"]["campaignId"],
        campaign.as_str()
    );
    assert_eq!(
        order_metadata(&server, &order).await,
        json!({}),
        "no warning"
    );
    // Attribution cannot change after completion.
    let a = set_attribution(&server, &checkout, json!({"visitorId": "late"})).await;
    assert_eq!(a["errors"][0]["code"], "INVALID", "{a}");

    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(d["lead"]["stage"], "CUSTOMER");
    assert_eq!(d["lead"]["score"], 105, "placed order +50");
    let kinds: Vec<&str> = d["lead"]["activities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"order_placed"), "{kinds:?}");
    let converted = server.last_event("LEAD_CONVERTED").await.unwrap();
    assert!(converted.to_string().contains("CUSTOMER"), "{converted}");

    // A second order of the same customer counts as a conversion, not a new lead conversion.
    let (checkout2, total2) =
        ready_checkout(&server, USD, "ada@example.com", "monospace-tee", 1).await;
    set_attribution(
        &server,
        &checkout2,
        json!({"campaign": campaign, "campaignVariant": variant, "visitorId": "visitor-ada"}),
    )
    .await;
    let order2 = complete(&server, &checkout2).await;
    let d = ok(&server, Some(&staff), ORDER, json!({"id": order2})).await;
    assert_eq!(
        d["order"]["attribution"]["lastTouch"]["leadConverted"],
        false
    );
    assert_eq!(
        d["order"]["attribution"]["lastTouch"]["leadId"],
        lead.as_str()
    );

    // 6. Reported spend and clicks; the campaign shows conversions, revenue, ROAS, readout.
    for v in [&variant, &other] {
        report(
            &server,
            &staff,
            json!({"campaign": campaign, "variant": v, "date": today(), "source": "google_ads",
                   "impressions": 1000, "clicks": 10, "spend": "20.00"}),
        )
        .await;
    }
    let d = ok(
        &server,
        Some(&staff),
        "query($id: ID!) { campaign(id: $id) {
            totalMetrics { clicks spend conversions leadsConverted revenue { amount currency }
                           conversionRate costPerAcquisition roas }
            variantMetrics { variant { id } conversions revenue { amount currency } roas }
            metrics { date variant { id } conversions leads }
            abTest { criterion variants { variant { id } successes trials rate } leader { id } } } }",
        json!({"id": campaign}),
    )
    .await;
    let c = &d["campaign"];
    let t = &c["totalMetrics"];
    assert_eq!(t["conversions"], 2);
    assert_eq!(t["leadsConverted"], 1);
    assert_eq!(t["revenue"].as_array().unwrap().len(), 1);
    assert_eq!(t["revenue"][0]["currency"], "USD");
    assert_eq!(cents(&t["revenue"][0]), total + total2);
    let roas = t["roas"].as_f64().unwrap();
    let expected = (total + total2) as f64 / 4000.0;
    assert!((roas - expected).abs() < 1e-3, "{roas} vs {expected}");
    assert_eq!(t["conversionRate"].as_f64().unwrap(), 0.1);
    let cpa = t["costPerAcquisition"].clone();
    assert!(
        cpa == json!("20") || cpa == json!(20) || cpa == json!("20.0000"),
        "{cpa}"
    );
    let per = c["variantMetrics"].as_array().unwrap();
    let mine = per
        .iter()
        .find(|m| m["variant"]["id"] == variant.as_str())
        .unwrap();
    assert_eq!(mine["conversions"], 2);
    let theirs = per
        .iter()
        .find(|m| m["variant"]["id"] == other.as_str())
        .unwrap();
    assert_eq!(theirs["conversions"], 0);
    assert_eq!(theirs["roas"].as_f64(), Some(0.0));
    let ab = &c["abTest"];
    assert_eq!(ab["criterion"], "CONVERSION_RATE");
    assert_eq!(ab["leader"]["id"], variant.as_str());
    let row = ab["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["variant"]["id"] == variant.as_str())
        .unwrap();
    assert_eq!(
        (row["successes"].clone(), row["trials"].clone()),
        (json!(2), json!(10))
    );
    // The daily row of the variant holds both the captured lead and the conversions.
    let day = c["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["variant"]["id"] == variant.as_str())
        .unwrap();
    assert_eq!(day["conversions"], 2);

    // marketingStats: revenue by campaign; salesStats sees both orders.
    let d = ok(
        &server,
        Some(&staff),
        "{ marketingStats { revenueByCampaign { campaign { id } orders revenue { amount currency } } } }",
        json!({}),
    )
    .await;
    let r = &d["marketingStats"]["revenueByCampaign"];
    assert_eq!(r.as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r[0]["campaign"]["id"], campaign.as_str());
    assert_eq!(r[0]["orders"], 2);
    assert_eq!(cents(&r[0]["revenue"]), total + total2);

    let d = ok(
        &server,
        Some(&staff),
        "{ salesStats(channel: \"default-channel\") {
            totals { currency orders revenue { amount } averageOrderValue { amount } refunds { amount } }
            series { date currency orders revenue { amount } }
            customers { customers newCustomers returningCustomers ordersFromNewCustomers }
            topProducts { id name quantity revenue { amount currency } }
            topCategories { id name quantity } } }",
        json!({}),
    )
    .await;
    let s = &d["salesStats"];
    assert_eq!(s["totals"].as_array().unwrap().len(), 1);
    assert_eq!(s["totals"][0]["currency"], "USD");
    assert_eq!(s["totals"][0]["orders"], 2);
    assert_eq!(cents(&s["totals"][0]["revenue"]), total + total2);
    assert_eq!(
        cents(&s["totals"][0]["averageOrderValue"]),
        (total + total2 + 1) / 2
    );
    assert_eq!(cents(&s["totals"][0]["refunds"]), 0);
    assert_eq!(s["series"][0]["date"], today());
    assert_eq!(
        s["customers"],
        json!({"customers": 1, "newCustomers": 1, "returningCustomers": 0, "ordersFromNewCustomers": 2})
    );
    assert_eq!(s["topProducts"].as_array().unwrap().len(), 1);
    assert_eq!(s["topProducts"][0]["quantity"], 3);
    assert_eq!(s["topCategories"][0]["quantity"], 3);
}

#[tokio::test]
async fn unknown_campaign_in_attribution_still_completes_with_a_warning() {
    let server = server().await;
    let staff = server.staff_token().await;
    let (campaign, variants) = create_campaign(
        &server,
        &staff,
        json!({"name": "Known", "channelType": "EMAIL", "variants": [{"name": "A", "weight": 1}]}),
    )
    .await;
    let unknown_campaign = bizgraph::core::id::encode("Campaign", 999_999).0;
    let unknown_variant = bizgraph::core::id::encode("CampaignVariant", 999_999).0;

    // Unknown campaign: order placed, attribution dropped, warning in the metadata.
    let (checkout, _) = ready_checkout(&server, USD, "guest@example.com", "monospace-tee", 1).await;
    let a = set_attribution(
        &server,
        &checkout,
        json!({"campaign": unknown_campaign, "utm": {"source": "x"}}),
    )
    .await;
    assert_eq!(a["errors"], json!([]));
    let order = complete(&server, &checkout).await;
    let d = ok(&server, Some(&staff), ORDER, json!({"id": order})).await;
    let o = &d["order"];
    assert_eq!(o["attribution"]["lastTouch"]["campaignId"], Value::Null);
    assert_eq!(o["attribution"]["lastTouch"]["utm"]["source"], "x");
    let metadata = order_metadata(&server, &order).await;
    let warning = metadata["bizgraph.attribution.warning"]
        .as_str()
        .unwrap_or_default();
    assert!(warning.contains("Unknown campaign 999999"), "{metadata}");

    // Known campaign, unknown variant: the campaign stays, the variant is dropped.
    let (checkout, _) =
        ready_checkout(&server, USD, "guest2@example.com", "monospace-tee", 1).await;
    set_attribution(
        &server,
        &checkout,
        json!({"campaign": campaign, "campaignVariant": unknown_variant}),
    )
    .await;
    let order = complete(&server, &checkout).await;
    let d = ok(&server, Some(&staff), ORDER, json!({"id": order})).await;
    let o = &d["order"];
    assert_eq!(
        o["attribution"]["lastTouch"]["campaignId"],
        campaign.as_str()
    );
    assert_eq!(o["attribution"]["lastTouch"]["variantId"], Value::Null);
    let metadata = order_metadata(&server, &order).await;
    assert!(
        metadata.to_string().contains("Unknown variant"),
        "{metadata}"
    );
    assert_ne!(variants[0], unknown_variant);

    // Bad input: malformed IDs are GraphQL errors; unknown checkouts are NOT_FOUND.
    let body = server
        .gql(
            ATTRIBUTION_SET,
            json!({"id": checkout, "input": {"campaign": "not-an-id"}}),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    let missing = bizgraph::core::id::encode("Checkout", uuid::Uuid::new_v4()).0;
    let a = set_attribution(&server, &missing, json!({"visitorId": "v"})).await;
    assert_eq!(a["errors"][0]["code"], "NOT_FOUND");
    let long = "x".repeat(300);
    let (checkout, _) =
        ready_checkout(&server, USD, "guest3@example.com", "monospace-tee", 1).await;
    let a = set_attribution(&server, &checkout, json!({"visitorId": long})).await;
    assert_eq!(a["errors"][0]["field"], "visitorId");
}

#[tokio::test]
async fn metrics_and_sales_stats_keep_currencies_apart_and_touches_differ() {
    let server = server().await;
    let staff = server.staff_token().await;
    let (autumn, _) = create_campaign(
        &server,
        &staff,
        json!({"name": "Autumn", "channelType": "EMAIL", "utmCampaign": "autumn"}),
    )
    .await;
    let (spring, _) = create_campaign(
        &server,
        &staff,
        json!({"name": "Spring", "channelType": "PAID_SOCIAL", "budgetCurrency": "EUR"}),
    )
    .await;
    // The lead first came from Autumn.
    let d = ok(
        &server,
        None,
        "mutation($input: LeadCaptureInput!) { leadCapture(input: $input) { errors { code } } }",
        json!({"input": {"email": "mixed@example.com", "utm": {"campaign": "autumn"}}}),
    )
    .await;
    assert_eq!(d["leadCapture"]["errors"], json!([]));

    // One USD and one EUR order, both last-touch attributed to Spring.
    let mut totals = Vec::new();
    for channel in [USD, EUR] {
        let (checkout, total) =
            ready_checkout(&server, channel, "mixed@example.com", "monospace-tee", 1).await;
        set_attribution(&server, &checkout, json!({"campaign": spring})).await;
        complete(&server, &checkout).await;
        totals.push(total);
    }
    report(
        &server,
        &staff,
        json!({"campaign": spring, "date": today(), "source": "meta", "impressions": 100, "clicks": 4, "spend": "10"}),
    )
    .await;

    let metrics = "query($id: ID!, $touch: AttributionTouchEnum!) { campaign(id: $id) {
        totalMetrics(touch: $touch) { conversions revenue { amount currency } roas } } }";
    let d = ok(
        &server,
        Some(&staff),
        metrics,
        json!({"id": spring, "touch": "LAST_TOUCH"}),
    )
    .await;
    let t = &d["campaign"]["totalMetrics"];
    assert_eq!(t["conversions"], 2);
    let revenue = t["revenue"].as_array().unwrap();
    assert_eq!(revenue.len(), 2, "never summed across currencies: {t}");
    assert_eq!(revenue[0]["currency"], "EUR");
    assert_eq!(cents(&revenue[0]), totals[1]);
    assert_eq!(revenue[1]["currency"], "USD");
    assert_eq!(cents(&revenue[1]), totals[0]);
    // ROAS counts only revenue in the spend's currency (EUR).
    let roas = t["roas"].as_f64().unwrap();
    assert!((roas - totals[1] as f64 / 1000.0).abs() < 1e-3, "{roas}");
    // First touch: the lead's first campaign (Autumn) gets the orders instead.
    let d = ok(
        &server,
        Some(&staff),
        metrics,
        json!({"id": spring, "touch": "FIRST_TOUCH"}),
    )
    .await;
    assert_eq!(d["campaign"]["totalMetrics"]["conversions"], 0);
    let d = ok(
        &server,
        Some(&staff),
        metrics,
        json!({"id": autumn, "touch": "FIRST_TOUCH"}),
    )
    .await;
    assert_eq!(d["campaign"]["totalMetrics"]["conversions"], 2);
    assert_eq!(
        d["campaign"]["totalMetrics"]["roas"],
        Value::Null,
        "no spend"
    );

    let d = ok(
        &server,
        Some(&staff),
        "query($t: AttributionTouchEnum!) { marketingStats(touch: $t) { revenueByCampaign { campaign { name } orders revenue { currency } } } }",
        json!({"t": "FIRST_TOUCH"}),
    )
    .await;
    let r = d["marketingStats"]["revenueByCampaign"].as_array().unwrap();
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(
        r.iter()
            .all(|x| x["campaign"]["name"] == "Autumn" && x["orders"] == 1)
    );

    // salesStats over every channel: one total per currency; by week and month too.
    for granularity in ["DAY", "WEEK", "MONTH"] {
        let d = ok(
            &server,
            Some(&staff),
            "query($g: SalesStatsGranularityEnum!) { salesStats(granularity: $g) {
                totals { currency orders revenue { amount currency } }
                series { date currency orders }
                customers { customers newCustomers returningCustomers }
                topProducts { name revenue { currency } } } }",
            json!({"g": granularity}),
        )
        .await;
        let s = &d["salesStats"];
        let t = s["totals"].as_array().unwrap();
        assert_eq!(t.len(), 2, "{s}");
        assert_eq!(
            (t[0]["currency"].clone(), cents(&t[0]["revenue"])),
            (json!("EUR"), totals[1])
        );
        assert_eq!(
            (t[1]["currency"].clone(), cents(&t[1]["revenue"])),
            (json!("USD"), totals[0])
        );
        assert_eq!(s["series"].as_array().unwrap().len(), 2);
        assert_eq!(s["customers"]["customers"], 1);
        assert_eq!(
            s["topProducts"].as_array().unwrap().len(),
            2,
            "one per currency"
        );
    }
    // An empty period.
    let d = ok(
        &server,
        Some(&staff),
        "query($p: DateTimeRangeInput) { salesStats(period: $p) { totals { orders } customers { returningCustomers } } }",
        json!({"p": {"gte": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339(),
                     "lte": (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339()}}),
    )
    .await;
    assert_eq!(d["salesStats"]["totals"], json!([]));

    // Permissions and bad input.
    let customer = server.customer_token("shopper@example.com").await;
    let body = server
        .gql_as(
            &customer,
            "{ salesStats { totals { currency } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = server
        .gql("{ salesStats { totals { currency } } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = server
        .gql_as(
            &staff,
            "{ salesStats(channel: \"nope\") { totals { currency } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = server
        .gql_as(
            &staff,
            "{ salesStats(top: 0) { totals { currency } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_INPUT");
    let body = server
        .gql_as(
            &staff,
            "{ salesStats(period: {gte: \"2026-02-01T00:00:00Z\", lte: \"2026-01-01T00:00:00Z\"}) { totals { currency } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_INPUT");
}

#[tokio::test]
async fn inactivity_decay_is_weekly_idempotent_and_never_below_zero() {
    use bizgraph::marketing::decay::decay_once;
    use chrono::{Duration, Utc};
    let server = server().await;
    let staff = server.staff_token().await;
    let d = ok(
        &server,
        None,
        "mutation($input: LeadCaptureInput!) { leadCapture(input: $input) { errors { code } } }",
        json!({"input": {"email": "quiet@example.com", "firstName": "Q"}}),
    )
    .await;
    assert_eq!(d["leadCapture"]["errors"], json!([]));
    for _ in 0..3 {
        ok(
            &server,
            None,
            "mutation($input: LeadActivityTrackInput!, $key: String) { leadActivityTrack(input: $input, trackingKey: $key) { errors { code } } }",
            json!({"input": {"email": "quiet@example.com", "type": "page_view", "url": "https://shop.example/pricing"},
                   "key": TRACKING_KEY}),
        )
        .await;
    }
    let lead = lead_id(&server, "quiet@example.com").await;
    let score = |d: &Value| d["lead"]["score"].as_i64().unwrap();
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(score(&d), 35);
    let db = &server.state.db.conn;
    let now = Utc::now();

    // Less than a week: nothing. One week: −5, once, however often the job runs.
    assert_eq!(decay_once(db, now + Duration::days(6)).await.unwrap(), 0);
    assert_eq!(decay_once(db, now + Duration::days(8)).await.unwrap(), 1);
    assert_eq!(decay_once(db, now + Duration::days(8)).await.unwrap(), 0);
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(score(&d), 30);
    // Three weeks in total: two more.
    decay_once(db, now + Duration::days(22)).await.unwrap();
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(score(&d), 20);
    // Half a year: floors at 0; the stage never moves back.
    decay_once(db, now + Duration::days(180)).await.unwrap();
    assert_eq!(decay_once(db, now + Duration::days(181)).await.unwrap(), 0);
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(score(&d), 0);
    assert_eq!(d["lead"]["stage"], "LEAD");
    let decays = d["lead"]["activities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["type"] == "inactive_week")
        .map(|e| e["node"]["points"].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(decays, -35);
}

#[tokio::test]
async fn registering_customer_links_the_lead_with_that_email() {
    let server = server().await;
    let staff = server.staff_token().await;
    let d = ok(
        &server,
        None,
        "mutation($input: LeadCaptureInput!) { leadCapture(input: $input) { errors { code } } }",
        json!({"input": {"email": "Joiner@Example.com", "firstName": "J"}}),
    )
    .await;
    assert_eq!(d["leadCapture"]["errors"], json!([]));
    let lead = lead_id(&server, "joiner@example.com").await;
    // customer_token registers (and confirms) the account.
    server.customer_token("joiner@example.com").await;
    let d = ok(&server, Some(&staff), LEAD, json!({"id": lead})).await;
    assert_eq!(d["lead"]["stage"], "CUSTOMER", "{d}");
    assert!(server.last_event("LEAD_CONVERTED").await.is_some());
}
