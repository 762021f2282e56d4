//! The Saleor dashboard's side of the API: its transport (credentialed CORS, the
//! `Authorization-Bearer` header) and the shop-wide settings it manages.

use serde_json::json;

use crate::common::{TestServer, data};

const ME: &str = "{ me { email isStaff } }";

#[tokio::test]
async fn a_credentialed_cross_origin_preflight_is_answered_as_saleor_does() {
    let server = TestServer::start_with(|c| {
        c.cors_origins = "https://dashboard.example.com, https://*.shops.example".into();
    })
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, server.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization-bearer, content-type",
            )
            .send()
    };

    let allowed = preflight("https://a.shops.example").await.unwrap();
    assert_eq!(allowed.status(), 200);
    let h = allowed.headers();
    assert_eq!(h["access-control-allow-origin"], "https://a.shops.example");
    assert_eq!(h["access-control-allow-credentials"], "true");
    let headers = h["access-control-allow-headers"].to_str().unwrap();
    for name in [
        "Authorization",
        "Authorization-Bearer",
        "Content-Type",
        "Source-Service-Name",
    ] {
        assert!(headers.contains(name), "{name} missing from {headers}");
    }
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );

    let refused = preflight("https://evil.example").await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // The actual request echoes the origin and allows credentials; others get no origin.
    let post = |origin: &'static str| {
        client
            .post(server.graphql_url())
            .header("origin", origin)
            .json(&json!({ "query": "{ shop { name } }" }))
            .send()
    };
    let ok = post("https://dashboard.example.com").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://dashboard.example.com"
    );
    assert_eq!(ok.headers()["access-control-allow-credentials"], "true");
    assert!(ok.headers()["vary"].to_str().unwrap().contains("Origin"));
    let other = post("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn any_origin_is_echoed_by_default() {
    let server = TestServer::start().await;
    let resp = reqwest::Client::new()
        .post(server.graphql_url())
        .header("origin", "http://localhost:9000")
        .json(&json!({ "query": "{ shop { name } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://localhost:9000"
    );
    assert_eq!(resp.headers()["access-control-allow-credentials"], "true");
}

#[tokio::test]
async fn the_dashboards_authorization_bearer_header_authenticates() {
    let server = TestServer::start().await;
    let token = server.staff_token().await;
    let client = reqwest::Client::new();
    let ask = |header: &'static str, value: String| {
        client
            .post(server.graphql_url())
            .header(header, value)
            .json(&json!({ "query": ME }))
            .send()
    };

    let body: serde_json::Value = ask("authorization-bearer", token.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data(&body)["me"]["isStaff"], true, "{body}");

    // It wins over `Authorization`, as in Saleor.
    let both: serde_json::Value = client
        .post(server.graphql_url())
        .header("authorization", "Bearer not-a-token")
        .header("authorization-bearer", token.clone())
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(data(&both)["me"]["isStaff"], true, "{both}");

    // A bad token in it is refused like a bad `Authorization`.
    let bad: serde_json::Value = ask("authorization-bearer", "a.b.c".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        bad["errors"][0]["extensions"]["code"], "INVALID_TOKEN",
        "{bad}"
    );
}

const SETTINGS: &str = r#"
  fragment Settings on Shop {
    name description headerText trackInventoryByDefault defaultWeightUnit
    fulfillmentAutoApprove fulfillmentAllowUnpaid defaultMailSenderName
    defaultMailSenderAddress customerSetPasswordUrl reserveStockDurationAnonymousUser
    reserveStockDurationAuthenticatedUser limitQuantityPerCheckout
    enableAccountConfirmationByEmail allowLoginWithoutConfirmation allowStorefrontTraffic
    preserveAllAddressFields passwordLoginMode useLegacyShippingZoneStockAvailability
    accountConfirmMergeMode includeTaxesInPrices displayGrossPrices chargeTaxesOnShipping
    metadata { key value } privateMetadata { key value }
  }"#;

async fn update_settings(
    server: &TestServer,
    token: &str,
    input: serde_json::Value,
) -> serde_json::Value {
    let q = format!(
        "mutation($input: ShopSettingsInput!) {{ shopSettingsUpdate(input: $input) {{
            shop {{ ...Settings }} errors {{ field code message }} shopErrors {{ code }} }} }} {SETTINGS}"
    );
    server.gql_as(token, &q, json!({ "input": input })).await
}

#[tokio::test]
async fn site_settings_are_read_and_changed_as_in_saleor() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;

    let defaults = server
        .gql_as(
            &staff,
            &format!("{{ shop {{ ...Settings }} }} {SETTINGS}"),
            json!({}),
        )
        .await;
    let shop = &data(&defaults)["shop"];
    assert_eq!(shop["trackInventoryByDefault"], true, "{defaults}");
    assert_eq!(shop["defaultWeightUnit"], "KG");
    assert_eq!(shop["limitQuantityPerCheckout"], 50);
    assert_eq!(
        shop["reserveStockDurationAnonymousUser"],
        serde_json::Value::Null
    );
    assert_eq!(shop["passwordLoginMode"], "ENABLED");
    assert_eq!(shop["allowStorefrontTraffic"], true);
    assert_eq!(shop["accountConfirmMergeMode"], "MERGE_DISABLED");

    let body = update_settings(
        &server,
        &staff,
        json!({
            "name": "Renamed shop",
            "headerText": "Free shipping over $50",
            "description": "SEO text",
            "trackInventoryByDefault": false,
            "defaultWeightUnit": "LB",
            "fulfillmentAutoApprove": false,
            "fulfillmentAllowUnpaid": false,
            "defaultMailSenderName": "Shop Team",
            "defaultMailSenderAddress": "Team@Shop.Example.com",
            "customerSetPasswordUrl": "https://shop.example.com/reset",
            "reserveStockDurationAnonymousUser": 10,
            "reserveStockDurationAuthenticatedUser": 0,
            "limitQuantityPerCheckout": 5,
            "preserveAllAddressFields": true,
            "accountConfirmMergeMode": "REQUIRE_PASSWORD",
            "metadata": [{ "key": "theme", "value": "dark" }],
            "privateMetadata": [{ "key": "crm", "value": "42" }],
        }),
    )
    .await;
    let result = &data(&body)["shopSettingsUpdate"];
    assert_eq!(result["errors"], json!([]), "{body}");
    let shop = &result["shop"];
    assert_eq!(shop["name"], "Renamed shop");
    assert_eq!(shop["headerText"], "Free shipping over $50");
    assert_eq!(shop["description"], "SEO text");
    assert_eq!(shop["trackInventoryByDefault"], false);
    assert_eq!(shop["defaultWeightUnit"], "LB");
    assert_eq!(shop["fulfillmentAutoApprove"], false);
    assert_eq!(shop["fulfillmentAllowUnpaid"], false);
    assert_eq!(shop["defaultMailSenderName"], "Shop Team");
    assert_eq!(shop["defaultMailSenderAddress"], "team@shop.example.com");
    assert_eq!(
        shop["customerSetPasswordUrl"],
        "https://shop.example.com/reset"
    );
    assert_eq!(shop["reserveStockDurationAnonymousUser"], 10);
    // Saleor: 0 disables a reservation.
    assert_eq!(
        shop["reserveStockDurationAuthenticatedUser"],
        serde_json::Value::Null
    );
    assert_eq!(shop["limitQuantityPerCheckout"], 5);
    assert_eq!(shop["preserveAllAddressFields"], true);
    assert_eq!(shop["accountConfirmMergeMode"], "REQUIRE_PASSWORD");
    assert_eq!(
        shop["metadata"],
        json!([{ "key": "theme", "value": "dark" }])
    );
    assert_eq!(
        shop["privateMetadata"],
        json!([{ "key": "crm", "value": "42" }])
    );

    // Null clears the nullable settings; what is not given stays.
    let body = update_settings(
        &server,
        &staff,
        json!({ "limitQuantityPerCheckout": null, "customerSetPasswordUrl": null }),
    )
    .await;
    let shop = &data(&body)["shopSettingsUpdate"]["shop"];
    assert_eq!(
        shop["limitQuantityPerCheckout"],
        serde_json::Value::Null,
        "{body}"
    );
    assert_eq!(shop["customerSetPasswordUrl"], serde_json::Value::Null);
    assert_eq!(shop["headerText"], "Free shipping over $50");

    // The public settings are public; the rest need MANAGE_SETTINGS.
    let anonymous = server
        .gql(
            "{ shop { headerText passwordLoginMode availableExternalAuthentications { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&anonymous)["shop"]["headerText"],
        "Free shipping over $50"
    );
    assert_eq!(
        data(&anonymous)["shop"]["availableExternalAuthentications"],
        json!([])
    );
    let customer = server.customer_token("shopper@example.com").await;
    for field in [
        "defaultMailSenderAddress",
        "limitQuantityPerCheckout",
        "staffNotificationRecipients { id }",
    ] {
        let body = server
            .gql_as(&customer, &format!("{{ shop {{ {field} }} }}"), json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PERMISSION_DENIED",
            "{field}: {body}"
        );
    }
    let denied = update_settings(&server, &customer, json!({ "headerText": "x" })).await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "PERMISSION_DENIED",
        "{denied}"
    );
}

#[tokio::test]
async fn invalid_site_settings_get_saleors_errors_and_change_nothing() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let body = update_settings(
        &server,
        &staff,
        json!({
            "headerText": "must not be saved",
            "limitQuantityPerCheckout": 0,
            "customerSetPasswordUrl": "javascript:alert(1)",
            "defaultMailSenderAddress": "not an email",
        }),
    )
    .await;
    let result = &data(&body)["shopSettingsUpdate"];
    let mut fields: Vec<&str> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["code"], "INVALID", "{body}");
            e["field"].as_str().unwrap()
        })
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "customerSetPasswordUrl",
            "defaultMailSenderAddress",
            "limitQuantityPerCheckout"
        ]
    );
    assert_eq!(result["shopErrors"].as_array().unwrap().len(), 3);
    let shop = server.gql("{ shop { headerText } }", json!({})).await;
    assert_eq!(data(&shop)["shop"]["headerText"], "");

    // A user signed in with a password cannot switch password sign-in off.
    let body = update_settings(&server, &staff, json!({ "passwordLoginMode": "DISABLED" })).await;
    let errors = &data(&body)["shopSettingsUpdate"]["errors"];
    assert_eq!(errors[0]["code"], "PASSWORD_AUTH_RESTRICTION", "{body}");
    assert_eq!(errors[0]["field"], "passwordLoginMode");
}

#[tokio::test]
async fn storefront_traffic_can_be_closed_to_everyone_but_staff_and_apps() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let customer = server.customer_token("closed@example.com").await;

    let body = update_settings(&server, &staff, json!({ "allowStorefrontTraffic": false })).await;
    assert_eq!(
        data(&body)["shopSettingsUpdate"]["shop"]["allowStorefrontTraffic"],
        false
    );

    let client = reqwest::Client::new();
    let ask = |token: Option<&str>| {
        let mut req = client
            .post(server.graphql_url())
            .json(&json!({ "query": "{ shop { name } }" }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send()
    };
    for token in [None, Some(customer.as_str())] {
        let resp = ask(token).await.unwrap();
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "STOREFRONT_TRAFFIC_NOT_ALLOWED"
        );
        assert_eq!(
            body["errors"][0]["message"],
            "Storefront traffic is not allowed."
        );
    }
    let resp = ask(Some(&staff)).await.unwrap();
    assert_eq!(resp.status(), 200);

    update_settings(&server, &staff, json!({ "allowStorefrontTraffic": true })).await;
    assert_eq!(ask(None).await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_company_address_is_validated_and_can_be_removed() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let mutation = "mutation($input: AddressInput) { shopAddressUpdate(input: $input) {
        shop { companyAddress { companyName streetAddress1 city postalCode countryArea country { code } } }
        errors { field code } } }";
    let body = server
        .gql_as(
            &staff,
            mutation,
            json!({ "input": {
                "companyName": "Acme", "streetAddress1": "1 Main St", "city": "Springfield",
                "postalCode": "62701", "countryArea": "IL", "country": "US"
            }}),
        )
        .await;
    let address = &data(&body)["shopAddressUpdate"]["shop"]["companyAddress"];
    assert_eq!(address["companyName"], "Acme", "{body}");
    assert_eq!(address["city"], "SPRINGFIELD");
    assert_eq!(address["country"]["code"], "US");

    let bad = server
        .gql_as(
            &staff,
            mutation,
            json!({ "input": { "streetAddress1": "1 Main St", "city": "Springfield", "country": "US", "postalCode": "" } }),
        )
        .await;
    let errors = &data(&bad)["shopAddressUpdate"]["errors"];
    assert!(
        errors
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "postalCode" && e["code"] == "REQUIRED"),
        "{bad}"
    );
    let still = server
        .gql("{ shop { companyAddress { companyName } } }", json!({}))
        .await;
    assert_eq!(
        data(&still)["shop"]["companyAddress"]["companyName"],
        "Acme"
    );

    let removed = server
        .gql_as(&staff, mutation, json!({ "input": null }))
        .await;
    assert_eq!(
        data(&removed)["shopAddressUpdate"]["shop"]["companyAddress"],
        serde_json::Value::Null,
        "{removed}"
    );
}

#[tokio::test]
async fn staff_notification_recipients_follow_saleors_rules() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    server.customer_token("buyer@example.com").await;
    let create = "mutation($input: StaffNotificationRecipientInput!) {
        staffNotificationRecipientCreate(input: $input) {
          staffNotificationRecipient { id email active user { email } }
          errors { field code } } }";

    let by_email = server
        .gql_as(
            &staff,
            create,
            json!({ "input": { "email": crate::common::ADMIN_EMAIL } }),
        )
        .await;
    let r = &data(&by_email)["staffNotificationRecipientCreate"]["staffNotificationRecipient"];
    assert_eq!(r["user"]["email"], crate::common::ADMIN_EMAIL, "{by_email}");
    assert_eq!(r["email"], crate::common::ADMIN_EMAIL);
    assert_eq!(r["active"], true);

    let outside = server
        .gql_as(
            &staff,
            create,
            json!({ "input": { "email": "ops@partner.example", "active": false } }),
        )
        .await;
    let other = &data(&outside)["staffNotificationRecipientCreate"]["staffNotificationRecipient"];
    assert_eq!(other["email"], "ops@partner.example");
    assert_eq!(other["user"], serde_json::Value::Null);
    assert_eq!(other["active"], false);

    let customer_email = server
        .gql_as(
            &staff,
            create,
            json!({ "input": { "email": "buyer@example.com" } }),
        )
        .await;
    assert_eq!(
        data(&customer_email)["staffNotificationRecipientCreate"]["errors"],
        json!([{ "field": "user", "code": "INVALID" }])
    );
    let empty = server.gql_as(&staff, create, json!({ "input": {} })).await;
    assert_eq!(
        data(&empty)["staffNotificationRecipientCreate"]["errors"],
        json!([{ "field": "staffNotification", "code": "REQUIRED" }])
    );

    let id = other["id"].as_str().unwrap();
    let updated = server
        .gql_as(
            &staff,
            "mutation($id: ID!) { staffNotificationRecipientUpdate(id: $id, input: { active: true }) {
                staffNotificationRecipient { active email } errors { code } } }",
            json!({ "id": id }),
        )
        .await;
    let r = &data(&updated)["staffNotificationRecipientUpdate"]["staffNotificationRecipient"];
    assert_eq!(r["active"], true, "{updated}");
    assert_eq!(r["email"], "ops@partner.example");

    let listed = server
        .gql_as(
            &staff,
            "{ shop { staffNotificationRecipients { email } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&listed)["shop"]["staffNotificationRecipients"],
        json!([{ "email": crate::common::ADMIN_EMAIL }, { "email": "ops@partner.example" }])
    );
    let deleted = server
        .gql_as(
            &staff,
            "mutation($id: ID!) { staffNotificationRecipientDelete(id: $id) { errors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&deleted)["staffNotificationRecipientDelete"]["errors"],
        json!([])
    );
    let again = server
        .gql_as(
            &staff,
            "mutation($id: ID!) { staffNotificationRecipientDelete(id: $id) { errors { field code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data(&again)["staffNotificationRecipientDelete"]["errors"],
        json!([{ "field": "id", "code": "NOT_FOUND" }])
    );
}

#[tokio::test]
async fn the_app_shell_reads_languages_permissions_prefixes_and_translations() {
    let server = TestServer::start().await;
    let staff = server.staff_token().await;
    let body = server
        .gql_as(
            &staff,
            r#"{ shop {
                languages { code language } permissions { code name } phonePrefixes
                limits { currentUsage { channels } allowedUsage { channels } }
                announcements { title } availableTaxApps { id }
                us: availableShippingMethods(channel: "default-channel", address: { country: US }) { name }
                none: availableShippingMethods(channel: "no-such-channel") { name }
            } }"#,
            json!({}),
        )
        .await;
    let shop = &data(&body)["shop"];
    let languages = shop["languages"].as_array().unwrap();
    assert_eq!(languages.len(), 779, "{body}");
    assert!(languages.contains(&json!({ "code": "EN_US", "language": "English (United States)" })));
    assert_eq!(shop["permissions"].as_array().unwrap().len(), 27);
    assert!(
        shop["phonePrefixes"]
            .as_array()
            .unwrap()
            .contains(&json!("48"))
    );
    assert_eq!(
        shop["limits"]["allowedUsage"]["channels"],
        serde_json::Value::Null
    );
    assert_eq!(shop["announcements"], json!([]));
    assert!(!shop["us"].as_array().unwrap().is_empty(), "{body}");
    assert_eq!(shop["none"], json!([]));

    let translated = server
        .gql_as(
            &staff,
            r#"mutation { shopSettingsTranslate(languageCode: PL, input: { headerText: "Darmowa wysyłka" }) {
                shop { translation(languageCode: PL) { headerText description language { code } } }
                errors { code } } }"#,
            json!({}),
        )
        .await;
    let t = &data(&translated)["shopSettingsTranslate"]["shop"]["translation"];
    assert_eq!(t["headerText"], "Darmowa wysyłka", "{translated}");
    assert_eq!(t["description"], "");
    assert_eq!(t["language"]["code"], "PL");
}
