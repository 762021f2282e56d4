//! End-to-end tests of checkouts: the storefront's own checkout operations, totals to the
//! cent in USD and EUR, Saleor's errors for bad quantities and variants, and access rules.

#![allow(clippy::unwrap_used)]

use crate::ops;

use crate::common::{TestServer, data, decode_id};
use serde_json::{Value, json};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";

const CHECKOUT: &str = "fragment C on Checkout { id email user { id }
  lines { id quantity variant { id } unitPrice { gross { amount currency } }
          undiscountedUnitPrice { amount } totalPrice { gross { amount currency } } }
  subtotalPrice { gross { amount currency } net { amount } tax { amount } }
  shippingPrice { gross { amount } } totalPrice { gross { amount currency } }
  shippingAddress { city postalCode countryArea country { code } }
  billingAddress { city country { code } }
  isShippingRequired authorizeStatus chargeStatus giftCards { id } voucherCode discount { amount }
  availablePaymentGateways { id } problems { __typename } channel { slug } }";

const ERRORS: &str = "errors { field code message variants lines addressType }";

/// Variants of a product: `(id, price)` as the storefront sees them in `channel`.
async fn variants(
    server: &TestServer,
    token: Option<&str>,
    slug: &str,
    channel: &str,
) -> Vec<(String, f64)> {
    let q = "query($slug: String!, $channel: String!) { product(slug: $slug, channel: $channel) {
        variants { id pricing { price { gross { amount } } } } } }";
    let vars = json!({"slug": slug, "channel": channel});
    let body = match token {
        Some(t) => server.gql_as(t, q, vars).await,
        None => server.gql(q, vars).await,
    };
    data(&body)["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap().to_owned(),
                v["pricing"]["price"]["gross"]["amount"]
                    .as_f64()
                    .unwrap_or(0.0),
            )
        })
        .collect()
}

async fn create(server: &TestServer, token: Option<&str>, input: Value) -> Value {
    let q = format!(
        "mutation($input: CheckoutCreateInput!) {{ checkoutCreate(input: $input) {{ checkout {{ ...C }} {ERRORS} }} }} {CHECKOUT}"
    );
    let vars = json!({"input": input});
    let body = match token {
        Some(t) => server.gql_as(t, &q, vars).await,
        None => server.gql(&q, vars).await,
    };
    data(&body)["checkoutCreate"].clone()
}

async fn mutate(
    server: &TestServer,
    token: Option<&str>,
    field: &str,
    args: &str,
    vars: Value,
) -> Value {
    let types = [
        ("$id", "ID!"),
        ("$lines", "[CheckoutLineInput!]!"),
        ("$upd", "[CheckoutLineUpdateInput!]!"),
        ("$ids", "[ID!]!"),
        ("$email", "String!"),
        ("$addr", "AddressInput!"),
    ];
    let decl: Vec<String> = types
        .iter()
        .filter(|(name, _)| args.contains(name))
        .map(|(name, ty)| format!("{name}: {ty}"))
        .collect();
    let q = format!(
        "mutation({}) {{ {field}({args}) {{ checkout {{ ...C }} {ERRORS} }} }} {CHECKOUT}",
        decl.join(", ")
    );
    let body = match token {
        Some(t) => server.gql_as(t, &q, vars).await,
        None => server.gql(&q, vars).await,
    };
    assert!(body.get("errors").is_none(), "{body}");
    data(&body)[field].clone()
}

fn amount(v: &Value) -> f64 {
    v["amount"].as_f64().unwrap()
}

#[tokio::test]
async fn cart_flow_totals_in_usd_and_eur() {
    let server = TestServer::start().await;
    for (channel, currency) in [(USD, "USD"), (EUR, "EUR")] {
        let vs = variants(&server, None, "monospace-tee", channel).await;
        assert!(vs.len() >= 2);
        let created = create(
            &server,
            None,
            json!({"channel": channel, "email": "Guest@Example.com",
                   "lines": [{"variantId": vs[0].0, "quantity": 2}]}),
        )
        .await;
        assert_eq!(created["errors"], json!([]));
        let c = &created["checkout"];
        assert_eq!(c["email"], "guest@example.com");
        assert_eq!(c["channel"]["slug"], channel);
        assert_eq!(c["lines"][0]["quantity"], 2);
        assert_eq!(c["authorizeStatus"], "NONE");
        assert_eq!(c["chargeStatus"], "NONE");
        assert_eq!(c["giftCards"], json!([]));
        // Demo data enables the dummy gateway in both channels.
        assert_eq!(
            c["availablePaymentGateways"],
            json!([{"id": "saleor.io.dummy-payment-app"}])
        );
        assert_eq!(c["problems"], json!([]));
        let id = c["id"].as_str().unwrap().to_owned();

        // Add the same variant (merged) and a second one.
        let added = mutate(
            &server,
            None,
            "checkoutLinesAdd",
            "id: $id, lines: $lines",
            json!({"id": id, "lines": [{"variantId": vs[0].0, "quantity": 1}, {"variantId": vs[1].0, "quantity": 3}]}),
        )
        .await;
        assert_eq!(added["errors"], json!([]));
        let c = &added["checkout"];
        assert_eq!(c["lines"].as_array().unwrap().len(), 2);
        assert_eq!(c["lines"][0]["quantity"], 3);
        // Totals to the cent: integer minor units, compared in cents.
        let cents = |x: f64| (x * 100.0).round() as i64;
        let expected = cents(vs[0].1) * 3 + cents(vs[1].1) * 3;
        assert_eq!(cents(amount(&c["subtotalPrice"]["gross"])), expected);
        // Demo taxes: EUR prices are gross with German VAT (19%; Germany is the channel's
        // default country), USD prices are net and the US has no flat-rate tax. The net of a
        // gross line total is rounded half up per line.
        let net = |gross: i64| {
            if channel == EUR {
                (gross * 200 + 119) / 238
            } else {
                gross
            }
        };
        let expected_net = net(cents(vs[0].1) * 3) + net(cents(vs[1].1) * 3);
        assert_eq!(cents(amount(&c["subtotalPrice"]["net"])), expected_net);
        assert_eq!(
            cents(amount(&c["subtotalPrice"]["tax"])),
            expected - expected_net
        );
        assert_eq!(cents(amount(&c["totalPrice"]["gross"])), expected);
        assert_eq!(c["totalPrice"]["gross"]["currency"], currency);
        assert_eq!(
            cents(amount(&c["lines"][1]["totalPrice"]["gross"])),
            cents(vs[1].1) * 3
        );
        assert_eq!(amount(&c["shippingPrice"]["gross"]), 0.0);

        // Update: second line to 0 removes it; first line to 1.
        let line0 = c["lines"][0]["id"].clone();
        let line1 = c["lines"][1]["id"].clone();
        let updated = mutate(
            &server,
            None,
            "checkoutLinesUpdate",
            "id: $id, lines: $upd",
            json!({"id": id, "upd": [{"lineId": line1, "quantity": 0}, {"lineId": line0, "quantity": 1}]}),
        )
        .await;
        assert_eq!(updated["errors"], json!([]));
        assert_eq!(updated["checkout"]["lines"].as_array().unwrap().len(), 1);
        assert_eq!(
            cents(amount(&updated["checkout"]["totalPrice"]["gross"])),
            cents(vs[0].1)
        );

        // Delete the last line.
        let deleted = mutate(
            &server,
            None,
            "checkoutLinesDelete",
            "id: $id, linesIds: $ids",
            json!({"id": id, "ids": [line0]}),
        )
        .await;
        assert_eq!(deleted["errors"], json!([]));
        assert_eq!(deleted["checkout"]["lines"], json!([]));
        assert_eq!(amount(&deleted["checkout"]["totalPrice"]["gross"]), 0.0);
    }
}

#[tokio::test]
async fn addresses_email_and_validation_rules() {
    let server = TestServer::start().await;
    let c = create(&server, None, json!({"channel": USD, "lines": []})).await;
    let id = c["checkout"]["id"].clone();
    let addr = json!({"firstName": "Ada", "lastName": "Lovelace", "streetAddress1": "1 Main St",
        "city": "new york", "postalCode": "10001", "country": "US", "countryArea": "NY"});
    let r = mutate(
        &server,
        None,
        "checkoutShippingAddressUpdate",
        "id: $id, shippingAddress: $addr",
        json!({"id": id, "addr": addr}),
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["checkout"]["shippingAddress"]["country"]["code"], "US");
    assert_eq!(r["checkout"]["shippingAddress"]["postalCode"], "10001");
    // A bad postal code is reported with the address type.
    let bad = json!({"firstName": "A", "lastName": "B", "streetAddress1": "x", "city": "NYC",
        "postalCode": "ABC", "country": "US", "countryArea": "NY"});
    let r = mutate(
        &server,
        None,
        "checkoutBillingAddressUpdate",
        "id: $id, billingAddress: $addr",
        json!({"id": id, "addr": bad}),
    )
    .await;
    assert_eq!(r["checkout"], Value::Null);
    assert_eq!(r["errors"][0]["field"], "postalCode");
    assert_eq!(r["errors"][0]["addressType"], "BILLING");
    // ... unless format checks are off.
    let q = format!(
        "mutation($id: ID!, $addr: AddressInput!) {{ checkoutBillingAddressUpdate(id: $id, billingAddress: $addr,
           validationRules: {{checkFieldsFormat: false}}) {{ checkout {{ ...C }} {ERRORS} }} }} {CHECKOUT}"
    );
    let body = server.gql(&q, json!({"id": id, "addr": bad})).await;
    assert_eq!(
        data(&body)["checkoutBillingAddressUpdate"]["errors"],
        json!([])
    );
    // Email.
    let r = mutate(
        &server,
        None,
        "checkoutEmailUpdate",
        "id: $id, email: $email",
        json!({"id": id, "email": "not an email"}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["errors"][0]["field"], "email");
    let r = mutate(
        &server,
        None,
        "checkoutEmailUpdate",
        "id: $id, email: $email",
        json!({"id": id, "email": "buyer@example.com"}),
    )
    .await;
    assert_eq!(r["checkout"]["email"], "buyer@example.com");
}

#[tokio::test]
async fn quantity_stock_and_availability_errors() {
    let server = TestServer::start().await;
    let vs = variants(&server, None, "monospace-tee", USD).await;
    // Zero quantity.
    let r = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": vs[0].0, "quantity": 0}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "ZERO_QUANTITY");
    // Over Saleor's limit of 50 per line.
    let r = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": vs[0].0, "quantity": 51}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "QUANTITY_GREATER_THAN_LIMIT");
    assert_eq!(r["errors"][0]["variants"], json!([vs[0].0]));
    // Out of stock.
    let beans = variants(&server, None, "bean-juice", USD).await;
    let r = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": beans[0].0, "quantity": 1}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INSUFFICIENT_STOCK");
    assert_eq!(r["errors"][0]["field"], "quantity");
    assert_eq!(r["errors"][0]["variants"], json!([beans[0].0]));
    assert_eq!(r["checkout"], Value::Null);
    // Unpublished product.
    let staff = server.staff_token().await;
    let polo = variants(&server, Some(&staff), "polo-shirt", USD).await;
    let r = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": polo[0].0, "quantity": 1}]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "PRODUCT_NOT_PUBLISHED");
    // Unknown channel.
    let r = create(&server, None, json!({"channel": "nope", "lines": []})).await;
    assert_eq!(r["errors"][0]["field"], "channel");
    // A line id of another checkout.
    let a = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": vs[0].0, "quantity": 1}]}),
    )
    .await;
    let b = create(&server, None, json!({"channel": USD, "lines": []})).await;
    let r = mutate(
        &server,
        None,
        "checkoutLinesDelete",
        "id: $id, linesIds: $ids",
        json!({"id": b["checkout"]["id"], "ids": [a["checkout"]["lines"][0]["id"]]}),
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(
        r["errors"][0]["lines"],
        json!([a["checkout"]["lines"][0]["id"]])
    );
    // Garbage ids are top-level errors, never panics.
    let body = server
        .gql("{ checkout(id: \"garbage\") { id } }", json!({}))
        .await;
    assert!(body["errors"].is_array());
}

#[tokio::test]
async fn checkout_ids_are_the_capability_and_the_user_stays_private() {
    let server = TestServer::start().await;
    let alice = server.customer_token("alice@example.com").await;
    let bob = server.customer_token("bob@example.com").await;
    let c = create(&server, Some(&alice), json!({"channel": USD, "lines": []})).await;
    assert_eq!(c["errors"], json!([]));
    assert_eq!(c["checkout"]["email"], "alice@example.com");
    assert!(c["checkout"]["user"]["id"].is_string());
    let id = c["checkout"]["id"].clone();
    let q = "query($id: ID!) { checkout(id: $id) { id email user { id } } }";
    // As in Saleor, whoever holds the ID reads the checkout (the storefront reads a signed-in
    // shopper's checkout without the token); only its owner sees `user`.
    let body = server.gql_as(&alice, q, json!({"id": id})).await;
    assert_eq!(data(&body)["checkout"]["id"], id);
    assert!(data(&body)["checkout"]["user"]["id"].is_string());
    for body in [
        server.gql_as(&bob, q, json!({"id": id})).await,
        server.gql(q, json!({"id": id})).await,
    ] {
        assert_eq!(data(&body)["checkout"]["id"], id, "{body}");
        assert_eq!(data(&body)["checkout"]["email"], "alice@example.com");
        assert_eq!(data(&body)["checkout"]["user"], Value::Null);
    }
    // An ID that names no checkout reads as null.
    let unknown = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("Checkout:{}", uuid::Uuid::new_v4()),
    );
    let body = server.gql(q, json!({"id": unknown})).await;
    assert_eq!(data(&body)["checkout"], Value::Null);
    // Detach makes it a guest checkout; attach by bob takes it over.
    let r = mutate(
        &server,
        Some(&alice),
        "checkoutCustomerDetach",
        "id: $id",
        json!({"id": id}),
    )
    .await;
    assert_eq!(r["checkout"]["user"], Value::Null);
    let r = mutate(
        &server,
        Some(&bob),
        "checkoutCustomerAttach",
        "id: $id",
        json!({"id": id}),
    )
    .await;
    assert_eq!(r["checkout"]["email"], "bob@example.com");
    let body = server.gql_as(&alice, q, json!({"id": id})).await;
    assert_eq!(data(&body)["checkout"]["user"], Value::Null);
    // Attaching needs a signed-in user.
    let body = server
        .gql(
            "mutation($id: ID!) { checkoutCustomerAttach(id: $id) { errors { code } } }",
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_array());
    // Events: CHECKOUT_CREATED and CHECKOUT_UPDATED were recorded.
    assert!(server.last_event("CHECKOUT_CREATED").await.is_some());
    assert!(server.last_event("CHECKOUT_UPDATED").await.is_some());
}

/// Runs the storefront's checkout operation `name` (from `src/checkout/graphql`).
async fn sf(server: &TestServer, token: Option<&str>, name: &str, vars: Value) -> Value {
    let doc = ops::checkout_document(name);
    let body = match token {
        Some(t) => server.gql_as(t, &doc, vars).await,
        None => server.gql(&doc, vars).await,
    };
    assert!(body.get("errors").is_none(), "{name}: {body}");
    body["data"].clone()
}

fn cents(v: &Value) -> i64 {
    (v["amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// The storefront's flow up to delivery: create → add lines → email → addresses →
/// delivery options → delivery method; returns the checkout id and its total in cents.
async fn storefront_checkout(
    server: &TestServer,
    token: Option<&str>,
    channel: &str,
    lines: Value,
) -> (String, i64) {
    let lang = "EN";
    let d = sf(
        server,
        token,
        "checkoutCreate",
        json!({"channel": channel, "languageCode": lang}),
    )
    .await;
    assert_eq!(d["checkoutCreate"]["errors"], json!([]));
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = sf(
        server,
        token,
        "checkoutLinesAdd",
        json!({"checkoutId": id, "lines": lines, "languageCode": lang}),
    )
    .await;
    assert_eq!(d["checkoutLinesAdd"]["errors"], json!([]), "{d}");
    let subtotal = cents(&d["checkoutLinesAdd"]["checkout"]["subtotalPrice"]["gross"]);
    let d = sf(
        server,
        token,
        "checkoutEmailUpdate",
        json!({"checkoutId": id, "email": "shopper@example.com", "languageCode": lang}),
    )
    .await;
    assert_eq!(d["checkoutEmailUpdate"]["errors"], json!([]));
    let addr = json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let d = sf(
        server,
        token,
        "checkoutShippingAddressUpdate",
        json!({"checkoutId": id, "shippingAddress": addr, "languageCode": lang}),
    )
    .await;
    assert_eq!(
        d["checkoutShippingAddressUpdate"]["errors"],
        json!([]),
        "{d}"
    );
    let d = sf(
        server,
        token,
        "checkoutBillingAddressUpdate",
        json!({"checkoutId": id, "billingAddress": addr, "languageCode": lang,
               "validationRules": {"checkRequiredFields": true}}),
    )
    .await;
    assert_eq!(
        d["checkoutBillingAddressUpdate"]["errors"],
        json!([]),
        "{d}"
    );
    let d = sf(server, token, "deliveryOptionsCalculate", json!({"id": id})).await;
    let deliveries = d["deliveryOptionsCalculate"]["deliveries"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(deliveries.len(), 2, "{d}");
    let standard = &deliveries[0]["shippingMethod"];
    assert_eq!(standard["name"], "Standard");
    assert_eq!(standard["minimumDeliveryDays"], 3);
    let shipping = cents(&standard["price"]);
    // The storefront sends the `Delivery` id (a `CheckoutDelivery` global ID), not the
    // shipping method's, and compares it with `checkout.delivery.id` afterwards.
    let delivery_id = deliveries[0]["id"].as_str().unwrap().to_owned();
    assert!(
        decode_id(&delivery_id).starts_with("CheckoutDelivery:"),
        "{delivery_id}"
    );
    let d = sf(
        server,
        token,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": delivery_id, "languageCode": lang}),
    )
    .await;
    let c = &d["checkoutDeliveryMethodUpdate"]["checkout"];
    assert_eq!(
        d["checkoutDeliveryMethodUpdate"]["errors"],
        json!([]),
        "{d}"
    );
    assert_eq!(c["delivery"]["id"], json!(delivery_id));
    assert_eq!(c["delivery"]["shippingMethod"]["id"], standard["id"]);
    assert_eq!(cents(&c["shippingPrice"]["gross"]), shipping);
    assert_eq!(cents(&c["totalPrice"]["gross"]), subtotal + shipping);
    assert_eq!(cents(&c["totalPrice"]["tax"]), 0);
    assert_eq!(c["problems"], json!([]));
    (id, subtotal + shipping)
}

#[tokio::test]
async fn storefront_delivery_flow_usd_and_eur() {
    let server = TestServer::start().await;
    for (channel, shipping) in [(USD, 500), (EUR, 450)] {
        let vs = variants(&server, None, "monospace-tee", channel).await;
        let (id, total) = storefront_checkout(
            &server,
            None,
            channel,
            json!([{"variantId": vs[0].0, "quantity": 2}, {"variantId": vs[1].0, "quantity": 1}]),
        )
        .await;
        let c = |x: f64| (x * 100.0).round() as i64;
        assert_eq!(total, c(vs[0].1) * 2 + c(vs[1].1) + shipping);
        // The storefront's checkout query sees the same.
        let d = sf(
            &server,
            None,
            "checkout",
            json!({"id": id, "languageCode": "EN"}),
        )
        .await;
        assert_eq!(cents(&d["checkout"]["totalPrice"]["gross"]), total);
        assert_eq!(d["checkout"]["shippingAddress"]["country"]["code"], "US");
    }
    // A method of a zone that does not cover the address is not applicable.
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let (id, _) = storefront_checkout(
        &server,
        None,
        USD,
        json!([{"variantId": vs[0].0, "quantity": 1}]),
    )
    .await;
    let gb = json!({"firstName": "A", "lastName": "B", "streetAddress1": "1 High St",
        "city": "London", "postalCode": "SW1A 1AA", "country": "GB"});
    let d = sf(
        &server,
        None,
        "checkoutShippingAddressUpdate",
        json!({"checkoutId": id, "shippingAddress": gb, "languageCode": "EN"}),
    )
    .await;
    let c = &d["checkoutShippingAddressUpdate"]["checkout"];
    assert_eq!(
        d["checkoutShippingAddressUpdate"]["errors"],
        json!([]),
        "{d}"
    );
    // The US method no longer applies: a problem, and no shipping charged.
    assert_eq!(
        c["problems"],
        json!([{"__typename": "CheckoutProblemDeliveryMethodInvalid"}])
    );
    assert_eq!(cents(&c["shippingPrice"]["gross"]), 0);
    let us_method = c["delivery"]["shippingMethod"]["id"].clone();
    let d = sf(
        &server,
        None,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": us_method, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(
        d["checkoutDeliveryMethodUpdate"]["errors"][0]["code"],
        "DELIVERY_METHOD_NOT_APPLICABLE"
    );
}

async fn complete(server: &TestServer, token: Option<&str>, id: &str) -> Value {
    let d = sf(server, token, "checkoutComplete", json!({"checkoutId": id})).await;
    d["checkoutComplete"].clone()
}

#[tokio::test]
async fn storefront_complete_and_my_orders_usd_and_eur() {
    let server = TestServer::start().await;
    let token = server.customer_token("orders@example.com").await;
    let other = server.customer_token("other@example.com").await;
    let mut totals = Vec::new();
    for (channel, currency) in [(USD, "USD"), (EUR, "EUR")] {
        let vs = variants(&server, None, "monospace-tee", channel).await;
        let (id, total) = storefront_checkout(
            &server,
            Some(&token),
            channel,
            json!([{"variantId": vs[0].0, "quantity": 2}, {"variantId": vs[1].0, "quantity": 1}]),
        )
        .await;
        let done = complete(&server, Some(&token), &id).await;
        assert_eq!(done["errors"], json!([]), "{done}");
        assert_eq!(done["order"]["channel"]["slug"], channel);
        let order_id = done["order"]["id"].as_str().unwrap().to_owned();
        // Idempotent: completing again returns the same order.
        let again = complete(&server, Some(&token), &id).await;
        assert_eq!(again["order"]["id"], order_id);
        // The completed checkout is gone for the storefront.
        let d = sf(
            &server,
            Some(&token),
            "checkout",
            json!({"id": id, "languageCode": "EN"}),
        )
        .await;
        assert_eq!(d["checkout"], Value::Null);
        // The storefront's order page.
        let d = sf(
            &server,
            Some(&token),
            "order",
            json!({"id": order_id, "languageCode": "EN"}),
        )
        .await;
        let o = &d["order"];
        assert_eq!(cents(&o["total"]["gross"]), total);
        assert_eq!(o["total"]["gross"]["currency"], currency);
        assert_eq!(
            cents(&o["subtotal"]["gross"]) + cents(&o["shippingPrice"]["gross"]),
            total
        );
        assert_eq!(o["userEmail"], "shopper@example.com");
        assert_eq!(o["lines"].as_array().unwrap().len(), 2);
        assert_eq!(o["lines"][0]["productName"], "Monospace Tee");
        assert_eq!(o["deliveryMethod"]["name"], "Standard");
        assert_eq!(o["isPaid"], false);
        assert_eq!(cents(&o["totalBalance"]), -total);
        // The confirmation page reads the order by its ID without the shopper's token
        // (as Saleor answers it); anyone else holding the ID reads it too.
        for token in [None, Some(other.as_str())] {
            let d = sf(
                &server,
                token,
                "order",
                json!({"id": order_id, "languageCode": "EN"}),
            )
            .await;
            assert_eq!(d["order"]["id"], order_id);
            assert_eq!(cents(&d["order"]["total"]["gross"]), total);
        }
        totals.push((order_id, total));
    }
    // me.orders through the storefront's documents, newest first.
    let body = server
        .gql_as(
            &token,
            &ops::document("CurrentUserOrdersPaginated"),
            json!({"first": 10, "languageCode": "EN"}),
        )
        .await;
    let orders = &data(&body)["me"]["orders"];
    assert_eq!(orders["totalCount"], 2);
    assert_eq!(orders["edges"][0]["node"]["id"], totals[1].0);
    assert_eq!(orders["edges"][1]["node"]["id"], totals[0].0);
    assert_eq!(orders["edges"][0]["node"]["status"], "UNFULFILLED");
    assert_eq!(
        cents(&orders["edges"][0]["node"]["total"]["gross"]),
        totals[1].1
    );
    let body = server
        .gql_as(
            &token,
            &ops::document("OrderByNumber"),
            json!({"first": 1, "languageCode": "EN"}),
        )
        .await;
    assert_eq!(
        data(&body)["me"]["orders"]["edges"][0]["node"]["number"],
        "2"
    );
    // Stock was allocated; an ORDER_CREATED event was recorded.
    assert!(server.last_event("ORDER_CREATED").await.is_some());
    // Staff see every order; customers cannot list all orders.
    let staff = server.staff_token().await;
    let q = "{ orders(first: 10) { totalCount edges { node { number userEmail } } } }";
    let body = server.gql_as(&staff, q, json!({})).await;
    assert_eq!(data(&body)["orders"]["totalCount"], 2);
    let body = server.gql_as(&token, q, json!({})).await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
}

#[tokio::test]
async fn complete_requires_delivery_and_rechecks_stock() {
    let server = TestServer::start().await;
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let c = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": vs[0].0, "quantity": 1}]}),
    )
    .await;
    let id = c["checkout"]["id"].as_str().unwrap().to_owned();
    let done = complete(&server, None, &id).await;
    assert_eq!(done["errors"][0]["code"], "EMAIL_NOT_SET");
    assert_eq!(done["order"], Value::Null);
    // Nothing was half-written: the checkout is still open.
    let d = sf(
        &server,
        None,
        "checkout",
        json!({"id": id, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(d["checkout"]["id"], id);
}

/// Sets the stock of the first variant of `slug` to `quantity` (nothing allocated).
async fn set_stock(server: &TestServer, variant_gid: &str, quantity: i32) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let pk: i32 = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(variant_gid)
            .unwrap();
        String::from_utf8(raw)
            .unwrap()
            .split(':')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    entities::stock::Entity::update_many()
        .col_expr(entities::stock::Column::Quantity, Expr::value(quantity))
        .col_expr(entities::stock::Column::QuantityAllocated, Expr::value(0))
        .filter(entities::stock::Column::VariantId.eq(pk))
        .exec(&server.state.db.conn)
        .await
        .unwrap();
}

async fn stock_of(server: &TestServer, variant_gid: &str) -> (i64, i64) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let pk: i32 = {
        use base64::Engine;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(variant_gid)
            .unwrap();
        String::from_utf8(raw)
            .unwrap()
            .split(':')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap()
    };
    let rows = entities::stock::Entity::find()
        .filter(entities::stock::Column::VariantId.eq(pk))
        .all(&server.state.db.conn)
        .await
        .unwrap();
    (
        rows.iter().map(|s| i64::from(s.quantity)).sum(),
        rows.iter().map(|s| i64::from(s.quantity_allocated)).sum(),
    )
}

/// A guest checkout of one unit of `variant`, ready to complete.
async fn ready_checkout(server: &TestServer, variant: &str) -> String {
    let addr = json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA"});
    let c = create(
        server,
        None,
        json!({"channel": USD, "email": "rush@example.com", "shippingAddress": addr, "billingAddress": addr,
               "lines": [{"variantId": variant, "quantity": 1}]}),
    )
    .await;
    assert_eq!(c["errors"], json!([]), "{c}");
    let id = c["checkout"]["id"].as_str().unwrap().to_owned();
    let d = sf(server, None, "deliveryOptionsCalculate", json!({"id": id})).await;
    let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"].clone();
    let d = sf(
        server,
        None,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(d["checkoutDeliveryMethodUpdate"]["errors"], json!([]));
    id
}

#[tokio::test]
async fn concurrent_completions_never_oversell() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let variant = vs[0].0.clone();
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(ready_checkout(&server, &variant).await);
    }
    set_stock(&server, &variant, 50).await;
    let mut tasks = Vec::new();
    for id in ids {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let doc = ops::checkout_document("checkoutComplete");
            server.gql(&doc, json!({"checkoutId": id})).await
        }));
    }
    let (mut orders, mut insufficient, mut other) = (0, 0, Vec::new());
    for t in tasks {
        let body = t.await.unwrap();
        let r = &body["data"]["checkoutComplete"];
        if r["order"]["id"].is_string() {
            orders += 1;
        } else if r["errors"][0]["code"] == "INSUFFICIENT_STOCK" {
            insufficient += 1;
        } else {
            other.push(body.clone());
        }
    }
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(orders, 50);
    assert_eq!(insufficient, 150);
    assert_eq!(stock_of(&server, &variant).await, (50, 50));
}

#[tokio::test]
async fn concurrent_completions_of_one_checkout_make_one_order() {
    let server = std::sync::Arc::new(TestServer::start().await);
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let id = ready_checkout(&server, &vs[0].0).await;
    let before = stock_of(&server, &vs[0].0).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (server, id) = (server.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let doc = ops::checkout_document("checkoutComplete");
            server.gql(&doc, json!({"checkoutId": id})).await
        }));
    }
    let mut order_ids = std::collections::BTreeSet::new();
    for t in tasks {
        let body = t.await.unwrap();
        let order = &body["data"]["checkoutComplete"]["order"]["id"];
        assert!(order.is_string(), "{body}");
        order_ids.insert(order.as_str().unwrap().to_owned());
    }
    assert_eq!(order_ids.len(), 1);
    let staff = server.staff_token().await;
    let body = server
        .gql_as(&staff, "{ orders(first: 5) { totalCount } }", json!({}))
        .await;
    assert_eq!(data(&body)["orders"]["totalCount"], 1);
    let after = stock_of(&server, &vs[0].0).await;
    assert_eq!(after.1, before.1 + 1);
}

#[tokio::test]
async fn customers_receive_their_order_events_live() {
    use std::time::Duration;
    let server = TestServer::start().await;
    let token = server.customer_token("live@example.com").await;
    let (mut ws, ack) = crate::common::ws_init(
        &server,
        "graphql-transport-ws",
        json!({"authorization": format!("Bearer {token}")}),
    )
    .await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    crate::common::ws_subscribe(
        &mut ws,
        "1",
        "subscription { event { ... on OrderCreated { order { number userEmail total { gross { currency } } } } } }",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let (id, _) = storefront_checkout(
        &server,
        Some(&token),
        USD,
        json!([{"variantId": vs[0].0, "quantity": 1}]),
    )
    .await;
    let done = complete(&server, Some(&token), &id).await;
    assert_eq!(done["errors"], json!([]));
    // Checkout events come first (non-order events render as empty objects); wait for
    // the order.
    let mut order = Value::Null;
    for _ in 0..20 {
        let Some(msg) = crate::common::ws_next(&mut ws, Duration::from_secs(10)).await else {
            break;
        };
        let event = &msg["payload"]["data"]["event"];
        if event["order"].is_object() {
            order = event["order"].clone();
            break;
        }
    }
    assert_eq!(order["number"], "1");
    assert_eq!(order["userEmail"], "shopper@example.com");
    assert_eq!(order["total"]["gross"]["currency"], "USD");
}

#[tokio::test]
async fn storefront_promo_code_totals_usd_and_eur() {
    let server = TestServer::start().await;
    for channel in [USD, EUR] {
        let vs = variants(&server, None, "monospace-tee", channel).await;
        let (id, total) = storefront_checkout(
            &server,
            None,
            channel,
            json!([{"variantId": vs[0].0, "quantity": 3}, {"variantId": vs[1].0, "quantity": 1}]),
        )
        .await;
        let d = sf(
            &server,
            None,
            "checkoutAddPromoCode",
            json!({"checkoutId": id, "promoCode": "NOPE", "languageCode": "EN"}),
        )
        .await;
        assert_eq!(d["checkoutAddPromoCode"]["errors"][0]["code"], "INVALID");
        assert_eq!(d["checkoutAddPromoCode"]["errors"][0]["field"], "promoCode");
        let d = sf(
            &server,
            None,
            "checkoutAddPromoCode",
            json!({"checkoutId": id, "promoCode": "WELCOME10", "languageCode": "EN"}),
        )
        .await;
        let c = &d["checkoutAddPromoCode"]["checkout"];
        assert_eq!(d["checkoutAddPromoCode"]["errors"], json!([]), "{d}");
        assert_eq!(c["voucherCode"], "WELCOME10");
        assert_eq!(c["discountName"], "WELCOME10");
        let subtotal = cents(&c["subtotalPrice"]["gross"]);
        // 10%, rounded half up to the cent.
        let discount = (subtotal * 10 + 50) / 100;
        assert_eq!(cents(&c["discount"]), discount);
        assert_eq!(cents(&c["totalPrice"]["gross"]), total - discount);
        let done = complete(&server, None, &id).await;
        assert_eq!(done["errors"], json!([]), "{done}");
        let staff = server.staff_token().await;
        let d = sf(
            &server,
            Some(&staff),
            "order",
            json!({"id": done["order"]["id"], "languageCode": "EN"}),
        )
        .await;
        assert_eq!(cents(&d["order"]["total"]["gross"]), total - discount);
        assert_eq!(d["order"]["voucher"]["code"], "WELCOME10");
        assert_eq!(d["order"]["discounts"][0]["type"], "VOUCHER");
        assert_eq!(cents(&d["order"]["discounts"][0]["amount"]), discount);
    }
    // Removing the code restores the total.
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let (id, total) = storefront_checkout(
        &server,
        None,
        USD,
        json!([{"variantId": vs[0].0, "quantity": 1}]),
    )
    .await;
    sf(
        &server,
        None,
        "checkoutAddPromoCode",
        json!({"checkoutId": id, "promoCode": "WELCOME10", "languageCode": "EN"}),
    )
    .await;
    let d = sf(
        &server,
        None,
        "checkoutRemovePromoCode",
        json!({"checkoutId": id, "promoCode": "WELCOME10", "languageCode": "EN"}),
    )
    .await;
    let c = &d["checkoutRemovePromoCode"]["checkout"];
    assert_eq!(c["voucherCode"], Value::Null);
    assert_eq!(cents(&c["totalPrice"]["gross"]), total);
}

#[tokio::test]
async fn voucher_usage_limit_holds_under_concurrency() {
    let server = std::sync::Arc::new(TestServer::start().await);
    bizgraph::discount::create(&server.state.db.conn, "LIMIT10", "FIXED", 100, Some(10))
        .await
        .unwrap();
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let variant = vs[0].0.clone();
    set_stock(&server, &variant, 1000).await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        let id = ready_checkout(&server, &variant).await;
        let d = sf(
            &server,
            None,
            "checkoutAddPromoCode",
            json!({"checkoutId": id, "promoCode": "LIMIT10", "languageCode": "EN"}),
        )
        .await;
        assert_eq!(d["checkoutAddPromoCode"]["errors"], json!([]));
        ids.push(id);
    }
    let mut tasks = Vec::new();
    for id in ids {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let doc = ops::checkout_document("checkoutComplete");
            server.gql(&doc, json!({"checkoutId": id})).await
        }));
    }
    let (mut orders, mut refused) = (0, 0);
    for t in tasks {
        let body = t.await.unwrap();
        let r = &body["data"]["checkoutComplete"];
        if r["order"]["id"].is_string() {
            orders += 1;
        } else {
            assert_eq!(r["errors"][0]["code"], "VOUCHER_NOT_APPLICABLE", "{body}");
            refused += 1;
        }
    }
    assert_eq!((orders, refused), (10, 40));
    // Stock allocated only for the 10 orders.
    assert_eq!(stock_of(&server, &variant).await, (1000, 10));
}

#[tokio::test]
async fn checkout_metadata_through_update_metadata() {
    let server = TestServer::start().await;
    let alice = server.customer_token("meta@example.com").await;
    let c = create(&server, Some(&alice), json!({"channel": USD, "lines": []})).await;
    let id = c["checkout"]["id"].as_str().unwrap().to_owned();
    let input = json!([{"key": "gift", "value": "yes"}]);
    let d = sf(
        &server,
        Some(&alice),
        "checkoutMetadataUpdate",
        json!({"id": id, "input": input}),
    )
    .await;
    assert_eq!(d["updateMetadata"]["errors"], json!([]), "{d}");
    assert_eq!(d["updateMetadata"]["item"]["id"], id);
    let q =
        "query($id: ID!) { checkout(id: $id) { metadata { key value } metafield(key: \"gift\") } }";
    let body = server.gql_as(&alice, q, json!({"id": id})).await;
    assert_eq!(data(&body)["checkout"]["metafield"], "yes");
    // As in Saleor, public metadata is the checkout ID holder's to change; private metadata
    // needs MANAGE_CHECKOUTS.
    let bob = server.customer_token("meta-bob@example.com").await;
    let d = sf(
        &server,
        Some(&bob),
        "checkoutMetadataUpdate",
        json!({"id": id, "input": input}),
    )
    .await;
    assert_eq!(d["updateMetadata"]["errors"], json!([]), "{d}");
    let body = server
        .gql_as(
            &alice,
            "mutation($id: ID!) { updatePrivateMetadata(id: $id, input: [{key: \"k\", value: \"v\"}]) { errors { code } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(crate::common::error_code(&body), "PERMISSION_DENIED");
}

/// Moves the publication and purchase dates of `slug`'s listing in `channel` (the
/// operator's `productChannelListingUpdate`, done in the database for brevity).
async fn set_dates(
    server: &TestServer,
    slug: &str,
    channel: &str,
    published_at: &str,
    available_at: &str,
) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let db = &server.state.db.conn;
    let product = entities::product::Entity::find()
        .filter(entities::product::Column::Slug.eq(slug))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let channel = entities::channel::Entity::find()
        .filter(entities::channel::Column::Slug.eq(channel))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    use entities::product_channel_listing as l;
    let updated = l::Entity::update_many()
        .col_expr(l::Column::PublishedAt, Expr::value(at(published_at)))
        .col_expr(
            l::Column::AvailableForPurchaseAt,
            Expr::value(at(available_at)),
        )
        .filter(l::Column::ProductId.eq(product.id))
        .filter(l::Column::ChannelId.eq(channel.id))
        .exec(db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1);
}

#[tokio::test]
async fn scheduled_products_cannot_be_bought_before_their_dates() {
    const PAST: &str = "2020-01-01T00:00:00Z";
    const FUTURE: &str = "2099-01-01T00:00:00Z";
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let tee = variants(&server, None, "monospace-tee", USD).await;
    let (a, b) = (tee[0].0.clone(), tee[1].0.clone());
    // Ready before the dates move: one checkout to complete, one with a line to update.
    let ready = ready_checkout(&server, &a).await;
    let open = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": a, "quantity": 1}]}),
    )
    .await;
    let open_id = open["checkout"]["id"].as_str().unwrap().to_owned();
    let line = open["checkout"]["lines"][0]["id"].clone();

    for (published, available, code) in [
        (FUTURE, PAST, "PRODUCT_NOT_PUBLISHED"),
        (PAST, FUTURE, "PRODUCT_UNAVAILABLE_FOR_PURCHASE"),
    ] {
        set_dates(&server, "monospace-tee", USD, published, available).await;
        if published == FUTURE {
            // Hidden from every storefront read.
            let body = server
                .gql(
                    "query($c: String!) { product(slug: \"monospace-tee\", channel: $c) { id } }",
                    json!({"c": USD}),
                )
                .await;
            assert_eq!(data(&body)["product"], Value::Null);
        }
        let r = create(
            &server,
            None,
            json!({"channel": USD, "lines": [{"variantId": b, "quantity": 1}]}),
        )
        .await;
        assert_eq!(r["errors"][0]["code"], code, "{r}");
        assert_eq!(r["errors"][0]["variants"], json!([b]));
        assert_eq!(r["checkout"], Value::Null);
        let r = mutate(
            &server,
            None,
            "checkoutLinesAdd",
            "id: $id, lines: $lines",
            json!({"id": open_id, "lines": [{"variantId": b, "quantity": 1}]}),
        )
        .await;
        assert_eq!(r["errors"][0]["code"], code, "{r}");
        let r = mutate(
            &server,
            None,
            "checkoutLinesUpdate",
            "id: $id, lines: $upd",
            json!({"id": open_id, "upd": [{"lineId": line, "quantity": 2}]}),
        )
        .await;
        assert_eq!(r["errors"][0]["code"], code, "{r}");
        // Staff see the product, but cannot buy it either.
        let r = create(
            &server,
            Some(&staff),
            json!({"channel": USD, "lines": [{"variantId": b, "quantity": 1}]}),
        )
        .await;
        assert_eq!(r["errors"][0]["code"], code, "{r}");
        // Completion re-checks: the date moved after the line was added.
        let done = complete(&server, None, &ready).await;
        assert_eq!(done["errors"][0]["code"], code, "{done}");
        assert_eq!(done["order"], Value::Null);
    }

    // Both dates in the past: buyable again.
    set_dates(&server, "monospace-tee", USD, PAST, PAST).await;
    let r = mutate(
        &server,
        None,
        "checkoutLinesAdd",
        "id: $id, lines: $lines",
        json!({"id": open_id, "lines": [{"variantId": b, "quantity": 1}]}),
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let done = complete(&server, None, &ready).await;
    assert_eq!(done["errors"], json!([]), "{done}");
    assert!(done["order"]["id"].is_string(), "{done}");
}

/// The storefront's cart (`CheckoutFind`) and checkout page (`checkout`) cost the same
/// number of statements with 2 lines as with 20, each line a different product.
#[tokio::test]
async fn checkout_lines_cost_the_same_statements_whatever_their_number() {
    let server = TestServer::start().await;
    let body = server
        .gql(
            "{ products(first: 20, channel: \"default-channel\") {
                 edges { node { pricing { onSale } variants { id } } } } }",
            json!({}),
        )
        .await;
    let mut products: Vec<(bool, String)> = data(&body)["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let on_sale = e["node"]["pricing"]["onSale"] == true;
            let variant = e["node"]["variants"][0]["id"].as_str().unwrap().to_owned();
            (on_sale, variant)
        })
        .collect();
    // Products on sale first: a promotion costs its own statements (once, not per line),
    // so both carts hold one when the demo store has any.
    products.sort_by_key(|(on_sale, _)| !on_sale);
    let variants: Vec<String> = products.into_iter().map(|(_, v)| v).collect();
    assert_eq!(variants.len(), 20);
    let mut counts = Vec::new();
    for n in [2, 20] {
        let lines: Vec<Value> = variants[..n]
            .iter()
            .map(|v| json!({"variantId": v, "quantity": 1}))
            .collect();
        for v in &variants[..n] {
            set_stock(&server, v, 100).await;
        }
        let c = create(&server, None, json!({"channel": USD, "lines": lines})).await;
        assert_eq!(c["errors"], json!([]), "{c}");
        let id = c["checkout"]["id"].as_str().unwrap().to_owned();
        let vars = json!({"id": id, "languageCode": "EN"});
        let find = crate::ops::document("CheckoutFind");
        let (cart_count, cart) = server
            .statements_of(|| server.gql(&find, vars.clone()))
            .await;
        assert!(cart.get("errors").is_none(), "{cart}");
        assert_eq!(
            data(&cart)["checkout"]["lines"].as_array().unwrap().len(),
            n
        );
        let (page_count, page) = server
            .statements_of(|| sf(&server, None, "checkout", vars.clone()))
            .await;
        let lines = page["checkout"]["lines"].as_array().unwrap();
        assert_eq!(lines.len(), n);
        assert!(
            lines[n - 1]["variant"]["product"]["name"].is_string(),
            "{page}"
        );
        counts.push((cart_count, page_count));
    }
    assert_eq!(
        counts[0], counts[1],
        "(CheckoutFind, checkout) statements with 2 vs 20 lines: {counts:?}"
    );
    println!("statements (CheckoutFind, checkout) with 2/20 lines: {counts:?}");
}

/// Saleor's deprecated checkout fields still answer (`note`, `lastChange`, `shippingMethod`,
/// `availableShippingMethods`); `voucher` needs MANAGE_DISCOUNTS; no stock is reserved.
#[tokio::test]
async fn deprecated_checkout_fields_and_voucher() {
    let server = TestServer::start().await;
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let id = ready_checkout(&server, &vs[0].0).await;
    let body = server
        .gql(
            "mutation($id: ID!) { checkoutAddPromoCode(id: $id, promoCode: \"WELCOME10\") { errors { code message } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        data(&body)["checkoutAddPromoCode"]["errors"],
        json!([]),
        "{body}"
    );
    let q = "query($id: ID!) { checkout(id: $id) { note customerNote lastChange updatedAt
        stockReservationExpires shippingMethod { id } delivery { shippingMethod { id } }
        availableShippingMethods { id } shippingMethods { id } } }";
    let body = server.gql(q, json!({"id": id})).await;
    let c = &data(&body)["checkout"];
    assert_eq!(c["note"], c["customerNote"]);
    assert_eq!(c["lastChange"], c["updatedAt"]);
    assert_eq!(c["stockReservationExpires"], Value::Null);
    assert!(c["shippingMethod"]["id"].is_string(), "{body}");
    assert_eq!(c["shippingMethod"], c["delivery"]["shippingMethod"]);
    assert_eq!(c["availableShippingMethods"], c["shippingMethods"]);
    // Weight limits (set directly: shipping management is the dashboard's issue).
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entities::shipping_method::Entity::update_many()
        .col_expr(
            entities::shipping_method::Column::MaximumOrderWeightGrams,
            Expr::value(20_000),
        )
        .filter(entities::shipping_method::Column::Name.eq("Standard"))
        .exec(&server.state.db.conn)
        .await
        .unwrap();
    let body = server
        .gql(
            "query($id: ID!) { checkout(id: $id) { shippingMethods { name description metadata { key } minimumOrderWeight { value } maximumOrderWeight { value unit } } } }",
            json!({"id": id}),
        )
        .await;
    let methods = data(&body)["checkout"]["shippingMethods"]
        .as_array()
        .unwrap()
        .clone();
    let standard = methods
        .iter()
        .find(|m| m["name"] == "Standard")
        .expect("Standard");
    assert_eq!(
        standard["maximumOrderWeight"],
        json!({"value": 20.0, "unit": "KG"}),
        "{body}"
    );
    assert_eq!(standard["minimumOrderWeight"], Value::Null);
    assert_eq!(standard["description"], Value::Null);
    assert_eq!(standard["metadata"], json!([]));
    let q = "query($id: ID!) { checkout(id: $id) { voucher { code } } }";
    let body = server.gql(q, json!({"id": id})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "PERMISSION_DENIED",
        "{body}"
    );
    let staff = server.staff_token().await;
    let body = server.gql_as(&staff, q, json!({"id": id})).await;
    assert_eq!(
        data(&body)["checkout"]["voucher"]["code"],
        "WELCOME10",
        "{body}"
    );
}

/// `CheckoutLine.problems` reports the line's own problem (the same one `Checkout.problems`
/// lists), and the line's remaining Saleor fields answer.
#[tokio::test]
async fn checkout_lines_report_their_own_problems() {
    let server = TestServer::start().await;
    let vs = variants(&server, None, "monospace-tee", USD).await;
    let variant = vs[0].0.clone();
    let c = create(
        &server,
        None,
        json!({"channel": USD, "lines": [{"variantId": variant, "quantity": 3}]}),
    )
    .await;
    assert_eq!(c["errors"], json!([]), "{c}");
    let id = c["checkout"]["id"].clone();
    let q = "query($id: ID!) { checkout(id: $id) {
        problems { __typename ... on CheckoutLineProblemInsufficientStock { availableQuantity line { id } } }
        lines { id metadata { key } isGift priorUnitPrice { amount } priorTotalPrice { amount } priceOverrideReason
          problems { __typename ... on CheckoutLineProblemInsufficientStock { availableQuantity variant { id } } } } } }";
    let body = server.gql(q, json!({"id": id})).await;
    let line = &data(&body)["checkout"]["lines"][0];
    assert_eq!(line["problems"], json!([]), "{body}");
    assert_eq!(line["isGift"], false);
    assert_eq!(line["metadata"], json!([]));
    assert_eq!(line["priorUnitPrice"], Value::Null);
    assert_eq!(line["priceOverrideReason"], Value::Null);

    set_stock(&server, &variant, 1).await;
    let body = server.gql(q, json!({"id": id})).await;
    let checkout = &data(&body)["checkout"];
    let line = &checkout["lines"][0];
    assert_eq!(
        line["problems"],
        json!([{"__typename": "CheckoutLineProblemInsufficientStock", "availableQuantity": 1,
                "variant": {"id": variant}}]),
        "{body}"
    );
    assert_eq!(
        checkout["problems"],
        json!([{"__typename": "CheckoutLineProblemInsufficientStock", "availableQuantity": 1,
                "line": {"id": line["id"]}}])
    );
}
