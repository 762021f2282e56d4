//! End-to-end tests of the dashboard side of content: page types (lists, details,
//! attribute assignment, updates, deletes), page bulk delete and publish, menus and menu
//! items (lists, lookups, updates, moves, bulk deletes), including permission denial,
//! all-or-nothing bulk deletes and cycle rejection in `menuItemMove`.

#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, data, error_code};
use serde_json::{Value, json};

const USD: &str = "default-channel";

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

/// A global ID of an object that does not exist.
fn missing(type_name: &str) -> String {
    bizgraph::core::id::encode(type_name, 987_654).to_string()
}

fn edge_field(conn: &Value, field: &str) -> Vec<String> {
    conn["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges in {conn}"))
        .iter()
        .map(|e| str_of(&e["node"][field]))
        .collect()
}

fn list_field(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|a| str_of(&a[field]))
        .collect()
}

const ATTRIBUTE_CREATE: &str = r#"mutation($input: AttributeCreateInput!) {
  attributeCreate(input: $input) { errors { field code message } attribute { id slug } }
}"#;
const PAGE_TYPE_CREATE: &str = r#"mutation($input: PageTypeCreateInput!) {
  pageTypeCreate(input: $input) { errors { field code message } pageType { id } }
}"#;
const PAGE_CREATE: &str = r#"mutation($input: PageCreateInput!) {
  pageCreate(input: $input) { errors { field code message } page { id slug } }
}"#;
const PAGE_TYPES: &str = r#"query($first: Int, $after: String, $sort: PageTypeSortingInput, $filter: PageTypeFilterInput) {
  pageTypes(first: $first, after: $after, sortBy: $sort, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name slug hasPages attributes { slug } } }
  }
}"#;
const PAGE_TYPE: &str = r#"query($id: ID!) {
  pageType(id: $id) {
    id name slug hasPages
    attributes { slug }
    availableAttributes(first: 50) { totalCount edges { node { slug type } } }
  }
}"#;
const ASSIGN: &str = r#"mutation($type: ID!, $attrs: [ID!]!) {
  pageAttributeAssign(pageTypeId: $type, attributeIds: $attrs) {
    errors { field code attributes } pageErrors { code } pageType { attributes { slug } }
  }
}"#;
const UNASSIGN: &str = r#"mutation($type: ID!, $attrs: [ID!]!) {
  pageAttributeUnassign(pageTypeId: $type, attributeIds: $attrs) {
    errors { field code } pageType { attributes { slug } }
  }
}"#;
const TYPE_UPDATE: &str = r#"mutation($id: ID, $input: PageTypeUpdateInput!) {
  pageTypeUpdate(id: $id, input: $input) {
    errors { field code attributes } pageType { name slug attributes { slug } }
  }
}"#;
const TYPE_DELETE: &str = r#"mutation($id: ID!) {
  pageTypeDelete(id: $id) { errors { field code } pageType { slug } }
}"#;
const TYPE_BULK_DELETE: &str = r#"mutation($ids: [ID!]!) {
  pageTypeBulkDelete(ids: $ids) { count errors { field code } }
}"#;
const PAGE_BULK_DELETE: &str = r#"mutation($ids: [ID!]!) {
  pageBulkDelete(ids: $ids) { count errors { field code message } }
}"#;
const PAGE_BULK_PUBLISH: &str = r#"mutation($ids: [ID!]!, $p: Boolean!) {
  pageBulkPublish(ids: $ids, isPublished: $p) { count errors { field code } }
}"#;
const PAGE_BY_ID: &str = r#"query($id: ID!) { page(id: $id) { slug isPublished publishedAt } }"#;

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
    assert_eq!(r["errors"], json!([]), "{r}");
    str_of(&r["attribute"]["id"])
}

/// Creates a page type and returns its ID.
async fn page_type(server: &TestServer, token: &str, input: Value) -> String {
    let r = staff(
        server,
        token,
        PAGE_TYPE_CREATE,
        json!({"input": input}),
        "pageTypeCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    str_of(&r["pageType"]["id"])
}

/// Creates a page and returns its ID.
async fn page(server: &TestServer, token: &str, input: Value) -> String {
    let r = staff(
        server,
        token,
        PAGE_CREATE,
        json!({"input": input}),
        "pageCreate",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    str_of(&r["page"]["id"])
}

#[tokio::test]
async fn page_types_are_listed_assigned_and_updated() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    // The demo page type, as the dashboard's page type list shows it.
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 10}),
        "pageTypes",
    )
    .await;
    assert_eq!(list["totalCount"], 1, "{list}");
    let demo = &list["edges"][0]["node"];
    assert_eq!(demo["slug"], "content-page");
    assert_eq!(demo["hasPages"], true);
    assert_eq!(
        list_field(&demo["attributes"], "slug"),
        ["headline", "show-banner"]
    );

    let author = attribute(
        &server,
        &token,
        json!({"name": "ZZ Author", "slug": "zz-author", "type": "PAGE_TYPE", "inputType": "PLAIN_TEXT"}),
    )
    .await;
    let hero = attribute(
        &server,
        &token,
        json!({"name": "ZZ Hero", "slug": "zz-hero", "type": "PAGE_TYPE", "inputType": "BOOLEAN"}),
    )
    .await;
    let fabric = attribute(
        &server,
        &token,
        json!({"name": "ZZ Fabric", "slug": "zz-fabric", "type": "PRODUCT_TYPE", "inputType": "DROPDOWN"}),
    )
    .await;
    let landing = page_type(
        &server,
        &token,
        json!({"name": "Landing", "slug": "landing"}),
    )
    .await;
    page_type(&server, &token, json!({"name": "Blog post"})).await;

    // Sorting, filtering and paging.
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 10, "sort": {"field": "SLUG", "direction": "DESC"}}),
        "pageTypes",
    )
    .await;
    assert_eq!(
        edge_field(&list, "slug"),
        ["landing", "content-page", "blog-post"]
    );
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 2}),
        "pageTypes",
    )
    .await;
    assert_eq!(edge_field(&list, "name"), ["Blog post", "Content page"]);
    assert_eq!(list["pageInfo"]["hasNextPage"], true);
    let rest = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 2, "after": list["pageInfo"]["endCursor"]}),
        "pageTypes",
    )
    .await;
    assert_eq!(edge_field(&rest, "name"), ["Landing"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 10, "filter": {"search": "LAND"}}),
        "pageTypes",
    )
    .await;
    assert_eq!(edge_field(&list, "slug"), ["landing"]);
    assert_eq!(list["totalCount"], 1);
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 10, "filter": {"slugs": ["blog-post", "landing"]}}),
        "pageTypes",
    )
    .await;
    assert_eq!(edge_field(&list, "slug"), ["blog-post", "landing"]);

    // Details: no pages, no attributes, the page attributes are available.
    let details = staff(
        &server,
        &token,
        PAGE_TYPE,
        json!({"id": landing}),
        "pageType",
    )
    .await;
    assert_eq!(details["name"], "Landing");
    assert_eq!(details["hasPages"], false);
    assert_eq!(details["attributes"], json!([]));
    let available = edge_field(&details["availableAttributes"], "slug");
    assert!(
        available.contains(&"zz-author".to_owned()) && available.contains(&"headline".to_owned()),
        "{available:?}"
    );
    assert!(
        !available.contains(&"zz-fabric".to_owned()),
        "product attributes are not available to page types: {available:?}"
    );

    // Assignment.
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": landing, "attrs": [author, hero]}),
        "pageAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(
        list_field(&r["pageType"]["attributes"], "slug"),
        ["zz-author", "zz-hero"]
    );
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": landing, "attrs": [author]}),
        "pageAttributeAssign",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "attributeIds", "code": "ATTRIBUTE_ALREADY_ASSIGNED", "attributes": [author]}])
    );
    assert_eq!(r["pageErrors"][0]["code"], "ATTRIBUTE_ALREADY_ASSIGNED");
    assert_eq!(r["pageType"], Value::Null);
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": landing, "attrs": [fabric]}),
        "pageAttributeAssign",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "attributeIds", "code": "INVALID", "attributes": [fabric]}])
    );
    let r = staff(
        &server,
        &token,
        ASSIGN,
        json!({"type": missing("PageType"), "attrs": [author]}),
        "pageAttributeAssign",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "NOT_FOUND", "{r}");
    assert_eq!(r["errors"][0]["field"], "pageTypeId");
    let details = staff(
        &server,
        &token,
        PAGE_TYPE,
        json!({"id": landing}),
        "pageType",
    )
    .await;
    let available = edge_field(&details["availableAttributes"], "slug");
    assert!(
        !available.contains(&"zz-author".to_owned()) && available.contains(&"headline".to_owned()),
        "assigned attributes are no longer available: {available:?}"
    );

    // Unassignment.
    let r = staff(
        &server,
        &token,
        UNASSIGN,
        json!({"type": landing, "attrs": [hero]}),
        "pageAttributeUnassign",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(
        list_field(&r["pageType"]["attributes"], "slug"),
        ["zz-author"]
    );

    // Update: name and slug, attributes added and removed at once.
    let r = staff(
        &server,
        &token,
        TYPE_UPDATE,
        json!({"id": landing, "input": {"name": "Landing page", "slug": "landing-page",
               "addAttributes": [hero], "removeAttributes": [author]}}),
        "pageTypeUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["pageType"]["name"], "Landing page");
    assert_eq!(r["pageType"]["slug"], "landing-page");
    assert_eq!(
        list_field(&r["pageType"]["attributes"], "slug"),
        ["zz-hero"]
    );
    // The same attribute in both lists, a product attribute, a taken slug.
    let r = staff(
        &server,
        &token,
        TYPE_UPDATE,
        json!({"id": landing, "input": {"addAttributes": [author], "removeAttributes": [author]}}),
        "pageTypeUpdate",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "attributes", "code": "DUPLICATED_INPUT_ITEM", "attributes": [author]}])
    );
    let r = staff(
        &server,
        &token,
        TYPE_UPDATE,
        json!({"id": landing, "input": {"addAttributes": [fabric]}}),
        "pageTypeUpdate",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "addAttributes", "code": "INVALID", "attributes": [fabric]}])
    );
    let r = staff(
        &server,
        &token,
        TYPE_UPDATE,
        json!({"id": landing, "input": {"slug": "content-page", "name": "Renamed"}}),
        "pageTypeUpdate",
    )
    .await;
    assert_eq!(r["errors"][0]["field"], "slug", "{r}");
    assert_eq!(r["errors"][0]["code"], "UNIQUE");
    let r = staff(
        &server,
        &token,
        TYPE_UPDATE,
        json!({"id": "garbage", "input": {"name": "X"}}),
        "pageTypeUpdate",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "GRAPHQL_ERROR", "{r}");
    assert_eq!(r["errors"][0]["field"], "id");
    // Nothing of the rejected updates stuck.
    let details = staff(
        &server,
        &token,
        PAGE_TYPE,
        json!({"id": landing}),
        "pageType",
    )
    .await;
    assert_eq!(details["name"], "Landing page");
    assert_eq!(details["slug"], "landing-page");
    assert_eq!(list_field(&details["attributes"], "slug"), ["zz-hero"]);

    // Lookups with bad IDs are clear errors; usage details are for staff only.
    let body = server.gql(PAGE_TYPE, json!({"id": missing("Page")})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid ID"),
        "{body}"
    );
    let body = server
        .gql(PAGE_TYPE, json!({"id": missing("PageType")}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["pageType"], Value::Null);
    let body = server
        .gql(
            r#"query($id: ID!) { pageType(id: $id) { name attributes { slug } } }"#,
            json!({"id": landing}),
        )
        .await;
    assert_eq!(data(&body)["pageType"]["name"], "Landing page");
    for field in ["hasPages", "availableAttributes(first: 5) { totalCount }"] {
        let q = format!("query($id: ID!) {{ pageType(id: $id) {{ {field} }} }}");
        let body = server.gql(&q, json!({"id": landing})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "{field}");
    }
}

#[tokio::test]
async fn pages_are_published_and_deleted_in_bulk() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    let body = server
        .gql(r#"{ page(slug: "about") { pageType { id } } }"#, json!({}))
        .await;
    let content = str_of(&data(&body)["page"]["pageType"]["id"]);
    let news = page(
        &server,
        &token,
        json!({"title": "News", "pageType": content, "isPublished": false}),
    )
    .await;
    let jobs = page(
        &server,
        &token,
        json!({"title": "Jobs", "pageType": content, "isPublished": false}),
    )
    .await;
    let visible = |slug: &'static str| {
        let server = &server;
        async move {
            let body = server
                .gql(
                    r#"query($s: String!) { page(slug: $s) { slug } }"#,
                    json!({"s": slug}),
                )
                .await;
            !data(&body)["page"].is_null()
        }
    };
    assert!(!visible("news").await && !visible("jobs").await);
    // The dashboard's page list sorts by title or creation date.
    let sorted = |field: &'static str| {
        let (server, token) = (&server, &token);
        async move {
            let q = format!(
                "{{ pages(first: 3, sortBy: {{field: {field}, direction: DESC}}) {{ edges {{ node {{ title }} }} }} }}"
            );
            let body = server.gql_as(token, &q, json!({})).await;
            edge_field(&data(&body)["pages"], "title")
        }
    };
    assert_eq!(
        sorted("TITLE").await,
        ["Shipping and Returns", "News", "Jobs"]
    );
    assert_eq!(sorted("CREATED_AT").await[..2], ["Jobs", "News"]);
    let body = server
        .gql_as(
            &token,
            "{ pages(first: 3, sortBy: {field: VISIBILITY, direction: ASC}) { edges { node { title } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_INPUT");

    let r = staff(
        &server,
        &token,
        PAGE_BULK_PUBLISH,
        json!({"ids": [news, jobs], "p": true}),
        "pageBulkPublish",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    assert!(visible("news").await && visible("jobs").await);
    let p = staff(&server, &token, PAGE_BY_ID, json!({"id": news}), "page").await;
    assert_eq!(p["isPublished"], true);
    assert!(
        p["publishedAt"].is_string(),
        "first publication is dated: {p}"
    );

    // An unknown ID fails the whole operation.
    let r = staff(
        &server,
        &token,
        PAGE_BULK_PUBLISH,
        json!({"ids": [news, missing("Page")], "p": false}),
        "pageBulkPublish",
    )
    .await;
    assert_eq!(r["count"], 0);
    assert_eq!(r["errors"][0]["code"], "NOT_FOUND", "{r}");
    assert!(visible("news").await);
    let r = staff(
        &server,
        &token,
        PAGE_BULK_PUBLISH,
        json!({"ids": [jobs], "p": false}),
        "pageBulkPublish",
    )
    .await;
    assert_eq!(r, json!({"count": 1, "errors": []}));
    assert!(visible("news").await && !visible("jobs").await);

    // Bulk delete: all or nothing.
    let r = staff(
        &server,
        &token,
        PAGE_BULK_DELETE,
        json!({"ids": [news, jobs, missing("Page")]}),
        "pageBulkDelete",
    )
    .await;
    assert_eq!(r["count"], 0);
    assert_eq!(r["errors"][0]["code"], "NOT_FOUND", "{r}");
    assert_eq!(r["errors"][0]["field"], "ids");
    let p = staff(&server, &token, PAGE_BY_ID, json!({"id": jobs}), "page").await;
    assert_eq!(p["slug"], "jobs", "nothing was deleted");
    let r = staff(
        &server,
        &token,
        PAGE_BULK_DELETE,
        json!({"ids": ["not-an-id"]}),
        "pageBulkDelete",
    )
    .await;
    assert_eq!(r["count"], 0);
    assert_eq!(r["errors"][0]["code"], "GRAPHQL_ERROR", "{r}");
    assert_eq!(r["errors"][0]["field"], "ids");
    let r = staff(
        &server,
        &token,
        PAGE_BULK_DELETE,
        json!({"ids": [news, jobs]}),
        "pageBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    for id in [&news, &jobs] {
        let p = staff(&server, &token, PAGE_BY_ID, json!({"id": id}), "page").await;
        assert_eq!(p, Value::Null);
    }
    assert!(!visible("news").await);
}

#[tokio::test]
async fn page_type_deletes_take_their_pages_and_are_all_or_nothing() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let event = page_type(&server, &token, json!({"name": "Event"})).await;
    let promo = page_type(&server, &token, json!({"name": "Promo"})).await;
    let gig = page(
        &server,
        &token,
        json!({"title": "Gig", "pageType": event, "isPublished": true}),
    )
    .await;
    let sale = page(
        &server,
        &token,
        json!({"title": "Sale", "pageType": promo, "isPublished": true}),
    )
    .await;
    let details = staff(&server, &token, PAGE_TYPE, json!({"id": event}), "pageType").await;
    assert_eq!(details["hasPages"], true);

    let r = staff(
        &server,
        &token,
        TYPE_BULK_DELETE,
        json!({"ids": [event, missing("PageType")]}),
        "pageTypeBulkDelete",
    )
    .await;
    assert_eq!(r["count"], 0);
    assert_eq!(r["errors"], json!([{"field": "ids", "code": "NOT_FOUND"}]));
    let p = staff(&server, &token, PAGE_BY_ID, json!({"id": gig}), "page").await;
    assert_eq!(p["slug"], "gig", "nothing was deleted");

    let r = staff(
        &server,
        &token,
        TYPE_DELETE,
        json!({"id": event}),
        "pageTypeDelete",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(r["pageType"]["slug"], "event");
    let p = staff(&server, &token, PAGE_BY_ID, json!({"id": gig}), "page").await;
    assert_eq!(p, Value::Null, "the type's pages went with it");
    let t = staff(&server, &token, PAGE_TYPE, json!({"id": event}), "pageType").await;
    assert_eq!(t, Value::Null);
    let r = staff(
        &server,
        &token,
        TYPE_DELETE,
        json!({"id": event}),
        "pageTypeDelete",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "id", "code": "NOT_FOUND"}]));

    let r = staff(
        &server,
        &token,
        TYPE_BULK_DELETE,
        json!({"ids": [promo]}),
        "pageTypeBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 1, "errors": []}));
    let p = staff(&server, &token, PAGE_BY_ID, json!({"id": sale}), "page").await;
    assert_eq!(p, Value::Null);
    let list = staff(
        &server,
        &token,
        PAGE_TYPES,
        json!({"first": 10}),
        "pageTypes",
    )
    .await;
    assert_eq!(edge_field(&list, "slug"), ["content-page"]);
}

const MENUS: &str = r#"query($channel: String, $sort: MenuSortingInput, $filter: MenuFilterInput, $first: Int, $after: String) {
  menus(channel: $channel, sortBy: $sort, filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name slug items { name } } }
  }
}"#;
const MENU_BY_SLUG: &str = r#"query($slug: String!) {
  menu(slug: $slug, channel: "default-channel") { id name slug items { name } }
}"#;
const MENU_CREATE: &str = r#"mutation($input: MenuCreateInput!) {
  menuCreate(input: $input) { errors { field code } menu { id items { id name } } }
}"#;
const MENU_UPDATE: &str = r#"mutation($id: ID!, $input: MenuInput!) {
  menuUpdate(id: $id, input: $input) { errors { field code } menu { name slug } }
}"#;
const MENU_BULK_DELETE: &str = r#"mutation($ids: [ID!]!) {
  menuBulkDelete(ids: $ids) { count errors { field code } }
}"#;

#[tokio::test]
async fn menus_are_listed_updated_and_deleted() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    // The storefront's menus, anonymously, by name and by items count.
    let body = server
        .gql(MENUS, json!({"channel": USD, "first": 10}))
        .await;
    let menus = &data(&body)["menus"];
    assert_eq!(menus["totalCount"], 2);
    assert_eq!(edge_field(menus, "slug"), ["footer", "navbar"]);
    let footer_items = menus["edges"][0]["node"]["items"].as_array().unwrap().len();
    let navbar_items = menus["edges"][1]["node"]["items"].as_array().unwrap().len();
    assert!(footer_items == 4 && navbar_items == 4, "{menus}");
    let sidebar = staff(
        &server,
        &token,
        MENU_CREATE,
        json!({"input": {"name": "sidebar", "items": [{"name": "Home", "url": "/"}]}}),
        "menuCreate",
    )
    .await;
    let sidebar = str_of(&sidebar["menu"]["id"]);
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 10, "sort": {"field": "ITEMS_COUNT", "direction": "ASC"}}),
        )
        .await;
    assert_eq!(
        edge_field(&data(&body)["menus"], "slug"),
        ["sidebar", "footer", "navbar"]
    );
    // Paging by items count continues after the cursor.
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 1, "sort": {"field": "ITEMS_COUNT", "direction": "DESC"}}),
        )
        .await;
    let first = &data(&body)["menus"];
    assert_eq!(edge_field(first, "slug"), ["navbar"]);
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 5, "after": first["pageInfo"]["endCursor"],
                   "sort": {"field": "ITEMS_COUNT", "direction": "DESC"}}),
        )
        .await;
    assert_eq!(
        edge_field(&data(&body)["menus"], "slug"),
        ["footer", "sidebar"]
    );
    // A cursor of another sort is rejected, not misread.
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 5, "after": first["pageInfo"]["endCursor"]}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_CURSOR");
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 10, "filter": {"search": "BAR"}}),
        )
        .await;
    assert_eq!(
        edge_field(&data(&body)["menus"], "slug"),
        ["navbar", "sidebar"]
    );
    let body = server
        .gql(
            MENUS,
            json!({"channel": USD, "first": 10, "filter": {"slugs": ["footer"]}}),
        )
        .await;
    assert_eq!(edge_field(&data(&body)["menus"], "slug"), ["footer"]);
    assert_eq!(data(&body)["menus"]["totalCount"], 1);

    // Anonymous reads (cached) see the update.
    let body = server.gql(MENU_BY_SLUG, json!({"slug": "sidebar"})).await;
    assert_eq!(data(&body)["menu"]["name"], "sidebar");
    let r = staff(
        &server,
        &token,
        MENU_UPDATE,
        json!({"id": sidebar, "input": {"name": "side links"}}),
        "menuUpdate",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [], "menu": {"name": "side links", "slug": "sidebar"}})
    );
    let body = server.gql(MENU_BY_SLUG, json!({"slug": "sidebar"})).await;
    assert_eq!(data(&body)["menu"]["name"], "side links");
    let r = staff(
        &server,
        &token,
        MENU_UPDATE,
        json!({"id": sidebar, "input": {"slug": "navbar"}}),
        "menuUpdate",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [{"field": "slug", "code": "UNIQUE"}], "menu": null})
    );
    let r = staff(
        &server,
        &token,
        MENU_UPDATE,
        json!({"id": sidebar, "input": {"slug": "side"}}),
        "menuUpdate",
    )
    .await;
    assert_eq!(r["menu"]["slug"], "side");

    // Bulk delete: all or nothing.
    let r = staff(
        &server,
        &token,
        MENU_BULK_DELETE,
        json!({"ids": [sidebar, missing("Menu")]}),
        "menuBulkDelete",
    )
    .await;
    assert_eq!(
        r,
        json!({"count": 0, "errors": [{"field": "ids", "code": "NOT_FOUND"}]})
    );
    let body = server.gql(MENU_BY_SLUG, json!({"slug": "side"})).await;
    assert_eq!(data(&body)["menu"]["name"], "side links");
    let r = staff(
        &server,
        &token,
        MENU_BULK_DELETE,
        json!({"ids": [sidebar]}),
        "menuBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 1, "errors": []}));
    let body = server.gql(MENU_BY_SLUG, json!({"slug": "side"})).await;
    assert_eq!(data(&body)["menu"], Value::Null);
    let body = server
        .gql(MENUS, json!({"channel": USD, "first": 10}))
        .await;
    assert_eq!(data(&body)["menus"]["totalCount"], 2);
}

const ITEM_CREATE: &str = r#"mutation($input: MenuItemCreateInput!) {
  menuItemCreate(input: $input) { errors { field code } menuItem { id } }
}"#;
const ITEM: &str = r#"query($id: ID!) {
  menuItem(id: $id, channel: "default-channel") {
    name url level parent { name } menu { slug } page { slug } category { slug } children { name }
  }
}"#;
const ITEMS: &str = r#"query($filter: MenuItemFilterInput, $sort: MenuItemSortingInput) {
  menuItems(first: 50, channel: "default-channel", filter: $filter, sortBy: $sort) {
    totalCount edges { node { name level menu { slug } } }
  }
}"#;
const ITEM_UPDATE: &str = r#"mutation($id: ID!, $input: MenuItemInput!) {
  menuItemUpdate(id: $id, input: $input) {
    errors { field code } menuItem { name url page { slug } category { slug } }
  }
}"#;
const MOVE: &str = r#"mutation($menu: ID!, $moves: [MenuItemMoveInput!]!) {
  menuItemMove(menu: $menu, moves: $moves) {
    errors { field code }
    menu { items { name level children { name level children { name level } } } }
  }
}"#;
const ITEM_BULK_DELETE: &str = r#"mutation($ids: [ID!]!) {
  menuItemBulkDelete(ids: $ids) { count errors { field code } }
}"#;
const TREE: &str = r#"query($slug: String!) {
  menu(slug: $slug, channel: "default-channel") {
    items { name level children { name level children { name level } } }
  }
}"#;

/// The menu's tree as `name(children...)`, e.g. `["A(A1(A1a))", "B"]` (children not
/// selected at the deepest level count as none).
fn shape(items: &Value) -> Vec<String> {
    if items.is_null() {
        return Vec::new();
    }
    items
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {items}"))
        .iter()
        .map(|i| {
            let children = shape(&i["children"]);
            if children.is_empty() {
                str_of(&i["name"])
            } else {
                format!("{}({})", str_of(&i["name"]), children.join(","))
            }
        })
        .collect()
}

async fn tree(server: &TestServer, slug: &str) -> Vec<String> {
    let body = server.gql(TREE, json!({"slug": slug})).await;
    shape(&data(&body)["menu"]["items"])
}

#[tokio::test]
async fn menu_items_are_looked_up_updated_moved_and_deleted() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let menu = staff(
        &server,
        &token,
        MENU_CREATE,
        json!({"input": {"name": "Tree"}}),
        "menuCreate",
    )
    .await;
    let menu = str_of(&menu["menu"]["id"]);
    let item = |name: &'static str, parent: Option<String>| {
        let (server, token, menu) = (&server, &token, menu.clone());
        async move {
            let r = staff(
                server,
                token,
                ITEM_CREATE,
                json!({"input": {"name": name, "menu": menu, "parent": parent}}),
                "menuItemCreate",
            )
            .await;
            assert_eq!(r["errors"], json!([]), "{r}");
            str_of(&r["menuItem"]["id"])
        }
    };
    let a = item("A", None).await;
    let b = item("B", None).await;
    let c = item("C", None).await;
    let a1 = item("A1", Some(a.clone())).await;
    let a1a = item("A1a", Some(a1.clone())).await;
    assert_eq!(tree(&server, "tree").await, ["A(A1(A1a))", "B", "C"]);

    // Lookups.
    let body = server.gql(ITEM, json!({"id": a1})).await;
    let found = &data(&body)["menuItem"];
    assert_eq!(found["name"], "A1");
    assert_eq!(found["level"], 1);
    assert_eq!(found["parent"]["name"], "A");
    assert_eq!(found["menu"]["slug"], "tree");
    assert_eq!(list_field(&found["children"], "name"), ["A1a"]);
    let body = server.gql(ITEM, json!({"id": missing("MenuItem")})).await;
    assert_eq!(data(&body)["menuItem"], Value::Null);
    let body = server.gql(ITEM, json!({"id": missing("Menu")})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Invalid ID"),
        "{body}"
    );
    let body = server.gql(ITEMS, json!({"filter": {"search": "a1"}})).await;
    let items = &data(&body)["menuItems"];
    assert_eq!(edge_field(items, "name"), ["A1", "A1a"]);
    assert_eq!(items["totalCount"], 2);
    assert_eq!(items["edges"][1]["node"]["level"], 2);
    assert_eq!(items["edges"][1]["node"]["menu"]["slug"], "tree");
    let body = server
        .gql(
            ITEMS,
            json!({"filter": {"search": "a"}, "sort": {"field": "NAME", "direction": "DESC"}}),
        )
        .await;
    let names = edge_field(&data(&body)["menuItems"], "name");
    assert_eq!(&names[names.len() - 3..], ["A1a", "A1", "A"], "{names:?}");

    // Updates: rename, relink, and the rules on links.
    let r = staff(
        &server,
        &token,
        ITEM_UPDATE,
        json!({"id": b, "input": {"name": "Blog", "url": "https://example.com/blog"}}),
        "menuItemUpdate",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [], "menuItem": {"name": "Blog", "url": "https://example.com/blog", "page": null, "category": null}})
    );
    let about = {
        let body = server
            .gql(r#"{ page(slug: "about") { id } }"#, json!({}))
            .await;
        str_of(&data(&body)["page"]["id"])
    };
    let r = staff(
        &server,
        &token,
        ITEM_UPDATE,
        json!({"id": b, "input": {"page": about}}),
        "menuItemUpdate",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [], "menuItem": {"name": "Blog", "url": null, "page": {"slug": "about"}, "category": null}}),
        "a new link replaces the old one"
    );
    let r = staff(
        &server,
        &token,
        ITEM_UPDATE,
        json!({"id": b, "input": {"page": about, "url": "/x"}}),
        "menuItemUpdate",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [{"field": null, "code": "TOO_MANY_MENU_ITEMS"}], "menuItem": null})
    );
    let r = staff(
        &server,
        &token,
        ITEM_UPDATE,
        json!({"id": b, "input": {"page": missing("Page")}}),
        "menuItemUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "page", "code": "NOT_FOUND"}]));
    let r = staff(
        &server,
        &token,
        ITEM_UPDATE,
        json!({"id": b, "input": {"name": "  "}}),
        "menuItemUpdate",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "name", "code": "REQUIRED"}]));
    let body = server.gql(ITEM, json!({"id": b})).await;
    assert_eq!(data(&body)["menuItem"]["page"]["slug"], "about");

    // Moves: under another item (with its subtree), then among siblings (as in Saleor, a
    // move without `parentId` puts the item at the top level).
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": c, "parentId": a}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(shape(&r["menu"]["items"]), ["A(A1(A1a),C)", "Blog"]);
    assert_eq!(r["menu"]["items"][0]["children"][1]["level"], 1);
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": c, "parentId": a, "sortOrder": -1}, {"itemId": b, "sortOrder": -5}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(shape(&r["menu"]["items"]), ["Blog", "A(C,A1(A1a))"]);
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": a1, "parentId": null}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(r["errors"], json!([]), "{r}");
    assert_eq!(shape(&r["menu"]["items"]), ["Blog", "A(C)", "A1(A1a)"]);
    assert_eq!(r["menu"]["items"][2]["level"], 0);
    assert_eq!(r["menu"]["items"][2]["children"][0]["level"], 1);

    // Cycles are rejected, and a rejected batch changes nothing.
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": a1, "parentId": a1a}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(
        r,
        json!({"errors": [{"field": "parentId", "code": "CANNOT_ASSIGN_NODE"}], "menu": null})
    );
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": a, "parentId": a}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(r["errors"][0]["code"], "CANNOT_ASSIGN_NODE");
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [
            {"itemId": a, "parentId": a1a},
            {"itemId": a1, "parentId": c},
            {"itemId": a, "parentId": a1a}
        ]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "parentId", "code": "CANNOT_ASSIGN_NODE"}]),
        "A1 under C (under A, under A1a) is a cycle once the first move is applied"
    );
    let navbar_item = {
        let body = server
            .gql(
                r#"{ menu(slug: "navbar", channel: "default-channel") { items { id } } }"#,
                json!({}),
            )
            .await;
        str_of(&data(&body)["menu"]["items"][0]["id"])
    };
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": a, "parentId": navbar_item}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(
        r["errors"],
        json!([{"field": "parentId", "code": "NOT_FOUND"}])
    );
    let r = staff(
        &server,
        &token,
        MOVE,
        json!({"menu": menu, "moves": [{"itemId": navbar_item, "parentId": null}]}),
        "menuItemMove",
    )
    .await;
    assert_eq!(r["errors"], json!([{"field": "item", "code": "NOT_FOUND"}]));
    assert_eq!(tree(&server, "tree").await, ["Blog", "A(C)", "A1(A1a)"]);

    // Bulk delete: all or nothing, and an item goes with the items under it.
    let r = staff(
        &server,
        &token,
        ITEM_BULK_DELETE,
        json!({"ids": [a, missing("MenuItem")]}),
        "menuItemBulkDelete",
    )
    .await;
    assert_eq!(
        r,
        json!({"count": 0, "errors": [{"field": "ids", "code": "NOT_FOUND"}]})
    );
    assert_eq!(tree(&server, "tree").await, ["Blog", "A(C)", "A1(A1a)"]);
    let r = staff(
        &server,
        &token,
        ITEM_BULK_DELETE,
        json!({"ids": [a, a1a]}),
        "menuItemBulkDelete",
    )
    .await;
    assert_eq!(r, json!({"count": 2, "errors": []}));
    assert_eq!(tree(&server, "tree").await, ["Blog", "A1"]);
    let body = server.gql(ITEM, json!({"id": c})).await;
    assert_eq!(data(&body)["menuItem"], Value::Null, "C went with A");
}

#[tokio::test]
async fn content_admin_mutations_need_permissions() {
    let server = TestServer::start().await;
    let customer = server.customer_token("reader@example.com").await;
    let page = bizgraph::core::id::encode("Page", 1).to_string();
    let pt = bizgraph::core::id::encode("PageType", 1).to_string();
    let attr = bizgraph::core::id::encode("Attribute", 1).to_string();
    let menu = bizgraph::core::id::encode("Menu", 1).to_string();
    let item = bizgraph::core::id::encode("MenuItem", 1).to_string();
    for q in [
        format!(r#"mutation {{ pageBulkDelete(ids: ["{page}"]) {{ count }} }}"#),
        format!(
            r#"mutation {{ pageBulkPublish(ids: ["{page}"], isPublished: false) {{ count }} }}"#
        ),
        format!(
            r#"mutation {{ pageTypeUpdate(id: "{pt}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#
        ),
        format!(r#"mutation {{ pageTypeDelete(id: "{pt}") {{ errors {{ code }} }} }}"#),
        format!(r#"mutation {{ pageTypeBulkDelete(ids: ["{pt}"]) {{ count }} }}"#),
        format!(
            r#"mutation {{ pageAttributeAssign(pageTypeId: "{pt}", attributeIds: ["{attr}"]) {{ errors {{ code }} }} }}"#
        ),
        format!(
            r#"mutation {{ pageAttributeUnassign(pageTypeId: "{pt}", attributeIds: ["{attr}"]) {{ errors {{ code }} }} }}"#
        ),
        format!(
            r#"mutation {{ menuUpdate(id: "{menu}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#
        ),
        format!(r#"mutation {{ menuBulkDelete(ids: ["{menu}"]) {{ count }} }}"#),
        format!(
            r#"mutation {{ menuItemUpdate(id: "{item}", input: {{name: "X"}}) {{ errors {{ code }} }} }}"#
        ),
        format!(
            r#"mutation {{ menuItemMove(menu: "{menu}", moves: [{{itemId: "{item}", sortOrder: 1}}]) {{ errors {{ code }} }} }}"#
        ),
        format!(r#"mutation {{ menuItemBulkDelete(ids: ["{item}"]) {{ count }} }}"#),
    ] {
        let body = server.gql(&q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "anonymous: {q}");
        let body = server.gql_as(&customer, &q, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "customer: {q}");
    }
    // Nothing was touched.
    let body = server
        .gql(
            r#"{ page(slug: "about") { title } pageType(id: "UGFnZVR5cGU6MQ==") { name }
                 menu(slug: "navbar", channel: "default-channel") { name items { name } } }"#,
            json!({}),
        )
        .await;
    let d = data(&body);
    assert_eq!(d["page"]["title"], "About");
    assert_eq!(d["pageType"]["name"], "Content page");
    assert_eq!(d["menu"]["name"], "navbar");
    assert_eq!(d["menu"]["items"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn content_list_statements_do_not_grow_with_page_size() {
    let server = TestServer::start_with(|c| c.response_cache_ttl_secs = 0).await;
    let token = server.staff_token().await;
    for i in 0..9 {
        page_type(&server, &token, json!({"name": format!("Type {i}")})).await;
        let r = staff(
            &server,
            &token,
            MENU_CREATE,
            json!({"input": {"name": format!("Menu {i}"), "items": [{"name": "Home", "url": "/"}]}}),
            "menuCreate",
        )
        .await;
        assert_eq!(r["errors"], json!([]), "{r}");
    }
    let lists = [
        r#"query($n: Int) { pageTypes(first: $n) { totalCount edges { node { name hasPages attributes { slug } } } } }"#,
        r#"query($n: Int) { menus(first: $n) { totalCount edges { node { name items { name children { name } } } } } }"#,
        r#"query($n: Int) { menuItems(first: $n) { totalCount edges { node { name menu { name } parent { name } category { name } collection { name } page { title } } } } }"#,
    ];
    for q in lists {
        let mut counts = Vec::new();
        // Five of each already link every kind of object (menu items sort by name:
        // About, Accessories, Apparel, Best Sellers, ...).
        for n in [5, 10] {
            let before = server.statements();
            let body = server.gql_as(&token, q, json!({"n": n})).await;
            let d = data(&body);
            let field = d.as_object().unwrap().values().next().unwrap();
            assert_eq!(
                field["edges"].as_array().unwrap().len(),
                n as usize,
                "{q}: {body}"
            );
            counts.push(server.statements() - before);
        }
        assert_eq!(
            counts[0], counts[1],
            "{q}: statements for 1 vs 5: {counts:?}"
        );
    }
}
