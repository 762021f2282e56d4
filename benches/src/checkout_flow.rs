//! `checkout`: the storefront's checkout flow as a chained load.
//!
//! Every virtual user (VU) runs complete checkouts one after another, each as the storefront
//! sends it (documents in `benches/storefront-checkout/`, copied from saleor/storefront):
//!
//! 1. `checkoutCreate` (empty, as the storefront creates it) → checkout id
//! 2. `checkoutLinesAdd` (one unit of a variant; VUs rotate over `--variants` variants)
//! 3. `checkoutEmailUpdate`
//! 4. `checkoutShippingAddressUpdate`, 5. `checkoutBillingAddressUpdate` (a US address)
//! 6. `deliveryOptionsCalculate` → the first shipping method
//! 7. `checkoutDeliveryMethodUpdate`
//! 8. `paymentGatewaysInitialize`, 9. `transactionInitialize` (dummy gateway, `CHARGE_SUCCESS`)
//! 10. `checkoutComplete` → order id
//!
//! A step that fails (HTTP, GraphQL or mutation `errors`) abandons that checkout and the VU
//! starts a new one. Prints Markdown tables: completed checkouts/s per concurrency, latency
//! per step, and (with `--profile N`) SQL statements and server CPU per step measured on N
//! sequential checkouts from `/metrics` deltas.
//!
//! ```sh
//! target/release/checkout --url http://127.0.0.1:8000/graphql/ --concurrency 1,16,64 \
//!   --duration 10 --warmup 2 --profile 50 --label PostgreSQL
//! ```

mod prom;
#[allow(dead_code)] // shared with `loadgen`, which uses all of it
mod stats;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::{Client, Url};
use serde_json::{Value, json};

use crate::prom::MetricSums;

const DUMMY_GATEWAY: &str = "saleor.io.dummy-payment-app";

/// The storefront's checkout documents (`src/checkout/graphql/*.graphql`).
const STOREFRONT_FILES: [&str; 3] = [
    include_str!("../storefront-checkout/checkout.graphql"),
    include_str!("../storefront-checkout/payment.graphql"),
    include_str!("../storefront-checkout/order.graphql"),
];

/// The steps of one checkout, in order: (name in the tables, storefront operation name).
const STEPS: [&str; 10] = [
    "checkoutCreate",
    "checkoutLinesAdd",
    "checkoutEmailUpdate",
    "checkoutShippingAddressUpdate",
    "checkoutBillingAddressUpdate",
    "deliveryOptionsCalculate",
    "checkoutDeliveryMethodUpdate",
    "paymentGatewaysInitialize",
    "transactionInitialize",
    "checkoutComplete",
];
const COMPLETE: usize = STEPS.len() - 1;

#[derive(Debug, Parser)]
#[command(
    name = "checkout",
    about = "The storefront's checkout flow (create → … → pay with the dummy gateway → complete) as a chained load; prints Markdown tables"
)]
struct Cli {
    /// GraphQL endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8000/graphql/")]
    url: String,
    /// Concurrent virtual users; a comma list runs each level in turn.
    #[arg(long, short = 'c', value_delimiter = ',', default_value = "16")]
    concurrency: Vec<usize>,
    /// Measured window per level, seconds (checkouts in flight at the end still finish).
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Unrecorded warm-up before each level, seconds.
    #[arg(long, short = 'w', default_value_t = 2.0)]
    warmup: f64,
    /// Channel slug.
    #[arg(long, default_value = "default-channel")]
    channel: String,
    /// How many variants (first variant of the first N shippable products in the channel)
    /// the VUs rotate over; 1 puts every order on the same stock row.
    #[arg(long, default_value_t = 20)]
    variants: usize,
    /// Before the load: run N checkouts one at a time and report SQL statements and server
    /// CPU per step from /metrics (0 = skip).
    #[arg(long, default_value_t = 0)]
    profile: usize,
    /// Free text for the label column.
    #[arg(long, short = 'l', default_value = "-")]
    label: String,
    /// Prometheus endpoint [default: --url with the path /metrics].
    #[arg(long)]
    metrics_url: Option<String>,
    /// Per-request timeout, seconds.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Tokio worker threads of the load generator [default: CPU count].
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.concurrency.contains(&0) || cli.duration <= 0.0 || cli.warmup < 0.0 {
        eprintln!("checkout: concurrency must be ≥ 1, duration > 0, warm-up ≥ 0");
        return ExitCode::from(2);
    }
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = cli.threads.filter(|&n| n > 0) {
        rt.worker_threads(n);
    }
    let result = rt
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("checkout: error: {e}");
            ExitCode::from(1)
        }
    }
}

// ---------------------------------------------------------------- documents

/// Every definition (operation or fragment) in the storefront files, by name.
fn definitions(files: &[&str]) -> BTreeMap<String, String> {
    let mut defs = BTreeMap::new();
    for file in files {
        let text: String = file
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut rest = text.as_str();
        while let Some(start) = ["query ", "mutation ", "fragment "]
            .iter()
            .filter_map(|kw| find_keyword(rest, kw).map(|i| (i, kw.len())))
            .min()
        {
            let (at, kw_len) = start;
            let name: String = rest[at + kw_len..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let Some(end) = block_end(&rest[at..]) else {
                break;
            };
            defs.insert(name, rest[at..at + end].to_owned());
            rest = &rest[at + end..];
        }
    }
    defs
}

/// Position of `kw` at the start of a line (definitions start there in these files).
fn find_keyword(text: &str, kw: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(kw) {
        let at = from + i;
        if at == 0 || text[..at].ends_with('\n') {
            return Some(at);
        }
        from = at + kw.len();
    }
    None
}

/// Length of a definition up to and including the brace closing its selection set.
fn block_end(def: &str) -> Option<usize> {
    let open = def.find('{')?;
    let mut depth = 0usize;
    for (i, ch) in def[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Operation `name` followed by every fragment it uses, transitively.
fn document(defs: &BTreeMap<String, String>, name: &str) -> Result<String, String> {
    let mut out = vec![
        defs.get(name)
            .ok_or(format!("no storefront operation {name}"))?
            .clone(),
    ];
    let mut seen = std::collections::BTreeSet::new();
    let mut i = 0;
    while let Some(text) = out.get(i).cloned() {
        for part in text.split("...").skip(1) {
            let frag: String = part
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if frag.is_empty() || frag == "on" || !seen.insert(frag.clone()) {
                continue;
            }
            let def = defs
                .get(&frag)
                .ok_or(format!("{name}: fragment {frag} not found"))?;
            out.push(def.clone());
        }
        i += 1;
    }
    Ok(out.join("\n\n"))
}

// ---------------------------------------------------------------- one checkout

/// What every VU shares.
struct Flow {
    client: Client,
    url: Url,
    channel: String,
    variants: Vec<String>,
    /// Document per step, same order as `STEPS`.
    docs: Vec<String>,
}

/// Why a step failed (the message of the first failure is printed).
type StepError = String;

fn us_address() -> Value {
    json!({"firstName": "Grace", "lastName": "Hopper", "streetAddress1": "1 Navy Way",
        "city": "Arlington", "postalCode": "22202", "country": "US", "countryArea": "VA",
        "phone": "+12025550123"})
}

impl Flow {
    /// Sends step `step` and returns its `data`; any error (HTTP, GraphQL, mutation
    /// `errors`) is a failure.
    async fn call(&self, step: usize, variables: Value) -> Result<Value, StepError> {
        let body =
            json!({"query": self.docs[step], "variables": variables, "operationName": STEPS[step]});
        let resp = self
            .client
            .post(self.url.clone())
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{}: {e}", STEPS[step]))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| format!("{}: reading body: {e}", STEPS[step]))?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|_| format!("{}: HTTP {status}: {text}", STEPS[step]))?;
        let errors = value["errors"].as_array().is_some_and(|e| !e.is_empty());
        let data = &value["data"];
        let root = data.as_object().and_then(|o| o.values().next());
        let mutation_errors = root
            .and_then(|r| r["errors"].as_array())
            .is_some_and(|e| !e.is_empty());
        if !status.is_success() || errors || mutation_errors || root.is_none() {
            return Err(format!("{}: HTTP {status}: {text}", STEPS[step]));
        }
        Ok(data.clone())
    }

    /// Runs step `step`, recording its latency and outcome in `rec`.
    async fn timed(
        &self,
        rec: &mut Record,
        step: usize,
        variables: Value,
    ) -> Result<Value, StepError> {
        let before = match &rec.profile {
            Some(p) => scrape(&self.client, &p.metrics_url).await,
            None => None,
        };
        let t0 = Instant::now();
        let out = self.call(step, variables).await;
        rec.steps[step].record(t0.elapsed(), out.is_err());
        if let Some(p) = &mut rec.profile {
            let after = scrape(&self.client, &p.metrics_url).await;
            p.stmts[step] +=
                delta(before.as_ref(), after.as_ref(), METRIC_STATEMENTS).unwrap_or(0.0);
            p.cpu_secs[step] += delta(before.as_ref(), after.as_ref(), METRIC_CPU).unwrap_or(0.0);
        }
        if let Err(e) = &out {
            rec.first_error.get_or_insert_with(|| e.clone());
        }
        out
    }

    /// One checkout, start to order. `n` makes the email unique and picks the variant.
    async fn checkout(&self, rec: &mut Record, vu: usize, n: usize) -> Result<(), StepError> {
        let lang = "EN";
        let d = self
            .timed(
                rec,
                0,
                json!({"channel": self.channel, "languageCode": lang}),
            )
            .await?;
        let id = d["checkoutCreate"]["checkout"]["id"]
            .as_str()
            .ok_or("checkoutCreate: no checkout id")?
            .to_owned();
        let variant = &self.variants[(vu + n) % self.variants.len()];
        self.timed(rec, 1, json!({"checkoutId": id, "lines": [{"quantity": 1, "variantId": variant}], "languageCode": lang}))
            .await?;
        let email = format!("bench-{vu}-{n}@example.com");
        self.timed(
            rec,
            2,
            json!({"checkoutId": id, "email": email, "languageCode": lang}),
        )
        .await?;
        self.timed(rec, 3, json!({"checkoutId": id, "shippingAddress": us_address(), "saveAddress": false, "languageCode": lang}))
            .await?;
        self.timed(rec, 4, json!({"checkoutId": id, "billingAddress": us_address(), "saveAddress": false, "languageCode": lang}))
            .await?;
        let d = self.timed(rec, 5, json!({"id": id})).await?;
        let method = d["deliveryOptionsCalculate"]["deliveries"][0]["shippingMethod"]["id"]
            .as_str()
            .ok_or("deliveryOptionsCalculate: no shipping method")?
            .to_owned();
        self.timed(
            rec,
            6,
            json!({"checkoutId": id, "deliveryMethodId": method, "languageCode": lang}),
        )
        .await?;
        self.timed(
            rec,
            7,
            json!({"checkoutId": id, "paymentGateways": [{"id": DUMMY_GATEWAY}]}),
        )
        .await?;
        let d = self
            .timed(rec, 8, json!({"checkoutId": id, "paymentGateway": {"id": DUMMY_GATEWAY, "data": {"event": {"type": "CHARGE_SUCCESS"}}}}))
            .await?;
        if d["transactionInitialize"]["transactionEvent"]["type"] != "CHARGE_SUCCESS" {
            return Err(format!("transactionInitialize: not charged: {d}"));
        }
        let d = self.timed(rec, COMPLETE, json!({"checkoutId": id})).await?;
        d["checkoutComplete"]["order"]["id"]
            .as_str()
            .ok_or("checkoutComplete: no order")?;
        Ok(())
    }
}

// ---------------------------------------------------------------- recording

#[derive(Default, Clone)]
struct StepRecord {
    latencies_ns: Vec<u64>,
    errors: u64,
}

impl StepRecord {
    fn record(&mut self, d: Duration, failed: bool) {
        self.latencies_ns
            .push(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.errors += u64::from(failed);
    }
}

/// What one VU (then one level, merged) recorded.
#[derive(Clone)]
struct Record {
    steps: Vec<StepRecord>,
    /// Whole-checkout latency of completed checkouts.
    flow_ns: Vec<u64>,
    completed: u64,
    failed: u64,
    first_error: Option<String>,
    /// Set in `--profile`: every step is bracketed by /metrics scrapes.
    profile: Option<Profile>,
}

/// Sums of /metrics deltas per step.
#[derive(Clone)]
struct Profile {
    metrics_url: Url,
    stmts: Vec<f64>,
    cpu_secs: Vec<f64>,
}

impl Default for Record {
    fn default() -> Self {
        Record {
            steps: vec![StepRecord::default(); STEPS.len()],
            flow_ns: Vec::new(),
            completed: 0,
            failed: 0,
            first_error: None,
            profile: None,
        }
    }
}

impl Record {
    fn absorb(&mut self, o: Record) {
        for (a, b) in self.steps.iter_mut().zip(o.steps) {
            a.latencies_ns.extend(b.latencies_ns);
            a.errors += b.errors;
        }
        self.flow_ns.extend(o.flow_ns);
        self.completed += o.completed;
        self.failed += o.failed;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }

    fn requests(&self) -> usize {
        self.steps.iter().map(|s| s.latencies_ns.len()).sum()
    }

    fn errors(&self) -> u64 {
        self.steps.iter().map(|s| s.errors).sum()
    }
}

impl Flow {
    /// One checkout with its bookkeeping: completed (and its whole latency) or failed.
    async fn run_one(&self, rec: &mut Record, vu: usize, n: usize) -> bool {
        let t0 = Instant::now();
        match self.checkout(rec, vu, n).await {
            Ok(()) => {
                rec.completed += 1;
                rec.flow_ns
                    .push(u64::try_from(t0.elapsed().as_nanos()).unwrap_or(u64::MAX));
                true
            }
            Err(e) => {
                rec.failed += 1;
                rec.first_error.get_or_insert(e);
                false
            }
        }
    }
}

async fn vu(flow: Arc<Flow>, vu: usize, deadline: Instant) -> Record {
    let mut rec = Record::default();
    let mut n = 0;
    while Instant::now() < deadline {
        if !flow.run_one(&mut rec, vu, n).await {
            // Don't spin on a dead server.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        n += 1;
    }
    rec
}

/// Runs `concurrency` VUs until `duration` has passed; returns the merged record and the
/// wall time until the last checkout in flight finished.
async fn phase(flow: &Arc<Flow>, concurrency: usize, duration: Duration) -> (Record, Duration) {
    let start = Instant::now();
    let deadline = start + duration;
    let handles: Vec<_> = (0..concurrency)
        .map(|i| tokio::spawn(vu(Arc::clone(flow), i, deadline)))
        .collect();
    let mut total = Record::default();
    for h in handles {
        match h.await {
            Ok(r) => total.absorb(r),
            Err(e) => {
                total.failed += 1;
                total
                    .first_error
                    .get_or_insert(format!("VU task failed: {e}"));
            }
        }
    }
    (total, start.elapsed())
}

// ---------------------------------------------------------------- metrics

const METRIC_REQUESTS: &str = "bizgraph_graphql_requests_total";
const METRIC_STATEMENTS: &str = "bizgraph_db_statements_total";
const METRIC_CPU: &str = "process_cpu_seconds_total";
const METRIC_RSS: &str = "process_resident_memory_bytes";

async fn scrape(client: &Client, url: &Url) -> Option<MetricSums> {
    let resp = client
        .get(url.clone())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    Some(prom::parse(&resp.text().await.ok()?))
}

fn delta(before: Option<&MetricSums>, after: Option<&MetricSums>, name: &str) -> Option<f64> {
    Some(after?.get(name)? - before?.get(name)?)
}

fn ms(nanos: &mut [u64], p: f64) -> String {
    nanos.sort_unstable();
    stats::percentile(nanos, p).map_or("n/a".to_owned(), |n| {
        format!("{:.2}", Duration::from_nanos(n).as_secs_f64() * 1000.0)
    })
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or("n/a".to_owned(), |x| format!("{x:.decimals$}"))
}

// ---------------------------------------------------------------- setup

/// First variant of the first `n` products of the channel that need shipping.
async fn pick_variants(
    client: &Client,
    url: &Url,
    channel: &str,
    n: usize,
) -> Result<Vec<String>, String> {
    let q = "query($channel: String!) { products(first: 100, channel: $channel) { edges { node { slug productType { isShippingRequired } variants { id quantityAvailable } } } } }";
    let v: Value = client
        .post(url.clone())
        .json(&json!({"query": q, "variables": {"channel": channel}}))
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?
        .json()
        .await
        .map_err(|e| format!("products query: {e}"))?;
    let edges = v["data"]["products"]["edges"]
        .as_array()
        .ok_or(format!("products query failed: {v}"))?;
    let mut out = Vec::new();
    for e in edges {
        let node = &e["node"];
        let variant = &node["variants"][0];
        if node["productType"]["isShippingRequired"] != true || variant["id"].is_null() {
            continue;
        }
        let available = variant["quantityAvailable"].as_i64().unwrap_or(0);
        if available < 100_000 {
            eprintln!(
                "checkout: warning: {} has only {available} available; raise the stock (see benches/README.md)",
                node["slug"]
            );
        }
        if let Some(id) = variant["id"].as_str() {
            out.push(id.to_owned());
        }
        if out.len() == n {
            break;
        }
    }
    if out.is_empty() {
        return Err(format!("no shippable product with a variant in {channel}"));
    }
    Ok(out)
}

// ---------------------------------------------------------------- main flow

async fn run(cli: Cli) -> Result<(), String> {
    let url = Url::parse(&cli.url).map_err(|e| format!("--url: {e}"))?;
    let metrics_url = match &cli.metrics_url {
        Some(m) => Url::parse(m).map_err(|e| format!("--metrics-url: {e}"))?,
        None => url.join("/metrics").map_err(|e| e.to_string())?,
    };
    let max_conc = cli.concurrency.iter().copied().max().unwrap_or(1);
    let client = Client::builder()
        .timeout(Duration::from_secs_f64(cli.timeout))
        .pool_max_idle_per_host(max_conc)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let defs = definitions(&STOREFRONT_FILES);
    let docs = STEPS
        .iter()
        .map(|s| document(&defs, s))
        .collect::<Result<Vec<_>, _>>()?;
    let variants = pick_variants(&client, &url, &cli.channel, cli.variants.max(1)).await?;
    eprintln!(
        "checkout: {} variant(s) in {}, storefront documents {} bytes in total",
        variants.len(),
        cli.channel,
        docs.iter().map(String::len).sum::<usize>()
    );
    let flow = Arc::new(Flow {
        client: client.clone(),
        url,
        channel: cli.channel.clone(),
        variants,
        docs,
    });

    // A first checkout tells at once whether the flow works at all.
    let mut probe = Record::default();
    flow.checkout(&mut probe, 0, usize::MAX / 2)
        .await
        .map_err(|e| format!("the flow fails: {e}"))?;

    let stdout = std::io::stdout();
    if cli.profile > 0 {
        profile(&flow, &metrics_url, &cli, &stdout).await;
    }

    println!(
        "| flow | label | concurrency | duration s | checkouts completed | checkouts/s | requests | req/s | errors | checkoutComplete p50 ms | checkoutComplete p99 ms | checkout p50 ms | checkout p99 ms | server CPU ms/checkout | SQL stmts/checkout | RSS MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut levels = Vec::new();
    for &conc in &cli.concurrency {
        eprintln!(
            "checkout: c={conc}: warm-up {:.1}s, measuring {:.1}s",
            cli.warmup, cli.duration
        );
        if cli.warmup > 0.0 {
            phase(&flow, conc, Duration::from_secs_f64(cli.warmup)).await;
        }
        let before = scrape(&client, &metrics_url).await;
        let (mut rec, elapsed) = phase(&flow, conc, Duration::from_secs_f64(cli.duration)).await;
        let after = scrape(&client, &metrics_url).await;
        let secs = elapsed.as_secs_f64();
        let done = rec.completed as f64;
        let per_checkout = |m: &str| delta(before.as_ref(), after.as_ref(), m).map(|d| d / done);
        let server_reqs = delta(before.as_ref(), after.as_ref(), METRIC_REQUESTS);
        if let Some(s) = server_reqs
            && (s - rec.requests() as f64).abs() > (rec.requests() as f64 * 0.02).max(5.0)
        {
            eprintln!(
                "checkout: warning: the server counted {s} requests, {} were sent (other traffic?)",
                rec.requests()
            );
        }
        let row = [
            "checkout".to_owned(),
            cli.label.replace('|', "\\|"),
            conc.to_string(),
            format!("{secs:.1}"),
            rec.completed.to_string(),
            format!("{:.1}", done / secs),
            rec.requests().to_string(),
            format!("{:.1}", rec.requests() as f64 / secs),
            rec.errors().to_string(),
            ms(&mut rec.steps[COMPLETE].latencies_ns, 50.0),
            ms(&mut rec.steps[COMPLETE].latencies_ns, 99.0),
            ms(&mut rec.flow_ns, 50.0),
            ms(&mut rec.flow_ns, 99.0),
            opt(per_checkout(METRIC_CPU).map(|s| s * 1000.0), 2),
            opt(per_checkout(METRIC_STATEMENTS), 1),
            opt(
                after
                    .as_ref()
                    .and_then(|a| a.get(METRIC_RSS))
                    .map(|b| b / 1048576.0),
                1,
            ),
        ];
        {
            let mut out = stdout.lock();
            let _ = writeln!(out, "| {} |", row.join(" | "));
            let _ = out.flush();
        }
        if let Some(e) = &rec.first_error {
            eprintln!("checkout: c={conc}: first error: {}", truncate(e, 400));
        }
        levels.push((conc, rec));
    }

    // Latency per step, one column pair per level.
    let mut head = "| step |".to_owned();
    let mut sep = "|---|".to_owned();
    for (conc, _) in &levels {
        head.push_str(&format!(
            " c={conc} p50 ms | c={conc} p99 ms | c={conc} errors |"
        ));
        sep.push_str("---|---|---|");
    }
    println!("\n{head}\n{sep}");
    for (i, step) in STEPS.iter().enumerate() {
        let mut line = format!("| {step} |");
        for (_, rec) in &mut levels {
            let s = &mut rec.steps[i];
            line.push_str(&format!(
                " {} | {} | {} |",
                ms(&mut s.latencies_ns, 50.0),
                ms(&mut s.latencies_ns, 99.0),
                s.errors
            ));
        }
        println!("{line}");
    }
    if levels.iter().all(|(_, r)| r.completed == 0) {
        return Err("no checkout completed".to_owned());
    }
    Ok(())
}

/// Runs `cli.profile` checkouts one at a time, scraping /metrics around every step; prints
/// SQL statements, server CPU and latency per step (averages over completed checkouts).
async fn profile(flow: &Arc<Flow>, metrics_url: &Url, cli: &Cli, stdout: &std::io::Stdout) {
    eprintln!("checkout: profiling {} sequential checkouts", cli.profile);
    let mut rec = Record {
        profile: Some(Profile {
            metrics_url: metrics_url.clone(),
            stmts: vec![0.0; STEPS.len()],
            cpu_secs: vec![0.0; STEPS.len()],
        }),
        ..Record::default()
    };
    for n in 0..cli.profile {
        flow.run_one(&mut rec, 0, n).await;
    }
    let k = rec.completed.max(1) as f64;
    let Some(p) = rec.profile.take() else {
        return;
    };
    let mut out = stdout.lock();
    let _ = writeln!(
        out,
        "| step ({} sequential checkouts, {}) | SQL statements | server CPU ms | p50 ms (c=1) |\n|---|---|---|---|",
        rec.completed, cli.label
    );
    for (i, step) in STEPS.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {step} | {:.1} | {:.2} | {} |",
            p.stmts[i] / k,
            p.cpu_secs[i] * 1000.0 / k,
            ms(&mut rec.steps[i].latencies_ns, 50.0)
        );
    }
    let _ = writeln!(
        out,
        "| **whole checkout** | {:.1} | {:.2} | {} |\n",
        p.stmts.iter().sum::<f64>() / k,
        p.cpu_secs.iter().sum::<f64>() * 1000.0 / k,
        ms(&mut rec.flow_ns, 50.0)
    );
    if let Some(e) = &rec.first_error {
        eprintln!("checkout: profile: first error: {}", truncate(e, 400));
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_assembles_with_its_fragments() {
        let defs = definitions(&STOREFRONT_FILES);
        for step in STEPS {
            let doc = document(&defs, step).unwrap_or_else(|e| panic!("{e}"));
            assert!(doc.starts_with("mutation "), "{step}: {doc}");
            for def in doc.split("\n\nfragment ").skip(1) {
                let name: String = def.chars().take_while(|c| c.is_alphanumeric()).collect();
                assert_eq!(doc.matches(&format!("fragment {name} ")).count(), 1);
            }
        }
        let create = document(&defs, "checkoutCreate").unwrap_or_default();
        for frag in [
            "CheckoutFragment",
            "CheckoutLineFragment",
            "AddressFragment",
            "Money",
        ] {
            assert!(
                create.contains(&format!("fragment {frag} on")),
                "{frag} missing"
            );
        }
        let complete = document(&defs, "checkoutComplete").unwrap_or_default();
        assert!(!complete.contains("fragment CheckoutFragment"));
    }

    #[test]
    fn keywords_only_at_line_start() {
        assert_eq!(find_keyword("a query x\nquery B {", "query "), Some(10));
        assert_eq!(block_end("query A { a { b } } tail"), Some(19));
    }
}
