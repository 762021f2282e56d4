//! Taxes: the storefront's checkout flow with flat-rate taxes on, in both demo currencies
//! (EUR prices entered gross with German VAT and a reduced rate; USD prices entered net with
//! Canadian GST added on top), totals checked to the cent from the catalog prices; orders
//! keep the net and gross amounts; the staff tax API with Saleor's errors and permissions.

use serde_json::{Value, json};

use crate::common::{TestServer, data, error_code};
use crate::ops;

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";
const DUMMY: &str = "saleor.io.dummy-payment-app";

async fn sf(server: &TestServer, name: &str, vars: Value) -> Value {
    let body = server.gql(&ops::checkout_document(name), vars).await;
    assert!(body.get("errors").is_none(), "{name}: {body}");
    body["data"].clone()
}

async fn staff(server: &TestServer, token: &str, q: &str, vars: Value) -> Value {
    let body = server.gql_as(token, q, vars).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
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

/// Gross of a net amount at `rate_pct` percent.
fn gross_of_net(net: i64, rate_pct: i64) -> i64 {
    div_round(net * (100 + rate_pct), 100)
}

/// The first variant of `slug` in `channel` with its price's gross and net in cents.
async fn variant(server: &TestServer, slug: &str, channel: &str) -> (String, i64, i64) {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) {
        variants { id pricing { price { gross { amount } net { amount } } } } } }";
    let d = data(
        &server
            .gql(q, json!({"slug": slug, "channel": channel}))
            .await,
    )
    .clone();
    let v = &d["product"]["variants"][0];
    (
        v["id"].as_str().unwrap().to_owned(),
        cents(&v["pricing"]["price"]["gross"]),
        cents(&v["pricing"]["price"]["net"]),
    )
}

fn address(country: &str) -> Value {
    match country {
        "DE" => {
            json!({"firstName": "Erika", "lastName": "Mustermann", "streetAddress1": "Hauptstr. 1",
            "city": "Berlin", "postalCode": "10115", "country": "DE"})
        }
        _ => {
            json!({"firstName": "Jean", "lastName": "Tremblay", "streetAddress1": "1 Rue Sherbrooke",
            "city": "Montreal", "postalCode": "H3Z 2Y7", "country": "CA", "countryArea": "QC"})
        }
    }
}

/// The storefront's flow up to payment: create, add lines, email, addresses, delivery
/// (Standard), promo code. Returns the checkout id and the last checkout seen.
async fn storefront_checkout(
    server: &TestServer,
    channel: &str,
    country: &str,
    lines: Value,
    promo: bool,
) -> (String, Value) {
    let en = "EN";
    let d = sf(
        server,
        "checkoutCreate",
        json!({"channel": channel, "languageCode": en}),
    )
    .await;
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    sf(
        server,
        "checkoutLinesAdd",
        json!({"checkoutId": id, "lines": lines, "languageCode": en}),
    )
    .await;
    sf(
        server,
        "checkoutEmailUpdate",
        json!({"checkoutId": id, "email": "taxes@example.com", "languageCode": en}),
    )
    .await;
    for (op, field) in [
        ("checkoutShippingAddressUpdate", "shippingAddress"),
        ("checkoutBillingAddressUpdate", "billingAddress"),
    ] {
        let d = sf(
            server,
            op,
            json!({"checkoutId": id, field: address(country), "languageCode": en}),
        )
        .await;
        assert_eq!(d[op]["errors"], json!([]), "{d}");
    }
    let d = sf(server, "deliveryOptionsCalculate", json!({"id": id})).await;
    let standard = d["deliveryOptionsCalculate"]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["shippingMethod"]["name"] == "Standard")
        .unwrap()["shippingMethod"]["id"]
        .clone();
    let mut d = sf(
        server,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": standard, "languageCode": en}),
    )
    .await["checkoutDeliveryMethodUpdate"]["checkout"]
        .clone();
    if promo {
        let r = sf(
            server,
            "checkoutAddPromoCode",
            json!({"checkoutId": id, "promoCode": "WELCOME10", "languageCode": en}),
        )
        .await;
        assert_eq!(r["checkoutAddPromoCode"]["errors"], json!([]), "{r}");
        d = r["checkoutAddPromoCode"]["checkout"].clone();
    }
    (id, d)
}

/// Net totals of a checkout (not in the storefront's fragment).
async fn checkout_nets(server: &TestServer, id: &str) -> Value {
    let q = "query($id: ID!) { checkout(id: $id) {
        subtotalPrice { net { amount } gross { amount } tax { amount } }
        shippingPrice { net { amount } gross { amount } }
        totalPrice { net { amount } gross { amount } tax { amount } }
        lines { totalPrice { net { amount } gross { amount } } unitPrice { net { amount } gross { amount } } } } }";
    data(&server.gql(q, json!({"id": id})).await)["checkout"].clone()
}

/// Splits `discount` over `amounts` in proportion, remainders to the largest fractions.
fn prorate(discount: i64, amounts: &[i64]) -> Vec<i64> {
    let total: i64 = amounts.iter().sum();
    let mut shares: Vec<i64> = amounts.iter().map(|a| discount * a / total).collect();
    let mut order: Vec<usize> = (0..amounts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((discount * amounts[i]) % total));
    let left = discount - shares.iter().sum::<i64>();
    for &i in order.iter().take(left as usize) {
        shares[i] += 1;
    }
    shares
}

#[tokio::test]
async fn eur_checkout_with_vat_reduced_rate_promo_and_payment() {
    let server = TestServer::start().await;
    // Catalog prices: EUR prices are gross; the net comes from the product's tax class in the
    // channel's default country (Germany): 19% standard, 7% reduced for drinks.
    let (tee, tee_gross, tee_net) = variant(&server, "monospace-tee", EUR).await;
    let (juice, juice_gross, juice_net) = variant(&server, "apple-juice", EUR).await;
    assert_eq!(tee_net, net_of_gross(tee_gross, 19));
    assert_eq!(juice_net, net_of_gross(juice_gross, 7));
    assert_ne!(tee_net, tee_gross);

    let lines = json!([{"variantId": tee, "quantity": 2}, {"variantId": juice, "quantity": 3}]);
    let (id, c) = storefront_checkout(&server, EUR, "DE", lines, true).await;
    let (l1, l2) = (tee_gross * 2, juice_gross * 3);
    let subtotal = l1 + l2;
    // WELCOME10: 10% of the entered subtotal, spread over the lines before taxing them.
    let discount = cents(&c["discount"]);
    assert_eq!(discount, div_round(subtotal, 10));
    let shipping = cents(&c["shippingPrice"]["gross"]);
    assert_eq!(shipping, 450, "Standard in EUR is 4.50 gross");
    let shares = prorate(discount, &[l1, l2]);
    let total_gross = subtotal - discount + shipping;
    let total_net = net_of_gross(l1 - shares[0], 19)
        + net_of_gross(l2 - shares[1], 7)
        + net_of_gross(shipping, 19);
    assert_eq!(cents(&c["subtotalPrice"]["gross"]), subtotal);
    assert_eq!(cents(&c["totalPrice"]["gross"]), total_gross);
    assert_eq!(cents(&c["totalPrice"]["tax"]), total_gross - total_net);
    assert_eq!(c["totalPrice"]["gross"]["currency"], "EUR");
    let n = checkout_nets(&server, &id).await;
    assert_eq!(
        cents(&n["subtotalPrice"]["net"]),
        net_of_gross(l1, 19) + net_of_gross(l2, 7)
    );
    assert_eq!(
        cents(&n["shippingPrice"]["net"]),
        net_of_gross(shipping, 19)
    );
    assert_eq!(cents(&n["totalPrice"]["net"]), total_net);
    assert_eq!(
        cents(&n["lines"][1]["totalPrice"]["net"]),
        net_of_gross(l2, 7)
    );
    assert_eq!(
        cents(&n["lines"][0]["unitPrice"]["gross"]),
        tee_gross,
        "unit price = line total / quantity"
    );

    // Pay the whole (taxed) total with the dummy gateway, then complete.
    let t = sf(
        &server,
        "transactionInitialize",
        json!({"checkoutId": id, "paymentGateway": {"id": DUMMY, "data": {}}}),
    )
    .await;
    assert_eq!(t["transactionInitialize"]["errors"], json!([]), "{t}");
    let done = sf(&server, "checkoutComplete", json!({"checkoutId": id})).await;
    assert_eq!(done["checkoutComplete"]["errors"], json!([]), "{done}");
    let order_id = done["checkoutComplete"]["order"]["id"].clone();

    let token = server.staff_token().await;
    let q = "query($id: ID!) { order(id: $id) { isPaid chargeStatus
        total { net { amount } gross { amount } tax { amount } }
        subtotal { net { amount } gross { amount } }
        shippingPrice { net { amount } gross { amount } }
        undiscountedTotal { gross { amount } }
        totalCharged { amount }
        lines { taxRate quantity unitPrice { net { amount } gross { amount } }
                totalPrice { net { amount } gross { amount } } } } }";
    let o = staff(&server, &token, q, json!({"id": order_id})).await["order"].clone();
    assert_eq!(cents(&o["total"]["gross"]), total_gross);
    assert_eq!(cents(&o["total"]["net"]), total_net);
    assert_eq!(cents(&o["total"]["tax"]), total_gross - total_net);
    assert_eq!(
        cents(&o["subtotal"]["net"]),
        net_of_gross(l1, 19) + net_of_gross(l2, 7)
    );
    assert_eq!(
        cents(&o["shippingPrice"]["net"]),
        net_of_gross(shipping, 19)
    );
    assert_eq!(cents(&o["undiscountedTotal"]["gross"]), subtotal + shipping);
    assert_eq!(cents(&o["totalCharged"]), total_gross);
    assert_eq!(o["isPaid"], true);
    assert_eq!(o["chargeStatus"], "FULL");
    assert_eq!(o["lines"][0]["taxRate"], 0.19);
    assert_eq!(o["lines"][1]["taxRate"], 0.07);
    assert_eq!(cents(&o["lines"][1]["totalPrice"]["gross"]), l2);
    assert_eq!(
        cents(&o["lines"][1]["totalPrice"]["net"]),
        net_of_gross(l2, 7)
    );
    assert_eq!(cents(&o["lines"][0]["unitPrice"]["gross"]), tee_gross);
}

#[tokio::test]
async fn usd_checkout_adds_gst_on_net_prices() {
    let server = TestServer::start().await;
    // USD prices are net; the US (the channel's default country) has no flat-rate tax.
    let (tee, tee_gross, tee_net) = variant(&server, "monospace-tee", USD).await;
    assert_eq!(tee_gross, tee_net);
    // Canada: 5% GST on top, on goods and shipping alike.
    let lines = json!([{"variantId": tee, "quantity": 3}]);
    let (id, c) = storefront_checkout(&server, USD, "CA", lines, false).await;
    let l1 = tee_net * 3;
    let shipping_net = 500;
    let total_gross = gross_of_net(l1, 5) + gross_of_net(shipping_net, 5);
    assert_eq!(cents(&c["subtotalPrice"]["gross"]), gross_of_net(l1, 5));
    assert_eq!(
        cents(&c["shippingPrice"]["gross"]),
        gross_of_net(shipping_net, 5)
    );
    assert_eq!(cents(&c["totalPrice"]["gross"]), total_gross);
    assert_eq!(
        cents(&c["totalPrice"]["tax"]),
        total_gross - l1 - shipping_net
    );
    let n = checkout_nets(&server, &id).await;
    assert_eq!(cents(&n["totalPrice"]["net"]), l1 + shipping_net);
    // The catalog shows Canadian prices for a Canadian address.
    let q = "query($channel: String!) { product(slug: \"monospace-tee\", channel: $channel) {
        pricing(address: {country: CA}) { displayGrossPrices priceRange { start { gross { amount } net { amount } } } } } }";
    let p = data(&server.gql(q, json!({"channel": USD})).await)["product"]["pricing"].clone();
    assert_eq!(
        cents(&p["priceRange"]["start"]["gross"]),
        gross_of_net(cents(&p["priceRange"]["start"]["net"]), 5)
    );
    assert_eq!(p["displayGrossPrices"], true);

    let done = sf(&server, "checkoutComplete", json!({"checkoutId": id})).await;
    assert_eq!(done["checkoutComplete"]["errors"], json!([]), "{done}");
    let token = server.staff_token().await;
    let o = staff(
        &server,
        &token,
        "query($id: ID!) { order(id: $id) { total { net { amount } gross { amount } } lines { taxRate } } }",
        json!({"id": done["checkoutComplete"]["order"]["id"]}),
    )
    .await["order"]
        .clone();
    assert_eq!(cents(&o["total"]["gross"]), total_gross);
    assert_eq!(cents(&o["total"]["net"]), l1 + shipping_net);
    assert_eq!(o["lines"][0]["taxRate"], 0.05);
}

#[tokio::test]
async fn staff_tax_api_changes_rates_and_configuration() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    // Reads are for staff and apps; writes need MANAGE_TAXES.
    let list = "{ taxClasses(first: 10) { edges { node { id name countries { country { code } rate } } } } }";
    assert_eq!(
        error_code(&server.gql(list, json!({})).await),
        "PERMISSION_DENIED"
    );
    let customer = server.customer_token("taxpayer@example.com").await;
    let create = "mutation($input: TaxClassCreateInput!) { taxClassCreate(input: $input) {
        taxClass { id name countries { country { code } rate taxClass { name } } } errors { field code message } } }";
    let body = server
        .gql_as(&customer, create, json!({"input": {"name": "Books"}}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    let d = staff(&server, &token, list, json!({})).await;
    assert_eq!(d["taxClasses"]["edges"][0]["node"]["name"], "Reduced rate");

    // Bad input: negative and over-precise rates, empty names.
    for (input, field) in [
        (
            json!({"name": "Books", "createCountryRates": [{"countryCode": "DE", "rate": -1}]}),
            "createCountryRates",
        ),
        (
            json!({"name": "Books", "createCountryRates": [{"countryCode": "DE", "rate": 7.123}]}),
            "createCountryRates",
        ),
        (json!({"name": "  "}), "name"),
    ] {
        let d = staff(&server, &token, create, json!({"input": input})).await;
        let e = &d["taxClassCreate"]["errors"][0];
        assert_eq!(e["code"], "INVALID", "{d}");
        assert_eq!(e["field"], field);
        assert!(d["taxClassCreate"]["taxClass"].is_null());
    }
    let d = staff(
        &server,
        &token,
        create,
        json!({"input": {"name": "Books", "createCountryRates": [{"countryCode": "DE", "rate": 7}, {"countryCode": "FR", "rate": 5.5}]}}),
    )
    .await;
    let class = &d["taxClassCreate"]["taxClass"];
    assert_eq!(class["name"], "Books");
    assert_eq!(
        class["countries"],
        json!([{"country": {"code": "DE"}, "rate": 7.0, "taxClass": {"name": "Books"}},
               {"country": {"code": "FR"}, "rate": 5.5, "taxClass": {"name": "Books"}}])
    );
    let books = class["id"].clone();

    // Country configuration: the default rate and the classes' rates in one country.
    let update = "mutation($code: CountryCode!, $rates: [TaxClassRateInput!]!) {
        taxCountryConfigurationUpdate(countryCode: $code, updateTaxClassRates: $rates) {
        taxCountryConfiguration { country { code } taxClassCountryRates { rate taxClass { name } } }
        errors { code field taxClassIds } } }";
    let d = staff(
        &server,
        &token,
        update,
        json!({"code": "DE", "rates": [{"rate": 20}, {"taxClassId": books, "rate": null}]}),
    )
    .await;
    let rates =
        &d["taxCountryConfigurationUpdate"]["taxCountryConfiguration"]["taxClassCountryRates"];
    assert_eq!(
        rates,
        &json!([{"rate": 20.0, "taxClass": null}, {"rate": 7.0, "taxClass": {"name": "Reduced rate"}}])
    );
    let d = staff(
        &server,
        &token,
        update,
        json!({"code": "DE", "rates": [{"rate": 20}, {"rate": 21}]}),
    )
    .await;
    assert_eq!(
        d["taxCountryConfigurationUpdate"]["errors"][0]["code"],
        "ONLY_ONE_DEFAULT_COUNTRY_RATE_ALLOWED"
    );
    let d = staff(
        &server,
        &token,
        update,
        json!({"code": "DE", "rates": [{"rate": -3}]}),
    )
    .await;
    assert_eq!(
        d["taxCountryConfigurationUpdate"]["errors"][0]["code"],
        "CANNOT_CREATE_NEGATIVE_RATE"
    );
    // The new German rate applies to EUR prices at once.
    let (_, gross, net) = variant(&server, "monospace-tee", EUR).await;
    assert_eq!(net, net_of_gross(gross, 20));

    // Channel configuration: switch EUR off taxes for Germany only.
    let q = "{ channel(slug: \"channel-eur\") { taxConfiguration { id chargeTaxes pricesEnteredWithTax
        displayGrossPrices taxCalculationStrategy channel { slug } countries { country { code } chargeTaxes } } } }";
    let d = staff(&server, &token, q, json!({})).await;
    let cfg = &d["channel"]["taxConfiguration"];
    assert_eq!(cfg["pricesEnteredWithTax"], true);
    assert_eq!(cfg["taxCalculationStrategy"], "FLAT_RATES");
    assert_eq!(cfg["channel"]["slug"], EUR);
    let cfg_id = cfg["id"].clone();
    let set = "mutation($id: ID!, $input: TaxConfigurationUpdateInput!) { taxConfigurationUpdate(id: $id, input: $input) {
        taxConfiguration { countries { country { code } chargeTaxes displayGrossPrices } } errors { code field countryCodes } } }";
    let d = staff(
        &server,
        &token,
        set,
        json!({"id": cfg_id, "input": {"updateCountriesConfiguration": [
            {"countryCode": "DE", "chargeTaxes": false, "displayGrossPrices": true}]}}),
    )
    .await;
    assert_eq!(d["taxConfigurationUpdate"]["errors"], json!([]), "{d}");
    assert_eq!(
        d["taxConfigurationUpdate"]["taxConfiguration"]["countries"],
        json!([{"country": {"code": "DE"}, "chargeTaxes": false, "displayGrossPrices": true}])
    );
    let (_, gross, net) = variant(&server, "monospace-tee", EUR).await;
    assert_eq!(net, gross, "no taxes charged in Germany now");
    // Updating and removing the same country, and tax apps, are refused.
    let d = staff(
        &server,
        &token,
        set,
        json!({"id": cfg_id, "input": {"removeCountriesConfiguration": ["DE"], "updateCountriesConfiguration": [
            {"countryCode": "DE", "chargeTaxes": true, "displayGrossPrices": true}]}}),
    )
    .await;
    let e = &d["taxConfigurationUpdate"]["errors"][0];
    assert_eq!(e["code"], "DUPLICATED_INPUT_ITEM");
    assert_eq!(e["countryCodes"], json!(["DE"]));
    let d = staff(
        &server,
        &token,
        set,
        json!({"id": cfg_id, "input": {"taxCalculationStrategy": "TAX_APP"}}),
    )
    .await;
    assert_eq!(d["taxConfigurationUpdate"]["errors"][0]["code"], "INVALID");

    // Deleting a class moves its products back to the default rate.
    let del =
        "mutation($id: ID!) { taxClassDelete(id: $id) { taxClass { name } errors { code } } }";
    let reduced = staff(&server, &token, list, json!({})).await["taxClasses"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Reduced rate")
        .unwrap()["node"]["id"]
        .clone();
    let d = staff(&server, &token, del, json!({"id": reduced})).await;
    assert_eq!(d["taxClassDelete"]["taxClass"]["name"], "Reduced rate");
    let d = staff(&server, &token, del, json!({"id": reduced})).await;
    assert_eq!(d["taxClassDelete"]["errors"][0]["code"], "NOT_FOUND");
    let p = staff(
        &server,
        &token,
        "{ product(slug: \"apple-juice\", channel: \"channel-eur\") { taxClass { name } productType { taxClass { name } } } }",
        json!({}),
    )
    .await;
    assert_eq!(p["product"]["taxClass"], Value::Null);
    assert_eq!(p["product"]["productType"]["taxClass"], Value::Null);
}
