//! End-to-end tests of accounts and authentication: the customer flow, tokens (JWKS,
//! refresh, revocation) and the attack list of issue 4.
#![allow(clippy::unwrap_used)]

use crate::common::{ADMIN_EMAIL, CUSTOMER_PASSWORD, TestServer, data, error_code};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use serde_json::{Value, json};

const REGISTER: &str = "mutation AccountRegister($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation user { id email } errors { field code message } } }";
const CONFIRM: &str = "mutation ConfirmAccount($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { user { id email isConfirmed isActive } errors { field message code } } }";
const TOKEN_CREATE: &str = "mutation tokenCreate($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken csrfToken errors { message field code } } }";
const REFRESH: &str = "mutation refreshToken($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token errors { code field message } } }";
const ME: &str = "query { me { id email firstName lastName dateJoined addresses { id city postalCode countryArea country { code } isDefaultShippingAddress } defaultShippingAddress { id } defaultBillingAddress { id } } }";
const ADDRESS_CREATE: &str = "mutation($input: AddressInput!, $type: AddressTypeEnum) { accountAddressCreate(input: $input, type: $type) { address { id city postalCode countryArea } user { id defaultShippingAddress { id } } errors { field code message } } }";
const PASSWORD_CHANGE: &str = "mutation PasswordChange($newPassword: String!, $oldPassword: String!) { passwordChange(newPassword: $newPassword, oldPassword: $oldPassword) { errors { field message code } } }";
const RESET: &str = "mutation RequestPasswordReset($email: String!, $channel: String!, $redirectUrl: String!) { requestPasswordReset(email: $email, channel: $channel, redirectUrl: $redirectUrl) { errors { field message code } } }";
const SET_PASSWORD: &str = "mutation passwordReset($email: String!, $password: String!, $token: String!) { setPassword(email: $email, password: $password, token: $token) { token refreshToken errors { message field code } } }";

fn us_address() -> Value {
    json!({
        "firstName": "Ada", "lastName": "Lovelace", "streetAddress1": "1 Market St",
        "city": "San Francisco", "postalCode": "94105", "country": "US", "countryArea": "CA",
        "phone": "+14155550100"
    })
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn customer_flow_register_confirm_login_addresses_password_reset() {
    let s = TestServer::start().await;
    let email = "ada@example.com";

    // Register: confirmation required (shop default), nothing revealed about the id.
    let body = s
        .gql(REGISTER, json!({"input": {"email": email, "password": "Analytical-Engine-1", "firstName": "Ada", "redirectUrl": "https://shop.example.com/confirm", "channel": "default-channel"}}))
        .await;
    let reg = &data(&body)["accountRegister"];
    assert_eq!(reg["errors"], json!([]));
    assert_eq!(reg["requiresConfirmation"], json!(true));
    assert_eq!(reg["user"]["email"], json!(email));

    // Not confirmed yet: sign-in refused with Saleor's code.
    let body = s
        .gql(
            TOKEN_CREATE,
            json!({"email": email, "password": "Analytical-Engine-1"}),
        )
        .await;
    assert_eq!(
        data(&body)["tokenCreate"]["errors"][0]["code"],
        json!("ACCOUNT_NOT_CONFIRMED")
    );

    // Confirm with the token from the outbox event (the email the events issue will send).
    let event = s
        .last_event("ACCOUNT_CONFIRMATION_REQUESTED")
        .await
        .unwrap();
    assert!(
        event["confirm_url"]
            .as_str()
            .unwrap()
            .starts_with("https://shop.example.com/confirm?email=ada%40example.com&token=")
    );
    let token = event["token"].as_str().unwrap();
    let body = s
        .gql(CONFIRM, json!({"email": email, "token": token}))
        .await;
    let confirmed = &data(&body)["confirmAccount"];
    assert_eq!(confirmed["errors"], json!([]));
    assert_eq!(confirmed["user"]["isConfirmed"], json!(true));
    // The confirmation token is single-use.
    let body = s
        .gql(CONFIRM, json!({"email": email, "token": token}))
        .await;
    assert_eq!(
        data(&body)["confirmAccount"]["errors"][0]["code"],
        json!("INVALID")
    );

    // Login: Saleor's claims.
    let body = s
        .gql(
            TOKEN_CREATE,
            json!({"email": email, "password": "Analytical-Engine-1"}),
        )
        .await;
    let created = &data(&body)["tokenCreate"];
    assert_eq!(created["errors"], json!([]));
    let access = created["token"].as_str().unwrap().to_owned();
    let refresh = created["refreshToken"].as_str().unwrap().to_owned();
    let c = claims(&access);
    assert_eq!(c["iss"], json!(s.graphql_url()));
    assert_eq!(c["owner"], json!("saleor"));
    assert_eq!(c["type"], json!("access"));
    assert_eq!(c["email"], json!(email));
    assert_eq!(c["is_staff"], json!(false));
    assert!(c["user_id"].is_string() && c["token"].is_string());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    let rc = claims(&refresh);
    assert_eq!(rc["type"], json!("refresh"));
    assert_eq!(
        rc["exp"].as_i64().unwrap() - rc["iat"].as_i64().unwrap(),
        30 * 24 * 3600
    );

    // me
    let body = s.gql_as(&access, ME, json!({})).await;
    assert_eq!(data(&body)["me"]["email"], json!(email));
    assert_eq!(data(&body)["me"]["firstName"], json!("Ada"));

    // Addresses: create as default shipping, normalised by the country's rules.
    let body = s
        .gql_as(
            &access,
            ADDRESS_CREATE,
            json!({"input": us_address(), "type": "SHIPPING"}),
        )
        .await;
    let created = &data(&body)["accountAddressCreate"];
    assert_eq!(created["errors"], json!([]), "{body:#}");
    assert_eq!(created["address"]["city"], json!("SAN FRANCISCO"));
    let address_id = created["address"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["user"]["defaultShippingAddress"]["id"],
        json!(address_id)
    );
    let body = s
        .gql_as(&access, "mutation($id: ID!, $input: AddressInput!) { accountAddressUpdate(id: $id, input: $input) { address { postalCode city } errors { field code } } }",
            json!({"id": address_id, "input": {"postalCode": "94103"}}))
        .await;
    assert_eq!(
        data(&body)["accountAddressUpdate"]["address"]["postalCode"],
        json!("94103")
    );
    let body = s
        .gql_as(&access, "mutation($id: ID!) { accountSetDefaultAddress(id: $id, type: BILLING) { user { defaultBillingAddress { id } } errors { code } } }", json!({"id": address_id}))
        .await;
    assert_eq!(
        data(&body)["accountSetDefaultAddress"]["user"]["defaultBillingAddress"]["id"],
        json!(address_id)
    );
    let body = s.gql_as(&access, ME, json!({})).await;
    let me = &data(&body)["me"];
    assert_eq!(me["addresses"].as_array().unwrap().len(), 1);
    assert_eq!(me["addresses"][0]["isDefaultShippingAddress"], json!(true));
    assert_eq!(me["defaultBillingAddress"]["id"], json!(address_id));

    // accountUpdate
    let body = s
        .gql_as(&access, "mutation($input: AccountInput!) { accountUpdate(input: $input) { user { firstName lastName } errors { code } } }", json!({"input": {"lastName": "King"}}))
        .await;
    assert_eq!(
        data(&body)["accountUpdate"]["user"]["lastName"],
        json!("King")
    );

    // Refresh works before the password change...
    let body = s.gql(REFRESH, json!({"refreshToken": refresh})).await;
    assert!(data(&body)["tokenRefresh"]["token"].is_string(), "{body:#}");

    // ...change password: old tokens (access and refresh) are revoked.
    let body = s
        .gql_as(
            &access,
            PASSWORD_CHANGE,
            json!({"oldPassword": "Analytical-Engine-1", "newPassword": "Difference-Engine-2"}),
        )
        .await;
    assert_eq!(data(&body)["passwordChange"]["errors"], json!([]));
    let body = s.gql(REFRESH, json!({"refreshToken": refresh})).await;
    assert_eq!(
        data(&body)["tokenRefresh"]["errors"][0]["code"],
        json!("JWT_INVALID_TOKEN")
    );
    assert!(data(&body)["tokenRefresh"]["token"].is_null());
    let body = s.gql_as(&access, ME, json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");

    // Reset the password with the emailed token, then sign in again.
    let body = s.gql(RESET, json!({"email": email, "channel": "default-channel", "redirectUrl": "https://shop.example.com/reset"})).await;
    assert_eq!(data(&body)["requestPasswordReset"]["errors"], json!([]));
    let event = s
        .last_event("ACCOUNT_SET_PASSWORD_REQUESTED")
        .await
        .unwrap();
    let reset_token = event["token"].as_str().unwrap().to_owned();
    let body = s
        .gql(
            SET_PASSWORD,
            json!({"email": email, "password": "Jacquard-Loom-3", "token": reset_token}),
        )
        .await;
    let set = &data(&body)["setPassword"];
    assert_eq!(set["errors"], json!([]), "{body:#}");
    assert!(set["token"].is_string());
    // Reused reset token.
    let body = s
        .gql(
            SET_PASSWORD,
            json!({"email": email, "password": "Another-Pass-44", "token": reset_token}),
        )
        .await;
    assert_eq!(
        data(&body)["setPassword"]["errors"][0]["code"],
        json!("INVALID")
    );
    let new_token = s.login(email, "Jacquard-Loom-3").await;
    let body = s.gql_as(&new_token, ME, json!({})).await;
    assert_eq!(data(&body)["me"]["lastName"], json!("King"));

    // Delete the address.
    let body = s
        .gql_as(&new_token, "mutation($id: ID!) { accountAddressDelete(id: $id) { user { addresses { id } defaultShippingAddress { id } } errors { code } } }", json!({"id": address_id}))
        .await;
    let deleted = &data(&body)["accountAddressDelete"];
    assert_eq!(deleted["user"]["addresses"], json!([]));
    assert!(deleted["user"]["defaultShippingAddress"].is_null());
}

#[tokio::test]
async fn jwt_verifies_with_a_standard_jose_library_against_our_jwks() {
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let jwks: jsonwebtoken::jwk::JwkSet = s
        .client
        .get(s.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let kid = header.kid.unwrap();
    let jwk = jwks.find(&kid).unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[s.graphql_url()]);
    let decoded = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    assert_eq!(decoded.claims["email"], json!(ADMIN_EMAIL));
    assert_eq!(decoded.claims["is_staff"], json!(true));
}

#[tokio::test]
async fn tokens_survive_a_restart_on_the_same_database() {
    // The key pair is stored (encrypted) and reloaded, not regenerated.
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let keys_before = s.state.accounts.keys().jwks();
    // A second instance on the same database loads the same keys.
    let again = TestServer::start_sharing(&s).await;
    assert_eq!(again.state.accounts.keys().jwks(), keys_before);
    assert!(
        again
            .state
            .accounts
            .authenticate_access(&token)
            .await
            .is_ok()
    );
}

// ---------------------------------------------------------------- attacks

fn forge(header: Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string()),
        B64URL.encode(signature)
    )
}

fn exception(body: &Value) -> &str {
    body["errors"][0]["extensions"]["exception"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_tokens_are_rejected_with_saleor_errors() {
    let s = TestServer::start().await;
    let token = s.staff_token().await;
    let good_claims = claims(&token);
    let kid = jsonwebtoken::decode_header(&token).unwrap().kid.unwrap();
    let sig = B64URL.decode(token.split('.').nth(2).unwrap()).unwrap();
    let me = "{ me { email } }";

    // Tampered payload (is_staff / email changed), original signature.
    let mut tampered = good_claims.clone();
    tampered["email"] = json!("evil@example.com");
    let t = forge(
        json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
        &tampered,
        &sig,
    );
    let body = s.gql_as(&t, me, json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
    assert!(body["data"].is_null() || body["data"]["me"].is_null());

    // alg: none
    let t = forge(json!({"alg": "none", "typ": "JWT"}), &good_claims, b"");
    assert_eq!(
        error_code(&s.gql_as(&t, me, json!({})).await),
        "INVALID_TOKEN"
    );
    let t = format!(
        "{}.{}.",
        B64URL.encode(json!({"alg": "none"}).to_string()),
        B64URL.encode(good_claims.to_string())
    );
    assert_eq!(
        error_code(&s.gql_as(&t, me, json!({})).await),
        "INVALID_TOKEN"
    );

    // HS256 signed with the public key (modulus bytes and JWKS JSON as the HMAC secret).
    let jwks: Value = s
        .client
        .get(s.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for secret in [
        jwks.to_string().into_bytes(),
        B64URL
            .decode(jwks["keys"][0]["n"].as_str().unwrap())
            .unwrap(),
    ] {
        let t = jsonwebtoken::encode(
            &jsonwebtoken::Header {
                kid: Some(kid.clone()),
                ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
            },
            &good_claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        assert_eq!(
            error_code(&s.gql_as(&t, me, json!({})).await),
            "INVALID_TOKEN"
        );
    }

    // Expired and wrong-issuer tokens, properly signed with our key.
    let keys = s.state.accounts.keys();
    let mut expired = good_claims.clone();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 10);
    let t = keys.sign(&expired).unwrap();
    let body = s.gql_as(&t, me, json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
    assert_eq!(exception(&body), "ExpiredSignatureError");
    assert_eq!(body["errors"][0]["message"], json!("Signature has expired"));
    let mut foreign = good_claims.clone();
    foreign["iss"] = json!("https://evil.example.com/graphql/");
    let t = keys.sign(&foreign).unwrap();
    assert_eq!(
        error_code(&s.gql_as(&t, me, json!({})).await),
        "INVALID_TOKEN"
    );

    // Garbage.
    assert_eq!(
        error_code(&s.gql_as("a.b.c", me, json!({})).await),
        "INVALID_TOKEN"
    );
    assert_eq!(
        error_code(&s.gql_as("not-a-token", me, json!({})).await),
        "INVALID_TOKEN"
    );

    // tokenVerify reports Saleor's codes.
    let verify = "mutation($t: String!) { tokenVerify(token: $t) { isValid payload user { email } errors { code field } } }";
    let body = s.gql(verify, json!({"t": token})).await;
    assert_eq!(data(&body)["tokenVerify"]["isValid"], json!(true));
    assert_eq!(
        data(&body)["tokenVerify"]["payload"]["email"],
        json!(ADMIN_EMAIL)
    );
    let body = s
        .gql(verify, json!({"t": keys.sign(&expired).unwrap()}))
        .await;
    assert_eq!(
        data(&body)["tokenVerify"]["errors"][0]["code"],
        json!("JWT_SIGNATURE_EXPIRED")
    );
    let body = s.gql(verify, json!({"t": "x.y"})).await;
    assert_eq!(
        data(&body)["tokenVerify"]["errors"][0]["code"],
        json!("JWT_DECODE_ERROR")
    );
}

#[tokio::test]
async fn refresh_token_is_not_an_access_token_and_access_is_not_refresh() {
    let s = TestServer::start().await;
    let body = s
        .gql(
            TOKEN_CREATE,
            json!({"email": ADMIN_EMAIL, "password": crate::common::ADMIN_PASSWORD}),
        )
        .await;
    let created = &data(&body)["tokenCreate"];
    let access = created["token"].as_str().unwrap();
    let refresh = created["refreshToken"].as_str().unwrap();
    let body = s.gql_as(refresh, "{ me { email } }", json!({})).await;
    assert_eq!(error_code(&body), "INVALID_TOKEN");
    let body = s.gql(REFRESH, json!({"refreshToken": access})).await;
    assert_eq!(
        data(&body)["tokenRefresh"]["errors"][0]["code"],
        json!("JWT_INVALID_TOKEN")
    );
    let body = s.gql(REFRESH, json!({})).await;
    assert_eq!(
        data(&body)["tokenRefresh"]["errors"][0]["code"],
        json!("JWT_MISSING_TOKEN")
    );
}

#[tokio::test]
async fn refresh_from_cookie_requires_the_csrf_token() {
    let s = TestServer::start().await;
    let resp = s
        .client
        .post(s.graphql_url())
        .json(&json!({"query": TOKEN_CREATE, "variables": {"email": ADMIN_EMAIL, "password": crate::common::ADMIN_PASSWORD}}))
        .send()
        .await
        .unwrap();
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("refreshToken="))
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"));
    let body: Value = resp.json().await.unwrap();
    let csrf = data(&body)["tokenCreate"]["csrfToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = cookie.split(';').next().unwrap().to_owned();
    let refresh = |csrf: Option<String>| {
        let pair = pair.clone();
        let s = &s;
        async move {
            let q = "mutation($csrf: String) { tokenRefresh(csrfToken: $csrf) { token errors { code field } } }";
            s.client
                .post(s.graphql_url())
                .header("cookie", pair)
                .json(&json!({"query": q, "variables": {"csrf": csrf}}))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let body = refresh(None).await;
    assert_eq!(
        data(&body)["tokenRefresh"]["errors"][0]["code"],
        json!("JWT_INVALID_CSRF_TOKEN")
    );
    let body = refresh(Some("wrong".into())).await;
    assert_eq!(
        data(&body)["tokenRefresh"]["errors"][0]["code"],
        json!("JWT_INVALID_CSRF_TOKEN")
    );
    let body = refresh(Some(csrf)).await;
    assert!(data(&body)["tokenRefresh"]["token"].is_string(), "{body:#}");
}

#[tokio::test]
async fn login_errors_do_not_reveal_accounts_and_take_similar_time() {
    let s = TestServer::start().await;
    let time = |email: &'static str| {
        let s = &s;
        async move {
            let started = std::time::Instant::now();
            let body = s
                .gql(
                    TOKEN_CREATE,
                    json!({"email": email, "password": "Wrong-password-1"}),
                )
                .await;
            (
                started.elapsed(),
                data(&body)["tokenCreate"]["errors"].clone(),
            )
        }
    };
    // Warm up (the dummy hash is computed once).
    let _ = time("nobody@example.com").await;
    let (t_wrong, e_wrong) = time(ADMIN_EMAIL).await;
    let (t_unknown, e_unknown) = time("nobody@example.com").await;
    assert_eq!(e_wrong, e_unknown);
    assert_eq!(e_wrong[0]["code"], json!("INVALID_CREDENTIALS"));
    let (fast, slow) = if t_wrong < t_unknown {
        (t_wrong, t_unknown)
    } else {
        (t_unknown, t_wrong)
    };
    assert!(
        slow < fast * 4 + std::time::Duration::from_millis(50),
        "{t_wrong:?} vs {t_unknown:?}"
    );

    // Password reset answers the same for unknown emails.
    let body = s.gql(RESET, json!({"email": "nobody@example.com", "channel": "default-channel", "redirectUrl": "https://shop.example.com/reset"})).await;
    assert_eq!(data(&body)["requestPasswordReset"]["errors"], json!([]));
    // Registering a taken email looks like a fresh registration.
    let body = s
        .gql(REGISTER, json!({"input": {"email": ADMIN_EMAIL, "password": "Fresh-Password-9", "redirectUrl": "https://shop.example.com/c", "channel": "default-channel"}}))
        .await;
    assert_eq!(data(&body)["accountRegister"]["errors"], json!([]));
    assert_eq!(data(&body)["accountRegister"]["user"]["id"], json!(""));
    s.login(ADMIN_EMAIL, crate::common::ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_email() {
    let s = TestServer::start_with(|c| c.auth_rate_limit_per_email = 3).await;
    for _ in 0..3 {
        let body = s
            .gql(
                TOKEN_CREATE,
                json!({"email": ADMIN_EMAIL, "password": "nope-nope-1"}),
            )
            .await;
        assert_eq!(
            data(&body)["tokenCreate"]["errors"][0]["code"],
            json!("INVALID_CREDENTIALS")
        );
    }
    let body = s
        .gql(
            TOKEN_CREATE,
            json!({"email": ADMIN_EMAIL, "password": crate::common::ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(
        data(&body)["tokenCreate"]["errors"][0]["code"],
        json!("LOGIN_ATTEMPT_DELAYED")
    );
}

#[tokio::test]
async fn customers_cannot_reach_other_customers_data() {
    let s = TestServer::start().await;
    let alice = s.customer_token("alice@example.com").await;
    let bob = s.customer_token("bob@example.com").await;
    let body = s
        .gql_as(&alice, ADDRESS_CREATE, json!({"input": us_address()}))
        .await;
    let alice_address = data(&body)["accountAddressCreate"]["address"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for (q, field) in [
        (
            "mutation($id: ID!) { accountAddressDelete(id: $id) { address { id city } errors { code field } } }",
            "accountAddressDelete",
        ),
        (
            "mutation($id: ID!) { accountAddressUpdate(id: $id, input: {city: \"X\"}) { address { id city } errors { code field } } }",
            "accountAddressUpdate",
        ),
        (
            "mutation($id: ID!) { accountSetDefaultAddress(id: $id, type: SHIPPING) { user { id } errors { code field } } }",
            "accountSetDefaultAddress",
        ),
    ] {
        let body = s.gql_as(&bob, q, json!({"id": alice_address})).await;
        let payload = &data(&body)[field];
        assert!(
            !payload["errors"].as_array().unwrap().is_empty(),
            "{body:#}"
        );
        assert!(payload["address"].is_null());
        assert!(!body.to_string().contains("SAN FRANCISCO"));
    }
    // Bob's own view has no trace of Alice's address.
    let body = s.gql_as(&bob, ME, json!({})).await;
    assert_eq!(data(&body)["me"]["addresses"], json!([]));
    // Alice's address is intact.
    let body = s.gql_as(&alice, ME, json!({})).await;
    assert_eq!(
        data(&body)["me"]["addresses"][0]["city"],
        json!("SAN FRANCISCO")
    );
}

#[tokio::test]
async fn malformed_emails_passwords_and_addresses_get_clear_codes() {
    let s = TestServer::start().await;
    let register = |email: &'static str, password: &'static str| {
        let s = &s;
        async move {
            let body = s
                .gql(REGISTER, json!({"input": {"email": email, "password": password, "redirectUrl": "https://shop.example.com/c", "channel": "default-channel"}}))
                .await;
            data(&body)["accountRegister"]["errors"][0].clone()
        }
    };
    assert_eq!(
        register("not-an-email", "Good-Password-1").await["code"],
        json!("INVALID")
    );
    assert_eq!(
        register("a@b", "Good-Password-1").await["field"],
        json!("email")
    );
    assert_eq!(
        register("x@example.com", "short").await["code"],
        json!("PASSWORD_TOO_SHORT")
    );
    assert_eq!(
        register("x@example.com", "password123").await["code"],
        json!("PASSWORD_TOO_COMMON")
    );
    assert_eq!(
        register("x@example.com", "8675309012").await["code"],
        json!("PASSWORD_ENTIRELY_NUMERIC")
    );
    assert_eq!(
        register("johnathan.smith@example.com", "johnathansmith").await["code"],
        json!("PASSWORD_TOO_SIMILAR")
    );
    let body = s
        .gql(REGISTER, json!({"input": {"email": "y@example.com", "password": "Good-Password-1", "redirectUrl": "javascript:alert(1)", "channel": "default-channel"}}))
        .await;
    assert_eq!(
        data(&body)["accountRegister"]["errors"][0]["field"],
        json!("redirectUrl")
    );

    let token = s.customer_token("carol@example.com").await;
    let mut bad = us_address();
    bad["postalCode"] = json!("ABCDE");
    bad["countryArea"] = json!("Narnia");
    bad["phone"] = json!("call me");
    bad.as_object_mut().unwrap().remove("city");
    let body = s
        .gql_as(&token, ADDRESS_CREATE, json!({"input": bad}))
        .await;
    let errors = data(&body)["accountAddressCreate"]["errors"]
        .as_array()
        .unwrap()
        .clone();
    let fields: Vec<&str> = errors.iter().filter_map(|e| e["field"].as_str()).collect();
    for f in ["postalCode", "countryArea", "phone", "city"] {
        assert!(fields.contains(&f), "{f} in {errors:?}");
    }
    let body = s
        .gql_as(
            &token,
            ADDRESS_CREATE,
            json!({"input": {"streetAddress1": "x"}}),
        )
        .await;
    assert_eq!(
        data(&body)["accountAddressCreate"]["errors"][0]["field"],
        json!("country")
    );
    let body = s
        .gql_as(
            &token,
            "mutation { accountAddressDelete(id: \"garbage\") { errors { code field } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data(&body)["accountAddressDelete"]["errors"][0]["field"],
        json!("id")
    );
}

#[tokio::test]
async fn expired_reset_tokens_are_rejected() {
    let s = TestServer::start_with(|c| c.account_token_ttl_secs = 0).await;
    let body = s.gql(RESET, json!({"email": ADMIN_EMAIL, "channel": "default-channel", "redirectUrl": "https://shop.example.com/reset"})).await;
    assert_eq!(data(&body)["requestPasswordReset"]["errors"], json!([]));
    let token = s.last_event("STAFF_SET_PASSWORD_REQUESTED").await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = s
        .gql(
            SET_PASSWORD,
            json!({"email": ADMIN_EMAIL, "password": "Brand-New-Pass-7", "token": token}),
        )
        .await;
    assert_eq!(
        data(&body)["setPassword"]["errors"][0]["code"],
        json!("INVALID")
    );
    // A made-up token too.
    let body = s
        .gql(
            SET_PASSWORD,
            json!({"email": ADMIN_EMAIL, "password": "Brand-New-Pass-7", "token": "made-up"}),
        )
        .await;
    assert_eq!(
        data(&body)["setPassword"]["errors"][0]["code"],
        json!("INVALID")
    );
}

#[tokio::test]
async fn tokens_deactivate_all_email_change_and_account_deletion() {
    let s = TestServer::start().await;
    let token = s.customer_token("dave@example.com").await;
    // Email change.
    let body = s
        .gql_as(&token, "mutation { requestEmailChange(newEmail: \"david@example.com\", password: \"Customer-Pass-42\", redirectUrl: \"https://shop.example.com/email\", channel: \"default-channel\") { errors { code field } } }", json!({}))
        .await;
    assert_eq!(
        data(&body)["requestEmailChange"]["errors"],
        json!([]),
        "{body:#}"
    );
    let change = s
        .last_event("ACCOUNT_CHANGE_EMAIL_REQUESTED")
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = s
        .gql_as(&token, "mutation($t: String!) { confirmEmailChange(token: $t) { user { email } errors { code } } }", json!({"t": change}))
        .await;
    assert_eq!(
        data(&body)["confirmEmailChange"]["user"]["email"],
        json!("david@example.com")
    );
    let token = s.login("david@example.com", CUSTOMER_PASSWORD).await;

    // tokensDeactivateAll revokes.
    let body = s
        .gql_as(
            &token,
            "mutation { tokensDeactivateAll { errors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(data(&body)["tokensDeactivateAll"]["errors"], json!([]));
    assert_eq!(
        error_code(&s.gql_as(&token, ME, json!({})).await),
        "INVALID_TOKEN"
    );

    // Deletion.
    let token = s.login("david@example.com", CUSTOMER_PASSWORD).await;
    let body = s
        .gql_as(&token, "mutation { accountRequestDeletion(redirectUrl: \"https://shop.example.com/delete\", channel: \"default-channel\") { errors { code } } }", json!({}))
        .await;
    assert_eq!(data(&body)["accountRequestDeletion"]["errors"], json!([]));
    let del = s.last_event("ACCOUNT_DELETE_REQUESTED").await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = s
        .gql_as(
            &token,
            "mutation($t: String!) { accountDelete(token: $t) { errors { code } } }",
            json!({"t": "wrong"}),
        )
        .await;
    assert_eq!(
        data(&body)["accountDelete"]["errors"][0]["code"],
        json!("INVALID")
    );
    let body = s
        .gql_as(
            &token,
            "mutation($t: String!) { accountDelete(token: $t) { errors { code } } }",
            json!({"t": del}),
        )
        .await;
    assert_eq!(data(&body)["accountDelete"]["errors"], json!([]));
    assert_eq!(
        error_code(&s.gql_as(&token, ME, json!({})).await),
        "INVALID_TOKEN"
    );
}

#[tokio::test]
async fn address_validation_rules() {
    let s = TestServer::start().await;
    let q = "query($c: CountryCode!) { addressValidationRules(countryCode: $c) { countryCode countryName addressFormat allowedFields requiredFields countryAreaType countryAreaChoices { raw verbose } cityType postalCodeType postalCodeMatchers postalCodeExamples } }";
    let body = s.gql(q, json!({"c": "US"})).await;
    let us = &data(&body)["addressValidationRules"];
    assert_eq!(us["countryAreaType"], json!("state"));
    assert_eq!(us["postalCodeType"], json!("zip"));
    // Saleor names the fields as `AddressInput` does (the storefront builds its form from
    // them): `streetAddress1`/`streetAddress2`, `countryArea`, `postalCode`.
    let mut required: Vec<String> = serde_json::from_value(us["requiredFields"].clone()).unwrap();
    required.sort();
    assert_eq!(
        required,
        ["city", "countryArea", "postalCode", "streetAddress1"]
    );
    let allowed: Vec<String> = serde_json::from_value(us["allowedFields"].clone()).unwrap();
    for field in [
        "streetAddress1",
        "streetAddress2",
        "countryArea",
        "postalCode",
        "companyName",
    ] {
        assert!(allowed.iter().any(|f| f == field), "{field} in {allowed:?}");
    }
    assert!(allowed.iter().all(|f| !f.contains('_')), "{allowed:?}");
    assert!(
        us["countryAreaChoices"]
            .as_array()
            .unwrap()
            .contains(&json!({"raw": "CA", "verbose": "California"}))
    );
    for (c, zip_example) in [
        ("GB", "EC1Y 8SY"),
        ("DE", "26133"),
        ("FR", "33380"),
        ("IN", "110034"),
        ("PL", "00-950"),
        ("CA", "H3Z 2Y7"),
        ("AU", "2060"),
        ("JP", "154-0023"),
        ("BR", "40301-110"),
    ] {
        let body = s.gql(q, json!({"c": c})).await;
        let r = &data(&body)["addressValidationRules"];
        assert_eq!(r["countryCode"], json!(c));
        assert!(
            r["postalCodeExamples"]
                .as_array()
                .unwrap()
                .contains(&json!(zip_example)),
            "{c}"
        );
    }
    // Every country has Google's data, as in Saleor: Japan's prefectures in Japanese and
    // Latin script, its required fields, its own name.
    let body = s.gql(q, json!({"c": "JP"})).await;
    let jp = &data(&body)["addressValidationRules"];
    assert_eq!(jp["countryName"], "JAPAN");
    assert_eq!(jp["countryAreaType"], "prefecture");
    let areas = jp["countryAreaChoices"].as_array().unwrap();
    assert!(
        areas.contains(&json!({"raw": "東京都", "verbose": "Tokyo"})),
        "{jp}"
    );
    assert!(
        areas.contains(&json!({"raw": "東京都", "verbose": "東京都"})),
        "{jp}"
    );
    let mut required: Vec<String> = serde_json::from_value(jp["requiredFields"].clone()).unwrap();
    required.sort();
    assert_eq!(required, ["countryArea", "postalCode", "streetAddress1"]);
    let body = s.gql(q, json!({"c": "EU"})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "Cannot validate address for EU country code."
    );
}

#[tokio::test]
async fn users_update_their_own_public_metadata_only() {
    let s = TestServer::start().await;
    let alice = s.customer_token("alice@example.com").await;
    let bob = s.customer_token("bob@example.com").await;
    let body = s.gql_as(&alice, "{ me { id } }", json!({})).await;
    let alice_id = data(&body)["me"]["id"].as_str().unwrap().to_owned();
    let update = "mutation($id: ID!) { updateMetadata(id: $id, input: [{key: \"k\", value: \"v\"}]) { item { metadata { key value } } errors { code } } }";
    let body = s.gql_as(&alice, update, json!({"id": alice_id})).await;
    assert_eq!(
        data(&body)["updateMetadata"]["item"]["metadata"],
        json!([{"key": "k", "value": "v"}])
    );
    let body = s.gql_as(&bob, update, json!({"id": alice_id})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let private = "mutation($id: ID!) { updatePrivateMetadata(id: $id, input: [{key: \"k\", value: \"v\"}]) { errors { code } } }";
    let body = s.gql_as(&alice, private, json!({"id": alice_id})).await;
    assert_eq!(error_code(&body), "PERMISSION_DENIED");
    let staff = s.staff_token().await;
    let body = s.gql_as(&staff, private, json!({"id": alice_id})).await;
    assert_eq!(data(&body)["updatePrivateMetadata"]["errors"], json!([]));
}
