//! A fake PayU India: the hosted checkout (`_payment`: checks the request hash, answers
//! with the reverse-hashed response fields) and the general `postservice` API
//! (`verify_payment`, `cancel_refund_transaction`, `check_action_status`, each checked
//! against `sha512(key|command|var1|salt)`), plus S2S payment and refund callbacks.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, Uri},
    response::Response,
};
use serde_json::{Value, json};

use super::{
    Control, Mode, decimal_to_minor, is_decimal_amount, json, minor_to_decimal, sha512_hex,
};

pub const KEY: &str = "gtKFFx";
pub const SALT: &str = "4R38IvwiV57FwVpsgOvTXBdLE4tHUXFW";

#[derive(Default)]
struct PayUState {
    /// txnid → transaction details as `verify_payment` reports them.
    txns: HashMap<String, Value>,
    /// request id → refund action record.
    actions: HashMap<String, Value>,
    tokens: Vec<String>,
    next: u64,
}

struct Inner {
    control: Arc<Control>,
    state: Mutex<PayUState>,
}

/// A running fake PayU.
pub struct FakePayU {
    pub base_url: String,
    pub control: Arc<Control>,
    inner: Arc<Inner>,
}

fn field<'a>(f: &'a Value, k: &str) -> &'a str {
    f.get(k).and_then(Value::as_str).unwrap_or("")
}

fn reverse_hash(f: &BTreeMap<String, String>) -> String {
    let g = |k: &str| f.get(k).map_or("", String::as_str);
    sha512_hex(&format!(
        "{SALT}|{}||||||{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        g("status"),
        g("udf5"),
        g("udf4"),
        g("udf3"),
        g("udf2"),
        g("udf1"),
        g("email"),
        g("firstname"),
        g("productinfo"),
        g("amount"),
        g("txnid"),
        g("key")
    ))
}

impl FakePayU {
    pub async fn start() -> Self {
        let control = Arc::new(Control::default());
        let inner = Arc::new(Inner {
            control: control.clone(),
            state: Mutex::new(PayUState::default()),
        });
        let router = Router::new().fallback(handle).with_state(inner.clone());
        let base_url = super::serve(router).await;
        Self {
            base_url,
            control,
            inner,
        }
    }

    pub fn config(&self) -> (Value, Value) {
        (
            json!({
                "merchantKey": KEY,
                "successUrl": "https://shop.example.com/payu/success",
                "failureUrl": "https://shop.example.com/payu/failure",
            }),
            json!({ "salt": SALT }),
        )
    }

    /// The buyer submits the payment form on PayU's page. Checks the request hash like
    /// PayU; returns the fields PayU posts back to `surl`/`furl` (with the reverse hash).
    pub fn pay(&self, form: &Value, declined: bool) -> Result<BTreeMap<String, String>, String> {
        let expected = sha512_hex(&format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}||||||{SALT}",
            field(form, "key"),
            field(form, "txnid"),
            field(form, "amount"),
            field(form, "productinfo"),
            field(form, "firstname"),
            field(form, "email"),
            field(form, "udf1"),
            field(form, "udf2"),
            field(form, "udf3"),
            field(form, "udf4"),
            field(form, "udf5"),
        ));
        for required in [
            "key",
            "txnid",
            "amount",
            "productinfo",
            "firstname",
            "email",
            "surl",
            "furl",
            "hash",
        ] {
            if field(form, required).is_empty() {
                return Err(format!(
                    "Error Reason: Mandatory param {required} is missing"
                ));
            }
        }
        if field(form, "key") != KEY {
            return Err("Error Reason: Invalid key".into());
        }
        if field(form, "hash") != expected {
            return Err(
                "Error Reason: Transaction failed due to incorrectly calculated hash parameter."
                    .into(),
            );
        }
        if field(form, "txnid").len() > 25 {
            return Err("Error Reason: txnid is too long".into());
        }
        if !is_decimal_amount(field(form, "amount"), 2) {
            return Err("Error Reason: Invalid amount".into());
        }
        let mut s = self.inner.state.lock().unwrap();
        s.next += 1;
        let mihpayid = format!("40399371552{:07}", s.next);
        let status = if declined { "failure" } else { "success" };
        let mut out = BTreeMap::new();
        for k in [
            "key",
            "txnid",
            "amount",
            "productinfo",
            "firstname",
            "email",
            "phone",
            "udf1",
            "udf2",
            "udf3",
            "udf4",
            "udf5",
        ] {
            out.insert(k.to_owned(), field(form, k).to_owned());
        }
        for (k, v) in [
            ("mihpayid", mihpayid.as_str()),
            ("mode", "CC"),
            ("status", status),
            (
                "unmappedstatus",
                if declined { "failed" } else { "captured" },
            ),
            (
                "field9",
                if declined {
                    "Transaction declined by the bank"
                } else {
                    "Transaction Completed Successfully"
                },
            ),
            ("error", if declined { "E308" } else { "E000" }),
            (
                "error_Message",
                if declined {
                    "Transaction declined by the bank"
                } else {
                    "No Error"
                },
            ),
            ("bank_ref_num", "9076198281453180"),
            ("bankcode", "VISA"),
            ("PG_TYPE", "HDFCPG"),
            ("net_amount_debit", field(form, "amount")),
            ("addedon", "2026-11-22 14:30:00"),
        ] {
            out.insert(k.to_owned(), v.to_owned());
        }
        out.insert("hash".into(), reverse_hash(&out));
        let txnid = field(form, "txnid").to_owned();
        s.txns.insert(
            txnid.clone(),
            json!({
                "mihpayid": mihpayid,
                "request_id": "",
                "bank_ref_num": "9076198281453180",
                "amt": field(form, "amount"),
                "transaction_amount": field(form, "amount"),
                "txnid": txnid,
                "additional_charges": "0.00",
                "productinfo": field(form, "productinfo"),
                "firstname": field(form, "firstname"),
                "bankcode": "CC",
                "udf1": field(form, "udf1"),
                "error_code": if declined { "E308" } else { "E000" },
                "error_Message": if declined { "Transaction declined by the bank" } else { "NO ERROR" },
                "field9": if declined { "Transaction declined by the bank" } else { "No Error" },
                "mode": "CC",
                "status": status,
                "unmappedstatus": if declined { "failed" } else { "captured" },
                "refunded": "0.00",
            }),
        );
        Ok(out)
    }

    /// PayU's S2S payment callback for the same response fields (form-encoded).
    pub fn s2s_callback(fields: &BTreeMap<String, String>) -> Vec<u8> {
        serde_urlencoded::to_string(fields).unwrap().into_bytes()
    }

    /// PayU finishes a queued refund; returns its refund status callback (JSON).
    pub fn settle_refund(&self, request_id: &str, success: bool) -> Vec<u8> {
        let mut s = self.inner.state.lock().unwrap();
        let action = s.actions.get_mut(request_id).unwrap();
        action["status"] = json!(if success { "success" } else { "failure" });
        let action = action.clone();
        serde_json::to_vec(&json!({
            "additionalValue1": null,
            "bank_arn": if success { json!(308239782136_u64) } else { Value::Null },
            "refund_mode": "Back to Source",
            "bank_ref_num": "308239782136",
            "key": KEY,
            "amt": action["amt"],
            "remark": null,
            "status": if success { "success" } else { "failure" },
            "token": action["token"],
            "mihpayid": action["mihpayid"],
            "request_id": request_id,
            "merchantTxnId": action["txnid"],
            "additionalValue2": null,
            "action": "refund",
        }))
        .unwrap()
    }

    /// The request ids of refunds PayU queued.
    pub fn refund_request_ids(&self) -> Vec<String> {
        let s = self.inner.state.lock().unwrap();
        let mut ids: Vec<String> = s.actions.keys().cloned().collect();
        ids.sort();
        ids
    }
}

fn answer(status: i64, msg: &str) -> Response {
    json(200, json!({ "status": status, "msg": msg }))
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inner.control.record(
        method.as_str(),
        uri.path_and_query().map_or("", |p| p.as_str()),
        &headers,
        &body,
    );
    if let Some(fault) = inner.control.fault().await {
        return fault;
    }
    if method != Method::POST
        || uri.path() != "/merchant/postservice.php"
        || uri.query() != Some("form=2")
    {
        return json(404, json!({"status": 0, "msg": "Not found"}));
    }
    let form: HashMap<String, String> = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(_) => return answer(0, "Invalid request"),
    };
    let get = |k: &str| form.get(k).map_or("", String::as_str);
    if get("key") != KEY {
        return answer(0, "Invalid key");
    }
    let expected = sha512_hex(&format!("{KEY}|{}|{}|{SALT}", get("command"), get("var1")));
    if get("hash") != expected {
        return answer(0, "Invalid Hash.");
    }
    let decline = inner.control.mode() == Mode::Decline;
    let mut s = inner.state.lock().unwrap();
    match get("command") {
        "verify_payment" => {
            let ids: Vec<&str> = get("var1").split('|').collect();
            let mut details = serde_json::Map::new();
            let mut found = 0;
            for id in &ids {
                match s.txns.get(*id) {
                    Some(t) => {
                        found += 1;
                        details.insert((*id).to_owned(), t.clone());
                    }
                    None => {
                        details.insert(
                            (*id).to_owned(),
                            json!({"mihpayid": "Not Found", "status": "Not Found"}),
                        );
                    }
                }
            }
            json(
                200,
                json!({
                    "status": i64::from(found > 0),
                    "msg": format!("{found} out of {} Transactions Fetched Successfully", ids.len()),
                    "transaction_details": details,
                }),
            )
        }
        "cancel_refund_transaction" => {
            let (mihpayid, token, amount) = (get("var1"), get("var2"), get("var3"));
            if token.is_empty() || s.tokens.iter().any(|t| t == token) {
                return answer(0, "Duplicate token or token missing");
            }
            if !is_decimal_amount(amount, 2) {
                return answer(0, "Invalid amount");
            }
            let Some((txnid, txn)) = s
                .txns
                .iter()
                .find(|(_, t)| t["mihpayid"] == mihpayid)
                .map(|(k, v)| (k.clone(), v.clone()))
            else {
                return answer(0, "Invalid payuid");
            };
            if txn["status"] != "success" {
                return answer(0, "Transaction is not captured");
            }
            if decline {
                return answer(0, "Refund not allowed for this transaction");
            }
            let paid = decimal_to_minor(txn["amt"].as_str().unwrap(), 2);
            let refunded = decimal_to_minor(txn["refunded"].as_str().unwrap(), 2);
            let minor = decimal_to_minor(amount, 2);
            if refunded + minor > paid {
                return answer(0, "Refund amount greater than amount remaining");
            }
            s.tokens.push(token.to_owned());
            s.txns.get_mut(&txnid).unwrap()["refunded"] =
                json!(minor_to_decimal(refunded + minor, 2));
            s.next += 1;
            let request_id = format!("1312784{:02}", s.next);
            s.actions.insert(
                request_id.clone(),
                json!({
                    "mihpayid": mihpayid,
                    "bank_ref_num": "527013524405",
                    "request_id": request_id,
                    "amt": amount,
                    "mode": "CC",
                    "action": "refund",
                    "token": token,
                    "status": "queued",
                    "txnid": txnid,
                }),
            );
            json(
                200,
                json!({
                    "status": 1,
                    "msg": "Refund Request Queued",
                    "request_id": request_id,
                    "bank_ref_num": null,
                    "mihpayid": mihpayid,
                    "error_code": 102,
                }),
            )
        }
        "check_action_status" => {
            let request_id = get("var1");
            match s.actions.get(request_id) {
                Some(action) => {
                    let mut record = action.clone();
                    record.as_object_mut().unwrap().remove("txnid");
                    json(
                        200,
                        json!({
                            "status": 1,
                            "msg": "1 out of 1 Transactions Fetched Successfully",
                            "transaction_details": { request_id: { request_id: record } },
                        }),
                    )
                }
                None => answer(0, "0 out of 1 Transactions Fetched Successfully"),
            }
        }
        _ => answer(0, "Invalid command"),
    }
}
