//! `loadgen`: runs named GraphQL scenarios against a running bizgraph (or any
//! GraphQL) server and prints Markdown table rows for BENCHMARKS.md.
//!
//! See `benches/README.md` for usage and the scenario file format.

mod prom;
mod report;
mod runner;
mod scenario;
mod stats;

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Url};

use crate::prom::MetricSums;
use crate::report::Row;
use crate::runner::Failure;
use crate::scenario::Scenario;

/// How many characters of an error body are shown on stderr.
const ERROR_PREVIEW_CHARS: usize = 300;

#[derive(Debug, Parser)]
#[command(
    name = "loadgen",
    about = "Load generator for GraphQL scenarios; prints Markdown rows for BENCHMARKS.md",
    after_help = "Example:\n  cargo run --release -p bizgraph-bench --bin loadgen -- \\\n    --url http://127.0.0.1:8000/graphql/ --scenario shop --concurrency 1,16,64 --duration 10 --label SQLite"
)]
struct Cli {
    /// GraphQL endpoint to POST to.
    #[arg(long, default_value = "http://127.0.0.1:8000/graphql/")]
    url: String,

    /// Scenario name(s) from the scenarios directory; comma-separated or repeated.
    #[arg(long, short = 's', value_delimiter = ',')]
    scenario: Vec<String>,

    /// Load a scenario from any JSON file (its name is the file stem); repeatable.
    #[arg(long, value_name = "PATH")]
    scenario_file: Vec<PathBuf>,

    /// Directory holding <name>.json scenario files.
    #[arg(long, value_name = "DIR", default_value = scenario::DEFAULT_DIR)]
    scenarios_dir: PathBuf,

    /// Number of concurrent workers; a comma list (1,16,64) runs each level in turn.
    #[arg(long, short = 'c', value_delimiter = ',', default_value = "16", value_parser = parse_concurrency)]
    concurrency: Vec<usize>,

    /// Length of the measured window, in seconds.
    #[arg(long, short = 'd', default_value_t = 10.0, value_parser = parse_positive_secs)]
    duration: f64,

    /// Unrecorded warm-up before each measured window, in seconds (0 = none).
    #[arg(long, short = 'w', default_value_t = 2.0, value_parser = parse_non_negative_secs)]
    warmup: f64,

    /// Free text for the "label" column (e.g. "SQLite", "Postgres 16").
    #[arg(long, short = 'l', default_value = "")]
    label: String,

    /// Extra request header "Name: value"; repeatable.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,

    /// Prometheus endpoint [default: --url with the path replaced by /metrics].
    #[arg(long, value_name = "URL")]
    metrics_url: Option<String>,

    /// Don't scrape /metrics at all (server columns print n/a).
    #[arg(long)]
    no_metrics: bool,

    /// Don't print the Markdown header and separator lines.
    #[arg(long)]
    no_header: bool,

    /// List the available scenarios and exit.
    #[arg(long)]
    list: bool,

    /// Per-request timeout, in seconds.
    #[arg(long, default_value_t = 30.0, value_parser = parse_positive_secs)]
    timeout: f64,

    /// Tokio worker threads for the load generator [default: number of CPUs].
    #[arg(long)]
    threads: Option<usize>,
}

fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("concurrency must be at least 1".to_owned()),
        Ok(n) if n > 10_000 => Err("concurrency above 10000 is not supported".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("'{s}' is not a whole number: {e}")),
    }
}

fn parse_secs(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|e| format!("'{s}' is not a number of seconds: {e}"))?;
    if !v.is_finite() || v > 86_400.0 {
        return Err(format!("'{s}' is out of range"));
    }
    Ok(v)
}

fn parse_positive_secs(s: &str) -> Result<f64, String> {
    let v = parse_secs(s)?;
    if v <= 0.0 {
        return Err("must be greater than 0".to_owned());
    }
    Ok(v)
}

fn parse_non_negative_secs(s: &str) -> Result<f64, String> {
    let v = parse_secs(s)?;
    if v < 0.0 {
        return Err("must not be negative".to_owned());
    }
    Ok(v)
}

/// Failure kinds, mapped to exit codes.
enum AppError {
    /// Bad arguments or files: exit 2.
    Usage(String),
    /// Server unreachable or every request failed: exit 1.
    Fatal(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(AppError::Usage(msg)) => {
            eprintln!("loadgen: error: {msg}");
            ExitCode::from(2)
        }
        Err(AppError::Fatal(msg)) => {
            eprintln!("loadgen: error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn parse_http_url(what: &str, s: &str) -> Result<Url, AppError> {
    let url =
        Url::parse(s.trim()).map_err(|e| AppError::Usage(format!("invalid {what} '{s}': {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::Usage(format!(
            "invalid {what} '{s}': scheme must be http or https"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AppError::Usage(format!("invalid {what} '{s}': no host")));
    }
    Ok(url)
}

/// `--url` with its path replaced by `/metrics` (query and fragment dropped).
fn default_metrics_url(url: &Url) -> Url {
    let mut m = url.clone();
    m.set_path("/metrics");
    m.set_query(None);
    m.set_fragment(None);
    m
}

fn parse_headers(raw: &[String]) -> Result<HeaderMap, AppError> {
    let mut map = HeaderMap::new();
    for h in raw {
        let Some((name, value)) = h.split_once(':') else {
            return Err(AppError::Usage(format!(
                "invalid --header '{h}': expected \"Name: value\""
            )));
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|e| AppError::Usage(format!("invalid --header name in '{h}': {e}")))?;
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|e| AppError::Usage(format!("invalid --header value for '{name}': {e}")))?;
        if name == reqwest::header::AUTHORIZATION || name == reqwest::header::COOKIE {
            value.set_sensitive(true);
        }
        map.append(name, value);
    }
    Ok(map)
}

fn list_scenarios(cli: &Cli) -> Result<(), AppError> {
    let all = scenario::list(&cli.scenarios_dir).map_err(AppError::Usage)?;
    eprintln!("scenarios in {}:", cli.scenarios_dir.display());
    let width = all.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, info) in all {
        match info {
            Ok(desc) => println!("{name:width$}  {desc}"),
            Err(e) => println!("{name:width$}  (invalid: {e})"),
        }
    }
    Ok(())
}

fn load_scenarios(cli: &Cli) -> Result<Vec<Scenario>, AppError> {
    let mut out = Vec::new();
    for name in cli
        .scenario
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        out.push(scenario::load_named(&cli.scenarios_dir, name).map_err(AppError::Usage)?);
    }
    for path in &cli.scenario_file {
        out.push(scenario::load_file(path).map_err(AppError::Usage)?);
    }
    if out.is_empty() {
        return Err(AppError::Usage(
            "no scenario given: use --scenario NAME (see --list) or --scenario-file PATH"
                .to_owned(),
        ));
    }
    Ok(out)
}

fn run(cli: Cli) -> Result<(), AppError> {
    if cli.list {
        return list_scenarios(&cli);
    }
    let url = parse_http_url("--url", &cli.url)?;
    let metrics_url = if cli.no_metrics {
        None
    } else {
        Some(match &cli.metrics_url {
            Some(m) => parse_http_url("--metrics-url", m)?,
            None => default_metrics_url(&url),
        })
    };
    let scenarios = load_scenarios(&cli)?;
    let headers = parse_headers(&cli.headers)?;
    let max_conc = cli.concurrency.iter().copied().max().unwrap_or(1);
    let client = Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs_f64(cli.timeout))
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(max_conc)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| AppError::Fatal(format!("cannot build HTTP client: {e}")))?;

    let threads = cli.threads.filter(|&n| n > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| AppError::Fatal(format!("cannot start tokio runtime: {e}")))?;
    rt.block_on(run_all(
        &cli,
        &client,
        &url,
        metrics_url.as_ref(),
        &scenarios,
    ))
}

/// Prints each warning only once per process.
#[derive(Default)]
struct Warner(HashSet<String>);

impl Warner {
    fn warn(&mut self, msg: String) {
        if self.0.insert(msg.clone()) {
            eprintln!("loadgen: warning: {msg}");
        }
    }
}

/// Sends every request of the scenario once. A transport failure means the
/// server isn't there: abort with a clear message. GraphQL/HTTP errors are
/// only reported, the run goes on (and counts them).
async fn preflight(client: &Client, url: &Url, sc: &Scenario) -> Result<(), AppError> {
    for (i, body) in sc.bodies.iter().enumerate() {
        match runner::send(client, url, body.clone()).await {
            Ok(()) => {}
            Err(Failure::Transport(msg)) => {
                return Err(AppError::Fatal(format!(
                    "cannot reach the server at {url}: {msg}\n  (is the server running? check --url)"
                )));
            }
            Err(Failure::Response(msg)) => {
                let op = sc.requests.get(i).and_then(|r| r.operation_name.as_deref());
                eprintln!(
                    "loadgen: warning: scenario '{}' request #{i}{} fails: {}",
                    sc.name,
                    op.map(|o| format!(" ({o})")).unwrap_or_default(),
                    report::truncate(&msg, ERROR_PREVIEW_CHARS)
                );
            }
        }
    }
    Ok(())
}

async fn scrape_opt(
    client: &Client,
    metrics_url: Option<&Url>,
    warner: &mut Warner,
) -> Option<MetricSums> {
    let m = metrics_url?;
    match runner::scrape(client, m).await {
        Ok(s) => Some(s),
        Err(e) => {
            warner.warn(format!(
                "metrics unavailable ({e}); server columns will be n/a"
            ));
            None
        }
    }
}

async fn run_all(
    cli: &Cli,
    client: &Client,
    url: &Url,
    metrics_url: Option<&Url>,
    scenarios: &[Scenario],
) -> Result<(), AppError> {
    let mut warner = Warner::default();
    for sc in scenarios {
        preflight(client, url, sc).await?;
    }
    let duration = Duration::from_secs_f64(cli.duration);
    let warmup = Duration::from_secs_f64(cli.warmup);
    let mut header_printed = cli.no_header;
    let mut failed_levels = Vec::new();
    let stdout = std::io::stdout();

    for sc in scenarios {
        for &conc in &cli.concurrency {
            eprintln!(
                "loadgen: {} c={conc}: warm-up {:.1}s, measuring {:.1}s against {url}",
                sc.name, cli.warmup, cli.duration
            );
            if !warmup.is_zero() {
                let w = runner::run_phase(client, url, &sc.bodies, conc, warmup).await;
                if w.attempts > 0 && w.transport_errors == w.attempts as u64 {
                    return Err(AppError::Fatal(format!(
                        "every warm-up request failed to reach {url}: {}",
                        w.first_error.as_deref().unwrap_or("unknown error")
                    )));
                }
            }
            let before = scrape_opt(client, metrics_url, &mut warner).await;
            let mut res = runner::run_phase(client, url, &sc.bodies, conc, duration).await;
            let after = scrape_opt(client, metrics_url, &mut warner).await;

            let lat = stats::summarize(&mut res.latencies_ns);
            let (server, notes) = report::server_figures(before.as_ref(), after.as_ref());
            for n in notes {
                warner.warn(n);
            }
            let row = Row {
                scenario: sc.name.clone(),
                label: cli.label.clone(),
                concurrency: conc,
                elapsed: res.elapsed,
                requests: res.attempts,
                p50: lat.p50,
                p90: lat.p90,
                p99: lat.p99,
                errors: res.errors,
                server: server.clone(),
            };
            {
                let mut out = stdout.lock();
                if !header_printed {
                    let _ = writeln!(out, "{}", report::header());
                    header_printed = true;
                }
                let _ = writeln!(out, "{}", row.markdown());
                let _ = out.flush();
            }
            eprintln!(
                "loadgen: {} c={conc}: {} requests, {} errors in {:.2}s",
                sc.name,
                res.attempts,
                res.errors,
                res.elapsed.as_secs_f64()
            );
            if let Some(server_reqs) = server.requests.filter(|&r| r > 0.0) {
                let client_reqs = res.attempts as f64;
                if (server_reqs - client_reqs).abs() > (client_reqs * 0.02).max(5.0) {
                    warner.warn(format!(
                        "server counted {server_reqs} GraphQL requests during the window but {client_reqs} were sent \
                         (other traffic on the server, or is --metrics-url another process?)"
                    ));
                }
            }
            if let Some(e) = &res.first_error {
                eprintln!(
                    "loadgen: {} c={conc}: first error: {}",
                    sc.name,
                    report::truncate(e, ERROR_PREVIEW_CHARS)
                );
            }
            if res.attempts > 0 && res.errors == res.attempts as u64 {
                failed_levels.push(format!("{} c={conc}", sc.name));
            }
        }
    }
    if !failed_levels.is_empty() {
        return Err(AppError::Fatal(format!(
            "every request failed in: {}",
            failed_levels.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_url_replaces_path() -> Result<(), String> {
        let u = Url::parse("http://127.0.0.1:8000/graphql/?x=1#f").map_err(|e| e.to_string())?;
        assert_eq!(
            default_metrics_url(&u).as_str(),
            "http://127.0.0.1:8000/metrics"
        );
        Ok(())
    }

    #[test]
    fn validates_urls() {
        assert!(parse_http_url("--url", "http://127.0.0.1:8000/graphql/").is_ok());
        assert!(parse_http_url("--url", "127.0.0.1:8000").is_err());
        assert!(parse_http_url("--url", "ftp://x/").is_err());
        assert!(parse_http_url("--url", "not a url").is_err());
    }

    #[test]
    fn parses_headers() {
        let h = parse_headers(&["Authorization: Bearer abc: def".to_owned()]);
        let Ok(h) = h else {
            panic!("header should parse");
        };
        assert_eq!(
            h.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer abc: def")
        );
        assert!(parse_headers(&["NoColon".to_owned()]).is_err());
        assert!(parse_headers(&["Bad Name: x".to_owned()]).is_err());
    }

    #[test]
    fn cli_parses_concurrency_list() {
        let cli = Cli::try_parse_from(["loadgen", "--scenario", "shop", "-c", "1,16,64"]);
        let Ok(cli) = cli else {
            panic!("should parse");
        };
        assert_eq!(cli.concurrency, vec![1, 16, 64]);
        assert!(Cli::try_parse_from(["loadgen", "-c", "0"]).is_err());
        assert!(Cli::try_parse_from(["loadgen", "-d", "0"]).is_err());
        assert!(Cli::try_parse_from(["loadgen", "-w", "-1"]).is_err());
    }
}
