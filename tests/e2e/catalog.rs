//! End-to-end tests of the catalog and content: the storefront's own operations (read from
//! `../shared/reference/storefront-ops` at test time) against the demo catalog, dataloader
//! statement counts, bad input, and staff mutations.

#![allow(clippy::unwrap_used)]

use crate::ops;

use crate::common::{TestServer, data, error_code};
use serde_json::{Value, json};

const USD: &str = "default-channel";
const EUR: &str = "channel-eur";

async fn op(server: &TestServer, name: &str, vars: Value) -> Value {
    server.gql(&ops::document(name), vars).await
}

fn names(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn product_list_prices_per_channel_and_visibility() {
    let server = TestServer::start().await;
    let body = op(
        &server,
        "ProductList",
        json!({"first": 100, "channel": USD, "languageCode": "EN"}),
    )
    .await;
    let products = &data(&body)["products"];
    let listed = names(products);
    assert_eq!(
        listed.len(),
        58,
        "60 demo products minus one unpublished and one unlisted"
    );
    assert!(!listed.contains(&"Polo Shirt".to_owned()));
    assert!(!listed.contains(&"Visor".to_owned()));
    let tee = products["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["slug"] == "monospace-tee")
        .unwrap();
    assert_eq!(
        tee["pricing"]["priceRange"]["start"]["gross"],
        json!({"amount": 19.99, "currency": "USD"})
    );
    assert_eq!(
        tee["pricing"]["priceRange"]["stop"]["gross"]["amount"],
        25.99
    );
    assert_eq!(tee["category"]["slug"], "t-shirts");
    assert_eq!(tee["bestseller"]["value"], true);
    assert_eq!(tee["pulseBestseller"], Value::Null);
    // Demo images are served by the server itself (no internet needed).
    let thumbnail = tee["thumbnail"]["url"].as_str().unwrap();
    assert!(
        thumbnail.starts_with(&server.url("/thumbnail/")),
        "{thumbnail}"
    );
    let image = reqwest::get(thumbnail).await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/webp");
    assert_eq!(tee["productVariants"]["totalCount"], 4);
    let sizes: Vec<&str> = tee["productVariants"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["selectionAttributes"][0]["values"][0]["name"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(sizes, vec!["S", "M", "L", "XL"]);

    let body = op(
        &server,
        "ProductList",
        json!({"first": 100, "channel": EUR, "languageCode": "PL"}),
    )
    .await;
    let tee = data(&body)["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["slug"] == "monospace-tee")
        .unwrap();
    assert_eq!(
        tee["pricing"]["priceRange"]["start"]["gross"],
        json!({"amount": 17.99, "currency": "EUR"})
    );
    assert_eq!(tee["translation"]["name"], "Koszulka Monospace");
    assert_eq!(tee["category"]["translation"]["name"], "Koszulki");
    let attr = &tee["productVariants"]["edges"][0]["node"]["selectionAttributes"][0]["attribute"];
    assert_eq!(attr["translation"]["name"], "Rozmiar");
    assert_eq!(attr["inputType"], "DROPDOWN");
}

#[tokio::test]
async fn paginated_list_walks_every_page_both_ways() {
    let server = TestServer::start().await;
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let mut total;
    loop {
        let body = op(
            &server,
            "ProductListPaginated",
            json!({"first": 20, "after": after, "channel": USD, "languageCode": "EN",
                   "sortBy": {"field": "NAME", "direction": "ASC"}}),
        )
        .await;
        let p = &data(&body)["products"];
        total = p["totalCount"].as_i64().unwrap();
        seen.extend(names(p));
        if !p["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(total, 58);
    assert_eq!(seen.len(), 58);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "sorted by name");
    // Backwards from the end.
    let body = op(
        &server,
        "ProductListPaginated",
        json!({"last": 5, "before": null, "channel": USD, "languageCode": "EN",
               "sortBy": {"field": "NAME", "direction": "ASC"}}),
    )
    .await;
    let p = &data(&body)["products"];
    assert_eq!(names(p), seen[53..].to_vec());
    assert_eq!(p["pageInfo"]["hasPreviousPage"], true);
    // Price sort, descending, in EUR.
    let body = op(
        &server,
        "ProductListPaginated",
        json!({"first": 3, "channel": EUR, "languageCode": "EN",
               "sortBy": {"field": "PRICE", "direction": "DESC"}}),
    )
    .await;
    let p = &data(&body)["products"];
    let prices: Vec<f64> = p["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["pricing"]["priceRange"]["start"]["gross"]["amount"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
    // Filter by category (where) and price range (filter).
    let body = op(
        &server,
        "ProductListPaginated",
        json!({"first": 50, "channel": USD, "languageCode": "EN",
               "filter": {"price": {"gte": 4, "lte": 5}}}),
    )
    .await;
    let list = names(&data(&body)["products"]);
    assert!(
        !list.is_empty() && list.iter().all(|n| n.contains("Juice") || n == "Lemonade"),
        "{list:?}"
    );
}

#[tokio::test]
async fn search_finds_names_skus_and_attribute_values() {
    let server = TestServer::start().await;
    let search = |q: &str| {
        let q = q.to_owned();
        let server = &server;
        async move {
            let body = op(
                server,
                "SearchProducts",
                json!({"search": q, "sortBy": "NAME", "sortDirection": "ASC", "first": 50,
                       "channel": USD, "languageCode": "EN"}),
            )
            .await;
            names(&data(&body)["products"])
        }
    };
    let juices = search("juice").await;
    assert!(
        juices.contains(&"Apple Juice".to_owned()) && juices.contains(&"Bean Juice".to_owned())
    );
    assert_eq!(search("MONOSPACE-TEE-XL").await, vec!["Monospace Tee"]);
    assert!(
        search("canvas").await.contains(&"Tote Bag".to_owned()),
        "attribute value text"
    );
    assert!(
        search("Polo").await.is_empty(),
        "unpublished products stay hidden"
    );
    assert_eq!(
        search("monosp").await,
        vec!["Monospace Tee"],
        "prefix match"
    );
}

#[tokio::test]
async fn product_details_and_variants() {
    let server = TestServer::start().await;
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "monospace-tee", "channel": USD, "languageCode": "PL"}),
    )
    .await;
    let p = &data(&body)["product"];
    assert_eq!(p["name"], "Monospace Tee");
    assert_eq!(p["isAvailable"], true);
    assert_eq!(p["translation"]["name"], "Koszulka Monospace");
    assert_eq!(p["slugPL"]["slug"], "koszulka-monospace");
    assert_eq!(p["slugDE"]["slug"], "monospace-t-shirt");
    assert_eq!(p["slugFR"], Value::Null);
    assert_eq!(p["productType"]["slug"], "t-shirt");
    assert_eq!(p["productVariants"]["totalCount"], 4);
    assert_eq!(p["media"].as_array().unwrap().len(), 2);
    assert_eq!(p["media"][0]["type"], "IMAGE");
    let attrs = p["assignedAttributes"].as_array().unwrap();
    let material = attrs
        .iter()
        .find(|a| a["attribute"]["slug"] == "material")
        .unwrap();
    assert_eq!(material["plainText"], "100% organic cotton");
    assert_eq!(material["attribute"]["translation"]["name"], "Materiał");
    let colors = attrs
        .iter()
        .find(|a| a["attribute"]["slug"] == "color")
        .unwrap();
    assert_eq!(colors["choices"][0]["translation"], "Czarny");
    assert!(p["description"].as_str().unwrap().contains("blocks"));

    // By translated slug.
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "koszulka-monospace", "slugLanguageCode": "PL", "channel": EUR, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(
        data(&body)["product"]["pricing"]["priceRange"]["start"]["gross"]["currency"],
        "EUR"
    );

    // Unpublished: invisible, not an error.
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "polo-shirt", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["product"], Value::Null);

    // Variants page by page.
    let body = op(
        &server,
        "ProductVariantsForPdp",
        json!({"slug": "monospace-tee", "channel": USD, "languageCode": "EN", "first": 3}),
    )
    .await;
    let v = &data(&body)["product"]["productVariants"];
    assert_eq!(v["totalCount"], 4);
    assert_eq!(v["edges"].as_array().unwrap().len(), 3);
    assert_eq!(v["pageInfo"]["hasNextPage"], true);
    let body = op(
        &server,
        "ProductVariantsForPdp",
        json!({"slug": "monospace-tee", "channel": USD, "languageCode": "EN", "first": 3,
               "after": v["pageInfo"]["endCursor"]}),
    )
    .await;
    let v = &data(&body)["product"]["productVariants"];
    assert_eq!(v["edges"].as_array().unwrap().len(), 1);
    assert_eq!(v["edges"][0]["node"]["sku"], "MONOSPACE-TEE-XL");
    assert_eq!(
        v["edges"][0]["node"]["pricing"]["price"]["gross"]["amount"],
        25.99
    );
    assert_eq!(v["pageInfo"]["hasNextPage"], false);

    // One variant by SKU: stock and attributes.
    let body = op(
        &server,
        "ProductVariantForPdp",
        json!({"sku": "BEAN-JUICE-1-L", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    let v = &data(&body)["productVariant"];
    assert_eq!(v["quantityAvailable"], 0);
    assert_eq!(v["product"]["slug"], "bean-juice");
    assert_eq!(v["selectionAttributes"][0]["attribute"]["slug"], "volume");
    assert_eq!(v["selectionAttributes"][0]["values"][0]["name"], "1 l");
    let body = op(
        &server,
        "ProductVariantForPdp",
        json!({"id": v["id"], "channel": EUR, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(
        data(&body)["productVariant"]["pricing"]["price"]["gross"]["currency"],
        "EUR"
    );
    let body = op(
        &server,
        "ProductVariantForPdp",
        json!({"sku": "APPLE-JUICE-330-ML", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    assert!(
        data(&body)["productVariant"]["quantityAvailable"]
            .as_i64()
            .unwrap()
            > 0
    );
}

#[tokio::test]
async fn category_collection_menu_and_pages() {
    let server = TestServer::start().await;
    let body = op(
        &server,
        "ProductListByCategory",
        json!({"slug": "apparel", "channel": USD, "languageCode": "PL", "first": 5}),
    )
    .await;
    let c = &data(&body)["category"];
    assert_eq!(c["translation"]["name"], "Odzież");
    assert_eq!(
        c["products"]["totalCount"], 19,
        "T-shirts and hoodies, without the unpublished one"
    );
    assert_eq!(c["products"]["edges"].as_array().unwrap().len(), 5);
    let body = op(
        &server,
        "ProductListByCategory",
        json!({"slug": "koszulki", "slugLanguageCode": "PL", "channel": USD, "languageCode": "EN",
               "first": 20, "where": {"slug": {"oneOf": ["monospace-tee", "apple-juice"]}}}),
    )
    .await;
    assert_eq!(
        names(&data(&body)["category"]["products"]),
        vec!["Monospace Tee"]
    );

    let body = op(
        &server,
        "ProductListByCollection",
        json!({"slug": "featured-products", "channel": EUR, "languageCode": "PL", "first": 50}),
    )
    .await;
    let c = &data(&body)["collection"];
    assert_eq!(c["translation"]["name"], "Polecane produkty");
    assert_eq!(c["products"]["totalCount"], 14);
    let body = op(
        &server,
        "ProductListByCollection",
        json!({"slug": "hidden-deals", "channel": USD, "languageCode": "EN", "first": 5}),
    )
    .await;
    assert_eq!(data(&body)["collection"], Value::Null);

    let body = op(
        &server,
        "CategoriesBySlug",
        json!({"slugs": ["juices", "coffee", "nope"]}),
    )
    .await;
    let slugs: Vec<&str> = data(&body)["categories"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["coffee", "juices"]);

    let body = op(
        &server,
        "MenuGetBySlug",
        json!({"slug": "navbar", "channel": USD, "languageCode": "PL"}),
    )
    .await;
    let items = data(&body)["menu"]["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["name"], "Apparel");
    assert_eq!(items[0]["translation"]["name"], "Odzież");
    assert_eq!(items[0]["category"]["slug"], "apparel");
    let children: Vec<&str> = items[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(children, vec!["T-shirts", "Hoodies"]);
    assert_eq!(items[0]["children"][0]["level"], 1);
    assert_eq!(items[3]["collection"]["slug"], "best-sellers");
    let body = op(
        &server,
        "MenuGetBySlug",
        json!({"slug": "footer", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    let items = data(&body)["menu"]["items"].as_array().unwrap().clone();
    assert_eq!(items[0]["page"]["slug"], "about");
    assert_eq!(items[3]["url"], "https://saleor.io/");

    let body = op(
        &server,
        "PageGetBySlug",
        json!({"slug": "about", "languageCode": "PL"}),
    )
    .await;
    let p = &data(&body)["page"];
    assert_eq!(p["title"], "About");
    assert_eq!(p["translation"]["title"], "O nas");
    assert_eq!(p["slugPL"]["slug"], "o-nas");
    let body = op(
        &server,
        "PageGetBySlug",
        json!({"slug": "draft-page", "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["page"], Value::Null);

    let body = op(
        &server,
        "StorefrontContentPages",
        json!({"channel": USD, "slugs": ["about", "home-hero", "draft-page"], "languageCode": "EN"}),
    )
    .await;
    let pages = data(&body)["pages"]["edges"].as_array().unwrap().clone();
    assert_eq!(pages.len(), 2);
    let hero = pages
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["slug"] == "home-hero")
        .unwrap();
    assert_eq!(hero["pageType"]["slug"], "content-page");
    assert_eq!(
        hero["assignedAttributes"][0]["plainText"],
        "Welcome to Home Hero"
    );
    assert_eq!(hero["assignedAttributes"][1]["boolean"], true);
}

#[tokio::test]
async fn product_list_statement_count_does_not_grow_with_page_size() {
    // Execution itself is measured: the response cache (which would answer the repeated
    // request with a single version read) is off.
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let doc = ops::document("ProductList");
    let mut counts = Vec::new();
    for first in [10, 100, 10] {
        let before = server.statements();
        let body = server
            .gql(
                &doc,
                json!({"first": first, "channel": USD, "languageCode": "EN"}),
            )
            .await;
        data(&body);
        counts.push(server.statements() - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for first 10 vs first 100: {counts:?}"
    );
    assert!(
        counts[1] <= 8,
        "storefront ProductList should need at most 8 statements: {counts:?}"
    );
    let before = server.statements();
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "monospace-tee", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    data(&body);
    let details = server.statements() - before;
    // 12 since products and variants list every attribute of their type (one statement
    // for the product's, one for the variants'); constant whatever the number of variants.
    assert!(details <= 12, "ProductDetails: {details}");
    println!("statements: ProductList first 10/100/10: {counts:?}; ProductDetails: {details}");
}

#[tokio::test]
async fn bad_input_gives_clear_errors() {
    let server = TestServer::start().await;
    let q = "query($c: String, $f: Int, $a: String) { products(channel: $c, first: $f, after: $a) { edges { node { id } } } }";
    let body = server.gql(q, json!({"c": "nope", "f": 5})).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = server.gql(q, json!({"f": 5})).await;
    assert_eq!(
        error_code(&body),
        "INVALID_INPUT",
        "two channels: the slug is required"
    );
    let body = server.gql(q, json!({"c": USD, "f": 500})).await;
    assert_eq!(error_code(&body), "INVALID_PAGINATION");
    let body = server
        .gql(q, json!({"c": USD, "f": 5, "a": "garbage"}))
        .await;
    assert_eq!(error_code(&body), "INVALID_CURSOR");
    let body = server
        .gql(q, json!({"c": USD, "f": 5, "a": "W3sicyI6IngifV0="}))
        .await;
    assert_eq!(error_code(&body), "INVALID_CURSOR");
    let body = server
        .gql(
            r#"{ product(id: "Q2F0ZWdvcnk6MQ==", channel: "default-channel") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_ID");
    let body = server
        .gql(
            r#"{ product(channel: "default-channel") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_INPUT");
    let body = server
        .gql(
            r#"{ products(first: 5, channel: "default-channel", sortBy: {field: RANK, direction: ASC}) { edges { node { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_INPUT");
    let body = server
        .gql(
            r#"{ products(first: 5, channel: "default-channel", filter: {search: "\"*) OR zzqx:* --"}) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["products"]["totalCount"], 0);
}

const PRODUCT_CREATE: &str = r#"mutation($input: ProductCreateInput!) {
  productCreate(input: $input) { errors { field code message } product { id name slug } }
}"#;
const LISTING_UPDATE: &str = r#"mutation($id: ID!, $input: ProductChannelListingUpdateInput!) {
  productChannelListingUpdate(id: $id, input: $input) { errors { field code message } product { id } }
}"#;
const VARIANT_CREATE: &str = r#"mutation($input: ProductVariantCreateInput!) {
  productVariantCreate(input: $input) { errors { field code message } productVariant { id sku } }
}"#;
const VARIANT_PRICES: &str = r#"mutation($id: ID!, $input: [ProductVariantChannelListingAddInput!]!) {
  productVariantChannelListingUpdate(id: $id, input: $input) { errors { field code message } variant { id } }
}"#;
const STOCKS: &str = r#"mutation($id: ID!, $stocks: [StockInput!]!) {
  productVariantStocksUpdate(variantId: $id, stocks: $stocks) { errors { field code message index } productVariant { id } }
}"#;

async fn ids(server: &TestServer) -> (String, String, String, String) {
    let body = server
        .gql(
            r#"{ product(slug: "monospace-tee", channel: "default-channel") { productType { id } category { id } } channels { id slug } }"#,
            json!({}),
        )
        .await;
    let d = data(&body);
    let usd = d["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == USD)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let eur = d["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["slug"] == EUR)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        d["product"]["productType"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        d["product"]["category"]["id"].as_str().unwrap().to_owned(),
        usd,
        eur,
    )
}

#[tokio::test]
async fn staff_mutations_need_permissions() {
    let server = TestServer::start().await;
    let (pt, _, usd, _) = ids(&server).await;
    let body = server
        .gql(
            PRODUCT_CREATE,
            json!({"input": {"productType": pt, "name": "Nope"}}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    assert_eq!(
        body["errors"][0]["extensions"]["exception"]["code"],
        "PermissionDenied"
    );
    let body = server
        .gql(
            VARIANT_PRICES,
            json!({"id": "UHJvZHVjdFZhcmlhbnQ6MQ==", "input": [{"channelId": usd, "price": "1.00"}]}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    for q in [
        r#"mutation { productTypeCreate(input: {name: "X"}) { errors { code } } }"#,
        r#"mutation { attributeCreate(input: {name: "X", type: PRODUCT_TYPE}) { errors { code } } }"#,
        r#"mutation { categoryCreate(input: {name: "X"}) { errors { code } } }"#,
        r#"mutation { collectionCreate(input: {name: "X"}) { errors { code } } }"#,
        r#"mutation { productTranslate(id: "UHJvZHVjdDox", languageCode: PL, input: {name: "X"}) { errors { code } } }"#,
    ] {
        let body = server.gql(q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "{q}");
    }
    // Customers have no catalog permissions either.
    let customer = server.customer_token("shopper@example.com").await;
    let body = server
        .gql_as(
            &customer,
            PRODUCT_CREATE,
            json!({"input": {"productType": pt, "name": "Nope"}}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    // Nothing was written.
    let body = op(&server, "SearchProducts", json!({"search": "Nope", "sortBy": "NAME", "sortDirection": "ASC", "first": 5, "channel": USD, "languageCode": "EN"})).await;
    assert_eq!(data(&body)["products"]["totalCount"], 0);
}

/// The write rules, exercised through the service (the GraphQL flow is below, behind the
/// staff token): a new product is visible and searchable as soon as its writes commit.
#[tokio::test]
async fn catalog_writes_are_atomic_unique_and_searchable() {
    use bizgraph::catalog::write::{
        Code, ProductFields, ProductListingChange, VariantFields, VariantPrice, WriteError,
    };
    use rust_decimal::Decimal;
    let server = TestServer::start().await;
    let w = &server.state.catalog.writer;
    let t = bizgraph::core::id::decode::<i32>;
    let (pt, cat, usd, eur) = ids(&server).await;
    let (pt, cat, usd, eur) = (
        t(&pt, "ProductType").unwrap(),
        t(&cat, "Category").unwrap(),
        t(&usd, "Channel").unwrap(),
        t(&eur, "Channel").unwrap(),
    );
    let p = w
        .product_create(ProductFields {
            product_type_id: Some(pt),
            category_id: Some(Some(cat)),
            name: Some("Quokka Tee".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(p.slug, "quokka-tee");
    // Duplicate slug: UNIQUE on slug; no slug given: a free one is derived.
    let dup = w
        .product_create(ProductFields {
            product_type_id: Some(pt),
            name: Some("Other".into()),
            slug: Some("quokka-tee".into()),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(dup, Err(WriteError::Invalid(ref e)) if e[0].code == Code::Unique && e[0].field.as_deref() == Some("slug")),
        "{dup:?}"
    );
    let again = w
        .product_create(ProductFields {
            product_type_id: Some(pt),
            name: Some("Quokka Tee".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(again.slug, "quokka-tee-2");
    w.product_channel_listing_update(
        p.id,
        vec![ProductListingChange {
            channel_id: usd,
            is_published: Some(true),
            visible_in_listings: Some(true),
            is_available_for_purchase: Some(true),
            ..Default::default()
        }],
        vec![],
    )
    .await
    .unwrap();
    let warehouse = {
        use sea_orm::EntityTrait;
        entities::warehouse::Entity::find()
            .one(&server.state.db.conn)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let v = w
        .variant_create(VariantFields {
            product_id: Some(p.id),
            sku: Some("QUOKKA-M".into()),
            stocks: vec![(warehouse, 7)],
            ..Default::default()
        })
        .await
        .unwrap();
    // Duplicate SKU: UNIQUE on sku, and the failed variant left nothing behind.
    let dup = w
        .variant_create(VariantFields {
            product_id: Some(p.id),
            sku: Some("QUOKKA-M".into()),
            stocks: vec![(warehouse, 1)],
            ..Default::default()
        })
        .await;
    assert!(
        matches!(dup, Err(WriteError::Invalid(ref e)) if e[0].code == Code::Unique && e[0].field.as_deref() == Some("sku"))
    );
    // Negative stock: rejected with the item's index, nothing written.
    let neg = w
        .variant_create(VariantFields {
            product_id: Some(p.id),
            sku: Some("QUOKKA-L".into()),
            stocks: vec![(warehouse, -1)],
            ..Default::default()
        })
        .await;
    assert!(
        matches!(neg, Err(WriteError::Invalid(ref e)) if e[0].code == Code::Invalid && e[0].index == Some(0))
    );
    // Negative and over-precise prices; a channel the product isn't listed in.
    let price = |s: &str| s.parse::<Decimal>().unwrap();
    for (channel, amount, code) in [
        (usd, "-1", Code::InvalidPrice),
        (usd, "1.001", Code::InvalidPrice),
        (eur, "5", Code::ProductNotAssignedToChannel),
    ] {
        let r = w
            .variant_channel_listing_update(
                v.id,
                vec![VariantPrice {
                    channel_id: channel,
                    price: price(amount),
                    cost_price: None,
                }],
            )
            .await;
        assert!(
            matches!(r, Err(WriteError::Invalid(ref e)) if e[0].code == code),
            "{amount}: {r:?}"
        );
    }
    w.variant_channel_listing_update(
        v.id,
        vec![VariantPrice {
            channel_id: usd,
            price: price("12.50"),
            cost_price: Some(price("5")),
        }],
    )
    .await
    .unwrap();

    // Storefront: listed, priced, in stock, searchable by name and SKU right away.
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "quokka-tee", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    let d = &data(&body)["product"];
    assert_eq!(
        d["pricing"]["priceRange"]["start"]["gross"],
        json!({"amount": 12.5, "currency": "USD"})
    );
    assert_eq!(d["isAvailable"], true);
    let body = op(
        &server,
        "ProductVariantForPdp",
        json!({"sku": "QUOKKA-M", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["productVariant"]["quantityAvailable"], 7);
    for q in ["quokka", "QUOKKA-M"] {
        let body = op(&server, "SearchProducts", json!({"search": q, "sortBy": "NAME", "sortDirection": "ASC", "first": 5, "channel": USD, "languageCode": "EN"})).await;
        assert_eq!(names(&data(&body)["products"]), vec!["Quokka Tee"], "{q}");
    }
    // Not listed in EUR: invisible there.
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "quokka-tee", "channel": EUR, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["product"], Value::Null);
    // Deleted: gone from search at once.
    w.product_delete(p.id).await.unwrap();
    let body = op(&server, "SearchProducts", json!({"search": "quokka", "sortBy": "NAME", "sortDirection": "ASC", "first": 5, "channel": USD, "languageCode": "EN"})).await;
    assert_eq!(data(&body)["products"]["totalCount"], 0);
}

#[tokio::test]
async fn staff_creates_lists_and_prices_a_product() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let (pt, cat, usd, _) = ids(&server).await;
    let body = server
        .gql_as(
            &token,
            PRODUCT_CREATE,
            json!({"input": {"productType": pt, "category": cat, "name": "Wombat Tee",
            "attributes": [], "seo": {"title": "Wombat"}, "description": "{\"blocks\": []}"}}),
        )
        .await;
    let created = &data(&body)["productCreate"];
    assert_eq!(created["errors"], json!([]));
    let product = created["product"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["product"]["slug"], "wombat-tee");
    let body = server
        .gql_as(
            &token,
            PRODUCT_CREATE,
            json!({"input": {"productType": pt, "name": "X", "slug": "wombat-tee"}}),
        )
        .await;
    assert_eq!(
        data(&body)["productCreate"]["errors"][0],
        json!({"field": "slug", "code": "UNIQUE", "message": "Object with this Slug already exists: wombat-tee."})
    );
    let body = server
        .gql_as(&token, LISTING_UPDATE, json!({"id": product, "input": {"updateChannels": [{"channelId": usd, "isPublished": true, "visibleInListings": true, "isAvailableForPurchase": true}]}}))
        .await;
    assert_eq!(
        data(&body)["productChannelListingUpdate"]["errors"],
        json!([])
    );
    let body = server
        .gql_as(
            &token,
            VARIANT_CREATE,
            json!({"input": {"product": product, "sku": "WOMBAT-M", "attributes": []}}),
        )
        .await;
    let variant = data(&body)["productVariantCreate"]["productVariant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = server
        .gql_as(
            &token,
            VARIANT_CREATE,
            json!({"input": {"product": product, "sku": "WOMBAT-M", "attributes": []}}),
        )
        .await;
    assert_eq!(
        data(&body)["productVariantCreate"]["errors"][0]["code"],
        "UNIQUE"
    );
    assert_eq!(
        data(&body)["productVariantCreate"]["errors"][0]["field"],
        "sku"
    );
    let body = server
        .gql_as(
            &token,
            VARIANT_PRICES,
            json!({"id": variant, "input": [{"channelId": usd, "price": "-3"}]}),
        )
        .await;
    assert!(
        body["errors"][0]["message"].as_str().is_some(),
        "negative PositiveDecimal is rejected"
    );
    let body = server
        .gql_as(
            &token,
            VARIANT_PRICES,
            json!({"id": variant, "input": [{"channelId": usd, "price": "9.99"}]}),
        )
        .await;
    assert_eq!(
        data(&body)["productVariantChannelListingUpdate"]["errors"],
        json!([])
    );
    let body = server
        .gql_as(
            &token,
            STOCKS,
            json!({"id": variant, "stocks": [{"warehouse": "V2FyZWhvdXNlOjE=", "quantity": -5}]}),
        )
        .await;
    assert_eq!(
        data(&body)["productVariantStocksUpdate"]["errors"][0]["index"],
        0
    );
    let body = op(&server, "SearchProducts", json!({"search": "wombat", "sortBy": "NAME", "sortDirection": "ASC", "first": 5, "channel": USD, "languageCode": "EN"})).await;
    assert_eq!(names(&data(&body)["products"]), vec!["Wombat Tee"]);
}

#[tokio::test]
async fn content_writes_show_up_in_the_storefront() {
    use bizgraph::content::write::{MenuItemFields, PageFields};
    let server = TestServer::start().await;
    let body = server
        .gql(r#"{ page(slug: "about") { pageType { id } } }"#, json!({}))
        .await;
    let page_type = bizgraph::core::id::decode::<i32>(
        data(&body)["page"]["pageType"]["id"].as_str().unwrap(),
        "PageType",
    )
    .unwrap();
    let w = &server.state.content;
    let page = w
        .page_create(PageFields {
            page_type_id: Some(page_type),
            title: Some("Careers".into()),
            is_published: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.slug, "careers");
    let dup = w
        .page_create(PageFields {
            page_type_id: Some(page_type),
            title: Some("X".into()),
            slug: Some("careers".into()),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(dup, Err(bizgraph::catalog::write::WriteError::Invalid(ref e)) if e[0].code == bizgraph::catalog::write::Code::Unique)
    );
    let menu = w
        .menu_create(
            "Sidebar",
            None,
            vec![MenuItemFields {
                name: Some("Careers".into()),
                page_id: Some(page.id),
                ..Default::default()
            }],
        )
        .await
        .unwrap();
    let body = op(
        &server,
        "MenuGetBySlug",
        json!({"slug": "sidebar", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["menu"]["items"][0]["page"]["slug"], "careers");
    let body = op(
        &server,
        "PageGetBySlug",
        json!({"slug": "careers", "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["page"]["title"], "Careers");
    w.menu_delete(menu.id).await.unwrap();
    let body = op(
        &server,
        "MenuGetBySlug",
        json!({"slug": "sidebar", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    assert_eq!(data(&body)["menu"], Value::Null);
    for q in [
        r#"mutation { pageCreate(input: {title: "X", pageType: "UGFnZVR5cGU6MQ=="}) { errors { code } } }"#,
        r#"mutation { menuCreate(input: {name: "X"}) { errors { code } } }"#,
        r#"mutation { menuItemCreate(input: {name: "X", menu: "TWVudTox"}) { errors { code } } }"#,
    ] {
        let body = server.gql(q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "{q}");
    }
}

#[tokio::test]
async fn variant_bulk_create_is_all_or_nothing() {
    use bizgraph::catalog::write::{Code, VariantFields, VariantPrice, WriteError};
    let server = TestServer::start().await;
    let t = bizgraph::core::id::decode::<i32>;
    let body = server
        .gql(r#"{ product(slug: "dad-cap", channel: "default-channel") { id } channels { id slug } }"#, json!({}))
        .await;
    let d = data(&body);
    let product = t(d["product"]["id"].as_str().unwrap(), "Product").unwrap();
    let usd = t(
        d["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == USD)
            .unwrap()["id"]
            .as_str()
            .unwrap(),
        "Channel",
    )
    .unwrap();
    let price = |s: &str| VariantPrice {
        channel_id: usd,
        price: s.parse().unwrap(),
        cost_price: None,
    };
    let row = |sku: &str| VariantFields {
        product_id: Some(product),
        sku: Some(sku.into()),
        name: Some(sku.into()),
        ..Default::default()
    };
    let w = &server.state.catalog.writer;
    let r = w
        .variant_bulk_create(
            product,
            vec![
                (row("CAP-RED"), vec![price("20")]),
                (row("DAD-CAP-ONE-SIZE"), vec![price("21")]),
            ],
        )
        .await;
    assert!(
        matches!(r, Err(WriteError::Invalid(ref e)) if e[0].code == Code::Unique && e[0].index == Some(1)),
        "{r:?}"
    );
    let r = w
        .variant_bulk_create(
            product,
            vec![
                (row("CAP-RED"), vec![price("20")]),
                (row("CAP-BLUE"), vec![price("-2")]),
            ],
        )
        .await;
    assert!(
        matches!(r, Err(WriteError::Invalid(ref e)) if e[0].code == Code::InvalidPrice && e[0].index == Some(1)),
        "{r:?}"
    );
    let body = op(
        &server,
        "ProductVariantsForPdp",
        json!({"slug": "dad-cap", "channel": USD, "languageCode": "EN", "first": 10}),
    )
    .await;
    assert_eq!(
        data(&body)["product"]["productVariants"]["totalCount"],
        1,
        "nothing half-written"
    );
    let created = w
        .variant_bulk_create(
            product,
            vec![
                (row("CAP-RED"), vec![price("20")]),
                (row("CAP-BLUE"), vec![price("31.5")]),
            ],
        )
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    let body = op(
        &server,
        "ProductDetails",
        json!({"slug": "dad-cap", "channel": USD, "languageCode": "EN"}),
    )
    .await;
    let range = &data(&body)["product"]["pricing"]["priceRange"];
    assert_eq!(range["start"]["gross"]["amount"], 15.0);
    assert_eq!(range["stop"]["gross"]["amount"], 31.5);
    let body = server
        .gql(r#"mutation($p: ID!) { productVariantBulkCreate(product: $p, variants: [{sku: "X", attributes: []}]) { count errors { code } } }"#, json!({"p": d["product"]["id"]}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
}

/// Names of a product page and its end cursor.
fn page_of(conn: &Value) -> (Vec<String>, String) {
    (
        names(conn),
        conn["pageInfo"]["endCursor"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn products_sort_by_collection_type_publication_and_rating() {
    let server = TestServer::start().await;
    // The storefront's collection page sorts by the collection's own order (COLLECTION):
    // Summer Picks holds the caps, then the juices, in the order they were added.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..2 {
        let body = op(
            &server,
            "ProductListByCollection",
            json!({"slug": "summer-picks", "channel": USD, "languageCode": "EN", "first": 3,
                   "after": after, "sortBy": {"field": "COLLECTION", "direction": "ASC"}}),
        )
        .await;
        let (names, cursor) = page_of(&data(&body)["collection"]["products"]);
        seen.extend(names);
        after = json!(cursor);
    }
    assert_eq!(
        seen,
        [
            "Dad Cap",
            "Snapback Cap",
            "Trucker Cap",
            "Beanie",
            "Bucket Hat",
            "Visor"
        ]
    );
    let body = op(
        &server,
        "ProductListByCollection",
        json!({"slug": "summer-picks", "channel": USD, "languageCode": "EN", "first": 100,
               "sortBy": {"field": "COLLECTION", "direction": "DESC"}}),
    )
    .await;
    let mut descending = names(&data(&body)["collection"]["products"]);
    descending.reverse();
    assert_eq!(descending[..6], seen[..]);
    // Outside a collection's products, COLLECTION has nothing to order by (as Saleor says).
    let body = server
        .gql(
            r#"query { products(first: 5, channel: "default-channel", sortBy: {field: COLLECTION, direction: ASC}) { edges { node { name } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Collection.products"),
        "{body}"
    );

    // TYPE: by product type name, walked over pages.
    let query = r#"query($after: String) { products(first: 25, after: $after, channel: "default-channel", sortBy: {field: TYPE, direction: ASC}) {
        edges { node { name productType { name } } } pageInfo { endCursor hasNextPage } } }"#;
    let mut types = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = server.gql(query, json!({"after": after})).await;
        let products = &data(&body)["products"];
        for e in products["edges"].as_array().unwrap() {
            types.push(
                e["node"]["productType"]["name"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        if products["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = products["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(types, sorted);
    assert!(types.len() > 25, "several pages: {}", types.len());

    // PUBLISHED (staff see unpublished products): published ones first when descending.
    let token = server.staff_token().await;
    let body = server
        .gql_as(
            &token,
            r#"query { products(first: 100, channel: "default-channel", sortBy: {field: PUBLISHED, direction: DESC}) {
                edges { node { channelListings { isPublished channel { slug } } } } } }"#,
            json!({}),
        )
        .await;
    let published: Vec<bool> = data(&body)["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["channelListings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["channel"]["slug"] == USD && l["isPublished"] == true)
        })
        .collect();
    let first_unpublished = published
        .iter()
        .position(|p| !p)
        .expect("an unpublished one");
    assert!(
        published[first_unpublished..].iter().all(|p| !p),
        "{published:?}"
    );

    // RATING (the storefront's "best selling"): rated products by rating, unrated last.
    let ids: Vec<String> = {
        let body = op(
            &server,
            "ProductListByCollection",
            json!({"slug": "summer-picks", "channel": USD, "languageCode": "EN", "first": 2}),
        )
        .await;
        data(&body)["collection"]["products"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (id, rating) in ids.iter().zip([4.5, 3.0]) {
        let body = server
            .gql_as(
                &token,
                "mutation($id: ID!, $r: Float) { productUpdate(id: $id, input: {rating: $r}) { errors { message } product { rating } } }",
                json!({"id": id, "r": rating}),
            )
            .await;
        assert_eq!(data(&body)["productUpdate"]["product"]["rating"], rating);
    }
    let body = server
        .gql(
            r#"query { products(first: 3, channel: "default-channel", sortBy: {field: RATING, direction: DESC}) { edges { node { id rating } } } }"#,
            json!({}),
        )
        .await;
    let top: Vec<Value> = data(&body)["products"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["rating"].clone())
        .collect();
    assert_eq!(top, [json!(4.5), json!(3.0), Value::Null]);

    // Saleor's `Date` scalar (no `NaiveDate`), as the storefront's code generation expects.
    let body = server
        .gql_as(
            &token,
            r#"query { products(first: 1, channel: "default-channel") { edges { node { channelListings { publicationDate availableForPurchase } } } } }"#,
            json!({}),
        )
        .await;
    let listing = &data(&body)["products"]["edges"][0]["node"]["channelListings"][0];
    let date = listing["publicationDate"].as_str().unwrap();
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{date}"
    );
}

/// Saleor's `Product` fields beyond the storefront's documents: `defaultVariant`,
/// `variant(id|sku)`, `collections` (published ones for shoppers, every listed one for
/// staff), `mediaById`, `media(sortBy)`, the deprecated `availableForPurchase`,
/// `descriptionJson` and `attribute(slug)`.
#[tokio::test]
async fn product_fields_other_saleor_clients_select() {
    let server = TestServer::start().await;
    let q = r#"query($slug: String!, $sku: String, $vid: ID, $mid: ID!) {
      product(slug: $slug, channel: "default-channel") {
        productVariants(first: 10) { edges { node { id sku } } }
        defaultVariant { id sku }
        bySku: variant(sku: $sku) { id sku }
        byId: variant(id: $vid) { id }
        collections { slug }
        media { id }
        mediaDesc: media(sortBy: {field: ID, direction: DESC}) { id }
        mediaById(id: $mid) { id url }
        availableForPurchase
        availableForPurchaseAt
        description
        descriptionJson
        attribute(slug: "material") { attribute { slug } values { name } }
      } }"#;
    let none = json!({"slug": "monospace-tee", "mid": "UHJvZHVjdE1lZGlhOjA=", "sku": "NO-SUCH-SKU",
                      "vid": "UHJvZHVjdFZhcmlhbnQ6MA=="});
    let body = server.gql(q, none.clone()).await;
    let p = &data(&body)["product"];
    let variants: Vec<Value> = p["productVariants"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert!(variants.len() > 1, "{body}");
    assert_eq!(p["defaultVariant"], variants[0]);
    assert_eq!(p["bySku"], Value::Null);
    assert_eq!(p["byId"], Value::Null);
    assert_eq!(p["mediaById"], Value::Null);
    // Dad Cap is in Featured Products, Summer Picks and Best Sellers (all published).
    let caps = server
        .gql(
            r#"{ product(slug: "dad-cap", channel: "default-channel") { collections { slug } } }"#,
            json!({}),
        )
        .await;
    let slugs: Vec<&str> = data(&caps)["product"]["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["best-sellers", "featured-products", "summer-picks"]);
    let date = p["availableForPurchase"].as_str().unwrap();
    assert!(
        p["availableForPurchaseAt"]
            .as_str()
            .unwrap()
            .starts_with(date)
    );
    assert_eq!(p["descriptionJson"], p["description"]);
    assert_eq!(p["attribute"]["attribute"]["slug"], "material", "{body}");
    assert!(p["attribute"]["values"][0]["name"].is_string(), "{body}");

    let media: Vec<Value> = p["media"].as_array().unwrap().clone();
    assert!(!media.is_empty(), "{body}");
    let mut desc = p["mediaDesc"].as_array().unwrap().clone();
    desc.reverse();
    let mut by_id = media.clone();
    by_id.sort_by_key(|m| {
        let id = crate::common::decode_id(m["id"].as_str().unwrap());
        id.rsplit(':').next().unwrap().parse::<i64>().unwrap()
    });
    assert_eq!(desc, by_id);
    let last = &variants[variants.len() - 1];
    let vars = json!({"slug": "monospace-tee", "sku": last["sku"], "vid": last["id"],
                      "mid": media[0]["id"]});
    let body = server.gql(q, vars).await;
    let p = &data(&body)["product"];
    assert_eq!(p["bySku"], *last);
    assert_eq!(p["byId"]["id"], last["id"]);
    assert_eq!(p["mediaById"]["id"], media[0]["id"]);
    // id and sku together, or neither, is an error (as Saleor's one-of check).
    let both = server
        .gql(
            r#"query($sku: String, $vid: ID) { product(slug: "monospace-tee", channel: "default-channel") { variant(sku: $sku, id: $vid) { id } } }"#,
            json!({"sku": last["sku"], "vid": last["id"]}),
        )
        .await;
    assert!(
        both["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be combined")
    );

    // Audiobooks sit in Hidden Deals, an unpublished collection: staff see it, shoppers not.
    let q = r#"query($slug: String!) { product(slug: $slug, channel: "default-channel") { collections { slug } } }"#;
    let body = server.gql(q, json!({"slug": "the-dash"})).await;
    let shopper = data(&body)["product"]["collections"].clone();
    assert!(!shopper.to_string().contains("hidden-deals"), "{body}");
    let staff = server.staff_token().await;
    let body = server.gql_as(&staff, q, json!({"slug": "the-dash"})).await;
    assert!(
        data(&body)["product"]["collections"]
            .to_string()
            .contains("hidden-deals"),
        "{body}"
    );
}

/// `Category.ancestors` (root first, paged), `descriptionJson` of categories and
/// collections, and `quantityAvailable`'s deprecated destination arguments.
#[tokio::test]
async fn category_ancestors_and_deprecated_fields() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let body = server
        .gql(r#"{ category(slug: "t-shirts") { id } }"#, json!({}))
        .await;
    let tshirts = data(&body)["category"]["id"].clone();
    let body = server
        .gql_as(
            &staff,
            "mutation($p: ID) { categoryCreate(parent: $p, input: {name: \"V-necks\"}) { category { id } errors { message } } }",
            json!({"p": tshirts}),
        )
        .await;
    assert_eq!(data(&body)["categoryCreate"]["errors"], json!([]), "{body}");
    let q = r#"query($after: String) { category(slug: "v-necks") {
        ancestors(first: 1, after: $after) { totalCount edges { node { slug level } }
          pageInfo { hasNextPage endCursor } }
        descriptionJson } }"#;
    let body = server.gql(q, json!({})).await;
    let a = &data(&body)["category"]["ancestors"];
    assert_eq!(a["totalCount"], 2, "{body}");
    assert_eq!(
        a["edges"][0]["node"],
        json!({"slug": "apparel", "level": 0})
    );
    assert_eq!(a["pageInfo"]["hasNextPage"], true);
    assert_eq!(data(&body)["category"]["descriptionJson"], "{}");
    let body = server
        .gql(q, json!({"after": a["pageInfo"]["endCursor"]}))
        .await;
    let a = &data(&body)["category"]["ancestors"];
    assert_eq!(
        a["edges"][0]["node"],
        json!({"slug": "t-shirts", "level": 1})
    );
    assert_eq!(a["pageInfo"]["hasNextPage"], false);
    let body = server
        .gql(
            r#"{ category(slug: "apparel") { ancestors(first: 5) { totalCount } description descriptionJson }
                 collection(slug: "summer-picks", channel: "default-channel") { description descriptionJson } }"#,
            json!({}),
        )
        .await;
    let d = data(&body);
    assert_eq!(d["category"]["ancestors"]["totalCount"], 0);
    assert_eq!(
        d["category"]["descriptionJson"],
        d["category"]["description"]
    );
    assert_eq!(
        d["collection"]["descriptionJson"],
        d["collection"]["description"]
    );

    let q = r#"query($c: CountryCode) { product(slug: "monospace-tee", channel: "default-channel") {
        productVariants(first: 1) { edges { node {
          plain: quantityAvailable
          byCountry: quantityAvailable(countryCode: $c)
          byAddress: quantityAvailable(address: {country: $c}) } } } } }"#;
    let body = server.gql(q, json!({"c": "US"})).await;
    let v = &data(&body)["product"]["productVariants"]["edges"][0]["node"];
    assert!(v["plain"].as_i64().unwrap() > 0, "{body}");
    assert_eq!(v["byCountry"], v["plain"]);
    assert_eq!(v["byAddress"], v["plain"]);

    let body = server
        .gql(
            r#"{ page(slug: "about") { content contentJson publishedAt publicationDate
                 attribute(slug: "headline") { attribute { slug } values { name } } } }"#,
            json!({}),
        )
        .await;
    let page = &data(&body)["page"];
    assert_eq!(page["contentJson"], page["content"], "{body}");
    let date = page["publicationDate"].as_str().unwrap();
    assert!(
        page["publishedAt"].as_str().unwrap().starts_with(date),
        "{body}"
    );
    assert_eq!(page["attribute"]["attribute"]["slug"], "headline", "{body}");
    assert!(page["attribute"]["values"][0]["name"].is_string(), "{body}");
}
