//! Staff side of accounts, end to end over HTTP: permission groups (Saleor's scope rules,
//! channel restrictions), staff users, customers, `user`, and the dataloaders behind
//! `staffUsers`. Permissions are loaded per request from the caller's groups, so a
//! membership change applies to existing tokens immediately.
#![allow(clippy::unwrap_used)]

use crate::common::{ADMIN_EMAIL, TestServer, data, error_code};
use serde_json::{Value, json};

const STAFF_PASSWORD: &str = "Staff-Pass-for-tests-9";

async fn ok(s: &TestServer, token: &str, query: &str, vars: Value) -> Value {
    let body = s.gql_as(token, query, vars).await;
    data(&body).clone()
}

async fn group_id(s: &TestServer, admin: &str, name: &str) -> String {
    let d = ok(
        s,
        admin,
        "query($s: String) { permissionGroups(first: 5, filter: {search: $s}) { edges { node { id name } } } }",
        json!({"s": name}),
    )
    .await;
    d["permissionGroups"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no group {name}: {d:#}"))
}

const GROUP_CREATE: &str = "mutation($input: PermissionGroupCreateInput!) { permissionGroupCreate(input: $input) { group { id name restrictedAccessToChannels accessibleChannels { slug } permissions { code } } errors { field code message permissions users channels } } }";
const GROUP_UPDATE: &str = "mutation($id: ID!, $input: PermissionGroupUpdateInput!) { permissionGroupUpdate(id: $id, input: $input) { group { id name permissions { code } users { email } } errors { field code message permissions users channels } } }";
const GROUP_DELETE: &str = "mutation($id: ID!) { permissionGroupDelete(id: $id) { group { name } errors { field code message permissions } } }";

async fn create_group(s: &TestServer, token: &str, input: Value) -> Value {
    let d = ok(s, token, GROUP_CREATE, json!({ "input": input })).await;
    d["permissionGroupCreate"].clone()
}

/// A group with `perms` (created by `admin`); returns its ID.
async fn group_with(s: &TestServer, admin: &str, name: &str, perms: &[&str]) -> String {
    let out = create_group(s, admin, json!({"name": name, "addPermissions": perms})).await;
    assert_eq!(out["errors"], json!([]), "{out:#}");
    out["group"]["id"].as_str().unwrap().to_owned()
}

/// A staff member in `groups`, created by `admin` through `staffCreate` and signed in
/// through the set-password token of the `STAFF_SET_PASSWORD_REQUESTED` event. Returns
/// (user ID, access token).
async fn staff_member(
    s: &TestServer,
    admin: &str,
    email: &str,
    groups: &[&str],
) -> (String, String) {
    let d = ok(
        s,
        admin,
        "mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id email isStaff } errors { field code message } } }",
        json!({"input": {"email": email, "addGroups": groups, "redirectUrl": "https://dashboard.example.com/set-password"}}),
    )
    .await;
    assert_eq!(d["staffCreate"]["errors"], json!([]), "{d:#}");
    let user_id = d["staffCreate"]["user"]["id"].as_str().unwrap().to_owned();
    let event = s.last_event("STAFF_SET_PASSWORD_REQUESTED").await.unwrap();
    assert_eq!(event["user"]["email"], email.to_lowercase());
    let token = event["token"].as_str().unwrap();
    let body = s
        .gql(
            "mutation($e: String!, $p: String!, $t: String!) { setPassword(email: $e, password: $p, token: $t) { token errors { code } } }",
            json!({"e": email, "p": STAFF_PASSWORD, "t": token}),
        )
        .await;
    let access = data(&body)["setPassword"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body:#}"))
        .to_owned();
    (user_id, access)
}

/// An app with `perms`; returns (app ID, raw token).
async fn create_app(s: &TestServer, token: &str, name: &str, perms: &[&str]) -> (String, String) {
    let d = ok(
        s,
        token,
        "mutation($input: AppInput!) { appCreate(input: $input) { authToken app { id name } errors { field code message } } }",
        json!({"input": {"name": name, "permissions": perms}}),
    )
    .await;
    assert_eq!(d["appCreate"]["errors"], json!([]), "{d:#}");
    (
        d["appCreate"]["app"]["id"].as_str().unwrap().to_owned(),
        d["appCreate"]["authToken"].as_str().unwrap().to_owned(),
    )
}

async fn admin_id(s: &TestServer, admin: &str) -> String {
    let d = ok(s, admin, "{ me { id } }", json!({})).await;
    d["me"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_staff_field_and_mutation_denies_callers_without_the_permission() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let full_access = group_id(&s, &admin, "Full Access").await;
    let products = group_with(&s, &admin, "Products", &["MANAGE_PRODUCTS"]).await;
    let (_, weak_staff) = staff_member(&s, &admin, "weak@example.com", &[&products]).await;
    let customer = s.customer_token("someone@example.com").await;
    let (app_id, weak_app) = create_app(&s, &admin, "No permissions", &[]).await;
    let (other_app, _) = create_app(&s, &admin, "Other", &[]).await;
    let admin_gid = admin_id(&s, &admin).await;
    let token_id = {
        let d = ok(
            &s,
            &admin,
            "query($id: ID) { app(id: $id) { tokens { id } } }",
            json!({"id": app_id}),
        )
        .await;
        d["app"]["tokens"][0]["id"].as_str().unwrap().to_owned()
    };

    // (operation, variables, whether any staff user may call it)
    let ops: Vec<(&str, Value, bool)> = vec![
        ("{ staffUsers(first: 1) { totalCount } }", json!({}), false),
        (
            "{ permissionGroups(first: 1) { totalCount } }",
            json!({}),
            false,
        ),
        (
            "query($id: ID!) { permissionGroup(id: $id) { name } }",
            json!({"id": full_access}),
            false,
        ),
        ("{ customers(first: 1) { totalCount } }", json!({}), false),
        (
            "query($e: String) { user(email: $e) { id } }",
            json!({"e": ADMIN_EMAIL}),
            false,
        ),
        ("{ apps(first: 1) { totalCount } }", json!({}), true),
        (
            "query($id: ID) { app(id: $id) { name } }",
            json!({"id": other_app}),
            true,
        ),
        (GROUP_CREATE, json!({"input": {"name": "Nope"}}), false),
        (
            GROUP_UPDATE,
            json!({"id": full_access, "input": {"name": "Nope"}}),
            false,
        ),
        (GROUP_DELETE, json!({"id": full_access}), false),
        (
            "mutation { staffCreate(input: {email: \"x@example.com\"}) { user { id } } }",
            json!({}),
            false,
        ),
        (
            "mutation($id: ID!) { staffUpdate(id: $id, input: {firstName: \"X\"}) { user { id } } }",
            json!({"id": admin_gid}),
            false,
        ),
        (
            "mutation($id: ID!) { staffDelete(id: $id) { user { id } } }",
            json!({"id": admin_gid}),
            false,
        ),
        (
            "mutation { customerCreate(input: {email: \"c@example.com\"}) { user { id } } }",
            json!({}),
            false,
        ),
        (
            "mutation($id: ID) { customerUpdate(id: $id, input: {firstName: \"X\"}) { user { id } } }",
            json!({"id": admin_gid}),
            false,
        ),
        (
            "mutation($id: ID) { customerDelete(id: $id) { user { id } } }",
            json!({"id": admin_gid}),
            false,
        ),
        (
            "mutation($ids: [ID!]!) { customerBulkDelete(ids: $ids) { count } }",
            json!({"ids": [admin_gid]}),
            false,
        ),
        (
            "mutation { appCreate(input: {name: \"x\"}) { authToken } }",
            json!({}),
            false,
        ),
        (
            "mutation($id: ID!) { appUpdate(id: $id, input: {name: \"x\"}) { app { id } } }",
            json!({"id": app_id}),
            false,
        ),
        (
            "mutation($id: ID!) { appDelete(id: $id) { app { id } } }",
            json!({"id": app_id}),
            false,
        ),
        (
            "mutation($id: ID!) { appActivate(id: $id) { app { id } } }",
            json!({"id": app_id}),
            false,
        ),
        (
            "mutation($id: ID!) { appDeactivate(id: $id) { app { id } } }",
            json!({"id": app_id}),
            false,
        ),
        (
            "mutation($id: ID!) { appTokenCreate(input: {app: $id}) { authToken } }",
            json!({"id": app_id}),
            false,
        ),
        (
            "mutation($id: ID!) { appTokenDelete(id: $id) { appToken { id } } }",
            json!({"id": token_id}),
            false,
        ),
    ];
    for (query, vars, staff_may) in &ops {
        let mut callers: Vec<(&str, Option<&str>)> = vec![
            ("anonymous", None),
            ("customer", Some(&customer)),
            ("app without the permission", Some(&weak_app)),
        ];
        if !staff_may {
            callers.push(("staff without the permission", Some(&weak_staff)));
        }
        for (who, token) in callers {
            let body = match token {
                Some(t) => s.gql_as(t, query, vars.clone()).await,
                None => s.gql(query, vars.clone()).await,
            };
            assert_eq!(
                error_code(&body),
                "PERMISSION_DENIED",
                "{who}: {query}\n{body:#}"
            );
            let field = body["data"]
                .as_object()
                .and_then(|d| d.values().next().cloned());
            assert!(
                field.is_none_or(|v| v.is_null()),
                "{who} got data: {body:#}"
            );
        }
    }
    // Nothing changed: still one app token, the admin still exists, no group "Nope".
    let d = ok(
        &s,
        &admin,
        "{ staffUsers(first: 10) { totalCount } permissionGroups(first: 10) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["staffUsers"]["totalCount"], 2);
    assert_eq!(d["permissionGroups"]["totalCount"], 2);
}

#[tokio::test]
async fn group_membership_changes_what_a_staff_token_can_do_immediately() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let orders = group_with(&s, &admin, "Orders", &["MANAGE_ORDERS"]).await;
    let (member_id, member) = staff_member(&s, &admin, "clerk@example.com", &[&orders]).await;
    let staff_query = "{ staffUsers(first: 5) { edges { node { email } } } }";

    let body = s.gql_as(&member, staff_query, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    // Adding MANAGE_STAFF to the group applies to the member's existing token at once.
    let d = ok(&s, &admin, GROUP_UPDATE, json!({"id": orders, "input": {"addPermissions": ["MANAGE_STAFF"], "name": "Orders and staff"}})).await;
    assert_eq!(d["permissionGroupUpdate"]["errors"], json!([]), "{d:#}");
    assert_eq!(
        d["permissionGroupUpdate"]["group"]["name"],
        "Orders and staff"
    );
    let d = ok(&s, &member, staff_query, json!({})).await;
    assert_eq!(d["staffUsers"]["edges"].as_array().unwrap().len(), 2);

    // The group as staff see it.
    let d = ok(
        &s,
        &admin,
        "query($id: ID!) { permissionGroup(id: $id) { id name permissions { code name } users { email } restrictedAccessToChannels accessibleChannels { slug } userCanManage } }",
        json!({"id": orders}),
    )
    .await;
    let g = &d["permissionGroup"];
    assert_eq!(g["users"], json!([{"email": "clerk@example.com"}]));
    assert_eq!(g["permissions"][0]["code"], "MANAGE_STAFF");
    assert_eq!(g["permissions"][1]["code"], "MANAGE_ORDERS");
    assert_eq!(g["restrictedAccessToChannels"], false);
    assert_eq!(g["accessibleChannels"].as_array().unwrap().len(), 2);
    assert_eq!(g["userCanManage"], true);
    let d = ok(
        &s,
        &member,
        "{ me { userPermissions { code } permissionGroups { name } restrictedAccessToChannels } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["me"]["permissionGroups"],
        json!([{"name": "Orders and staff"}])
    );
    assert_eq!(d["me"]["userPermissions"].as_array().unwrap().len(), 2);

    // Removing the member from the group takes the permission away at once.
    let d = ok(
        &s,
        &admin,
        GROUP_UPDATE,
        json!({"id": orders, "input": {"removeUsers": [member_id]}}),
    )
    .await;
    assert_eq!(d["permissionGroupUpdate"]["errors"], json!([]), "{d:#}");
    assert_eq!(d["permissionGroupUpdate"]["group"]["users"], json!([]));
    let body = s.gql_as(&member, staff_query, json!({})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");

    // Deleting the group.
    let d = ok(&s, &admin, GROUP_DELETE, json!({"id": orders})).await;
    assert_eq!(d["permissionGroupDelete"]["errors"], json!([]), "{d:#}");
    assert_eq!(
        d["permissionGroupDelete"]["group"]["name"],
        "Orders and staff"
    );
    let d = ok(
        &s,
        &admin,
        "query($id: ID!) { permissionGroup(id: $id) { id } }",
        json!({"id": orders}),
    )
    .await;
    assert_eq!(d["permissionGroup"], Value::Null);
    assert!(s.last_event("PERMISSION_GROUP_DELETED").await.is_some());
}

#[tokio::test]
async fn permission_group_rules_follow_saleor() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let full_access = group_id(&s, &admin, "Full Access").await;
    let me = admin_id(&s, &admin).await;

    // Name required and unique.
    let out = create_group(&s, &admin, json!({"name": "Full Access"})).await;
    assert_eq!(out["errors"][0]["code"], "UNIQUE");
    assert_eq!(out["errors"][0]["field"], "name");
    let out = create_group(&s, &admin, json!({"name": "  "})).await;
    assert_eq!(out["errors"][0]["code"], "REQUIRED");

    // Only staff can be members.
    let customer_token = s.customer_token("buyer@example.com").await;
    let customer_id = ok(&s, &customer_token, "{ me { id } }", json!({})).await["me"]["id"].clone();
    let out = create_group(
        &s,
        &admin,
        json!({"name": "Mixed", "addUsers": [customer_id]}),
    )
    .await;
    assert_eq!(out["errors"][0]["code"], "ASSIGN_NON_STAFF_MEMBER");
    assert_eq!(out["errors"][0]["users"], json!([customer_id]));

    // The same item in add and remove lists.
    let out = ok(&s, &admin, GROUP_UPDATE, json!({"id": full_access, "input": {"addPermissions": ["MANAGE_ORDERS"], "removePermissions": ["MANAGE_ORDERS"]}})).await;
    assert_eq!(
        out["permissionGroupUpdate"]["errors"][0]["code"],
        "DUPLICATED_INPUT_ITEM"
    );
    assert_eq!(
        out["permissionGroupUpdate"]["errors"][0]["field"],
        "permissions"
    );

    // The shop cannot lose the last manager of a permission.
    let out = ok(&s, &admin, GROUP_DELETE, json!({"id": full_access})).await;
    assert_eq!(
        out["permissionGroupDelete"]["errors"][0]["code"],
        "LEFT_NOT_MANAGEABLE_PERMISSION"
    );
    let out = ok(
        &s,
        &admin,
        GROUP_UPDATE,
        json!({"id": full_access, "input": {"removePermissions": ["MANAGE_STAFF"]}}),
    )
    .await;
    assert_eq!(
        out["permissionGroupUpdate"]["errors"][0]["code"],
        "LEFT_NOT_MANAGEABLE_PERMISSION"
    );
    assert_eq!(
        out["permissionGroupUpdate"]["errors"][0]["field"],
        "removePermissions"
    );
    let out = ok(
        &s,
        &admin,
        GROUP_UPDATE,
        json!({"id": full_access, "input": {"removeUsers": [me]}}),
    )
    .await;
    let codes: Vec<&str> = out["permissionGroupUpdate"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"CANNOT_REMOVE_FROM_LAST_GROUP"), "{out:#}");
    assert!(codes.contains(&"LEFT_NOT_MANAGEABLE_PERMISSION"), "{out:#}");

    // A staff manager cannot grant what they do not hold, nor manage wider groups.
    let managers = group_with(&s, &admin, "Managers", &["MANAGE_STAFF", "MANAGE_ORDERS"]).await;
    let (_, manager) = staff_member(&s, &admin, "manager@example.com", &[&managers]).await;
    let out = create_group(
        &s,
        &manager,
        json!({"name": "Catalog", "addPermissions": ["MANAGE_ORDERS", "MANAGE_PRODUCTS"]}),
    )
    .await;
    assert_eq!(out["errors"][0]["code"], "OUT_OF_SCOPE_PERMISSION");
    assert_eq!(out["errors"][0]["field"], "addPermissions");
    assert_eq!(out["errors"][0]["permissions"], json!(["MANAGE_PRODUCTS"]));
    let out = ok(
        &s,
        &manager,
        GROUP_UPDATE,
        json!({"id": full_access, "input": {"name": "Mine"}}),
    )
    .await;
    assert_eq!(
        out["permissionGroupUpdate"]["errors"][0]["code"],
        "OUT_OF_SCOPE_PERMISSION"
    );
    let out = ok(&s, &manager, GROUP_DELETE, json!({"id": full_access})).await;
    assert_eq!(
        out["permissionGroupDelete"]["errors"][0]["code"],
        "OUT_OF_SCOPE_PERMISSION"
    );
    let d = ok(
        &s,
        &manager,
        "query($id: ID!) { permissionGroup(id: $id) { userCanManage } }",
        json!({"id": full_access}),
    )
    .await;
    assert_eq!(d["permissionGroup"]["userCanManage"], false);
    // Within scope it works.
    let out = create_group(
        &s,
        &manager,
        json!({"name": "Order desk", "addPermissions": ["MANAGE_ORDERS"]}),
    )
    .await;
    assert_eq!(out["errors"], json!([]), "{out:#}");

    // Unknown and malformed IDs.
    let unknown = bizgraph::core::id::encode("Group", 9999);
    let body = s.gql_as(&admin, GROUP_DELETE, json!({"id": unknown})).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = s
        .gql_as(&admin, GROUP_DELETE, json!({"id": "garbage"}))
        .await;
    assert_eq!(error_code(&body), "INVALID_ID");
}

#[tokio::test]
async fn channel_restricted_groups() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let d = ok(&s, &admin, "{ channels { id slug } }", json!({})).await;
    let channel = |slug: &str| {
        d["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == slug)
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (usd, eur) = (channel("default-channel"), channel("channel-eur"));
    let out = create_group(
        &s,
        &admin,
        json!({"name": "US staff", "addPermissions": ["MANAGE_STAFF", "MANAGE_ORDERS"], "restrictedAccessToChannels": true, "addChannels": [usd]}),
    )
    .await;
    assert_eq!(out["errors"], json!([]), "{out:#}");
    assert_eq!(out["group"]["restrictedAccessToChannels"], true);
    assert_eq!(
        out["group"]["accessibleChannels"],
        json!([{"slug": "default-channel"}])
    );
    let us_group = out["group"]["id"].as_str().unwrap().to_owned();
    let (_, us_manager) = staff_member(&s, &admin, "us@example.com", &[&us_group]).await;
    let d = ok(
        &s,
        &us_manager,
        "{ me { restrictedAccessToChannels } }",
        json!({}),
    )
    .await;
    assert_eq!(d["me"]["restrictedAccessToChannels"], true);

    // A channel-restricted manager cannot hand out other channels or unrestricted access.
    let out = create_group(
        &s,
        &us_manager,
        json!({"name": "EU", "restrictedAccessToChannels": true, "addChannels": [eur]}),
    )
    .await;
    assert_eq!(out["errors"][0]["code"], "OUT_OF_SCOPE_CHANNEL");
    assert_eq!(out["errors"][0]["channels"], json!([eur]));
    let out = create_group(&s, &us_manager, json!({"name": "Everywhere"})).await;
    assert_eq!(out["errors"][0]["code"], "OUT_OF_SCOPE_CHANNEL");
    assert_eq!(out["errors"][0]["field"], "restrictedAccessToChannels");
    let out = create_group(&s, &us_manager, json!({"name": "US orders", "addPermissions": ["MANAGE_ORDERS"], "restrictedAccessToChannels": true, "addChannels": [usd]})).await;
    assert_eq!(out["errors"], json!([]), "{out:#}");

    // The admin widens the group; removing a channel again.
    let d = ok(
        &s,
        &admin,
        GROUP_UPDATE,
        json!({"id": us_group, "input": {"addChannels": [eur]}}),
    )
    .await;
    assert_eq!(d["permissionGroupUpdate"]["errors"], json!([]), "{d:#}");
    let d = ok(
        &s,
        &admin,
        "query($id: ID!) { permissionGroup(id: $id) { accessibleChannels { slug } } }",
        json!({"id": us_group}),
    )
    .await;
    assert_eq!(
        d["permissionGroup"]["accessibleChannels"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let d = ok(
        &s,
        &admin,
        GROUP_UPDATE,
        json!({"id": us_group, "input": {"removeChannels": [eur]}}),
    )
    .await;
    assert_eq!(d["permissionGroupUpdate"]["errors"], json!([]), "{d:#}");
    let d = ok(
        &s,
        &admin,
        "query($id: ID!) { permissionGroup(id: $id) { accessibleChannels { slug } } }",
        json!({"id": us_group}),
    )
    .await;
    assert_eq!(
        d["permissionGroup"]["accessibleChannels"],
        json!([{"slug": "default-channel"}])
    );
}

#[tokio::test]
async fn staff_create_update_delete() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let me = admin_id(&s, &admin).await;
    let full_access = group_id(&s, &admin, "Full Access").await;
    let support = group_with(&s, &admin, "Support", &["MANAGE_USERS"]).await;
    let (staff_id, staff) = staff_member(&s, &admin, "New.Staff@Example.com", &[&support]).await;
    let staff_create_event = s.last_event("STAFF_CREATED").await.unwrap();
    assert_eq!(staff_create_event["user"]["email"], "new.staff@example.com");

    // The new member signs in with the password set from the event's token.
    s.login("new.staff@example.com", STAFF_PASSWORD).await;
    let d = ok(
        &s,
        &staff,
        "{ customers(first: 1) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["customers"]["totalCount"], 0);

    const CREATE: &str = "mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { field code message groups } } }";
    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {"email": "new.staff@example.com"}}),
    )
    .await;
    assert_eq!(d["staffCreate"]["errors"][0]["code"], "UNIQUE");
    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {"email": "not an email"}}),
    )
    .await;
    assert_eq!(d["staffCreate"]["errors"][0]["code"], "INVALID");

    const UPDATE: &str = "mutation($id: ID!, $input: StaffUpdateInput!) { staffUpdate(id: $id, input: $input) { user { firstName isActive note permissionGroups { name } } errors { field code message permissions groups } } }";
    let d = ok(&s, &admin, UPDATE, json!({"id": staff_id, "input": {"firstName": "Ann", "note": "night shift", "addGroups": [full_access], "removeGroups": [support]}})).await;
    assert_eq!(d["staffUpdate"]["errors"], json!([]), "{d:#}");
    assert_eq!(d["staffUpdate"]["user"]["firstName"], "Ann");
    assert_eq!(
        d["staffUpdate"]["user"]["permissionGroups"],
        json!([{"name": "Full Access"}])
    );
    let d = ok(
        &s,
        &admin,
        UPDATE,
        json!({"id": staff_id, "input": {"addGroups": [support], "removeGroups": [support]}}),
    )
    .await;
    assert_eq!(
        d["staffUpdate"]["errors"][0]["code"],
        "DUPLICATED_INPUT_ITEM"
    );
    let d = ok(
        &s,
        &admin,
        UPDATE,
        json!({"id": me, "input": {"isActive": false}}),
    )
    .await;
    assert_eq!(
        d["staffUpdate"]["errors"][0]["code"],
        "DEACTIVATE_OWN_ACCOUNT"
    );

    // A manager with MANAGE_STAFF only cannot hand out Full Access nor touch the admin.
    let staffers = group_with(&s, &admin, "Staffers", &["MANAGE_STAFF"]).await;
    let (_, manager) = staff_member(&s, &admin, "hr@example.com", &[&staffers]).await;
    let d = ok(
        &s,
        &manager,
        CREATE,
        json!({"input": {"email": "x@example.com", "addGroups": [full_access]}}),
    )
    .await;
    assert_eq!(d["staffCreate"]["errors"][0]["code"], "OUT_OF_SCOPE_GROUP");
    assert_eq!(
        d["staffCreate"]["errors"][0]["groups"],
        json!([full_access])
    );
    let d = ok(
        &s,
        &manager,
        UPDATE,
        json!({"id": me, "input": {"firstName": "Mallory"}}),
    )
    .await;
    assert_eq!(d["staffUpdate"]["errors"][0]["code"], "OUT_OF_SCOPE_USER");
    let d = ok(
        &s,
        &manager,
        "mutation($id: ID!) { staffDelete(id: $id) { errors { code } } }",
        json!({"id": me}),
    )
    .await;
    assert_eq!(d["staffDelete"]["errors"][0]["code"], "OUT_OF_SCOPE_USER");

    // Deactivating a member revokes their access at once.
    let d = ok(
        &s,
        &admin,
        UPDATE,
        json!({"id": staff_id, "input": {"isActive": false}}),
    )
    .await;
    assert_eq!(d["staffUpdate"]["errors"], json!([]), "{d:#}");
    let body = s.gql_as(&staff, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");

    // Deleting.
    const DELETE: &str =
        "mutation($id: ID!) { staffDelete(id: $id) { user { email } errors { field code } } }";
    let d = ok(&s, &admin, DELETE, json!({"id": me})).await;
    assert_eq!(d["staffDelete"]["errors"][0]["code"], "DELETE_OWN_ACCOUNT");
    let customer = s.customer_token("c1@example.com").await;
    let customer_id = ok(&s, &customer, "{ me { id } }", json!({})).await["me"]["id"].clone();
    let d = ok(&s, &admin, DELETE, json!({"id": customer_id})).await;
    assert_eq!(
        d["staffDelete"]["errors"][0]["code"],
        "DELETE_NON_STAFF_USER"
    );
    let d = ok(&s, &admin, DELETE, json!({"id": staff_id})).await;
    assert_eq!(d["staffDelete"]["errors"], json!([]), "{d:#}");
    assert_eq!(d["staffDelete"]["user"]["email"], "new.staff@example.com");
    assert!(s.last_event("STAFF_DELETED").await.is_some());

    // Bulk: all or nothing.
    let (a, _) = staff_member(&s, &admin, "a@example.com", &[&support]).await;
    let (b, _) = staff_member(&s, &admin, "b@example.com", &[&support]).await;
    const BULK: &str =
        "mutation($ids: [ID!]!) { staffBulkDelete(ids: $ids) { count errors { code users } } }";
    let d = ok(&s, &admin, BULK, json!({"ids": [a, b, customer_id]})).await;
    assert_eq!(d["staffBulkDelete"]["count"], 0);
    assert_eq!(
        d["staffBulkDelete"]["errors"][0]["code"],
        "DELETE_NON_STAFF_USER"
    );
    assert_eq!(
        d["staffBulkDelete"]["errors"][0]["users"],
        json!([customer_id])
    );
    let d = ok(&s, &admin, BULK, json!({"ids": [a, me]})).await;
    assert_eq!(
        d["staffBulkDelete"]["errors"][0]["code"],
        "DELETE_OWN_ACCOUNT"
    );
    let d = ok(&s, &admin, BULK, json!({"ids": [a, b]})).await;
    assert_eq!(d["staffBulkDelete"], json!({"count": 2, "errors": []}));
}

#[tokio::test]
async fn customers_as_staff_see_them_and_customers_see_nothing_of_each_other() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let alice = s.customer_token("alice@example.com").await;
    let alice_id = ok(&s, &alice, "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = s.customer_token("bob@example.com").await;
    let admin_gid = admin_id(&s, &admin).await;

    // A customer asking for another customer (or any staff field) gets nothing.
    for (query, vars) in [
        (
            "query($id: ID) { user(id: $id) { email } }",
            json!({"id": alice_id}),
        ),
        (
            "query($e: String) { user(email: $e) { email } }",
            json!({"e": "alice@example.com"}),
        ),
        (
            "{ customers(first: 10) { edges { node { email } } } }",
            json!({}),
        ),
    ] {
        let body = s.gql_as(&bob, query, vars).await;
        assert_eq!(error_code(&body), "PERMISSION_DENIED", "{body:#}");
        assert!(!body.to_string().contains("alice@"), "{body:#}");
    }

    // Staff create a customer with an address and an external reference.
    const CREATE: &str = "mutation($input: UserCreateInput!) { customerCreate(input: $input) { user { id email isActive isConfirmed externalReference note defaultShippingAddress { city } addresses { id } } errors { field code message } } }";
    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {
            "email": "Carol@Example.com", "firstName": "Carol", "note": "VIP", "externalReference": "crm-42",
            "redirectUrl": "https://shop.example.com/set-password", "channel": "default-channel",
            "defaultShippingAddress": {"firstName": "Carol", "lastName": "C", "streetAddress1": "1 Main St", "city": "New York", "postalCode": "10001", "country": "US", "countryArea": "NY"}
        }}),
    )
    .await;
    assert_eq!(d["customerCreate"]["errors"], json!([]), "{d:#}");
    let carol = &d["customerCreate"]["user"];
    assert_eq!(carol["email"], "carol@example.com");
    assert_eq!(carol["isConfirmed"], false);
    assert_eq!(carol["externalReference"], "crm-42");
    assert_eq!(carol["defaultShippingAddress"]["city"], "NEW YORK");
    let carol_id = carol["id"].as_str().unwrap().to_owned();
    let event = s
        .last_event("ACCOUNT_SET_PASSWORD_REQUESTED")
        .await
        .unwrap();
    assert_eq!(event["user"]["email"], "carol@example.com");

    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {"email": "carol@example.com"}}),
    )
    .await;
    assert_eq!(d["customerCreate"]["errors"][0]["code"], "UNIQUE");
    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {"email": "dave@example.com", "externalReference": "crm-42"}}),
    )
    .await;
    assert_eq!(d["customerCreate"]["errors"][0]["code"], "UNIQUE");
    assert_eq!(
        d["customerCreate"]["errors"][0]["field"],
        "externalReference"
    );
    let d = ok(
        &s,
        &admin,
        CREATE,
        json!({"input": {"email": "eve@example.com", "defaultBillingAddress": {"country": "US"}}}),
    )
    .await;
    assert_eq!(d["customerCreate"]["errors"][0]["code"], "REQUIRED");

    // Listing, searching, sorting, looking up.
    let d = ok(&s, &admin, "{ customers(first: 10, sortBy: {field: EMAIL, direction: DESC}) { totalCount edges { node { email } } } }", json!({})).await;
    assert_eq!(d["customers"]["totalCount"], 3);
    let emails: Vec<&str> = d["customers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        ["carol@example.com", "bob@example.com", "alice@example.com"]
    );
    let d = ok(
        &s,
        &admin,
        "{ customers(first: 10, search: \"CAR\") { edges { node { email } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["customers"]["edges"],
        json!([{"node": {"email": "carol@example.com"}}])
    );
    let d = ok(&s, &admin, "{ customers(first: 10, filter: {dateJoined: {gte: \"2000-01-01\"}, search: \"bob\"}) { edges { node { email } } } }", json!({})).await;
    assert_eq!(
        d["customers"]["edges"],
        json!([{"node": {"email": "bob@example.com"}}])
    );
    let d = ok(
        &s,
        &admin,
        "{ customers(first: 10, filter: {dateJoined: {lte: \"2000-01-01\"}}) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["customers"]["totalCount"], 0);
    let d = ok(
        &s,
        &admin,
        "{ user(externalReference: \"crm-42\") { email note } }",
        json!({}),
    )
    .await;
    assert_eq!(
        d["user"],
        json!({"email": "carol@example.com", "note": "VIP"})
    );
    let d = ok(
        &s,
        &admin,
        "query($id: ID) { user(id: $id) { email } }",
        json!({"id": alice_id}),
    )
    .await;
    assert_eq!(d["user"]["email"], "alice@example.com");

    // A customer-only manager sees customers but not staff users.
    let support = group_with(&s, &admin, "Support", &["MANAGE_USERS"]).await;
    let (_, agent) = staff_member(&s, &admin, "agent@example.com", &[&support]).await;
    let d = ok(
        &s,
        &agent,
        "query($id: ID) { user(id: $id) { email } }",
        json!({"id": admin_gid}),
    )
    .await;
    assert_eq!(d["user"], Value::Null);
    let d = ok(&s, &agent, "mutation($id: ID, $input: CustomerInput!) { customerUpdate(id: $id, input: $input) { errors { code } } }", json!({"id": admin_gid, "input": {"email": "mine@example.com"}})).await;
    assert_eq!(
        d["customerUpdate"]["errors"][0]["code"],
        "OUT_OF_SCOPE_USER"
    );

    // Updating by external reference; deleting.
    let d = ok(&s, &agent, "mutation($input: CustomerInput!) { customerUpdate(externalReference: \"crm-42\", input: $input) { user { firstName isActive } errors { code } } }", json!({"input": {"firstName": "Caroline", "isActive": false}})).await;
    assert_eq!(
        d["customerUpdate"]["user"],
        json!({"firstName": "Caroline", "isActive": false})
    );
    let d = ok(
        &s,
        &agent,
        "mutation($id: ID) { customerDelete(id: $id) { user { email } errors { code } } }",
        json!({"id": carol_id}),
    )
    .await;
    assert_eq!(d["customerDelete"]["user"]["email"], "carol@example.com");
    assert!(s.last_event("CUSTOMER_DELETED").await.is_some());

    // Bulk delete refuses staff accounts and then deletes nothing.
    const BULK: &str =
        "mutation($ids: [ID!]!) { customerBulkDelete(ids: $ids) { count errors { field code } } }";
    let d = ok(&s, &admin, BULK, json!({"ids": [alice_id, admin_gid]})).await;
    assert_eq!(d["customerBulkDelete"]["count"], 0);
    assert_eq!(
        d["customerBulkDelete"]["errors"][0]["code"],
        "DELETE_OWN_ACCOUNT"
    );
    let d = ok(&s, &agent, BULK, json!({"ids": [alice_id, admin_gid]})).await;
    assert_eq!(
        d["customerBulkDelete"]["errors"][0]["code"],
        "DELETE_STAFF_ACCOUNT"
    );
    let d = ok(&s, &admin, BULK, json!({"ids": [alice_id]})).await;
    assert_eq!(d["customerBulkDelete"], json!({"count": 1, "errors": []}));
    let body = s.gql_as(&alice, "{ me { id } }", json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
}

#[tokio::test]
async fn staff_users_pagination_filters_and_bad_cursors() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let support = group_with(&s, &admin, "Support", &["MANAGE_USERS"]).await;
    for i in 0..7 {
        let d = ok(
            &s,
            &admin,
            "mutation($input: StaffCreateInput!) { staffCreate(input: $input) { errors { code } } }",
            json!({"input": {"email": format!("staff{i}@example.com"), "addGroups": [support]}}),
        )
        .await;
        assert_eq!(d["staffCreate"]["errors"], json!([]));
    }
    let query = "query($after: String) { staffUsers(first: 3, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { email } } } }";
    let mut emails = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = ok(&s, &admin, query, json!({"after": after})).await;
        let conn = &d["staffUsers"];
        assert_eq!(conn["totalCount"], 8);
        for e in conn["edges"].as_array().unwrap() {
            emails.push(e["node"]["email"].as_str().unwrap().to_owned());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = emails.clone();
    sorted.sort();
    assert_eq!(emails, sorted);
    assert_eq!(emails.len(), 8);

    let d = ok(&s, &admin, "{ staffUsers(first: 10, filter: {search: \"STAFF3\", status: ACTIVE}) { edges { node { email } } } }", json!({})).await;
    assert_eq!(
        d["staffUsers"]["edges"],
        json!([{"node": {"email": "staff3@example.com"}}])
    );
    let d = ok(
        &s,
        &admin,
        "{ staffUsers(first: 10, filter: {status: DEACTIVATED}) { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(d["staffUsers"]["totalCount"], 0);
    let d = ok(&s, &admin, "{ staffUsers(last: 2, sortBy: {field: EMAIL, direction: DESC}) { edges { node { email } } } }", json!({})).await;
    assert_eq!(
        d["staffUsers"]["edges"],
        json!([{"node": {"email": "staff0@example.com"}}, {"node": {"email": "admin@example.com"}}])
    );

    // Garbage, and well-formed cursors of other sort keys (wrong arity, wrong types).
    use bizgraph::core::connection::{KeyPart, encode_cursor};
    let wrong_arity = encode_cursor(&[KeyPart::Int(1)]);
    let wrong_types = encode_cursor(&[KeyPart::Int(1), KeyPart::Str("x".into())]);
    for cursor in ["not-a-cursor", "W10=", &wrong_arity, &wrong_types] {
        let body = s.gql_as(&admin, query, json!({"after": cursor})).await;
        assert_eq!(error_code(&body), "INVALID_CURSOR", "{body:#}");
    }
    let body = s
        .gql_as(
            &admin,
            "{ staffUsers(first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "INVALID_PAGINATION");
}

#[tokio::test]
async fn staff_users_with_addresses_and_groups_cost_the_same_for_5_and_50() {
    use chrono::Utc;
    use entities::{account_address, account_user, user_permission_group};
    use sea_orm::{ActiveModelTrait, Set};

    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let group = group_with(&s, &admin, "Support", &["MANAGE_USERS"]).await;
    let group_pk: i32 = bizgraph::core::id::decode(&group, "Group").unwrap();
    let db = &s.state.db.conn;
    for i in 0..60 {
        let now = Utc::now();
        let u = account_user::ActiveModel {
            email: Set(format!("bulk{i:02}@example.com")),
            first_name: Set(format!("Bulk {i}")),
            last_name: Set(String::new()),
            is_staff: Set(true),
            is_active: Set(true),
            is_confirmed: Set(true),
            jwt_token_key: Set(format!("key{i}")),
            language_code: Set("en".into()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            date_joined: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let a = account_address::ActiveModel {
            user_id: Set(u.id),
            first_name: Set("A".into()),
            last_name: Set("B".into()),
            company_name: Set(String::new()),
            street_address_1: Set("1 Main St".into()),
            street_address_2: Set(String::new()),
            city: Set("NEW YORK".into()),
            city_area: Set(String::new()),
            postal_code: Set("10001".into()),
            country: Set("US".into()),
            country_area: Set("NY".into()),
            phone: Set(String::new()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let mut active: account_user::ActiveModel = u.clone().into();
        active.default_shipping_address_id = Set(Some(a.id));
        active.update(db).await.unwrap();
        user_permission_group::ActiveModel {
            user_id: Set(u.id),
            group_id: Set(group_pk),
        }
        .insert(db)
        .await
        .unwrap();
    }
    let query = "query($n: Int) { staffUsers(first: $n) { edges { node { email addresses { city } defaultShippingAddress { city } permissionGroups { name users { email } accessibleChannels { slug } } userPermissions { code } } } } }";
    // The server's statement counter also sees background work (the outbox dispatcher),
    // which only ever adds: the fewest statements over a few runs is the query's own cost.
    let mut costs = Vec::new();
    for n in [5, 50] {
        let mut fewest = u64::MAX;
        for _ in 0..3 {
            let before = s.statements();
            let d = ok(&s, &admin, query, json!({"n": n})).await;
            fewest = fewest.min(s.statements() - before);
            let edges = d["staffUsers"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), n);
            let bulk = edges
                .iter()
                .find(|e| e["node"]["email"] == "bulk00@example.com")
                .unwrap();
            assert_eq!(bulk["node"]["addresses"], json!([{"city": "NEW YORK"}]));
            assert_eq!(
                bulk["node"]["defaultShippingAddress"],
                json!({"city": "NEW YORK"})
            );
            assert_eq!(bulk["node"]["permissionGroups"][0]["name"], "Support");
        }
        costs.push(fewest);
    }
    // An N+1 would add at least 45 statements for 50 users; background tasks on the same
    // pool (checkout expiry, lead decay) can add one or two to a run on a busy machine.
    assert!(
        costs[1] <= costs[0] + 2,
        "SQL statements for 5 vs 50 staff users: {costs:?}"
    );
}

#[tokio::test]
async fn two_admins_removing_each_other_leave_one_manager() {
    let s = TestServer::start().await;
    let admin = s.staff_token().await;
    let me = admin_id(&s, &admin).await;
    let full_access = group_id(&s, &admin, "Full Access").await;
    let (other_id, other) = staff_member(&s, &admin, "admin2@example.com", &[&full_access]).await;
    let remove = |token: String, user: String| {
        let s = &s;
        let full_access = full_access.clone();
        async move {
            s.gql_as(
                &token,
                GROUP_UPDATE,
                json!({"id": full_access, "input": {"removeUsers": [user]}}),
            )
            .await
        }
    };
    let (a, b) = tokio::join!(remove(admin.clone(), other_id), remove(other, me));
    let succeeded = [&a, &b]
        .iter()
        .filter(|body| body["data"]["permissionGroupUpdate"]["errors"] == json!([]))
        .count();
    assert_eq!(succeeded, 1, "{a:#}\n{b:#}");
    // Exactly one member (a manager of every permission) is left in the group.
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let group_pk: i32 = bizgraph::core::id::decode(&full_access, "Group").unwrap();
    let members = entities::user_permission_group::Entity::find()
        .filter(entities::user_permission_group::Column::GroupId.eq(group_pk))
        .count(&s.state.db.conn)
        .await
        .unwrap();
    assert_eq!(members, 1);
}
