//! End-to-end tests of the dashboard side of the catalog: product types and attributes
//! (queries, assignment, choices, updates, deletes), category and collection updates, and
//! the bulk deletes, including permission denial and all-or-nothing behaviour.

#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, data, error_code};
use serde_json::{Value, json};

/// Runs `query` as staff and returns `data[field]`, failing on top-level errors.
async fn staff(server: &TestServer, token: &str, query: &str, vars: Value, field: &str) -> Value {
    let body = server.gql_as(token, query, vars).await;
    data(&body)[field].clone()
}

fn str_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

fn slugs(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| str_of(&a["slug"]))
        .collect()
}

fn edge_names(conn: &Value) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["node"]["name"]))
        .collect()
}

const ATTRIBUTE_CREATE: &str = r#"mutation($input: AttributeCreateInput!) {
  attributeCreate(input: $input) { errors { field code message } attribute { id slug } }
}"#;
const TYPE_CREATE: &str = r#"mutation($input: ProductTypeInput!) {
  productTypeCreate(input: $input) { errors { field code message } productType { id } }
}"#;
const ASSIGN: &str = r#"mutation($type: ID!, $ops: [ProductAttributeAssignInput!]!) {
  productAttributeAssign(productTypeId: $type, operations: $ops) {
    errors { field code message }
    productType { assignedVariantAttributes { attribute { slug } variantSelection } }
  }
}"#;
const TYPE_DETAILS: &str = r#"query($id: ID!) {
  productType(id: $id) {
    name slug weight { unit value }
    productAttributes { slug }
    variantAttributes(variantSelection: VARIANT_SELECTION) { slug }
    assignedVariantAttributes { attribute { slug } variantSelection }
    availableAttributes(first: 100, search: "zz-") { totalCount edges { node { slug } } }
  }
}"#;
const CHOICES: &str = r#"query($slug: String!) {
  attribute(slug: $slug) { name withChoices choices(first: 10) { totalCount edges { node { name slug } } } }
}"#;
const VALUE_CREATE: &str = r#"mutation($a: ID!, $name: String!) {
  attributeValueCreate(attribute: $a, input: {name: $name}) {
    errors { field code message } attribute { slug } attributeValue { id name slug }
  }
}"#;
const VALUE_UPDATE: &str = r#"mutation($id: ID!, $name: String!) {
  attributeValueUpdate(id: $id, input: {name: $name}) { errors { field code message } attributeValue { id name slug } }
}"#;
const VALUE_DELETE: &str = r#"mutation($id: ID!) {
  attributeValueDelete(id: $id) { errors { field code message } attributeValue { name } }
}"#;
const STAFF_SEARCH: &str = r#"query($q: String!) {
  products(first: 10, search: $q) { edges { node { name } } }
}"#;

/// Creates an attribute and returns its ID.
async fn attribute(server: &TestServer, token: &str, input: Value) -> String {
    let r = staff(
        server,
        token,
        ATTRIBUTE_CREATE,
        json!({"input": input}),
        "attributeCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    str_of(&r["attribute"]["id"])
}

/// Choice names of the attribute with `slug`.
async fn choice_names(server: &TestServer, slug: &str) -> Vec<String> {
    let body = server.gql(CHOICES, json!({"slug": slug})).await;
    edge_names(&data(&body)["attribute"]["choices"])
}

/// Names of the products a staff search for `q` finds.
async fn found(server: &TestServer, token: &str, q: &str) -> Vec<String> {
    edge_names(&staff(server, token, STAFF_SEARCH, json!({"q": q}), "products").await)
}

#[tokio::test]
async fn product_types_and_attributes_are_managed_end_to_end() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let material = attribute(
        &server,
        &token,
        json!({"name": "ZZ Material", "slug": "zz-material", "type": "PRODUCT_TYPE", "inputType": "DROPDOWN",
               "values": [{"name": "Cotton"}, {"name": "Wool"}]}),
    )
    .await;
    let care = attribute(
        &server,
        &token,
        json!({"name": "ZZ Care", "slug": "zz-care", "type": "PRODUCT_TYPE", "inputType": "PLAIN_TEXT"}),
    )
    .await;
    let fit = attribute(
        &server,
        &token,
        json!({"name": "ZZ Fit", "slug": "zz-fit", "type": "PRODUCT_TYPE", "inputType": "DROPDOWN", "values": [{"name": "Slim"}]}),
    )
    .await;
    let r = staff(
        &server,
        &token,
        TYPE_CREATE,
        json!({"input": {"name": "ZZ Garment", "productAttributes": [care]}}),
        "productTypeCreate",
    )
    .await;
    let garment = str_of(&r["productType"]["id"]);

    // Assignment: a variant-selection attribute; twice is an error; product attributes cannot
    // select variants.
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": garment, "ops": [{"id": material, "type": "VARIANT", "variantSelection": true}]}),
        "productAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["productType"]["assignedVariantAttributes"],
        json!([{"attribute": {"slug": "zz-material"}, "variantSelection": true}])
    );
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": garment, "ops": [{"id": material, "type": "PRODUCT"}]}),
        "productAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "ATTRIBUTE_ALREADY_ASSIGNED");
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": garment, "ops": [{"id": fit, "type": "PRODUCT", "variantSelection": true}]}),
        "productAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "ATTRIBUTE_VARIANTS_DISABLED");

    // Reads: the type's attributes, what is still assignable, and the type list filters.
    let t = staff(
        &server,
        &token,
        TYPE_DETAILS,
        json!({"id": garment}),
        "productType",
    )
    .await;
    assert_eq!(t["name"], "ZZ Garment");
    assert_eq!(t["weight"], Value::Null);
    assert_eq!(slugs(&t["productAttributes"]), vec!["zz-care"]);
    assert_eq!(slugs(&t["variantAttributes"]), vec!["zz-material"]);
    assert_eq!(t["availableAttributes"]["totalCount"], 1);
    assert_eq!(
        t["availableAttributes"]["edges"][0]["node"]["slug"],
        "zz-fit"
    );
    let body = server
        .gql(
            r#"{ productTypes(first: 5, filter: {search: "zz garm"}) { totalCount edges { node { slug kind } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data(&body)["productTypes"],
        json!({"totalCount": 1, "edges": [{"node": {"slug": "zz-garment", "kind": "NORMAL"}}]})
    );
    let body = server
        .gql(
            r#"{ attributes(first: 10, where: {slug: {oneOf: ["zz-care", "zz-material", "zz-fit"]}, withChoices: true}, sortBy: {field: NAME, direction: DESC}) { edges { node { slug } } } }"#,
            json!({}),
        )
        .await;
    let listed: Vec<String> = data(&body)["attributes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| str_of(&e["node"]["slug"]))
        .collect();
    assert_eq!(listed, vec!["zz-material", "zz-fit"]);

    // Choices: add, reject a duplicate, rename, delete; plain text has none.
    assert_eq!(
        choice_names(&server, "zz-material").await,
        vec!["Cotton", "Wool"]
    );
    let r = staff(
        &server,
        &token,
        VALUE_CREATE,
        json!({"a": material, "name": "Linen"}),
        "attributeValueCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["attributeValue"]["slug"], "linen");
    let linen = str_of(&r["attributeValue"]["id"]);
    let r = staff(
        &server,
        &token,
        VALUE_CREATE,
        json!({"a": material, "name": "linen"}),
        "attributeValueCreate",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "ALREADY_EXISTS");
    let r = staff(
        &server,
        &token,
        VALUE_CREATE,
        json!({"a": care, "name": "Hand wash"}),
        "attributeValueCreate",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "INVALID");
    let body = server.gql(CHOICES, json!({"slug": "zz-care"})).await;
    assert_eq!(data(&body)["attribute"]["choices"], Value::Null);
    let r = staff(
        &server,
        &token,
        VALUE_UPDATE,
        json!({"id": linen, "name": "Hemp"}),
        "attributeValueUpdate",
    )
    .await;
    assert_eq!(r["attributeValue"]["slug"], "hemp");
    assert_eq!(
        choice_names(&server, "zz-material").await,
        vec!["Cotton", "Wool", "Hemp"]
    );
    let r = staff(
        &server,
        &token,
        VALUE_DELETE,
        json!({"id": linen}),
        "attributeValueDelete",
    )
    .await;
    assert_eq!(r["attributeValue"]["name"], "Hemp");

    // attributeUpdate renames and swaps values in one go.
    let wool = {
        let body = server
            .gql(r#"{ attribute(slug: "zz-material") { choices(first: 5, filter: {search: "wool"}) { edges { node { id } } } } }"#, json!({}))
            .await;
        str_of(&data(&body)["attribute"]["choices"]["edges"][0]["node"]["id"])
    };
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!, $wool: ID!) { attributeUpdate(id: $id, input: {name: "ZZ Fabric", removeValues: [$wool], addValues: [{name: "Silk"}]}) { errors { field code } attribute { name slug } } }"#,
        json!({"id": material, "wool": wool}),
        "attributeUpdate",
    )
    .await;
    assert_eq!(
        r["attribute"],
        json!({"name": "ZZ Fabric", "slug": "zz-material"})
    );
    assert_eq!(
        choice_names(&server, "zz-material").await,
        vec!["Cotton", "Silk"]
    );

    // A product of the type with a Cotton variant is found by the value, and follows its rename.
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!) { productCreate(input: {productType: $t, name: "ZZ Shirt"}) { errors { field code } product { id } } }"#,
        json!({"t": garment}),
        "productCreate",
    )
    .await;
    let shirt = str_of(&r["product"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($p: ID!, $a: ID!) { productVariantCreate(input: {product: $p, sku: "ZZ-SHIRT-1", attributes: [{id: $a, values: ["Cotton"]}]}) { errors { field code message } productVariant { id } } }"#,
        json!({"p": shirt, "a": material}),
        "productVariantCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(found(&server, &token, "zz cotton").await, vec!["ZZ Shirt"]);
    let cotton = {
        let body = server
            .gql(r#"{ attribute(slug: "zz-material") { choices(first: 1, sortBy: {field: SLUG, direction: ASC}) { edges { node { id } } } } }"#, json!({}))
            .await;
        str_of(&data(&body)["attribute"]["choices"]["edges"][0]["node"]["id"])
    };
    staff(
        &server,
        &token,
        VALUE_UPDATE,
        json!({"id": cotton, "name": "Zorblax"}),
        "attributeValueUpdate",
    )
    .await;
    assert_eq!(found(&server, &token, "zorblax").await, vec!["ZZ Shirt"]);
    assert_eq!(
        found(&server, &token, "zz cotton").await,
        Vec::<String>::new()
    );

    // Unassigning drops the variant's value; deleting attributes removes them everywhere.
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!, $a: ID!) { productAttributeUnassign(productTypeId: $t, attributeIds: [$a]) { errors { code } productType { assignedVariantAttributes { attribute { slug } } } } }"#,
        json!({"t": garment, "a": material}),
        "productAttributeUnassign",
    )
    .await;
    assert_eq!(r["productType"]["assignedVariantAttributes"], json!([]));
    assert_eq!(
        found(&server, &token, "zorblax").await,
        Vec::<String>::new()
    );
    let r = staff(
        &server,
        &token,
        r#"mutation($ids: [ID!]!) { attributeBulkDelete(ids: $ids) { count errors { code } } }"#,
        json!({"ids": [material, fit]}),
        "attributeBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    let body = server.gql(CHOICES, json!({"slug": "zz-material"})).await;
    assert_eq!(data(&body)["attribute"], Value::Null);

    // Deleting the type deletes its products, as in Saleor.
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { productTypeDelete(id: $id) { errors { code } productType { slug } } }"#,
        json!({"id": garment}),
        "productTypeDelete",
    )
    .await;
    assert_eq!(r["productType"]["slug"], "zz-garment");
    let p = staff(
        &server,
        &token,
        r#"query($id: ID!) { product(id: $id) { id } }"#,
        json!({"id": shirt}),
        "product",
    )
    .await;
    assert_eq!(p, Value::Null);
    assert_eq!(
        found(&server, &token, "zz shirt").await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn categories_collections_and_bulk_deletes() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let create_category = r#"mutation($name: String!, $parent: ID) { categoryCreate(input: {name: $name}, parent: $parent) { errors { code } category { id } } }"#;
    let parent = str_of(
        &staff(
            &server,
            &token,
            create_category,
            json!({"name": "ZZ Parent"}),
            "categoryCreate",
        )
        .await["category"]["id"],
    );
    let child = str_of(
        &staff(
            &server,
            &token,
            create_category,
            json!({"name": "ZZ Child", "parent": parent}),
            "categoryCreate",
        )
        .await["category"]["id"],
    );
    let other = str_of(
        &staff(
            &server,
            &token,
            create_category,
            json!({"name": "ZZ Other"}),
            "categoryCreate",
        )
        .await["category"]["id"],
    );
    let update = r#"mutation($id: ID!, $input: CategoryInput!) { categoryUpdate(id: $id, input: $input) { errors { field code } category { name slug seoTitle metadata { key value } } } }"#;
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": other, "input": {"name": "ZZ Renamed", "slug": "zz-renamed", "seo": {"title": "Renamed"}, "metadata": [{"key": "k", "value": "v"}]}}),
        "categoryUpdate",
    )
    .await;
    assert_eq!(
        r["category"],
        json!({"name": "ZZ Renamed", "slug": "zz-renamed", "seoTitle": "Renamed", "metadata": [{"key": "k", "value": "v"}]})
    );
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": child, "input": {"slug": "zz-renamed"}}),
        "categoryUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "slug", "code": "UNIQUE"}]));
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": child, "input": {"name": "  "}}),
        "categoryUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "name", "code": "REQUIRED"}]));
    let body = server
        .gql(r#"{ category(slug: "zz-renamed") { name } }"#, json!({}))
        .await;
    assert_eq!(data(&body)["category"]["name"], "ZZ Renamed");
    // Deleting the parent takes the child along.
    let r = staff(
        &server,
        &token,
        r#"mutation($ids: [ID!]!) { categoryBulkDelete(ids: $ids) { count errors { code } } }"#,
        json!({"ids": [parent, other]}),
        "categoryBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    let body = server
        .gql(
            r#"query($id: ID!) { category(id: $id) { id } }"#,
            json!({"id": child}),
        )
        .await;
    assert_eq!(data(&body)["category"], Value::Null);

    // Collections: update, delete, bulk delete.
    let create_collection = r#"mutation($name: String!) { collectionCreate(input: {name: $name}) { errors { code } collection { id } } }"#;
    let mut collections = Vec::new();
    for name in ["ZZ One", "ZZ Two", "ZZ Three"] {
        collections.push(str_of(
            &staff(
                &server,
                &token,
                create_collection,
                json!({"name": name}),
                "collectionCreate",
            )
            .await["collection"]["id"],
        ));
    }
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { collectionUpdate(id: $id, input: {name: "ZZ First", description: "{\"blocks\": []}"}) { errors { code } collection { name slug } } }"#,
        json!({"id": collections[0]}),
        "collectionUpdate",
    )
    .await;
    assert_eq!(
        r["collection"],
        json!({"name": "ZZ First", "slug": "zz-one"})
    );
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { collectionDelete(id: $id) { errors { code } collection { name } } }"#,
        json!({"id": collections[0]}),
        "collectionDelete",
    )
    .await;
    assert_eq!(r["collection"]["name"], "ZZ First");
    let r = staff(
        &server,
        &token,
        r#"mutation($ids: [ID!]!) { collectionBulkDelete(ids: $ids) { count errors { code } } }"#,
        json!({"ids": [collections[1], collections[2]]}),
        "collectionBulkDelete",
    )
    .await;
    assert_eq!(r["count"], 2);
    let body = server
        .gql_as(
            &token,
            r#"{ collections(first: 100) { edges { node { name } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        !edge_names(&data(&body)["collections"])
            .iter()
            .any(|n| n.starts_with("ZZ ")),
        "{body}"
    );

    // Products and variants: an unknown ID fails the whole bulk delete.
    let pt = {
        let body = server
            .gql(
                r#"{ productTypes(first: 1) { edges { node { id } } } }"#,
                json!({}),
            )
            .await;
        str_of(&data(&body)["productTypes"]["edges"][0]["node"]["id"])
    };
    let mut products = Vec::new();
    for (name, sku) in [("ZZ Alpha", "ZZ-A"), ("ZZ Beta", "ZZ-B")] {
        let r = staff(
            &server,
            &token,
            r#"mutation($t: ID!, $n: String!) { productCreate(input: {productType: $t, name: $n}) { product { id } } }"#,
            json!({"t": pt, "n": name}),
            "productCreate",
        )
        .await;
        let id = str_of(&r["product"]["id"]);
        for suffix in ["1", "2"] {
            staff(
                &server,
                &token,
                r#"mutation($p: ID!, $s: String!) { productVariantCreate(input: {product: $p, sku: $s, attributes: []}) { errors { code } } }"#,
                json!({"p": id, "s": format!("{sku}-{suffix}")}),
                "productVariantCreate",
            )
            .await;
        }
        products.push(id);
    }
    let variant_delete = r#"mutation($skus: [String!]) { productVariantBulkDelete(skus: $skus) { count errors { field code } } }"#;
    let r = staff(
        &server,
        &token,
        variant_delete,
        json!({"skus": ["ZZ-A-1", "ZZ-NOPE"]}),
        "productVariantBulkDelete",
    )
    .await;
    assert_eq!(
        r,
        json!({"count": 0, "errors": [{"field": "skus", "code": "NOT_FOUND"}]})
    );
    let r = staff(
        &server,
        &token,
        variant_delete,
        json!({"skus": ["ZZ-A-1", "ZZ-B-1"]}),
        "productVariantBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    let body = server
        .gql_as(
            &token,
            r#"{ productVariant(sku: "ZZ-A-1") { id } b: productVariant(sku: "ZZ-A-2") { sku } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data(&body),
        &json!({"productVariant": null, "b": {"sku": "ZZ-A-2"}})
    );
    let product_delete = r#"mutation($ids: [ID!]!) { productBulkDelete(ids: $ids) { count errors { field code } } }"#;
    let missing = "UHJvZHVjdDo5OTk5OTk5";
    let r = staff(
        &server,
        &token,
        product_delete,
        json!({"ids": [products[0], missing]}),
        "productBulkDelete",
    )
    .await;
    assert_eq!(r["count"], 0);
    assert_eq!(r["errors"][0]["code"], "NOT_FOUND");
    assert_eq!(r["errors"][0]["field"], "ids");
    assert_eq!(found(&server, &token, "zz alpha").await, vec!["ZZ Alpha"]);
    let r = staff(
        &server,
        &token,
        product_delete,
        json!({"ids": products}),
        "productBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    assert_eq!(found(&server, &token, "zz").await, Vec::<String>::new());
}

#[tokio::test]
async fn type_and_bulk_mutations_need_permissions() {
    let server = TestServer::start().await;
    let customer = server.customer_token("browser@example.com").await;
    let pt = "UHJvZHVjdFR5cGU6MQ==";
    let attr = "QXR0cmlidXRlOjE=";
    for q in [
        format!(r#"mutation {{ productTypeUpdate(id: "{pt}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ productTypeDelete(id: "{pt}") {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ productTypeBulkDelete(ids: ["{pt}"]) {{ count }} }}"#),
        format!(r#"mutation {{ productAttributeAssign(productTypeId: "{pt}", operations: [{{id: "{attr}", type: PRODUCT}}]) {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ productAttributeUnassign(productTypeId: "{pt}", attributeIds: ["{attr}"]) {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ attributeUpdate(id: "{attr}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ attributeDelete(id: "{attr}") {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ attributeBulkDelete(ids: ["{attr}"]) {{ count }} }}"#),
        format!(r#"mutation {{ attributeValueCreate(attribute: "{attr}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#),
        r#"mutation { attributeValueDelete(id: "QXR0cmlidXRlVmFsdWU6MQ==") { errors { code } } }"#.to_owned(),
        r#"mutation { categoryUpdate(id: "Q2F0ZWdvcnk6MQ==", input: {name: "X"}) { errors { code } } }"#.to_owned(),
        r#"mutation { categoryBulkDelete(ids: ["Q2F0ZWdvcnk6MQ=="]) { count } }"#.to_owned(),
        r#"mutation { collectionUpdate(id: "Q29sbGVjdGlvbjox", input: {name: "X"}) { errors { code } } }"#.to_owned(),
        r#"mutation { collectionDelete(id: "Q29sbGVjdGlvbjox") { errors { code } } }"#.to_owned(),
        r#"mutation { collectionBulkDelete(ids: ["Q29sbGVjdGlvbjox"]) { count } }"#.to_owned(),
        r#"mutation { productBulkDelete(ids: ["UHJvZHVjdDox"]) { count } }"#.to_owned(),
        r#"mutation { productVariantBulkDelete(ids: ["UHJvZHVjdFZhcmlhbnQ6MQ=="]) { count } }"#.to_owned(),
    ] {
        let body = server.gql(&q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "anonymous: {q}");
        let body = server.gql_as(&customer, &q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "customer: {q}");
    }
    // Nothing was touched.
    let body = server
        .gql(r#"{ productType(id: "UHJvZHVjdFR5cGU6MQ==") { id } category(id: "Q2F0ZWdvcnk6MQ==") { id } }"#, json!({}))
        .await;
    assert!(data(&body)["productType"]["id"].is_string(), "{body}");
    assert!(data(&body)["category"]["id"].is_string(), "{body}");
}

const USD: &str = "default-channel";

const VARIANT_ADMIN: &str = r#"query($sku: String!) {
  productVariant(sku: $sku) {
    id weight { unit value }
    channelListings { channel { slug } price { amount currency } costPrice { amount } margin }
    stocks { id warehouse { name } quantity quantityAllocated quantityReserved }
    product { channelListings { channel { slug } isPublished visibleInListings availableForPurchaseAt } }
  }
}"#;

#[tokio::test]
async fn listings_stocks_and_variant_lists() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    // A demo variant, as the dashboard's variant page reads it.
    let sku = {
        let body = server
            .gql_as(
                &token,
                r#"{ productVariants(first: 1) { edges { node { sku } } } }"#,
                json!({}),
            )
            .await;
        str_of(&data(&body)["productVariants"]["edges"][0]["node"]["sku"])
    };
    let v = staff(
        &server,
        &token,
        VARIANT_ADMIN,
        json!({"sku": sku}),
        "productVariant",
    )
    .await;
    let mut channels: Vec<String> = v["channelListings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| str_of(&l["channel"]["slug"]))
        .collect();
    channels.sort();
    assert_eq!(channels, vec!["channel-eur", "default-channel"]);
    let usd = v["channelListings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["channel"]["slug"] == USD)
        .unwrap();
    assert_eq!(usd["price"]["currency"], "USD");
    assert!(usd["price"]["amount"].as_f64().unwrap() > 0.0);
    assert_eq!(v["product"]["channelListings"].as_array().unwrap().len(), 2);
    let stock = &v["stocks"][0];
    assert!(stock["quantity"].as_i64().unwrap() > 0, "{v}");
    assert_eq!(stock["quantityReserved"], 0);

    // A stock update shows in the variant's stocks and in the `stock`/`stocks` queries.
    let warehouse = {
        let body = server
            .gql_as(
                &token,
                r#"{ warehouses(first: 1) { edges { node { id name } } } }"#,
                json!({}),
            )
            .await;
        data(&body)["warehouses"]["edges"][0]["node"].clone()
    };
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!, $w: ID!) { productVariantStocksUpdate(variantId: $id, stocks: [{warehouse: $w, quantity: 7}]) { errors { code } } }"#,
        json!({"id": v["id"], "w": warehouse["id"]}),
        "productVariantStocksUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    let v = staff(
        &server,
        &token,
        VARIANT_ADMIN,
        json!({"sku": sku}),
        "productVariant",
    )
    .await;
    let row = v["stocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["warehouse"]["name"] == warehouse["name"])
        .unwrap()
        .clone();
    assert_eq!(row["quantity"], 7);
    let s = staff(
        &server,
        &token,
        r#"query($id: ID!) { stock(id: $id) { quantity warehouse { name } productVariant { sku } } }"#,
        json!({"id": row["id"]}),
        "stock",
    )
    .await;
    assert_eq!(
        s,
        json!({"quantity": 7, "warehouse": {"name": warehouse["name"]}, "productVariant": {"sku": sku}})
    );
    let list = staff(
        &server,
        &token,
        r#"query($q: String!) { stocks(first: 10, filter: {search: $q, quantity: 7}) { totalCount edges { node { productVariant { sku } } } } }"#,
        json!({"q": sku}),
        "stocks",
    )
    .await;
    assert_eq!(list["totalCount"], 1, "{list}");

    // Stocks and listings are staff data.
    let customer = server.customer_token("looker@example.com").await;
    for t in [None, Some(customer.as_str())] {
        for q in [
            r#"query($sku: String!) { productVariant(sku: $sku, channel: "default-channel") { stocks { quantity } } }"#,
            r#"query($sku: String!) { productVariant(sku: $sku, channel: "default-channel") { channelListings { id } } }"#,
            r#"query($sku: String!) { productVariant(sku: $sku, channel: "default-channel") { product { channelListings { id } } } }"#,
        ] {
            let body = match t {
                Some(t) => server.gql_as(t, q, json!({"sku": sku})).await,
                None => server.gql(q, json!({"sku": sku})).await,
            };
            assert_eq!(error_code(&body), "PERMISSION_DENIED", "{q}");
        }
    }
    let body = server
        .gql(r#"{ stocks(first: 1) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    // productVariants: pages do not overlap, the count matches, and a variant of an unlisted
    // product is visible to staff only.
    let page = r#"query($after: String, $channel: String) { productVariants(first: 3, after: $after, channel: $channel) { totalCount pageInfo { endCursor hasNextPage } edges { node { id sku } } } }"#;
    let first = data(&server.gql(page, json!({"channel": USD})).await)["productVariants"].clone();
    let second = data(
        &server
            .gql(
                page,
                json!({"channel": USD, "after": first["pageInfo"]["endCursor"]}),
            )
            .await,
    )["productVariants"]
        .clone();
    let ids = |p: &Value| -> Vec<String> {
        p["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| str_of(&e["node"]["id"]))
            .collect()
    };
    assert_eq!(ids(&first).len(), 3);
    assert!(ids(&second).iter().all(|i| !ids(&first).contains(i)));
    assert_eq!(first["totalCount"], second["totalCount"]);
    let anonymous_total = first["totalCount"].as_i64().unwrap();
    let pt = {
        let body = server
            .gql(
                r#"{ productTypes(first: 1) { edges { node { id } } } }"#,
                json!({}),
            )
            .await;
        str_of(&data(&body)["productTypes"]["edges"][0]["node"]["id"])
    };
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!) { productCreate(input: {productType: $t, name: "ZZ Hidden"}) { product { id } } }"#,
        json!({"t": pt}),
        "productCreate",
    )
    .await;
    staff(
        &server,
        &token,
        r#"mutation($p: ID!) { productVariantCreate(input: {product: $p, sku: "ZZ-HIDDEN", attributes: []}) { errors { code } } }"#,
        json!({"p": r["product"]["id"]}),
        "productVariantCreate",
    )
    .await;
    let hidden = r#"query($channel: String) { productVariants(first: 5, channel: $channel, filter: {sku: ["ZZ-HIDDEN"]}) { totalCount edges { node { sku } } } }"#;
    let body = server.gql(hidden, json!({"channel": USD})).await;
    assert_eq!(data(&body)["productVariants"]["totalCount"], 0);
    let body = server.gql_as(&token, hidden, json!({})).await;
    assert_eq!(
        data(&body)["productVariants"],
        json!({"totalCount": 1, "edges": [{"node": {"sku": "ZZ-HIDDEN"}}]})
    );
    let body = server.gql(page, json!({"channel": USD})).await;
    assert_eq!(
        data(&body)["productVariants"]["totalCount"],
        anonymous_total
    );
    let body = server
        .gql(r#"{ productVariants(first: 3) { totalCount } }"#, json!({}))
        .await;
    assert_eq!(
        error_code(&body),
        "INVALID_INPUT",
        "anonymous callers need a channel: {body}"
    );

    // Statements do not grow with the page size, listings and stocks included.
    let list = r#"query($n: Int!) { productVariants(first: $n) { edges { node { sku stocks { quantity warehouse { name } } channelListings { price { amount } channel { slug } } product { name channelListings { isPublished } } } } } }"#;
    let mut counts = Vec::new();
    for n in [5, 40] {
        let before = server.statements();
        let body = server.gql_as(&token, list, json!({"n": n})).await;
        assert_eq!(
            data(&body)["productVariants"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            n as usize
        );
        counts.push(server.statements() - before);
    }
    // A relation loaded per variant would add at least 35 statements. A dataloader batch can
    // split in two when resolving 40 nodes outlasts the batching delay (seen on PostgreSQL
    // with a debug build), which adds at most one statement per loader involved (six here).
    assert!(
        counts[1] <= counts[0] + 6,
        "statements for 5 vs 40 variants: {counts:?}"
    );

    // Collections' listings.
    let body = server
        .gql_as(&token, r#"{ collections(first: 1) { edges { node { channelListings { isPublished channel { slug } } } } } }"#, json!({}))
        .await;
    assert!(
        !data(&body)["collections"]["edges"][0]["node"]["channelListings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
