//! Apps end to end over HTTP: creation (the token is shown once and stored hashed), app
//! tokens authenticating as the app with its permissions, activation, token deletion,
//! the creator's permissions bounding the app's, and app metadata.
#![allow(clippy::unwrap_used)]

use crate::common::{TestServer, data, error_code};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

async fn ok(s: &TestServer, token: &str, query: &str, vars: Value) -> Value {
    let body = s.gql_as(token, query, vars).await;
    data(&body).clone()
}

const APP_CREATE: &str = "mutation($input: AppInput!) { appCreate(input: $input) { authToken app { id name isActive type identifier created permissions { code } tokens { id name authToken } } errors { field code message permissions } } }";

#[tokio::test]
async fn app_token_lifecycle() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    s.customer_token("shopper@example.com").await;

    let d = ok(
        &s,
        &admin,
        APP_CREATE,
        json!({"input": {"name": "CRM sync", "identifier": "crm.sync", "permissions": ["MANAGE_USERS"]}}),
    )
    .await;
    let created = &d["appCreate"];
    assert_eq!(created["errors"], json!([]), "{d:#}");
    let token = created["authToken"].as_str().unwrap().to_owned();
    let app = &created["app"];
    let app_id = app["id"].as_str().unwrap().to_owned();
    assert_eq!(app["isActive"], true);
    assert_eq!(app["type"], "LOCAL");
    assert_eq!(app["identifier"], "crm.sync");
    assert_eq!(app["permissions"], json!([{"code": "MANAGE_USERS"}]));
    // Tokens are shown masked: the last four characters only.
    assert_eq!(app["tokens"][0]["authToken"], token[token.len() - 4..]);
    // Stored hashed: the raw token is nowhere in the database.
    let stored = entities::app_token::Entity::find()
        .all(&s.state.db.conn)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.token_hash != token && !t.token_hash.contains(&token))
    );

    // The app calls what it is permitted to, and nothing else.
    let d = ok(
        &s,
        &token,
        "{ customers(first: 5) { edges { node { email } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["customers"]["edges"],
        json!([{"node": {"email": "shopper@example.com"}}])
    );
    for query in [
        "{ staffUsers(first: 5) { totalCount } }",
        "{ apps(first: 5) { totalCount } }",
        "mutation { appCreate(input: {name: \"child\"}) { authToken } }",
    ] {
        let body = s.gql_as(&token, query, json!({})).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "{query}: {body:#}");
    }
    // An app reads itself without MANAGE_APPS.
    let d = ok(
        &s,
        &token,
        "{ app { id name tokens { authToken } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["app"]["id"], app_id);
    assert_eq!(d["app"]["tokens"].as_array().unwrap().len(), 1);

    // appTokenVerify tells valid tokens from others, and nothing more.
    const VERIFY: &str =
        "mutation($t: String!) { appTokenVerify(token: $t) { valid errors { code } } }";
    let d = ok(&s, &admin, VERIFY, json!({"t": token})).await;
    assert_eq!(d["appTokenVerify"], json!({"valid": true, "errors": []}));
    let body = s.gql(VERIFY, json!({"t": "not-a-token"})).await;
    assert_eq!(data(&body)["appTokenVerify"]["valid"], false);

    // A second token; deactivation rejects every token, activation restores them.
    let d = ok(
        &s,
        &admin,
        "mutation($app: ID!) { appTokenCreate(input: {app: $app, name: \"second\"}) { authToken appToken { id name authToken } errors { code } } }",
        json!({"app": app_id}),
    )
    .await;
    let second = d["appTokenCreate"]["authToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_id = d["appTokenCreate"]["appToken"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(d["appTokenCreate"]["appToken"]["name"], "second");
    assert_eq!(
        d["appTokenCreate"]["appToken"]["authToken"],
        second[second.len() - 4..]
    );
    let probe = "{ customers(first: 1) { totalCount } }";
    ok(&s, &second, probe, json!({})).await;

    let d = ok(
        &s,
        &admin,
        "mutation($id: ID!) { appDeactivate(id: $id) { app { isActive } errors { code } } }",
        json!({"id": app_id}),
    )
    .await;
    assert_eq!(d["appDeactivate"]["app"]["isActive"], false);
    for t in [&token, &second] {
        let body = s.gql_as(t, probe, json!({})).await;
        assert_eq!(error_code(&body), "INVALID_TOKEN", "{body:#}");
    }
    let d = ok(
        &s,
        &admin,
        "mutation($id: ID!) { appActivate(id: $id) { app { isActive } errors { code } } }",
        json!({"id": app_id}),
    )
    .await;
    assert_eq!(d["appActivate"]["app"]["isActive"], true);
    ok(&s, &token, probe, json!({})).await;

    // Deleting a token rejects it; the other keeps working.
    let d = ok(
        &s,
        &admin,
        "mutation($id: ID!) { appTokenDelete(id: $id) { appToken { name } errors { code } } }",
        json!({"id": second_id}),
    )
    .await;
    assert_eq!(d["appTokenDelete"]["appToken"]["name"], "second");
    let body = s.gql_as(&second, probe, json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
    ok(&s, &token, probe, json!({})).await;

    // Changing permissions applies at once.
    let d = ok(&s, &admin, "mutation($id: ID!) { appUpdate(id: $id, input: {name: \"CRM\", permissions: [MANAGE_STAFF]}) { app { name permissions { code } } errors { code } } }", json!({"id": app_id})).await;
    assert_eq!(
        d["appUpdate"]["app"],
        json!({"name": "CRM", "permissions": [{"code": "MANAGE_STAFF"}]})
    );
    let body = s.gql_as(&token, probe, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    ok(
        &s,
        &token,
        "{ staffUsers(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    // Apps may not manage permission groups or staff, even with MANAGE_STAFF.
    let body = s
        .gql_as(
            &token,
            "mutation { permissionGroupCreate(input: {name: \"Apps\"}) { group { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    // Listing and deleting.
    let d = ok(&s, &admin, "{ apps(first: 5, filter: {search: \"crm\", isActive: true}) { totalCount edges { node { name } } } }", json!({})).await;
    assert_eq!(d["apps"]["totalCount"], 1);
    let d = ok(
        &s,
        &admin,
        "{ apps(first: 5, filter: {type: THIRDPARTY}) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["apps"]["totalCount"], 0);
    let d = ok(
        &s,
        &admin,
        "mutation($id: ID!) { appDelete(id: $id) { app { name } errors { code } } }",
        json!({"id": app_id}),
    )
    .await;
    assert_eq!(d["appDelete"]["app"]["name"], "CRM");
    let body = s.gql_as(&token, probe, json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
    assert!(s.last_event("APP_DELETED").await.is_some());
}

#[tokio::test]
async fn app_permissions_cannot_exceed_the_creators() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    // An app with MANAGE_APPS and MANAGE_USERS creates apps within that scope only.
    let d = ok(
        &s,
        &admin,
        APP_CREATE,
        json!({"input": {"name": "Installer", "permissions": ["MANAGE_APPS", "MANAGE_USERS"]}}),
    )
    .await;
    let installer = d["appCreate"]["authToken"].as_str().unwrap().to_owned();
    let d = ok(
        &s,
        &installer,
        APP_CREATE,
        json!({"input": {"name": "Greedy", "permissions": ["MANAGE_USERS", "MANAGE_ORDERS"]}}),
    )
    .await;
    let err = &d["appCreate"]["errors"][0];
    assert_eq!(err["code"], "OUT_OF_SCOPE_PERMISSION");
    assert_eq!(err["field"], "permissions");
    assert_eq!(err["permissions"], json!(["MANAGE_ORDERS"]));
    assert_eq!(d["appCreate"]["authToken"], Value::Null);
    let d = ok(
        &s,
        &installer,
        APP_CREATE,
        json!({"input": {"name": "Modest", "permissions": ["MANAGE_USERS"]}}),
    )
    .await;
    assert_eq!(d["appCreate"]["errors"], json!([]));

    // An app the installer cannot manage (wider permissions) is out of its scope.
    let d = ok(
        &s,
        &admin,
        APP_CREATE,
        json!({"input": {"name": "Orders", "permissions": ["MANAGE_ORDERS"]}}),
    )
    .await;
    let orders_app = d["appCreate"]["app"]["id"].as_str().unwrap().to_owned();
    for (query, field) in [
        (
            "mutation($id: ID!) { appDelete(id: $id) { errors { code } } }",
            "appDelete",
        ),
        (
            "mutation($id: ID!) { appDeactivate(id: $id) { errors { code } } }",
            "appDeactivate",
        ),
        (
            "mutation($id: ID!) { appUpdate(id: $id, input: {name: \"mine\"}) { errors { code } } }",
            "appUpdate",
        ),
    ] {
        let d = ok(&s, &installer, query, json!({"id": orders_app})).await;
        assert_eq!(d[field]["errors"][0]["code"], "OUT_OF_SCOPE_APP", "{d:#}");
    }
    let d = ok(
        &s,
        &installer,
        "mutation($id: ID!) { appTokenCreate(input: {app: $id}) { authToken errors { code } } }",
        json!({"id": orders_app}),
    )
    .await;
    assert_eq!(d["appTokenCreate"]["errors"][0]["code"], "OUT_OF_SCOPE_APP");
    assert_eq!(d["appTokenCreate"]["authToken"], Value::Null);

    // Bad input.
    let d = ok(&s, &admin, APP_CREATE, json!({"input": {"name": " "}})).await;
    assert_eq!(d["appCreate"]["errors"][0]["code"], "REQUIRED");
    let d = ok(
        &s,
        &admin,
        "mutation { appDelete(id: \"nonsense\") { errors { field code } } }",
        json!({}),
    )
    .await;
    assert_eq!(d["appDelete"]["errors"][0]["code"], "GRAPHQL_ERROR");
    let unknown = bizgraph::core::id::encode("App", 9999);
    let body = s
        .gql_as(
            &admin,
            "mutation($id: ID!) { appDelete(id: $id) { errors { code } } }",
            json!({"id": unknown}),
        )
        .await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn app_metadata_and_visibility() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let d = ok(&s, &admin, APP_CREATE, json!({"input": {"name": "Meta"}})).await;
    let app_id = d["appCreate"]["app"]["id"].as_str().unwrap().to_owned();
    let token = d["appCreate"]["authToken"].as_str().unwrap().to_owned();
    let d = ok(
        &s,
        &admin,
        "mutation($id: ID!) { updatePrivateMetadata(id: $id, input: [{key: \"secret\", value: \"s\"}]) { item { ... on App { name privateMetafield(key: \"secret\") } } errors { code } } }",
        json!({"id": app_id}),
    )
    .await;
    assert_eq!(
        d["updatePrivateMetadata"]["item"],
        json!({"name": "Meta", "privateMetafield": "s"})
    );
    // Another app without MANAGE_APPS cannot look at it; a staff user can.
    let d = ok(&s, &admin, APP_CREATE, json!({"input": {"name": "Nosy"}})).await;
    let nosy = d["appCreate"]["authToken"].as_str().unwrap().to_owned();
    let body = s
        .gql_as(
            &nosy,
            "query($id: ID) { app(id: $id) { name } }",
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let d = ok(&s, &token, "{ app { name metadata { key } } }", json!({})).await;
    assert_eq!(d["app"]["name"], "Meta");
    let customer = s.customer_token("c@example.com").await;
    let body = s
        .gql_as(
            &customer,
            "query($id: ID) { app(id: $id) { name } }",
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let body = s.gql("{ apps(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
}
