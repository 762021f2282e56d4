//! PayU India (hosted checkout, `_payment` + the `postservice` general APIs).
//!
//! Configuration per channel:
//! - settings: `merchantKey` (the PayU key, public: it goes into the payment form),
//!   optional `successUrl` / `failureUrl` (PayU's `surl` / `furl` when the storefront does not
//!   pass them), `productInfo` (default: the checkout/order id), `paymentUrl` (the hosted
//!   checkout form action; default derived from the base URL);
//! - secrets: `salt` (signs every request and response; never leaves the server).
//!
//! Base URL (the general API host) `https://info.payu.in` (default; the form posts to
//! `https://secure.payu.in/_payment`); test environment `https://test.payu.in` (both the API
//! and the form).
//!
//! Flow: `initialize_transaction` returns the signed form for the storefront to post to
//! PayU: `hash` = SHA-512(`key|txnid|amount|productinfo|firstname|email|udf1|…|udf5||||||SALT`).
//! PayU's `txnid` is at most 25 characters, so it is the first 25 hex digits of our
//! transaction id (hyphens dropped), and `udf1` carries the full transaction id. PayU posts
//! the result to `surl`/`furl`; the storefront passes those fields to `transactionProcess`,
//! and `process` checks the reverse hash
//! SHA-512(`[additionalCharges|]SALT|status||||||udf5|…|udf1|email|firstname|productinfo|amount|txnid|key`)
//! and then asks PayU (`verify_payment`) for the authoritative status. The transaction's
//! `pspReference` is the `txnid` (the `mihpayid` is looked up when needed).
//!
//! PayU captures when the buyer pays: only the CHARGE flow is supported, `charge` has
//! nothing to do (`InvalidData`), `cancel` succeeds only while nothing was paid, and
//! `refund` queues a refund (`cancel_refund_transaction`) — a `REFUND_REQUEST`, confirmed
//! later by PayU's refund callback.
//!
//! Webhooks: PayU's server-to-server payment callbacks carry the same fields and reverse
//! hash as the browser post (form-encoded or JSON); the event id is `mihpayid` + status.
//! Refund callbacks carry no hash, so they are confirmed with PayU's `check_action_status`
//! API before anything is recorded.
//!
//! Error mapping: connect errors, timeouts and 5xx → `Unavailable`; other HTTP errors and
//! `status: 0` answers → `Rejected`; a failed payment → `CHARGE_FAILURE`; a wrong hash →
//! `BadSignature`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::gateway::{
    Amount, EventKind, Flow, GatewayCall, GatewayError, GatewayOutcome, InitializeRequest,
    PaymentGateway, ProcessRequest, WebhookNotification,
};
use super::psp_http::{self, Reply, str_at};

const PROVIDER: &str = "PayU";
const CURRENCY: &str = "INR";

/// The PayU India gateway.
pub struct PayU;

/// The fields the request hash covers.
pub struct HashFields<'a> {
    pub key: &'a str,
    pub txnid: &'a str,
    pub amount: &'a str,
    pub productinfo: &'a str,
    pub firstname: &'a str,
    pub email: &'a str,
    /// udf1 … udf5.
    pub udf: [&'a str; 5],
}

/// SHA-512(`key|txnid|amount|productinfo|firstname|email|udf1|…|udf5||||||SALT`), hex.
pub fn request_hash(f: &HashFields<'_>, salt: &str) -> String {
    let [u1, u2, u3, u4, u5] = f.udf;
    psp_http::sha512_hex(&format!(
        "{}|{}|{}|{}|{}|{}|{u1}|{u2}|{u3}|{u4}|{u5}||||||{salt}",
        f.key, f.txnid, f.amount, f.productinfo, f.firstname, f.email
    ))
}

/// The reverse (response) hash: SHA-512(`[additionalCharges|]SALT|status||||||udf5|…|udf1|
/// email|firstname|productinfo|amount|txnid|key`), hex.
pub fn response_hash(
    f: &HashFields<'_>,
    status: &str,
    additional_charges: Option<&str>,
    salt: &str,
) -> String {
    let [u1, u2, u3, u4, u5] = f.udf;
    let prefix = additional_charges
        .filter(|c| !c.is_empty())
        .map(|c| format!("{c}|"))
        .unwrap_or_default();
    psp_http::sha512_hex(&format!(
        "{prefix}{salt}|{status}||||||{u5}|{u4}|{u3}|{u2}|{u1}|{}|{}|{}|{}|{}|{}",
        f.email, f.firstname, f.productinfo, f.amount, f.txnid, f.key
    ))
}

/// SHA-512(`key|command|var1|SALT`), hex: the hash of every general (postservice) API call.
pub fn command_hash(key: &str, command: &str, var1: &str, salt: &str) -> String {
    psp_http::sha512_hex(&format!("{key}|{command}|{var1}|{salt}"))
}

/// PayU's `txnid` for our transaction id: its first 25 letters/digits.
pub fn txnid_for(transaction_id: &str) -> String {
    transaction_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(25)
        .collect()
}

fn merchant_key<'a>(call: &'a GatewayCall<'_>) -> Result<&'a str, GatewayError> {
    call.setting("merchantKey")
        .or_else(|| call.secrets.get("merchantKey").and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| GatewayError::Config("Missing setting `merchantKey`.".into()))
}

/// A form value PayU will hash: the separator `|` cannot appear in it.
fn clean(s: &str, max: usize) -> String {
    psp_http::truncate(&s.replace('|', " "), max)
        .trim()
        .to_owned()
}

/// A callback's fields as strings, from a JSON object or a form-encoded body.
fn fields_of(body: &[u8]) -> Option<BTreeMap<String, String>> {
    let trimmed = body.trim_ascii_start();
    if trimmed.first() == Some(&b'{') {
        let v: Value = serde_json::from_slice(body).ok()?;
        return Some(fields_of_json(&v));
    }
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()
        .map(|pairs| pairs.into_iter().collect())
}

fn fields_of_json(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the response fields carry a valid reverse hash for `key` and `salt`.
fn response_hash_ok(f: &BTreeMap<String, String>, key: &str, salt: &str) -> bool {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let Some(given) = f.get("hash") else {
        return false;
    };
    let fields = HashFields {
        key,
        txnid: get("txnid"),
        amount: get("amount"),
        productinfo: get("productinfo"),
        firstname: get("firstname"),
        email: get("email"),
        udf: [
            get("udf1"),
            get("udf2"),
            get("udf3"),
            get("udf4"),
            get("udf5"),
        ],
    };
    let additional = f
        .get("additionalCharges")
        .or_else(|| f.get("additional_charges"))
        .map(String::as_str);
    let expected = response_hash(&fields, get("status"), additional, salt);
    psp_http::eq_ignore_case_ct(&expected, given.trim())
}

fn outcome(kind: EventKind, amount: Amount, txnid: &str, message: String) -> GatewayOutcome {
    GatewayOutcome {
        kind,
        amount,
        psp_reference: Some(txnid.to_owned()),
        message,
        external_url: None,
        client_data: None,
    }
}

/// Maps a payment status (`success`, `pending`, `failure`, …) to a charge event.
fn charge_kind(status: &str) -> EventKind {
    match status.to_ascii_lowercase().as_str() {
        "success" | "captured" => EventKind::ChargeSuccess,
        "pending" | "in progress" | "initiated" | "auth" => EventKind::ChargeRequest,
        _ => EventKind::ChargeFailure,
    }
}

impl PayU {
    fn url(call: &GatewayCall<'_>, path: &str) -> String {
        format!("{}{path}", call.base_url.trim_end_matches('/'))
    }

    fn payment_url(call: &GatewayCall<'_>) -> String {
        if let Some(url) = call.setting("paymentUrl").filter(|u| !u.is_empty()) {
            return url.to_owned();
        }
        if call.base_url.contains("info.payu.in") {
            "https://secure.payu.in/_payment".to_owned()
        } else {
            Self::url(call, "/_payment")
        }
    }

    /// One general API call (`command`, `var1`…), answered with JSON.
    async fn command(
        call: &GatewayCall<'_>,
        command: &str,
        vars: &[&str],
    ) -> Result<Value, GatewayError> {
        let key = merchant_key(call)?;
        let var1 = vars.first().copied().unwrap_or("");
        let hash = command_hash(key, command, var1, call.secret("salt")?);
        let mut form: Vec<(String, &str)> = vec![
            ("key".into(), key),
            ("command".into(), command),
            ("hash".into(), hash.as_str()),
        ];
        for (i, v) in vars.iter().enumerate() {
            form.push((format!("var{}", i + 1), v));
        }
        let request = call
            .http
            .post(Self::url(call, "/merchant/postservice.php?form=2"))
            .header("Accept", "application/json")
            .form(&form);
        let reply: Reply = psp_http::send(PROVIDER, request).await?;
        if !reply.is_success() || !reply.body.is_object() {
            return Err(GatewayError::Rejected(format!(
                "PayU answered HTTP {} to {command}: {}",
                reply.status.as_u16(),
                psp_http::truncate(&reply.body.to_string(), 200)
            )));
        }
        Ok(reply.body)
    }

    /// `verify_payment` for one txnid: its transaction details (`status` may be
    /// `Not Found`).
    async fn verify_payment(call: &GatewayCall<'_>, txnid: &str) -> Result<Value, GatewayError> {
        let body = Self::command(call, "verify_payment", &[txnid]).await?;
        body.pointer("/transaction_details")
            .and_then(|d| d.get(txnid))
            .cloned()
            .ok_or_else(|| {
                GatewayError::Rejected(format!(
                    "PayU: {}",
                    str_at(&body, "/msg").unwrap_or("no transaction details")
                ))
            })
    }

    fn amount_of(details: &Value, fallback: &Amount) -> Amount {
        ["/amt", "/transaction_amount", "/amount"]
            .iter()
            .find_map(|p| str_at(details, p))
            .and_then(|s| psp_http::parse_decimal(s, CURRENCY).ok())
            .unwrap_or_else(|| fallback.clone())
    }

    fn details_outcome(details: &Value, txnid: &str, fallback: &Amount) -> GatewayOutcome {
        let st = str_at(details, "/status").unwrap_or("");
        let mihpayid = details
            .get("mihpayid")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default();
        let kind = charge_kind(st);
        let reason = if kind == EventKind::ChargeFailure {
            str_at(details, "/error_Message")
                .or_else(|| str_at(details, "/field9"))
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        outcome(
            kind,
            Self::amount_of(details, fallback),
            txnid,
            format!("PayU payment {mihpayid} {st}{reason}."),
        )
    }

    fn check_txnid(txnid: &str) -> Result<(), GatewayError> {
        if txnid.is_empty() || txnid.len() > 25 || !txnid.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(GatewayError::InvalidData(format!(
                "`{}` is not a PayU txnid of this server.",
                psp_http::truncate(txnid, 40)
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl PaymentGateway for PayU {
    fn id(&self) -> &'static str {
        "app.saleor.payu"
    }

    fn name(&self) -> &'static str {
        "PayU"
    }

    fn key(&self) -> &'static str {
        "payu"
    }

    fn default_base_url(&self) -> &'static str {
        "https://info.payu.in"
    }

    fn currencies(&self) -> Option<&'static [&'static str]> {
        Some(&[CURRENCY])
    }

    fn secret_keys(&self) -> &'static [&'static str] {
        &["salt"]
    }

    async fn initialize(
        &self,
        call: &GatewayCall<'_>,
        _data: Option<&Value>,
    ) -> Result<Value, GatewayError> {
        Ok(json!({ "merchantKey": merchant_key(call)?, "paymentUrl": Self::payment_url(call) }))
    }

    async fn initialize_transaction(
        &self,
        call: &GatewayCall<'_>,
        request: &InitializeRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let amount = &request.amount;
        psp_http::require_positive(amount)?;
        if amount.currency != CURRENCY {
            return Err(GatewayError::InvalidData(format!(
                "PayU takes only {CURRENCY}, not {}.",
                amount.currency
            )));
        }
        if request.flow == Flow::Authorization {
            return Err(GatewayError::InvalidData(
                "PayU captures when the buyer pays; use the CHARGE action.".into(),
            ));
        }
        let data = request.data.unwrap_or(&Value::Null);
        let pick = |keys: &[&str], setting: Option<&str>| {
            keys.iter()
                .find_map(|k| str_at(data, &format!("/{k}")))
                .or_else(|| setting.and_then(|s| call.setting(s)))
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        let surl = pick(&["surl", "successUrl"], Some("successUrl")).ok_or_else(|| {
            GatewayError::InvalidData("PayU needs a success URL (`surl`).".into())
        })?;
        let furl = pick(&["furl", "failureUrl"], Some("failureUrl")).ok_or_else(|| {
            GatewayError::InvalidData("PayU needs a failure URL (`furl`).".into())
        })?;
        let email = request
            .email
            .map(str::to_owned)
            .or_else(|| pick(&["email"], None))
            .ok_or_else(|| GatewayError::InvalidData("PayU needs the buyer's email.".into()))?;
        let email = clean(&email, 50);
        let firstname = clean(
            &pick(&["firstname", "firstName"], None).unwrap_or_else(|| "Customer".into()),
            60,
        );
        let productinfo = clean(
            call.setting("productInfo")
                .filter(|s| !s.is_empty())
                .unwrap_or(request.source_object),
            100,
        );
        let phone = pick(&["phone"], None).map(|p| clean(&p, 20));
        let key = merchant_key(call)?;
        let txnid = txnid_for(request.transaction_id);
        let amount_str = amount.decimal_string();
        let udf1 = clean(request.transaction_id, 255);
        let hash = request_hash(
            &HashFields {
                key,
                txnid: &txnid,
                amount: &amount_str,
                productinfo: &productinfo,
                firstname: &firstname,
                email: &email,
                udf: [&udf1, "", "", "", ""],
            },
            call.secret("salt")?,
        );
        let mut fields = json!({
            "key": key,
            "txnid": txnid,
            "amount": amount_str,
            "productinfo": productinfo,
            "firstname": firstname,
            "email": email,
            "udf1": udf1,
            "surl": surl,
            "furl": furl,
            "hash": hash,
        });
        if let Some(phone) = phone {
            fields["phone"] = Value::String(phone);
        }
        let mut o = outcome(
            EventKind::ChargeActionRequired,
            amount.clone(),
            &txnid,
            format!("PayU payment form for txnid {txnid} ready; waiting for the buyer."),
        );
        o.client_data = Some(json!({
            "action": Self::payment_url(call),
            "method": "POST",
            "fields": fields,
        }));
        Ok(o)
    }

    async fn process(
        &self,
        call: &GatewayCall<'_>,
        request: &ProcessRequest<'_>,
    ) -> Result<GatewayOutcome, GatewayError> {
        let data = request.data.filter(|d| d.is_object()).ok_or_else(|| {
            GatewayError::InvalidData("PayU's response fields are required.".into())
        })?;
        let fields = fields_of_json(data);
        let key = merchant_key(call)?;
        let expected_txnid = request
            .psp_reference
            .map(str::to_owned)
            .unwrap_or_else(|| txnid_for(request.transaction_id));
        let txnid = fields.get("txnid").map_or("", String::as_str);
        if txnid != expected_txnid {
            return Err(GatewayError::InvalidData(
                "The PayU response is for another transaction.".into(),
            ));
        }
        Self::check_txnid(txnid)?;
        if fields.get("key").map(String::as_str) != Some(key) {
            return Err(GatewayError::InvalidData(
                "The PayU response is for another merchant key.".into(),
            ));
        }
        if !response_hash_ok(&fields, key, call.secret("salt")?) {
            return Err(GatewayError::BadSignature);
        }
        // The browser post is only a hint; PayU's own record decides.
        let details = Self::verify_payment(call, txnid).await?;
        if str_at(&details, "/status").is_some_and(|s| s.eq_ignore_ascii_case("not found")) {
            return Err(GatewayError::Rejected(format!(
                "PayU has no payment for txnid {txnid}."
            )));
        }
        Ok(Self::details_outcome(&details, txnid, &request.amount))
    }

    async fn charge(
        &self,
        _call: &GatewayCall<'_>,
        _psp_reference: &str,
        _amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        Err(GatewayError::InvalidData(
            "PayU captures when the buyer pays; there is nothing to charge.".into(),
        ))
    }

    async fn refund(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        psp_http::require_positive(amount)?;
        if amount.currency != CURRENCY {
            return Err(GatewayError::InvalidData(format!(
                "PayU refunds only {CURRENCY}."
            )));
        }
        Self::check_txnid(psp_reference)?;
        let details = Self::verify_payment(call, psp_reference).await?;
        if charge_kind(str_at(&details, "/status").unwrap_or("")) != EventKind::ChargeSuccess {
            return Err(GatewayError::Rejected(format!(
                "PayU payment {psp_reference} is {}; nothing to refund.",
                str_at(&details, "/status").unwrap_or("unknown")
            )));
        }
        let mihpayid = details
            .get("mihpayid")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .filter(|s| !s.is_empty())
            .ok_or_else(|| GatewayError::Unavailable("PayU sent no mihpayid.".into()))?;
        // The merchant's unique id for this refund request.
        let token = format!("bg{}", &uuid::Uuid::new_v4().simple().to_string()[..21]);
        let amount_str = amount.decimal_string();
        let body = Self::command(
            call,
            "cancel_refund_transaction",
            &[&mihpayid, &token, &amount_str],
        )
        .await?;
        if body.get("status").and_then(Value::as_i64) != Some(1) {
            return Err(GatewayError::Rejected(format!(
                "PayU refused the refund: {}",
                str_at(&body, "/msg").unwrap_or("no reason given")
            )));
        }
        let request_id = body
            .get("request_id")
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .unwrap_or_default();
        Ok(outcome(
            EventKind::RefundRequest,
            amount.clone(),
            psp_reference,
            format!(
                "PayU refund request {request_id} (token {token}): {}.",
                str_at(&body, "/msg").unwrap_or("queued")
            ),
        ))
    }

    async fn cancel(
        &self,
        call: &GatewayCall<'_>,
        psp_reference: &str,
        amount: &Amount,
    ) -> Result<GatewayOutcome, GatewayError> {
        Self::check_txnid(psp_reference)?;
        let details = Self::verify_payment(call, psp_reference).await?;
        let st = str_at(&details, "/status").unwrap_or("unknown");
        let (kind, message) = match charge_kind(st) {
            EventKind::ChargeSuccess => (
                EventKind::CancelFailure,
                format!("PayU payment {psp_reference} is already captured; refund it instead."),
            ),
            EventKind::ChargeRequest => (
                EventKind::CancelFailure,
                format!("PayU payment {psp_reference} is still pending; try again later."),
            ),
            _ => (
                EventKind::CancelSuccess,
                format!("PayU payment {psp_reference} is {st}; nothing is held."),
            ),
        };
        Ok(outcome(kind, amount.clone(), psp_reference, message))
    }

    async fn handle_webhook(
        &self,
        call: &GatewayCall<'_>,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookNotification, GatewayError> {
        let fields = fields_of(body).ok_or(GatewayError::BadSignature)?;
        let key = merchant_key(call)?;
        let salt = call.secret("salt")?;
        let get = |k: &str| fields.get(k).map_or("", |s| s.trim());
        if get("key") != key {
            return Err(GatewayError::BadSignature);
        }
        if fields.contains_key("hash") {
            // Payment callback: the reverse hash proves it.
            if !response_hash_ok(&fields, key, salt) {
                return Err(GatewayError::BadSignature);
            }
            let txnid = get("txnid");
            let st = get("status");
            let mihpayid = get("mihpayid");
            let amount = psp_http::parse_decimal(get("amount"), CURRENCY).map_err(|_| {
                GatewayError::InvalidData("PayU callback without an amount.".into())
            })?;
            let reason = match charge_kind(st) {
                EventKind::ChargeFailure => format!(": {}", get("error_Message")),
                _ => String::new(),
            };
            let udf1 = get("udf1");
            return Ok(WebhookNotification {
                provider_event_id: format!(
                    "payu:{}:{}",
                    if mihpayid.is_empty() { txnid } else { mihpayid },
                    st.to_ascii_lowercase()
                ),
                transaction_id: (!udf1.is_empty()).then(|| udf1.to_owned()),
                psp_reference: (!txnid.is_empty()).then(|| txnid.to_owned()),
                outcomes: vec![outcome(
                    charge_kind(st),
                    amount,
                    txnid,
                    format!("PayU payment {mihpayid} {st}{reason}."),
                )],
            });
        }
        if get("action").eq_ignore_ascii_case("refund") && !get("request_id").is_empty() {
            // Refund callbacks are unsigned: believe only what PayU's API says.
            let request_id = get("request_id");
            if !request_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(GatewayError::BadSignature);
            }
            let answer = Self::command(call, "check_action_status", &[request_id]).await?;
            let action = find_request(&answer, request_id).ok_or(GatewayError::BadSignature)?;
            if !str_at(action, "/action").is_some_and(|a| a.eq_ignore_ascii_case("refund")) {
                return Err(GatewayError::BadSignature);
            }
            let st = str_at(action, "/status").unwrap_or("").to_ascii_lowercase();
            let kind = match st.as_str() {
                "success" => Some(EventKind::RefundSuccess),
                "failure" | "failed" => Some(EventKind::RefundFailure),
                _ => None,
            };
            let txnid = Some(get("merchantTxnId"))
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            let amount =
                str_at(action, "/amt").and_then(|a| psp_http::parse_decimal(a, CURRENCY).ok());
            let outcomes = match (kind, amount) {
                (Some(kind), Some(amount)) => vec![GatewayOutcome {
                    kind,
                    amount,
                    psp_reference: txnid.clone(),
                    message: format!("PayU refund {request_id} {st}."),
                    external_url: None,
                    client_data: None,
                }],
                _ => Vec::new(),
            };
            return Ok(WebhookNotification {
                provider_event_id: format!("payu-refund:{request_id}:{st}"),
                transaction_id: None,
                psp_reference: txnid,
                outcomes,
            });
        }
        Err(GatewayError::BadSignature)
    }
}

/// The action record with `request_id` anywhere in a `check_action_status` answer
/// (`transaction_details` → mihpayid → request id → record).
fn find_request<'a>(v: &'a Value, request_id: &str) -> Option<&'a Value> {
    match v {
        Value::Object(map) => {
            let id = map.get("request_id").map(|r| match r {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            if id.as_deref() == Some(request_id) && map.contains_key("status") {
                return Some(v);
            }
            map.values()
                .find_map(|child| find_request(child, request_id))
        }
        Value::Array(items) => items
            .iter()
            .find_map(|child| find_request(child, request_id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> HashFields<'static> {
        HashFields {
            key: "JP***g",
            txnid: "txn123",
            amount: "10.00",
            productinfo: "iPhone",
            firstname: "Ashish",
            email: "test@gmail.com",
            udf: ["", "", "", "", ""],
        }
    }

    /// Expected digests computed independently (`sha512sum` over the documented strings).
    #[test]
    fn request_and_response_hash_follow_the_documented_strings() {
        assert_eq!(
            request_hash(&sample(), "SALT"),
            psp_http::sha512_hex("JP***g|txn123|10.00|iPhone|Ashish|test@gmail.com|||||||||||SALT")
        );
        assert_eq!(
            request_hash(&sample(), "SALT"),
            "7c099e04379e512740fdd958a8cab69accb913dba2a8f866ece839a57190ead8\
             b31f649ab98f7c865b9cd4364608e62172d8eb8b57fc9e30d67d1b3b8e5f95b9"
        );
        assert_eq!(
            response_hash(&sample(), "success", None, "SALT"),
            "297433ebc5f3aeec0b8d5b21c512cbd9838a9f61b691332ac89752e249b15629\
             87626a830602c7a124e44d4b123fc219f0e0e116a23ae2fca3b23c66e106ee51"
        );
        assert_eq!(
            response_hash(&sample(), "success", None, "SALT"),
            psp_http::sha512_hex(
                "SALT|success|||||||||||test@gmail.com|Ashish|iPhone|10.00|txn123|JP***g"
            )
        );
        assert_eq!(
            response_hash(&sample(), "success", Some("2.00"), "SALT"),
            psp_http::sha512_hex(
                "2.00|SALT|success|||||||||||test@gmail.com|Ashish|iPhone|10.00|txn123|JP***g"
            )
        );
        assert_eq!(
            command_hash("JP***g", "verify_payment", "txn123", "SALT"),
            psp_http::sha512_hex("JP***g|verify_payment|txn123|SALT")
        );
    }

    #[test]
    fn udfs_are_in_order_forwards_and_reversed_backwards() {
        let mut f = sample();
        f.udf = ["a", "b", "c", "d", "e"];
        assert_eq!(
            request_hash(&f, "S"),
            psp_http::sha512_hex(
                "JP***g|txn123|10.00|iPhone|Ashish|test@gmail.com|a|b|c|d|e||||||S"
            )
        );
        assert_eq!(
            response_hash(&f, "failure", None, "S"),
            psp_http::sha512_hex(
                "S|failure||||||e|d|c|b|a|test@gmail.com|Ashish|iPhone|10.00|txn123|JP***g"
            )
        );
    }

    #[test]
    fn txnid_is_25_alphanumerics() {
        assert_eq!(
            txnid_for("0190f3c2-7a1b-7c3d-8e9f-0a1b2c3d4e5f"),
            "0190f3c27a1b7c3d8e9f0a1b2"
        );
    }

    #[test]
    fn callback_fields_from_form_and_json() {
        let form = fields_of(b"key=k&txnid=t1&amount=10.00&status=success&udf1=a%7Cb");
        assert_eq!(
            form.as_ref()
                .and_then(|f| f.get("udf1"))
                .map(String::as_str),
            Some("a|b")
        );
        let json = fields_of(br#"{"key":"k","mihpayid":403993715521889530,"udf2":null}"#);
        let json = json.unwrap_or_default();
        assert_eq!(
            json.get("mihpayid").map(String::as_str),
            Some("403993715521889530")
        );
        assert_eq!(json.get("udf2").map(String::as_str), Some(""));
    }

    #[test]
    fn finds_the_refund_record_in_check_action_status() {
        let answer = json!({"status": 1, "transaction_details": {"403993715521937565": {
            "131278418": {"request_id": "131278418", "action": "capture", "status": "SUCCESS"},
            "131278422": {"request_id": "131278422", "action": "refund", "status": "success", "amt": "10.00"}
        }}});
        let found = find_request(&answer, "131278422");
        assert_eq!(found.and_then(|r| str_at(r, "/amt")), Some("10.00"));
        assert!(find_request(&answer, "1").is_none());
    }
}
