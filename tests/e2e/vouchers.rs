//! Vouchers: the staff API (MANAGE_DISCOUNTS) with Saleor's errors and permissions, and
//! each voucher kind applied in a checkout with totals checked to the cent (EUR prices
//! entered gross with German VAT: 19% standard, 7% for drinks), minimum quantity, once per
//! customer (also under concurrent completions) and staff-only vouchers.

use serde_json::{Value, json};

use crate::common::{TestServer, data, error_code};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";

const VOUCHER: &str = "fragment V on Voucher { id code name type discountValueType discountValue
    currency minSpent { amount currency } usageLimit used startDate endDate applyOncePerOrder
    applyOncePerCustomer singleUse onlyForStaff minCheckoutItemsQuantity
    countries { code } metadata { key value }
    codes(first: 5) { totalCount edges { node { code used } } }
    channelListings { channel { slug } discountValue currency minSpent { amount } }
    products(first: 10) { totalCount edges { node { id } } }
    variants(first: 10) { totalCount edges { node { id } } }
    categories(first: 10) { totalCount edges { node { id } } }
    collections(first: 10) { totalCount edges { node { id } } } }";
const ERRORS: &str = "errors { field code message channels }";

async fn staff(server: &TestServer, token: &str, q: &str, vars: Value) -> Value {
    let body = server.gql_as(token, q, vars).await;
    data(&body).clone()
}

fn cents(v: &Value) -> i64 {
    (v["amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// `num / den` rounded half up (non-negative amounts).
fn div_round(num: i64, den: i64) -> i64 {
    (2 * num + den) / (2 * den)
}

/// Net of a gross amount at `rate_pct` percent.
fn net_of_gross(gross: i64, rate_pct: i64) -> i64 {
    div_round(gross * 100, 100 + rate_pct)
}

async fn voucher_create(server: &TestServer, token: &str, input: Value) -> Value {
    let q = format!(
        "mutation($input: VoucherInput!) {{ voucherCreate(input: $input) {{ voucher {{ ...V }} {ERRORS} }} }} {VOUCHER}"
    );
    staff(server, token, &q, json!({"input": input})).await["voucherCreate"].clone()
}

async fn voucher_update(server: &TestServer, token: &str, id: &Value, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $input: VoucherInput!) {{ voucherUpdate(id: $id, input: $input) {{ voucher {{ ...V }} {ERRORS} }} }} {VOUCHER}"
    );
    staff(server, token, &q, json!({"id": id, "input": input})).await["voucherUpdate"].clone()
}

async fn listing_update(server: &TestServer, token: &str, id: &Value, input: Value) -> Value {
    let q = format!(
        "mutation($id: ID!, $input: VoucherChannelListingInput!) {{ voucherChannelListingUpdate(id: $id, input: $input) {{ voucher {{ ...V }} {ERRORS} }} }} {VOUCHER}"
    );
    staff(server, token, &q, json!({"id": id, "input": input})).await["voucherChannelListingUpdate"]
        .clone()
}

async fn channel_id(server: &TestServer, token: &str, slug: &str) -> Value {
    let q = "query($slug: String!) { channel(slug: $slug) { id } }";
    staff(server, token, q, json!({"slug": slug})).await["channel"]["id"].clone()
}

/// A voucher created and listed in `channel` with `value` (and `extra` input fields).
async fn listed_voucher(
    server: &TestServer,
    token: &str,
    channel: &str,
    value: f64,
    input: Value,
) -> Value {
    let r = voucher_create(server, token, input).await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let id = r["voucher"]["id"].clone();
    let ch = channel_id(server, token, channel).await;
    let r = listing_update(
        server,
        token,
        &id,
        json!({"addChannels": [{"channelId": ch, "discountValue": value}]}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    id
}

/// Product id, first variant id and its gross price (cents) in `channel`.
async fn product(server: &TestServer, slug: &str, channel: &str) -> (String, String, i64) {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) {
        id category { id } variants { id pricing { price { gross { amount } } } } } }";
    let d = data(
        &server
            .gql(q, json!({"slug": slug, "channel": channel}))
            .await,
    )
    .clone();
    let p = &d["product"];
    (
        p["id"].as_str().unwrap().to_owned(),
        p["variants"][0]["id"].as_str().unwrap().to_owned(),
        cents(&p["variants"][0]["pricing"]["price"]["gross"]),
    )
}

fn address(country: &str) -> Value {
    match country {
        "DE" => json!({"firstName": "Erika", "lastName": "Mustermann",
            "streetAddress1": "Hauptstr. 1", "city": "Berlin", "postalCode": "10115", "country": "DE"}),
        _ => json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
            "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"}),
    }
}

const CHECKOUT: &str = "fragment C on Checkout { id voucherCode discount { amount }
    subtotalPrice { gross { amount } net { amount } }
    shippingPrice { gross { amount } net { amount } }
    totalPrice { gross { amount } net { amount } tax { amount } }
    shippingMethods { id name } }";

/// A checkout in `channel` shipped to `country` with `lines`, email `email` and, when
/// `deliver`, the Standard method selected.
async fn checkout(
    server: &TestServer,
    token: Option<&str>,
    channel: &str,
    country: &str,
    email: &str,
    lines: Value,
    deliver: bool,
) -> (String, Value) {
    let q = format!(
        "mutation($input: CheckoutCreateInput!) {{ checkoutCreate(input: $input) {{ checkout {{ ...C }} errors {{ field code message }} }} }} {CHECKOUT}"
    );
    let vars = json!({"input": {"channel": channel, "email": email, "lines": lines,
        "shippingAddress": address(country), "billingAddress": address(country)}});
    let body = match token {
        Some(t) => server.gql_as(t, &q, vars).await,
        None => server.gql(&q, vars).await,
    };
    let r = data(&body)["checkoutCreate"].clone();
    assert_eq!(r["errors"], json!([]), "{r}");
    let id = r["checkout"]["id"].as_str().unwrap().to_owned();
    if !deliver {
        return (id, r["checkout"].clone());
    }
    let standard = r["checkout"]["shippingMethods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Standard")
        .unwrap_or_else(|| panic!("no Standard method: {r}"))["id"]
        .clone();
    let q = format!(
        "mutation($id: ID!, $m: ID!) {{ checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $m) {{ checkout {{ ...C }} errors {{ field code message }} }} }} {CHECKOUT}"
    );
    let vars = json!({"id": id, "m": standard});
    let body = match token {
        Some(t) => server.gql_as(t, &q, vars).await,
        None => server.gql(&q, vars).await,
    };
    let r = data(&body)["checkoutDeliveryMethodUpdate"].clone();
    assert_eq!(r["errors"], json!([]), "{r}");
    (id, r["checkout"].clone())
}

/// `checkoutAddPromoCode`: the payload (`checkout`, `errors`).
async fn add_code(server: &TestServer, token: Option<&str>, id: &str, code: &str) -> Value {
    let q = format!(
        "mutation($id: ID!, $code: String!) {{ checkoutAddPromoCode(id: $id, promoCode: $code) {{ checkout {{ ...C }} errors {{ field code message }} }} }} {CHECKOUT}"
    );
    let vars = json!({"id": id, "code": code});
    let body = match token {
        Some(t) => server.gql_as(t, &q, vars).await,
        None => server.gql(&q, vars).await,
    };
    data(&body)["checkoutAddPromoCode"].clone()
}

async fn checkout_now(server: &TestServer, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ checkout(id: $id) {{ ...C }} }} {CHECKOUT}");
    data(&server.gql(&q, json!({"id": id})).await)["checkout"].clone()
}

const COMPLETE: &str = "mutation($id: ID!) { checkoutComplete(id: $id) {
    order { id voucherCode total { gross { amount } } undiscountedTotal { gross { amount } }
        discounts { type amount { amount } } voucher { code } }
    errors { field code message } } }";

// ------------------------------------------------------------------------ staff API

#[tokio::test]
async fn staff_create_list_update_listings_catalogues_delete() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (tee, tee_variant, _) = product(&server, "monospace-tee", USD).await;
    let q = "query { categories(first: 1) { edges { node { id } } } collections(first: 1) { edges { node { id } } } }";
    let d = staff(&server, &token, q, json!({})).await;
    let category = d["categories"]["edges"][0]["node"]["id"].clone();
    let collection = d["collections"]["edges"][0]["node"]["id"].clone();

    let r = voucher_create(
        &server,
        &token,
        json!({"name": "Summer sale", "code": "SUMMER", "type": "SPECIFIC_PRODUCT",
            "discountValueType": "PERCENTAGE", "usageLimit": 5, "applyOncePerOrder": true,
            "minCheckoutItemsQuantity": 2, "countries": ["de", "PL"], "products": [tee],
            "startDate": "2026-01-01T00:00:00+00:00"}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let v = &r["voucher"];
    assert_eq!(v["code"], "SUMMER");
    assert_eq!(v["name"], "Summer sale");
    assert_eq!(v["type"], "SPECIFIC_PRODUCT");
    assert_eq!(v["discountValueType"], "PERCENTAGE");
    assert_eq!(v["usageLimit"], 5);
    assert_eq!(v["used"], 0);
    assert_eq!(v["applyOncePerOrder"], true);
    assert_eq!(v["applyOncePerCustomer"], false);
    assert_eq!(v["minCheckoutItemsQuantity"], 2);
    assert_eq!(v["countries"], json!([{"code": "DE"}, {"code": "PL"}]));
    assert_eq!(v["codes"]["edges"][0]["node"]["code"], "SUMMER");
    assert_eq!(v["products"]["totalCount"], 1);
    assert_eq!(v["products"]["edges"][0]["node"]["id"], json!(tee));
    assert_eq!(v["discountValue"], Value::Null, "no channel asked");
    assert_eq!(v["channelListings"], json!([]));
    let id = v["id"].clone();

    // Channel listings: a percentage in USD with a minimum spend.
    let usd = channel_id(&server, &token, USD).await;
    let eur = channel_id(&server, &token, EUR).await;
    let r = listing_update(
        &server,
        &token,
        &id,
        json!({"addChannels": [
            {"channelId": usd, "discountValue": 15, "minAmountSpent": "10.50"},
            {"channelId": eur, "discountValue": "12.5"}]}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let listings = r["voucher"]["channelListings"].as_array().unwrap();
    assert_eq!(listings.len(), 2);
    let usd_listing = listings
        .iter()
        .find(|l| l["channel"]["slug"] == USD)
        .unwrap();
    assert_eq!(usd_listing["discountValue"], 15.0);
    assert_eq!(usd_listing["currency"], "USD");
    assert_eq!(usd_listing["minSpent"]["amount"], 10.5);
    let r = listing_update(&server, &token, &id, json!({"removeChannels": [eur]})).await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["voucher"]["channelListings"].as_array().unwrap().len(), 1);

    let q = format!(
        "query($id: ID!, $ch: String) {{ voucher(id: $id, channel: $ch) {{ ...V }} }} {VOUCHER}"
    );
    let d = staff(&server, &token, &q, json!({"id": id, "ch": USD})).await;
    assert_eq!(d["voucher"]["discountValue"], 15.0);
    assert_eq!(d["voucher"]["currency"], "USD");
    assert_eq!(d["voucher"]["minSpent"]["amount"], 10.5);

    // Catalogues: add a category, a collection and a variant; remove the product.
    let q = format!(
        "mutation($id: ID!, $input: CatalogueInput!) {{ voucherCataloguesAdd(id: $id, input: $input) {{ voucher {{ ...V }} {ERRORS} }} }} {VOUCHER}"
    );
    let d = staff(
        &server,
        &token,
        &q,
        json!({"id": id, "input": {"categories": [category], "collections": [collection], "variants": [tee_variant]}}),
    )
    .await;
    let v = &d["voucherCataloguesAdd"]["voucher"];
    assert_eq!(d["voucherCataloguesAdd"]["errors"], json!([]), "{d}");
    assert_eq!(v["categories"]["edges"][0]["node"]["id"], category);
    assert_eq!(v["collections"]["edges"][0]["node"]["id"], collection);
    assert_eq!(v["variants"]["edges"][0]["node"]["id"], json!(tee_variant));
    assert_eq!(v["products"]["totalCount"], 1);
    let q = format!(
        "mutation($id: ID!, $input: CatalogueInput!) {{ voucherCataloguesRemove(id: $id, input: $input) {{ voucher {{ ...V }} {ERRORS} }} }} {VOUCHER}"
    );
    let d = staff(
        &server,
        &token,
        &q,
        json!({"id": id, "input": {"products": [tee], "variants": [tee_variant]}}),
    )
    .await;
    let v = &d["voucherCataloguesRemove"]["voucher"];
    assert_eq!(v["products"]["totalCount"], 0);
    assert_eq!(v["variants"]["totalCount"], 0);
    assert_eq!(v["categories"]["totalCount"], 1);

    // Update: name, end date, usage limit cleared, switch to a fixed value.
    let r = voucher_update(
        &server,
        &token,
        &id,
        json!({"name": "Summer", "endDate": "2030-01-01T00:00:00+00:00", "usageLimit": null,
            "discountValueType": "FIXED"}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["voucher"]["name"], "Summer");
    assert_eq!(r["voucher"]["usageLimit"], Value::Null);
    assert_eq!(r["voucher"]["endDate"], "2030-01-01T00:00:00+00:00");
    assert_eq!(r["voucher"]["discountValueType"], "FIXED");
    assert_eq!(r["voucher"]["channelListings"][0]["discountValue"], 15.0);

    // Metadata through the generic mutation.
    let q = "mutation($id: ID!) { updateMetadata(id: $id, input: [{key: \"k\", value: \"v\"}]) {
        item { ... on Voucher { metadata { key value } } } errors { code } } }";
    let d = staff(&server, &token, q, json!({"id": id})).await;
    assert_eq!(
        d["updateMetadata"]["item"]["metadata"],
        json!([{"key": "k", "value": "v"}])
    );

    // Listing: search by code or name, sorting, channel values.
    let q = "query($f: VoucherFilterInput, $s: VoucherSortingInput, $ch: String) {
        vouchers(first: 10, filter: $f, sortBy: $s, channel: $ch) {
            totalCount edges { node { code discountValue } } } }";
    let d = staff(
        &server,
        &token,
        q,
        json!({"f": {"search": "summ"}, "ch": USD}),
    )
    .await;
    assert_eq!(d["vouchers"]["totalCount"], 1);
    assert_eq!(d["vouchers"]["edges"][0]["node"]["code"], "SUMMER");
    assert_eq!(d["vouchers"]["edges"][0]["node"]["discountValue"], 15.0);
    let d = staff(&server, &token, q, json!({"f": {"search": "welcome"}})).await;
    assert_eq!(d["vouchers"]["edges"][0]["node"]["code"], "WELCOME10");
    let d = staff(
        &server,
        &token,
        q,
        json!({"s": {"field": "CODE", "direction": "DESC"}}),
    )
    .await;
    let codes: Vec<String> = d["vouchers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["code"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(codes, sorted);
    assert!(codes.contains(&"SUMMER".to_owned()));
    let d = staff(
        &server,
        &token,
        q,
        json!({"f": {"discountType": ["SHIPPING"]}}),
    )
    .await;
    assert!(
        d["vouchers"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["code"] != "SUMMER")
    );

    // Pagination with cursors walks every voucher once.
    let q2 = "query($after: String) { vouchers(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }";
    let (mut after, mut seen) = (Value::Null, Vec::new());
    loop {
        let d = staff(&server, &token, q2, json!({"after": after})).await;
        seen.push(d["vouchers"]["edges"][0]["node"]["code"].clone());
        if d["vouchers"]["pageInfo"]["hasNextPage"] != true {
            assert_eq!(d["vouchers"]["totalCount"], json!(seen.len()));
            break;
        }
        after = d["vouchers"]["pageInfo"]["endCursor"].clone();
    }

    // Delete and bulk delete.
    let other = voucher_create(&server, &token, json!({"code": "OTHER"})).await;
    let other_id = other["voucher"]["id"].clone();
    let q = "mutation($id: ID!) { voucherDelete(id: $id) { voucher { code } errors { code } } }";
    let d = staff(&server, &token, q, json!({"id": id})).await;
    assert_eq!(d["voucherDelete"]["voucher"]["code"], "SUMMER");
    let q = "query($id: ID!) { voucher(id: $id) { id } }";
    assert_eq!(
        staff(&server, &token, q, json!({"id": id})).await["voucher"],
        Value::Null
    );
    let q = "mutation($ids: [ID!]!) { voucherBulkDelete(ids: $ids) { count errors { code } } }";
    let d = staff(&server, &token, q, json!({"ids": [other_id, id]})).await;
    assert_eq!(d["voucherBulkDelete"]["count"], 1);
    let q =
        "mutation($id: ID!) { voucherDelete(id: $id) { voucher { code } errors { field code } } }";
    let d = staff(&server, &token, q, json!({"id": id})).await;
    assert_eq!(d["voucherDelete"]["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn bad_input_gets_saleor_errors() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let r = voucher_create(&server, &token, json!({"code": "WELCOME10"})).await;
    assert_eq!(r["voucher"], Value::Null);
    assert_eq!(r["errors"][0]["code"], "UNIQUE");
    assert_eq!(r["errors"][0]["field"], "code");
    let r = voucher_create(&server, &token, json!({"addCodes": ["WELCOME10"]})).await;
    assert_eq!(r["errors"][0]["code"], "UNIQUE");
    assert_eq!(r["errors"][0]["field"], "addCodes");
    let r = voucher_create(
        &server,
        &token,
        json!({"code": "LATE", "startDate": "2026-05-01T00:00:00+00:00", "endDate": "2026-04-01T00:00:00+00:00"}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["errors"][0]["field"], "endDate");
    let r = voucher_create(&server, &token, json!({"code": "NEG", "usageLimit": -1})).await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["errors"][0]["field"], "usageLimit");
    let r = voucher_create(&server, &token, json!({"code": "XX", "countries": ["XX"]})).await;
    assert_eq!(r["errors"][0]["code"], "INVALID");

    let r = voucher_create(
        &server,
        &token,
        json!({"code": "PCT", "discountValueType": "PERCENTAGE"}),
    )
    .await;
    let id = r["voucher"]["id"].clone();
    let usd = channel_id(&server, &token, USD).await;
    // Percentage over 100.
    let r = listing_update(
        &server,
        &token,
        &id,
        json!({"addChannels": [{"channelId": usd, "discountValue": 150}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["errors"][0]["field"], "discountValue");
    assert_eq!(r["errors"][0]["channels"], json!([usd]));
    // A new listing needs a value.
    let r = listing_update(
        &server,
        &token,
        &id,
        json!({"addChannels": [{"channelId": usd}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "REQUIRED");
    // Added and removed at once.
    let r = listing_update(
        &server,
        &token,
        &id,
        json!({"addChannels": [{"channelId": usd, "discountValue": 5}], "removeChannels": [usd]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "DUPLICATED_INPUT_ITEM");
    // A negative value is not a PositiveDecimal: a top-level error, as in Saleor.
    let q = "mutation($id: ID!, $input: VoucherChannelListingInput!) {
        voucherChannelListingUpdate(id: $id, input: $input) { errors { code } } }";
    let body = server
        .gql_as(
            &token,
            q,
            json!({"id": id, "input": {"addChannels": [{"channelId": usd, "discountValue": -5}]}}),
        )
        .await;
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    // Too many decimals for a fixed amount in USD.
    let r = voucher_create(&server, &token, json!({"code": "FIX"})).await;
    let fixed = r["voucher"]["id"].clone();
    let r = listing_update(
        &server,
        &token,
        &fixed,
        json!({"addChannels": [{"channelId": usd, "discountValue": "1.234"}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    // Wrong id type.
    let q = "mutation { voucherDelete(id: \"UHJvZHVjdDox\") { errors { code } } }";
    let body = server.gql_as(&token, q, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Voucher")
    );
}

#[tokio::test]
async fn anonymous_and_customers_are_denied() {
    let server = TestServer::start().await;
    let customer = server.customer_token("shopper@example.com").await;
    let q = "query { vouchers(first: 5) { totalCount } }";
    let body = server.gql(q, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = server.gql_as(&customer, q, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let m = "mutation { voucherCreate(input: {code: \"HACK\"}) { voucher { id } } }";
    let body = server.gql(m, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = server.gql_as(&customer, m, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let token = server.staff_token().await;
    let d = staff(
        &server,
        &token,
        "query { vouchers(filter: {search: \"HACK\"}, first: 5) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["vouchers"]["totalCount"], 0);
}

// ------------------------------------------------------------------------ checkout

#[tokio::test]
async fn specific_product_voucher_discounts_matching_lines_before_tax() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (tee, tee_v, tee_gross) = product(&server, "monospace-tee", EUR).await;
    let (_, juice_v, juice_gross) = product(&server, "apple-juice", EUR).await;
    let id = listed_voucher(
        &server,
        &token,
        EUR,
        25.0,
        json!({"code": "TEE25", "type": "SPECIFIC_PRODUCT", "discountValueType": "PERCENTAGE",
            "products": [tee]}),
    )
    .await;
    let lines = json!([{"variantId": tee_v, "quantity": 3}, {"variantId": juice_v, "quantity": 2}]);
    let (cid, before) = checkout(&server, None, EUR, "DE", "spec@example.com", lines, true).await;
    let shipping = cents(&before["shippingPrice"]["gross"]);
    let r = add_code(&server, None, &cid, "TEE25").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let c = &r["checkout"];
    let (l1, l2) = (tee_gross * 3, juice_gross * 2);
    // 25% of the T-shirt line only; the juice keeps its price.
    let off = div_round(l1 * 25, 100);
    assert_eq!(cents(&c["discount"]), off);
    assert_eq!(cents(&c["subtotalPrice"]["gross"]), l1 + l2);
    let total = l1 - off + l2 + shipping;
    let net = net_of_gross(l1 - off, 19) + net_of_gross(l2, 7) + net_of_gross(shipping, 19);
    assert_eq!(cents(&c["totalPrice"]["gross"]), total);
    assert_eq!(cents(&c["totalPrice"]["net"]), net);
    assert_eq!(cents(&c["totalPrice"]["tax"]), total - net);

    // Once per order: only the cheapest matching unit.
    let r = voucher_update(
        &server,
        &token,
        &json!(id),
        json!({"applyOncePerOrder": true}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let c = checkout_now(&server, &cid).await;
    let off = div_round(tee_gross * 25, 100);
    assert_eq!(cents(&c["discount"]), off);
    let total = l1 - off + l2 + shipping;
    let net = net_of_gross(l1 - off, 19) + net_of_gross(l2, 7) + net_of_gross(shipping, 19);
    assert_eq!(cents(&c["totalPrice"]["gross"]), total);
    assert_eq!(cents(&c["totalPrice"]["net"]), net);

    // A fixed value comes off each matching unit (4.00 × 3).
    let r = voucher_update(
        &server,
        &token,
        &json!(id),
        json!({"applyOncePerOrder": false, "discountValueType": "FIXED"}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let eur = channel_id(&server, &token, EUR).await;
    listing_update(
        &server,
        &token,
        &json!(id),
        json!({"addChannels": [{"channelId": eur, "discountValue": 4}]}),
    )
    .await;
    let c = checkout_now(&server, &cid).await;
    let off = (400 * 3).min(l1);
    assert_eq!(cents(&c["discount"]), off);
    assert_eq!(
        cents(&c["totalPrice"]["net"]),
        net_of_gross(l1 - off, 19) + net_of_gross(l2, 7) + net_of_gross(shipping, 19)
    );

    // A checkout without matching products: not applicable.
    let lines = json!([{"variantId": juice_v, "quantity": 1}]);
    let (cid, _) = checkout(&server, None, EUR, "DE", "spec@example.com", lines, true).await;
    let r = add_code(&server, None, &cid, "TEE25").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
}

#[tokio::test]
async fn category_voucher_matches_through_the_category() {
    let server = TestServer::start().await;
    // Demo TSHIRTS20: 20% off the T-shirts category.
    let (_, tee_v, tee_gross) = product(&server, "monospace-tee", USD).await;
    let (_, juice_v, juice_gross) = product(&server, "apple-juice", USD).await;
    let lines = json!([{"variantId": tee_v, "quantity": 1}, {"variantId": juice_v, "quantity": 1}]);
    let (cid, before) = checkout(&server, None, USD, "US", "cat@example.com", lines, true).await;
    let shipping = cents(&before["shippingPrice"]["gross"]);
    let r = add_code(&server, None, &cid, "TSHIRTS20").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let off = div_round(tee_gross * 20, 100);
    assert_eq!(cents(&r["checkout"]["discount"]), off);
    // US orders carry no tax: net = gross.
    let total = tee_gross + juice_gross - off + shipping;
    assert_eq!(cents(&r["checkout"]["totalPrice"]["gross"]), total);
    assert_eq!(cents(&r["checkout"]["totalPrice"]["net"]), total);
    let body = server.gql(COMPLETE, json!({"id": cid})).await;
    let o = &data(&body)["checkoutComplete"];
    assert_eq!(o["errors"], json!([]), "{o}");
    assert_eq!(o["order"]["voucherCode"], "TSHIRTS20");
    assert_eq!(cents(&o["order"]["total"]["gross"]), total);
    assert_eq!(cents(&o["order"]["discounts"][0]["amount"]), off);
}

#[tokio::test]
async fn shipping_voucher_discounts_shipping_and_respects_countries() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (_, tee_v, tee_gross) = product(&server, "monospace-tee", EUR).await;
    let (_, juice_v, juice_gross) = product(&server, "apple-juice", EUR).await;
    let lines = json!([{"variantId": tee_v, "quantity": 1}, {"variantId": juice_v, "quantity": 3}]);
    // Without a delivery method a shipping voucher has nothing to discount.
    let (cid, _) = checkout(
        &server,
        None,
        EUR,
        "DE",
        "ship@example.com",
        lines.clone(),
        false,
    )
    .await;
    let r = add_code(&server, None, &cid, "FREESHIP").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");

    // Demo FREESHIP: 100% of the shipping price.
    let (cid, before) = checkout(
        &server,
        None,
        EUR,
        "DE",
        "ship@example.com",
        lines.clone(),
        true,
    )
    .await;
    let shipping = cents(&before["shippingPrice"]["gross"]);
    assert!(shipping > 0);
    let r = add_code(&server, None, &cid, "FREESHIP").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let c = &r["checkout"];
    let (l1, l2) = (tee_gross, juice_gross * 3);
    assert_eq!(cents(&c["discount"]), shipping);
    assert_eq!(cents(&c["totalPrice"]["gross"]), l1 + l2);
    assert_eq!(
        cents(&c["totalPrice"]["net"]),
        net_of_gross(l1, 19) + net_of_gross(l2, 7)
    );

    // 30% off shipping, only to Poland and France: refused for Germany.
    listed_voucher(
        &server,
        &token,
        EUR,
        30.0,
        json!({"code": "SHIP30", "type": "SHIPPING", "discountValueType": "PERCENTAGE",
            "countries": ["PL", "FR"]}),
    )
    .await;
    let r = add_code(&server, None, &cid, "SHIP30").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
    let id = listed_voucher(
        &server,
        &token,
        EUR,
        30.0,
        json!({"code": "SHIP30DE", "type": "SHIPPING", "discountValueType": "PERCENTAGE",
            "countries": ["DE"]}),
    )
    .await;
    let _ = id;
    let r = add_code(&server, None, &cid, "SHIP30DE").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let c = &r["checkout"];
    let off = div_round(shipping * 30, 100);
    assert_eq!(cents(&c["discount"]), off);
    assert_eq!(cents(&c["totalPrice"]["gross"]), l1 + l2 + shipping - off);
    assert_eq!(
        cents(&c["totalPrice"]["net"]),
        net_of_gross(l1, 19) + net_of_gross(l2, 7) + net_of_gross(shipping - off, 19)
    );
}

#[tokio::test]
async fn minimum_quantity_and_staff_only() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (_, tee_v, tee_gross) = product(&server, "monospace-tee", USD).await;
    listed_voucher(
        &server,
        &token,
        USD,
        5.0,
        json!({"code": "THREEUP", "minCheckoutItemsQuantity": 3}),
    )
    .await;
    let lines = json!([{"variantId": tee_v, "quantity": 2}]);
    let (cid, _) = checkout(&server, None, USD, "US", "min@example.com", lines, true).await;
    let r = add_code(&server, None, &cid, "THREEUP").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
    let lines = json!([{"variantId": tee_v, "quantity": 3}]);
    let (cid, before) = checkout(&server, None, USD, "US", "min@example.com", lines, true).await;
    let r = add_code(&server, None, &cid, "THREEUP").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(cents(&r["checkout"]["discount"]), 500);
    assert_eq!(
        cents(&r["checkout"]["totalPrice"]["gross"]),
        tee_gross * 3 - 500 + cents(&before["shippingPrice"]["gross"])
    );

    listed_voucher(
        &server,
        &token,
        USD,
        10.0,
        json!({"code": "STAFFONLY", "onlyForStaff": true, "discountValueType": "PERCENTAGE"}),
    )
    .await;
    let customer = server.customer_token("notstaff@example.com").await;
    let lines = json!([{"variantId": tee_v, "quantity": 1}]);
    let (cid, _) = checkout(
        &server,
        Some(&customer),
        USD,
        "US",
        "notstaff@example.com",
        lines.clone(),
        true,
    )
    .await;
    let r = add_code(&server, Some(&customer), &cid, "STAFFONLY").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
    let (cid, _) = checkout(
        &server,
        None,
        USD,
        "US",
        "anon@example.com",
        lines.clone(),
        true,
    )
    .await;
    let r = add_code(&server, None, &cid, "STAFFONLY").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
    let (cid, _) = checkout(
        &server,
        Some(&token),
        USD,
        "US",
        "admin@example.com",
        lines,
        true,
    )
    .await;
    let r = add_code(&server, Some(&token), &cid, "STAFFONLY").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(
        cents(&r["checkout"]["discount"]),
        div_round(tee_gross * 10, 100)
    );
}

#[tokio::test]
async fn once_per_customer_holds_under_concurrent_completions() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let token = server.staff_token().await;
    let (_, tee_v, _) = product(&server, "monospace-tee", USD).await;
    listed_voucher(
        &server,
        &token,
        USD,
        3.0,
        json!({"code": "ONCE", "applyOncePerCustomer": true}),
    )
    .await;
    let lines = json!([{"variantId": tee_v, "quantity": 1}]);
    // Four checkouts of one customer hold the code before any completes.
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (cid, _) = checkout(
            &server,
            None,
            USD,
            "US",
            "Once@Example.com",
            lines.clone(),
            true,
        )
        .await;
        let r = add_code(&server, None, &cid, "ONCE").await;
        assert_eq!(r["errors"], json!([]), "{r}");
        ids.push(cid);
    }
    let mut tasks = Vec::new();
    for cid in ids {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            server.gql(COMPLETE, json!({"id": cid})).await
        }));
    }
    let (mut orders, mut refused) = (0, 0);
    for t in tasks {
        let body = t.await.unwrap();
        let r = &data(&body)["checkoutComplete"];
        if r["order"]["id"].is_string() {
            assert_eq!(cents(&r["order"]["discounts"][0]["amount"]), 300);
            orders += 1;
        } else {
            assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
            refused += 1;
        }
    }
    assert_eq!((orders, refused), (1, 3));
    // Afterwards the code is refused for that customer (any letter case), not for others.
    let (cid, _) = checkout(
        &server,
        None,
        USD,
        "US",
        "once@example.com",
        lines.clone(),
        true,
    )
    .await;
    let r = add_code(&server, None, &cid, "ONCE").await;
    assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{r}");
    let (cid, _) = checkout(&server, None, USD, "US", "twice@example.com", lines, true).await;
    let r = add_code(&server, None, &cid, "ONCE").await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let q = "query { vouchers(first: 5, filter: {search: \"ONCE\"}) { edges { node { used } } } }";
    let d = staff(&server, &token, q, json!({})).await;
    assert_eq!(d["vouchers"]["edges"][0]["node"]["used"], 1);
}
