//! End-to-end tests of catalog details the dashboard edits: weights (Saleor's
//! `WeightScalar`), translations of variants, attributes and attribute values, media alt
//! texts, and a product type dropping attributes its products carry values of.

#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, data, error_code};
use serde_json::{Value, json};

/// Runs `query` as staff and returns `data[field]`, failing on top-level errors.
async fn staff(server: &TestServer, token: &str, query: &str, vars: Value, field: &str) -> Value {
    let body = server.gql_as(token, query, vars).await;
    data(&body)[field].clone()
}

fn id_of(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not an ID: {v}"))
        .to_owned()
}

const KG: &str = "KG";

#[tokio::test]
async fn weights_are_set_in_any_unit_and_read_in_kilograms() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let r = staff(
        &server,
        &token,
        r#"mutation { productTypeCreate(input: {name: "ZZ Heavy", weight: 2.5}) { errors { field code } productType { id weight { unit value } } } }"#,
        json!({}),
        "productTypeCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["productType"]["weight"],
        json!({"unit": KG, "value": 2.5})
    );
    let pt = id_of(&r["productType"]["id"]);

    // An object literal with a unit, and a variable holding one.
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!) { productCreate(input: {productType: $t, name: "ZZ Anvil", weight: {value: 500, unit: G}}) { errors { field code } product { id weight { unit value } } } }"#,
        json!({"t": pt}),
        "productCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["product"]["weight"], json!({"unit": KG, "value": 0.5}));
    let anvil = id_of(&r["product"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!, $w: WeightScalar) { productUpdate(id: $id, input: {weight: $w}) { errors { field code } product { weight { value } } } }"#,
        json!({"id": anvil, "w": {"value": 2, "unit": "LB"}}),
        "productUpdate",
    )
    .await;
    assert_eq!(r["product"]["weight"]["value"], 0.907);

    // Variants: create, bulk create and update.
    let r = staff(
        &server,
        &token,
        r#"mutation($p: ID!) { productVariantCreate(input: {product: $p, sku: "ZZ-ANVIL-S", attributes: [], weight: 1.25}) { errors { field code } productVariant { id weight { unit value } } } }"#,
        json!({"p": anvil}),
        "productVariantCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["productVariant"]["weight"],
        json!({"unit": KG, "value": 1.25})
    );
    let small = id_of(&r["productVariant"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($p: ID!) { productVariantBulkCreate(product: $p, variants: [{sku: "ZZ-ANVIL-L", attributes: [], weight: {value: 16, unit: OZ}}]) { count errors { field code } productVariants { weight { value } } } }"#,
        json!({"p": anvil}),
        "productVariantBulkCreate",
    )
    .await;
    assert_eq!(r["count"], 1, "{r}");
    assert_eq!(r["productVariants"][0]["weight"]["value"], 0.454);
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { productVariantUpdate(id: $id, input: {weight: "3"}) { errors { field code } productVariant { weight { value } } } }"#,
        json!({"id": small}),
        "productVariantUpdate",
    )
    .await;
    assert_eq!(r["productVariant"]["weight"]["value"], 3.0);

    // A negative weight is refused on the field and changes nothing.
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { productVariantUpdate(id: $id, input: {weight: -1}) { errors { field code message } productVariant { id } } }"#,
        json!({"id": small}),
        "productVariantUpdate",
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "weight");
    assert_eq!(r["errors"][0]["code"], "INVALID");
    assert_eq!(r["productVariant"], Value::Null);
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { productTypeUpdate(id: $id, input: {weight: {value: -2, unit: KG}}) { errors { field code } } }"#,
        json!({"id": pt}),
        "productTypeUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "weight", "code": "INVALID"}]));
    let body = server
        .gql_as(
            &token,
            r#"query($id: ID!, $t: ID!) { productVariant(id: $id) { weight { value } } productType(id: $t) { weight { value } } }"#,
            json!({"id": small, "t": pt}),
        )
        .await;
    assert_eq!(data(&body)["productVariant"]["weight"]["value"], 3.0);
    assert_eq!(data(&body)["productType"]["weight"]["value"], 2.5);

    // A unit that is not a weight unit is a GraphQL input error, not a silent default.
    let body = server
        .gql_as(
            &token,
            r#"mutation($id: ID!) { productUpdate(id: $id, input: {weight: {value: 1, unit: "STONE"}}) { errors { code } } }"#,
            json!({"id": anvil}),
        )
        .await;
    assert!(body["errors"][0]["message"].is_string(), "{body}");
}

const VARIANT_DE: &str = r#"query($id: ID!) {
  productVariant(id: $id, channel: "default-channel") { name translation(languageCode: DE) { name language { code } } }
}"#;

#[tokio::test]
async fn variants_attributes_and_values_are_translated() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let r = staff(
        &server,
        &token,
        r#"mutation { attributeCreate(input: {name: "ZZ Colour", slug: "zz-colour", type: PRODUCT_TYPE, inputType: DROPDOWN, values: [{name: "Red"}]}) { errors { code } attribute { id choices(first: 1) { edges { node { id } } } } } }"#,
        json!({}),
        "attributeCreate",
    )
    .await;
    let colour = id_of(&r["attribute"]["id"]);
    let red = id_of(&r["attribute"]["choices"]["edges"][0]["node"]["id"]);
    let variant = {
        let body = server
            .gql_as(
                &token,
                r#"{ productVariants(first: 1, channel: "default-channel") { edges { node { id } } } }"#,
                json!({}),
            )
            .await;
        id_of(&data(&body)["productVariants"]["edges"][0]["node"]["id"])
    };

    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { productVariantTranslate(id: $id, languageCode: DE, input: {name: "Größe M"}) { errors { field code } productVariant { id } } }"#,
        json!({"id": variant}),
        "productVariantTranslate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["productVariant"]["id"], json!(variant));
    let body = server.gql(VARIANT_DE, json!({"id": variant})).await;
    assert_eq!(
        data(&body)["productVariant"]["translation"],
        json!({"name": "Größe M", "language": {"code": "DE"}})
    );

    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { attributeTranslate(id: $id, languageCode: FR, input: {name: "Couleur"}) { errors { code } attribute { slug translation(languageCode: FR) { name } } } }"#,
        json!({"id": colour}),
        "attributeTranslate",
    )
    .await;
    assert_eq!(
        r["attribute"],
        json!({"slug": "zz-colour", "translation": {"name": "Couleur"}})
    );
    let rich = r#"{"blocks":[{"type":"paragraph","data":{"text":"Rouge vif"}}]}"#;
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!, $rich: JSONString) { attributeValueTranslate(id: $id, languageCode: FR, input: {name: "Rouge", plainText: "rouge vif", richText: $rich}) { errors { code } attributeValue { name translation(languageCode: FR) { name plainText richText } } } }"#,
        json!({"id": red, "rich": rich}),
        "attributeValueTranslate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(r["attributeValue"]["name"], "Red");
    let t = &r["attributeValue"]["translation"];
    assert_eq!(t["name"], "Rouge");
    assert_eq!(t["plainText"], "rouge vif");
    let stored: Value = serde_json::from_str(t["richText"].as_str().unwrap()).unwrap();
    assert_eq!(stored["blocks"][0]["data"]["text"], "Rouge vif");
    // A second translation keeps the fields it does not name.
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { attributeValueTranslate(id: $id, languageCode: FR, input: {name: "Rouge cerise"}) { attributeValue { translation(languageCode: FR) { name plainText } } } }"#,
        json!({"id": red}),
        "attributeValueTranslate",
    )
    .await;
    assert_eq!(
        r["attributeValue"]["translation"],
        json!({"name": "Rouge cerise", "plainText": "rouge vif"})
    );

    // Unknown objects and wrong ID types.
    for (q, field) in [
        (
            r#"mutation { productVariantTranslate(id: "UHJvZHVjdFZhcmlhbnQ6OTk5OTk5", languageCode: DE, input: {name: "X"}) { errors { field code } } }"#,
            "productVariantTranslate",
        ),
        (
            r#"mutation { attributeTranslate(id: "QXR0cmlidXRlOjk5OTk5OQ==", languageCode: DE, input: {name: "X"}) { errors { field code } } }"#,
            "attributeTranslate",
        ),
        (
            r#"mutation { attributeValueTranslate(id: "QXR0cmlidXRlVmFsdWU6OTk5OTk5", languageCode: DE, input: {name: "X"}) { errors { field code } } }"#,
            "attributeValueTranslate",
        ),
    ] {
        let r = staff(&server, &token, q, json!({}), field).await;
        assert_eq!(
            r["errors"],
            json!([{"field": "id", "code": "NOT_FOUND"}]),
            "{q}"
        );
    }
    let r = staff(
        &server,
        &token,
        r#"mutation($id: ID!) { attributeTranslate(id: $id, languageCode: DE, input: {name: "X"}) { errors { field code } } }"#,
        json!({"id": red}),
        "attributeTranslate",
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "id");

    // Only MANAGE_TRANSLATIONS may translate.
    let customer = server.customer_token("translator@example.com").await;
    let q = format!(
        r#"mutation {{ productVariantTranslate(id: "{variant}", languageCode: DE, input: {{name: "Hack"}}) {{ errors {{ code }} }} }}"#
    );
    assert_eq!(
        error_code(&server.gql(&q, json!({})).await),
        "PERMISSION_DENIED"
    );
    assert_eq!(
        error_code(&server.gql_as(&customer, &q, json!({})).await),
        "PERMISSION_DENIED"
    );
    let q = format!(
        r#"mutation {{ attributeValueTranslate(id: "{red}", languageCode: FR, input: {{name: "Hack"}}) {{ errors {{ code }} }} }}"#
    );
    assert_eq!(
        error_code(&server.gql_as(&customer, &q, json!({})).await),
        "PERMISSION_DENIED"
    );
    let body = server.gql(VARIANT_DE, json!({"id": variant})).await;
    assert_eq!(
        data(&body)["productVariant"]["translation"]["name"],
        "Größe M"
    );
}

/// The alt text of a product's first media, as the storefront reads it.
async fn first_alt(server: &TestServer, product: &str) -> Value {
    let q = format!(
        r#"{{ product(id: "{product}", channel: "default-channel") {{ media {{ id alt }} }} }}"#
    );
    let body = server.gql(&q, json!({})).await;
    data(&body)["product"]["media"][0]["alt"].clone()
}

#[tokio::test]
async fn media_alt_texts_are_updated() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let (product, media) = {
        let body = server
            .gql_as(
                &token,
                r#"{ products(first: 1, channel: "default-channel") { edges { node { id media { id } } } } }"#,
                json!({}),
            )
            .await;
        let node = &data(&body)["products"]["edges"][0]["node"];
        (id_of(&node["id"]), id_of(&node["media"][0]["id"]))
    };
    let update = r#"mutation($id: ID!, $alt: String) { productMediaUpdate(id: $id, input: {alt: $alt}) { errors { field code } media { id alt } product { id } } }"#;
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": media, "alt": "A blue mug on a desk"}),
        "productMediaUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["media"],
        json!({"id": media, "alt": "A blue mug on a desk"})
    );
    assert_eq!(r["product"]["id"], json!(product));
    assert_eq!(first_alt(&server, &product).await, "A blue mug on a desk");

    // Saleor's 250-character limit; unknown media; permissions.
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": media, "alt": "x".repeat(251)}),
        "productMediaUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "input", "code": "INVALID"}]));
    let r = staff(
        &server,
        &token,
        update,
        json!({"id": "UHJvZHVjdE1lZGlhOjk5OTk5OQ==", "alt": "x"}),
        "productMediaUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "id", "code": "NOT_FOUND"}]));
    let customer = server.customer_token("alt@example.com").await;
    let body = server
        .gql_as(&customer, update, json!({"id": media, "alt": "hacked"}))
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    assert_eq!(first_alt(&server, &product).await, "A blue mug on a desk");
}

#[tokio::test]
async fn a_type_dropping_an_attribute_drops_its_values() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let r = staff(
        &server,
        &token,
        r#"mutation { attributeCreate(input: {name: "ZZ Finish", slug: "zz-finish", type: PRODUCT_TYPE, inputType: DROPDOWN, values: [{name: "Quuxmatte"}]}) { attribute { id } } }"#,
        json!({}),
        "attributeCreate",
    )
    .await;
    let finish = id_of(&r["attribute"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($a: ID!) { productTypeCreate(input: {name: "ZZ Panel", productAttributes: [$a]}) { productType { id } } }"#,
        json!({"a": finish}),
        "productTypeCreate",
    )
    .await;
    let panel = id_of(&r["productType"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!, $a: ID!) { productCreate(input: {productType: $t, name: "ZZ Door", attributes: [{id: $a, values: ["Quuxmatte"]}]}) { errors { field code } product { id attributes { attribute { slug } values { name } } } } }"#,
        json!({"t": panel, "a": finish}),
        "productCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    assert_eq!(
        r["product"]["attributes"],
        json!([{"attribute": {"slug": "zz-finish"}, "values": [{"name": "Quuxmatte"}]}])
    );
    let door = id_of(&r["product"]["id"]);
    let search = r#"{ products(first: 5, search: "quuxmatte") { edges { node { id } } } }"#;
    let hits = |body: &Value| data(body)["products"]["edges"].as_array().unwrap().len();
    assert_eq!(hits(&server.gql_as(&token, search, json!({})).await), 1);

    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!) { productTypeUpdate(id: $t, input: {productAttributes: []}) { errors { code } productType { productAttributes { slug } } } }"#,
        json!({"t": panel}),
        "productTypeUpdate",
    )
    .await;
    assert_eq!(r["productType"]["productAttributes"], json!([]));
    assert_eq!(hits(&server.gql_as(&token, search, json!({})).await), 0);
    // Assigning the attribute again does not bring the old value back.
    staff(
        &server,
        &token,
        r#"mutation($t: ID!, $a: ID!) { productTypeUpdate(id: $t, input: {productAttributes: [$a]}) { errors { code } } }"#,
        json!({"t": panel, "a": finish}),
        "productTypeUpdate",
    )
    .await;
    let body = server
        .gql_as(
            &token,
            r#"query($id: ID!) { product(id: $id) { attributes { attribute { slug } values { name } } } }"#,
            json!({"id": door}),
        )
        .await;
    // Saleor lists every attribute of the type, with no values where the product has none.
    assert_eq!(
        data(&body)["product"]["attributes"],
        json!([{"attribute": {"slug": "zz-finish"}, "values": []}])
    );

    // Variants too: an attribute assigned after the variant was made is listed, empty, in
    // its scope, so the dashboard can offer a field for it.
    let r = staff(
        &server,
        &token,
        r#"mutation($p: ID!) { productVariantCreate(input: {product: $p, sku: "ZZ-DOOR-1", attributes: []}) { errors { field code } productVariant { id } } }"#,
        json!({"p": door}),
        "productVariantCreate",
    )
    .await;
    let variant = id_of(&r["productVariant"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation { attributeCreate(input: {name: "ZZ Width", slug: "zz-width", type: PRODUCT_TYPE, inputType: DROPDOWN, values: [{name: "80 cm"}]}) { attribute { id } } }"#,
        json!({}),
        "attributeCreate",
    )
    .await;
    let width = id_of(&r["attribute"]["id"]);
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!, $a: ID!) { productAttributeAssign(productTypeId: $t, operations: [{id: $a, type: VARIANT, variantSelection: true}]) { errors { code } } }"#,
        json!({"t": panel, "a": width}),
        "productAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    let body = server
        .gql_as(
            &token,
            r#"query($id: ID!) { productVariant(id: $id) { selection: attributes(variantSelection: VARIANT_SELECTION) { attribute { slug } values { name } } other: attributes(variantSelection: NOT_VARIANT_SELECTION) { attribute { slug } } } }"#,
            json!({"id": variant}),
        )
        .await;
    assert_eq!(
        data(&body)["productVariant"],
        json!({"selection": [{"attribute": {"slug": "zz-width"}, "values": []}], "other": []})
    );
}

/// Every node of `field` through pages of `size`, following `endCursor`, as staff.
async fn all_pages(
    server: &TestServer,
    token: &str,
    query: &str,
    field: &str,
    size: i64,
) -> Vec<String> {
    let mut after: Option<String> = None;
    let mut slugs = Vec::new();
    loop {
        let body = server
            .gql_as(token, query, json!({"first": size, "after": after}))
            .await;
        let conn = &data(&body)[field];
        for e in conn["edges"].as_array().unwrap() {
            slugs.push(id_of(&e["node"]["slug"]));
        }
        if conn["pageInfo"]["hasNextPage"] != json!(true) {
            return slugs;
        }
        after = Some(id_of(&conn["pageInfo"]["endCursor"]));
    }
}

#[tokio::test]
async fn attributes_and_product_types_sort_by_their_flags() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    for (slug, required, visible) in [
        ("zz-b-req", true, false),
        ("zz-a-opt", false, true),
        ("zz-c-req", true, true),
        ("zz-d-opt", false, false),
        ("zz-e-req", true, false),
    ] {
        let r = staff(
            &server,
            &token,
            r#"mutation($s: String!, $r: Boolean!, $v: Boolean!) { attributeCreate(input: {name: $s, slug: $s, type: PRODUCT_TYPE, inputType: PLAIN_TEXT, valueRequired: $r, visibleInStorefront: $v}) { errors { field code } } }"#,
            json!({"s": slug, "r": required, "v": visible}),
            "attributeCreate",
        )
        .await;
        assert_eq!(r["errors"], json!([]));
    }
    let by = |field: &str, direction: &str| {
        format!(
            r#"query($first: Int!, $after: String) {{ attributes(first: $first, after: $after, search: "zz-", sortBy: {{field: {field}, direction: {direction}}}) {{ edges {{ node {{ slug }} }} pageInfo {{ hasNextPage endCursor }} }} }}"#
        )
    };
    assert_eq!(
        all_pages(
            &server,
            &token,
            &by("VALUE_REQUIRED", "ASC"),
            "attributes",
            2
        )
        .await,
        vec!["zz-a-opt", "zz-d-opt", "zz-b-req", "zz-c-req", "zz-e-req"]
    );
    assert_eq!(
        all_pages(
            &server,
            &token,
            &by("VALUE_REQUIRED", "DESC"),
            "attributes",
            2
        )
        .await,
        vec!["zz-e-req", "zz-c-req", "zz-b-req", "zz-d-opt", "zz-a-opt"]
    );
    assert_eq!(
        all_pages(
            &server,
            &token,
            &by("VISIBLE_IN_STOREFRONT", "DESC"),
            "attributes",
            3
        )
        .await,
        vec!["zz-c-req", "zz-a-opt", "zz-e-req", "zz-d-opt", "zz-b-req"]
    );
    assert_eq!(
        all_pages(
            &server,
            &token,
            &by("IS_VARIANT_ONLY", "ASC"),
            "attributes",
            4
        )
        .await,
        vec!["zz-a-opt", "zz-b-req", "zz-c-req", "zz-d-opt", "zz-e-req"]
    );

    for (name, shipping, digital) in [
        ("zz-t-ship", true, false),
        ("zz-s-digital", false, true),
        ("zz-r-ship", true, false),
    ] {
        let r = staff(
            &server,
            &token,
            r#"mutation($n: String!, $s: Boolean!, $d: Boolean!) { productTypeCreate(input: {name: $n, slug: $n, isShippingRequired: $s, isDigital: $d}) { errors { field code } } }"#,
            json!({"n": name, "s": shipping, "d": digital}),
            "productTypeCreate",
        )
        .await;
        assert_eq!(r["errors"], json!([]));
    }
    let types = |field: &str| {
        format!(
            r#"query($first: Int!, $after: String) {{ productTypes(first: $first, after: $after, filter: {{search: "zz-"}}, sortBy: {{field: {field}, direction: ASC}}) {{ edges {{ node {{ slug }} }} pageInfo {{ hasNextPage endCursor }} }} }}"#
        )
    };
    assert_eq!(
        all_pages(
            &server,
            &token,
            &types("SHIPPING_REQUIRED"),
            "productTypes",
            1
        )
        .await,
        vec!["zz-s-digital", "zz-r-ship", "zz-t-ship"]
    );
    assert_eq!(
        all_pages(&server, &token, &types("DIGITAL"), "productTypes", 2).await,
        vec!["zz-r-ship", "zz-t-ship", "zz-s-digital"]
    );
}

const TEE_ATTRIBUTES: &str = r#"{
  product(slug: "monospace-tee", channel: "default-channel") {
    attributes { attribute { slug } values { name } }
    assignedAttributes { attribute { slug } }
    variants { attributes { attribute { slug } } }
  }
  attributes(first: 10, search: "zz-supplier") { edges { node { slug } } }
  attribute(slug: "zz-supplier") { slug }
}"#;

/// Slugs of the attributes the tee, its first variant and the root queries show.
fn shown(body: &Value) -> Vec<String> {
    let d = data(body);
    let p = &d["product"];
    let mut out = Vec::new();
    for (label, list) in [
        ("product", &p["attributes"]),
        ("assigned", &p["assignedAttributes"]),
        ("variant", &p["variants"][0]["attributes"]),
    ] {
        for a in list.as_array().unwrap() {
            out.push(format!("{label}:{}", id_of(&a["attribute"]["slug"])));
        }
    }
    for e in d["attributes"]["edges"].as_array().unwrap() {
        out.push(format!("list:{}", id_of(&e["node"]["slug"])));
    }
    if d["attribute"].is_object() {
        out.push("one:zz-supplier".to_owned());
    }
    out.retain(|s| s.contains("zz-"));
    out
}

#[tokio::test]
async fn attributes_hidden_from_the_storefront_are_shown_to_staff_only() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let body = server
        .gql_as(
            &token,
            r#"{ product(slug: "monospace-tee", channel: "default-channel") { id productType { id } variants { id } } }"#,
            json!({}),
        )
        .await;
    let tee = data(&body)["product"].clone();
    let mut ids = Vec::new();
    for (slug, visible) in [
        ("zz-supplier", false),
        ("zz-fabric", true),
        ("zz-lot", false),
    ] {
        let r = staff(
            &server,
            &token,
            r#"mutation($s: String!, $v: Boolean!) { attributeCreate(input: {name: $s, slug: $s, type: PRODUCT_TYPE, inputType: DROPDOWN, visibleInStorefront: $v, values: [{name: "Acme"}]}) { errors { code } attribute { id } } }"#,
            json!({"s": slug, "v": visible}),
            "attributeCreate",
        )
        .await;
        ids.push(id_of(&r["attribute"]["id"]));
    }
    let r = staff(
        &server,
        &token,
        r#"mutation($t: ID!, $a: ID!, $b: ID!, $c: ID!) { productAttributeAssign(productTypeId: $t, operations: [{id: $a, type: PRODUCT}, {id: $b, type: PRODUCT}, {id: $c, type: VARIANT}]) { errors { field code message } } }"#,
        json!({"t": tee["productType"]["id"], "a": ids[0], "b": ids[1], "c": ids[2]}),
        "productAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    let r = staff(
        &server,
        &token,
        r#"mutation($p: ID!, $a: ID!, $b: ID!) { productUpdate(id: $p, input: {attributes: [{id: $a, values: ["Acme"]}, {id: $b, values: ["Acme"]}]}) { errors { field code message } } }"#,
        json!({"p": tee["id"], "a": ids[0], "b": ids[1]}),
        "productUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));
    let r = staff(
        &server,
        &token,
        r#"mutation($v: ID!, $a: ID!) { productVariantUpdate(id: $v, input: {attributes: [{id: $a, values: ["Acme"]}]}) { errors { field code message } } }"#,
        json!({"v": tee["variants"][0]["id"], "a": ids[2]}),
        "productVariantUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([]));

    let everything = [
        "product:zz-supplier",
        "product:zz-fabric",
        "assigned:zz-supplier",
        "assigned:zz-fabric",
        "variant:zz-lot",
        "list:zz-supplier",
        "one:zz-supplier",
    ];
    let mut seen = shown(&server.gql_as(&token, TEE_ATTRIBUTES, json!({})).await);
    seen.sort();
    let mut expected: Vec<String> = everything.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected, "staff see every attribute");
    let customer = server.customer_token("shopper@example.com").await;
    for body in [
        server.gql(TEE_ATTRIBUTES, json!({})).await,
        server.gql_as(&customer, TEE_ATTRIBUTES, json!({})).await,
    ] {
        let mut seen = shown(&body);
        seen.sort();
        assert_eq!(seen, vec!["assigned:zz-fabric", "product:zz-fabric"]);
    }
}
