//! Warehouses and click and collect: Saleor's staff warehouse API (permissions, bad input,
//! filters), channel links through `channelUpdate`, and checkouts collected at a `LOCAL`
//! pickup point (stock of that warehouse only) or at the demo store (`ALL`: any warehouse of
//! the channel), with free delivery, the warehouse as shipping address, and the order's
//! collection point.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestServer, data, error_code};
use crate::ops;

const USD: &str = "default-channel";

const CREATE: &str = "mutation($input: WarehouseCreateInput!) { createWarehouse(input: $input) {
    errors { field code message } warehouse { id name slug email isPrivate clickAndCollectOption
    externalReference address { streetAddress1 city postalCode country { code } } } } }";
const UPDATE: &str = "mutation($id: ID!, $input: WarehouseUpdateInput!) {
    updateWarehouse(id: $id, input: $input) {
    errors { field code message } warehouse { id name slug clickAndCollectOption isPrivate } } }";

fn paris() -> Value {
    json!({"streetAddress1": "10 Rue de Rivoli", "city": "Paris", "postalCode": "75001",
           "country": "FR"})
}

async fn staff(server: &TestServer, token: &str, q: &str, vars: Value) -> Value {
    data(&server.gql_as(token, q, vars).await).clone()
}

#[tokio::test]
async fn staff_manage_warehouses_with_saleor_errors_and_permissions() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let input = json!({"input": {"name": "Paris Depot", "email": "Depot@Example.com",
        "externalReference": "ERP-7", "address": paris()}});
    // Anonymous callers and customers can neither create nor list warehouses.
    let body = server.gql(CREATE, input.clone()).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let customer = server.customer_token("buyer@example.com").await;
    let body = server
        .gql_as(
            &customer,
            "{ warehouses(first: 5) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    let d = staff(&server, &token, CREATE, input.clone()).await;
    let r = &d["createWarehouse"];
    assert_eq!(r["errors"], json!([]), "{r}");
    let w = &r["warehouse"];
    assert_eq!(w["slug"], "paris-depot");
    assert_eq!(w["email"], "depot@example.com");
    assert_eq!(w["isPrivate"], false);
    assert_eq!(w["clickAndCollectOption"], "DISABLED");
    assert_eq!(w["address"]["city"], "PARIS");
    assert_eq!(w["address"]["country"]["code"], "FR");
    let id = w["id"].as_str().unwrap().to_owned();

    // Bad input: blank name, invalid address, taken slug, bad email.
    let bad = [
        (json!({"name": " ", "address": paris()}), "name", "REQUIRED"),
        (
            json!({"name": "Nowhere", "address": {"streetAddress1": "1 Main", "city": "X",
                "postalCode": "ABC", "country": "US", "countryArea": "CA"}}),
            "address",
            "INVALID",
        ),
        (
            json!({"name": "No country", "address": {"city": "Paris"}}),
            "address",
            "REQUIRED",
        ),
        (
            json!({"name": "Paris Depot", "slug": "paris-depot", "address": paris()}),
            "slug",
            "UNIQUE",
        ),
        (
            json!({"name": "Mailer", "email": "not-an-email", "address": paris()}),
            "email",
            "INVALID",
        ),
    ];
    for (input, field, code) in bad {
        let d = staff(&server, &token, CREATE, json!({ "input": input })).await;
        let e = &d["createWarehouse"]["errors"][0];
        assert_eq!(
            (e["field"].as_str(), e["code"].as_str()),
            (Some(field), Some(code)),
            "{d}"
        );
        assert_eq!(d["createWarehouse"]["warehouse"], Value::Null);
    }

    // Local pickup needs a public warehouse (Saleor's rule).
    let d = staff(
        &server,
        &token,
        UPDATE,
        json!({"id": id, "input": {"isPrivate": true, "clickAndCollectOption": "LOCAL"}}),
    )
    .await;
    assert_eq!(
        d["updateWarehouse"]["errors"][0]["field"],
        "clickAndCollectOption"
    );
    let d = staff(
        &server,
        &token,
        UPDATE,
        json!({"id": id, "input": {"clickAndCollectOption": "LOCAL", "name": "Paris Pickup"}}),
    )
    .await;
    assert_eq!(d["updateWarehouse"]["errors"], json!([]));
    assert_eq!(
        d["updateWarehouse"]["warehouse"]["clickAndCollectOption"],
        "LOCAL"
    );
    assert_eq!(d["updateWarehouse"]["warehouse"]["slug"], "paris-depot");

    // Lookups and filters.
    let q = "query($ref: String) { warehouse(externalReference: $ref) { id name } }";
    let d = staff(&server, &token, q, json!({"ref": "ERP-7"})).await;
    assert_eq!(d["warehouse"]["id"], id.as_str());
    let q = "query($f: WarehouseFilterInput, $s: WarehouseSortingInput) {
        warehouses(first: 10, filter: $f, sortBy: $s) { totalCount edges { node { name } } } }";
    let d = staff(&server, &token, q, json!({})).await;
    let names: Vec<&str> = d["warehouses"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name");
    assert_eq!(d["warehouses"]["totalCount"], names.len());
    assert!(names.contains(&"Paris Pickup"));
    let d = staff(
        &server,
        &token,
        q,
        json!({"f": {"clickAndCollectOption": "LOCAL"}, "s": {"field": "NAME", "direction": "DESC"}}),
    )
    .await;
    assert_eq!(d["warehouses"]["totalCount"], 1);
    let d = staff(&server, &token, q, json!({"f": {"search": "paris"}})).await;
    assert_eq!(d["warehouses"]["edges"][0]["node"]["name"], "Paris Pickup");

    // Deleting it removes it.
    let del =
        "mutation($id: ID!) { deleteWarehouse(id: $id) { errors { code } warehouse { name } } }";
    let d = staff(&server, &token, del, json!({"id": id})).await;
    assert_eq!(d["deleteWarehouse"]["warehouse"]["name"], "Paris Pickup");
    let q = "query($id: ID!) { warehouse(id: $id) { id } }";
    let d = staff(&server, &token, q, json!({"id": id})).await;
    assert_eq!(d["warehouse"], Value::Null);
    let d = staff(&server, &token, del, json!({"id": id})).await;
    assert_eq!(d["deleteWarehouse"]["errors"][0]["code"], "NOT_FOUND");
}

/// A new public `LOCAL` pickup warehouse linked to `channel`, holding `quantity` of `variant`.
async fn local_pickup(server: &TestServer, token: &str, variant: &str, quantity: i32) -> String {
    let d = staff(
        server,
        token,
        CREATE,
        json!({"input": {"name": "Paris Pickup", "address": paris()}}),
    )
    .await;
    let id = d["createWarehouse"]["warehouse"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = staff(
        server,
        token,
        UPDATE,
        json!({"id": id, "input": {"clickAndCollectOption": "LOCAL"}}),
    )
    .await;
    assert_eq!(d["updateWarehouse"]["errors"], json!([]));
    let channel = staff(
        server,
        token,
        "{ channel(slug: \"default-channel\") { id } }",
        json!({}),
    )
    .await["channel"]["id"]
        .clone();
    let q =
        "mutation($id: ID!, $add: [ID!]) { channelUpdate(id: $id, input: {addWarehouses: $add}) {
        errors { field code warehouses } channel { warehouses { name } } } }";
    let d = staff(server, token, q, json!({"id": channel, "add": [id]})).await;
    assert_eq!(d["channelUpdate"]["errors"], json!([]), "{d}");
    let linked: Vec<&str> = d["channelUpdate"]["channel"]["warehouses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(linked.last(), Some(&"Paris Pickup"));
    // Unknown warehouses are reported by ID.
    let ghost = "V2FyZWhvdXNlOjk5OTk="; // Warehouse:9999
    let d = staff(server, token, q, json!({"id": channel, "add": [ghost]})).await;
    assert_eq!(d["channelUpdate"]["errors"][0]["code"], "NOT_FOUND");
    assert_eq!(
        d["channelUpdate"]["errors"][0]["warehouses"],
        json!([ghost])
    );
    let q = "mutation($v: ID!, $w: ID!, $q: Int!) { productVariantStocksUpdate(variantId: $v,
        stocks: [{warehouse: $w, quantity: $q}]) { errors { field code } } }";
    let d = staff(
        server,
        token,
        q,
        json!({"v": variant, "w": id, "q": quantity}),
    )
    .await;
    assert_eq!(d["productVariantStocksUpdate"]["errors"], json!([]));
    id
}

async fn sf(server: &TestServer, name: &str, vars: Value) -> Value {
    let body = server.gql(&ops::checkout_document(name), vars).await;
    data(&body).clone()
}

const POINTS: &str = "query($id: ID!) { checkout(id: $id) {
    availableCollectionPoints { id name clickAndCollectOption }
    deliveryMethod { __typename ... on Warehouse { id name } }
    shippingAddress { streetAddress1 city country { code } }
    shippingPrice { gross { amount } } totalPrice { gross { amount } }
    subtotalPrice { gross { amount } net { amount } } } }";

/// An anonymous checkout in USD with `quantity` of `variant`, email and billing address.
async fn cart(server: &TestServer, variant: &str, quantity: i32) -> String {
    let d = sf(
        server,
        "checkoutCreate",
        json!({"channel": USD, "languageCode": "EN"}),
    )
    .await;
    let id = d["checkoutCreate"]["checkout"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lines = json!([{"variantId": variant, "quantity": quantity}]);
    let d = sf(
        server,
        "checkoutLinesAdd",
        json!({"checkoutId": id, "lines": lines, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(d["checkoutLinesAdd"]["errors"], json!([]), "{d}");
    sf(
        server,
        "checkoutEmailUpdate",
        json!({"checkoutId": id, "email": "pickup@example.com", "languageCode": "EN"}),
    )
    .await;
    let billing = json!({"firstName": "Ada", "lastName": "Byron", "streetAddress1": "1 Main St",
        "city": "New York", "postalCode": "10001", "country": "US", "countryArea": "NY"});
    let d = sf(
        server,
        "checkoutBillingAddressUpdate",
        json!({"checkoutId": id, "billingAddress": billing, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(
        d["checkoutBillingAddressUpdate"]["errors"],
        json!([]),
        "{d}"
    );
    id
}

fn names(points: &Value) -> Vec<String> {
    points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn select(server: &TestServer, checkout: &str, method: &str) -> Value {
    let d = sf(
        server,
        "checkoutDeliveryMethodUpdate",
        json!({"checkoutId": checkout, "deliveryMethodId": method, "languageCode": "EN"}),
    )
    .await;
    d["checkoutDeliveryMethodUpdate"].clone()
}

/// Allocated quantity per warehouse id for `variant_pk` (what completion reserved).
async fn allocated(server: &TestServer, variant_pk: i32) -> Vec<(i32, i32)> {
    let mut rows: Vec<(i32, i32)> = entities::stock::Entity::find()
        .filter(entities::stock::Column::VariantId.eq(variant_pk))
        .all(&server.state.db.conn)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.warehouse_id, s.quantity_allocated))
        .collect();
    rows.sort();
    rows
}

fn pk(id: &str) -> i32 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(id)
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    raw.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn click_and_collect_local_and_all_pickup_points() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let q = "{ product(slug: \"monospace-tee\", channel: \"default-channel\") {
        variants { id quantityAvailable pricing { price { gross { amount } } } } } }";
    let d = data(&server.gql(q, json!({})).await).clone();
    let variant = d["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unit = (d["product"]["variants"][0]["pricing"]["price"]["gross"]["amount"]
        .as_f64()
        .unwrap()
        * 100.0)
        .round() as i64;
    let paris = local_pickup(&server, &token, &variant, 3).await;

    // 2 units: Paris holds 3 (LOCAL) and the demo store collects from anywhere (ALL).
    let small = cart(&server, &variant, 2).await;
    let c = data(&server.gql(POINTS, json!({"id": small})).await)["checkout"].clone();
    let mut points = names(&c["availableCollectionPoints"]);
    points.sort();
    assert_eq!(points, ["Berlin Store (pick up)", "Paris Pickup"]);
    // 4 units: more than Paris holds, so only the ALL store remains.
    let big = cart(&server, &variant, 4).await;
    let c = data(&server.gql(POINTS, json!({"id": big})).await)["checkout"].clone();
    assert_eq!(
        names(&c["availableCollectionPoints"]),
        ["Berlin Store (pick up)"]
    );
    let r = select(&server, &big, &paris).await;
    assert_eq!(
        r["errors"][0]["code"], "DELIVERY_METHOD_NOT_APPLICABLE",
        "{r}"
    );

    // Collect the small order in Paris: free delivery, the warehouse is the shipping address.
    let r = select(&server, &small, &paris).await;
    assert_eq!(r["errors"], json!([]), "{r}");
    let c = data(&server.gql(POINTS, json!({"id": small})).await)["checkout"].clone();
    assert_eq!(c["deliveryMethod"]["__typename"], "Warehouse");
    assert_eq!(c["deliveryMethod"]["id"], paris.as_str());
    assert_eq!(c["shippingAddress"]["streetAddress1"], "10 Rue de Rivoli");
    assert_eq!(c["shippingAddress"]["country"]["code"], "FR");
    assert_eq!(c["shippingPrice"]["gross"]["amount"], 0.0);
    let cents = |v: &Value| (v["amount"].as_f64().unwrap() * 100.0).round() as i64;
    let total = cents(&c["totalPrice"]["gross"]);
    // USD prices are entered net; taxes follow the pickup address (France), nothing else
    // is added.
    assert_eq!(cents(&c["subtotalPrice"]["net"]), 2 * unit);
    assert_eq!(total, cents(&c["subtotalPrice"]["gross"]));

    let before = allocated(&server, pk(&variant)).await;
    let d = sf(&server, "checkoutComplete", json!({"checkoutId": small})).await;
    let done = &d["checkoutComplete"];
    assert_eq!(done["errors"], json!([]), "{done}");
    let order = done["order"]["id"].as_str().unwrap().to_owned();
    // Stock came from Paris only.
    let after = allocated(&server, pk(&variant)).await;
    let paris_pk = pk(&paris);
    for ((w, a0), (_, a1)) in before.iter().zip(&after) {
        let expected = if *w == paris_pk { a0 + 2 } else { *a0 };
        assert_eq!(*a1, expected, "warehouse {w}: {before:?} → {after:?}");
    }
    let q = "query($id: ID!) { order(id: $id) { collectionPointName shippingMethodName
        deliveryMethod { __typename ... on Warehouse { name } }
        shippingPrice { gross { amount } } total { gross { amount } } } }";
    let o = staff(&server, &token, q, json!({"id": order})).await["order"].clone();
    assert_eq!(o["collectionPointName"], "Paris Pickup");
    assert_eq!(o["shippingMethodName"], Value::Null);
    assert_eq!(o["deliveryMethod"]["name"], "Paris Pickup");
    assert_eq!(o["shippingPrice"]["gross"]["amount"], 0.0);
    assert_eq!(
        (o["total"]["gross"]["amount"].as_f64().unwrap() * 100.0).round() as i64,
        total
    );

    // Paris now holds 1 free unit: a new cart of 2 cannot be collected there any more, and
    // a checkout that selected it before the stock went is refused at completion.
    let stale = cart(&server, &variant, 1).await;
    assert_eq!(select(&server, &stale, &paris).await["errors"], json!([]));
    let q = "mutation($id: ID!, $lines: [CheckoutLineUpdateInput!]!) {
        checkoutLinesUpdate(id: $id, lines: $lines) { errors { code } } }";
    let line = data(
        &server
            .gql(
                "query($id: ID!) { checkout(id: $id) { lines { id } } }",
                json!({"id": stale}),
            )
            .await,
    )["checkout"]["lines"][0]["id"]
        .clone();
    let d = data(
        &server
            .gql(
                q,
                json!({"id": stale, "lines": [{"lineId": line, "quantity": 2}]}),
            )
            .await,
    )
    .clone();
    assert_eq!(d["checkoutLinesUpdate"]["errors"], json!([]));
    let d = sf(&server, "checkoutComplete", json!({"checkoutId": stale})).await;
    assert_eq!(
        d["checkoutComplete"]["errors"][0]["code"], "INSUFFICIENT_STOCK",
        "{d}"
    );

    // The demo store (ALL) collects a big order from the channel's main warehouse.
    let store = c_point(&server, &big, "Berlin Store (pick up)").await;
    assert_eq!(select(&server, &big, &store).await["errors"], json!([]));
    let d = sf(&server, "checkoutComplete", json!({"checkoutId": big})).await;
    assert_eq!(d["checkoutComplete"]["errors"], json!([]), "{d}");
    let after_big = allocated(&server, pk(&variant)).await;
    let moved: i32 =
        after_big.iter().map(|(_, a)| a).sum::<i32>() - after.iter().map(|(_, a)| a).sum::<i32>();
    assert_eq!(moved, 4);
    let paris_after: Vec<_> = after_big.iter().filter(|(w, _)| *w == paris_pk).collect();
    assert_eq!(
        paris_after,
        [&(paris_pk, 2)],
        "the store does not take Paris' stock first"
    );

    // A warehouse holding allocated stock cannot be deleted.
    let del = "mutation($id: ID!) { deleteWarehouse(id: $id) { errors { code } } }";
    let d = staff(&server, &token, del, json!({"id": paris})).await;
    assert_eq!(d["deleteWarehouse"]["errors"][0]["code"], "INVALID");
}

/// The id of collection point `name` offered to `checkout`.
async fn c_point(server: &TestServer, checkout: &str, name: &str) -> String {
    let c = data(&server.gql(POINTS, json!({"id": checkout})).await)["checkout"].clone();
    c["availableCollectionPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} not offered: {c}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}
