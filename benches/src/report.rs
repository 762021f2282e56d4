//! Markdown table output and server-side figures from /metrics deltas.

use std::time::Duration;

use crate::prom::MetricSums;

pub const METRIC_REQUESTS: &str = "bizgraph_graphql_requests_total";
pub const METRIC_STATEMENTS: &str = "bizgraph_db_statements_total";
pub const METRIC_CPU: &str = "process_cpu_seconds_total";
pub const METRIC_RSS: &str = "process_resident_memory_bytes";

const COLUMNS: [&str; 13] = [
    "scenario",
    "label",
    "concurrency",
    "duration s",
    "requests",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "errors",
    "server CPU ms/req",
    "SQL stmts/req",
    "RSS MiB",
];

/// Header line plus the `|---|` separator line (two lines, no trailing
/// newline).
pub fn header() -> String {
    let head = format!("| {} |", COLUMNS.join(" | "));
    let sep = format!("|{}", "---|".repeat(COLUMNS.len()));
    format!("{head}\n{sep}")
}

/// Server-side figures derived from two scrapes.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ServerFigures {
    /// GraphQL requests the server counted during the window.
    pub requests: Option<f64>,
    pub cpu_ms_per_req: Option<f64>,
    pub stmts_per_req: Option<f64>,
    pub rss_mib: Option<f64>,
}

/// Computes the server columns. `before`/`after` are `None` when the scrape
/// failed. Returns the figures and human-readable reasons for any "n/a".
pub fn server_figures(
    before: Option<&MetricSums>,
    after: Option<&MetricSums>,
) -> (ServerFigures, Vec<String>) {
    let mut notes = Vec::new();
    let mut fig = ServerFigures::default();
    let Some(after) = after else {
        return (fig, notes);
    };
    fig.rss_mib = after.get(METRIC_RSS).map(|b| b / (1024.0 * 1024.0));
    if fig.rss_mib.is_none() {
        notes.push(format!("metric {METRIC_RSS} not exposed"));
    }
    let Some(before) = before else {
        return (fig, notes);
    };
    let delta = |name: &str| -> Option<f64> {
        match (before.get(name), after.get(name)) {
            (Some(b), Some(a)) => Some(a - b),
            _ => None,
        }
    };
    fig.requests = delta(METRIC_REQUESTS);
    let Some(reqs) = fig.requests else {
        notes.push(format!(
            "metric {METRIC_REQUESTS} not exposed: no per-request server figures"
        ));
        return (fig, notes);
    };
    if reqs <= 0.0 || !reqs.is_finite() {
        notes.push(format!(
            "{METRIC_REQUESTS} did not increase during the run (Δ = {reqs})"
        ));
        return (fig, notes);
    }
    fig.cpu_ms_per_req = delta(METRIC_CPU).map(|d| d * 1000.0 / reqs);
    if fig.cpu_ms_per_req.is_none() {
        notes.push(format!("metric {METRIC_CPU} not exposed"));
    }
    fig.stmts_per_req = delta(METRIC_STATEMENTS).map(|d| d / reqs);
    if fig.stmts_per_req.is_none() {
        notes.push(format!("metric {METRIC_STATEMENTS} not exposed"));
    }
    (fig, notes)
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: String,
    pub label: String,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub requests: usize,
    pub p50: Option<Duration>,
    pub p90: Option<Duration>,
    pub p99: Option<Duration>,
    pub errors: u64,
    pub server: ServerFigures,
}

fn cell(s: &str) -> String {
    let s = s.trim();
    if s.is_empty() {
        "-".to_owned()
    } else {
        s.replace('|', "\\|").replace(['\n', '\r'], " ")
    }
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.decimals$}"),
        _ => "n/a".to_owned(),
    }
}

fn ms(d: Option<Duration>) -> String {
    opt(d.map(|d| d.as_secs_f64() * 1000.0), 2)
}

impl Row {
    pub fn req_per_sec(&self) -> Option<f64> {
        let secs = self.elapsed.as_secs_f64();
        (secs > 0.0).then(|| self.requests as f64 / secs)
    }

    /// The Markdown row (no trailing newline).
    pub fn markdown(&self) -> String {
        let cells = [
            cell(&self.scenario),
            cell(&self.label),
            self.concurrency.to_string(),
            format!("{:.1}", self.elapsed.as_secs_f64()),
            self.requests.to_string(),
            opt(self.req_per_sec(), 1),
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            self.errors.to_string(),
            opt(self.server.cpu_ms_per_req, 3),
            opt(self.server.stmts_per_req, 2),
            opt(self.server.rss_mib, 1),
        ];
        format!("| {} |", cells.join(" | "))
    }
}

/// Truncates to at most `max` characters (not bytes), adding "…" if cut.
pub fn truncate(s: &str, max: usize) -> String {
    let mut it = s.char_indices();
    match it.nth(max) {
        None => s.to_owned(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(pairs: &[(&str, f64)]) -> MetricSums {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn header_has_thirteen_columns() {
        let h = header();
        let mut lines = h.lines();
        let head = lines.next().unwrap_or_default();
        let sep = lines.next().unwrap_or_default();
        assert!(head.starts_with("| scenario | label | concurrency |"));
        assert!(head.ends_with("| RSS MiB |"));
        assert_eq!(head.matches('|').count(), 14);
        assert_eq!(sep.matches('|').count(), 14);
    }

    #[test]
    fn computes_server_deltas() {
        let before = sums(&[
            (METRIC_REQUESTS, 100.0),
            (METRIC_STATEMENTS, 200.0),
            (METRIC_CPU, 1.0),
            (METRIC_RSS, 10.0 * 1024.0 * 1024.0),
        ]);
        let after = sums(&[
            (METRIC_REQUESTS, 1100.0),
            (METRIC_STATEMENTS, 2200.0),
            (METRIC_CPU, 1.5),
            (METRIC_RSS, 48.0 * 1024.0 * 1024.0),
        ]);
        let (f, notes) = server_figures(Some(&before), Some(&after));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(f.requests, Some(1000.0));
        assert_eq!(f.cpu_ms_per_req, Some(0.5));
        assert_eq!(f.stmts_per_req, Some(2.0));
        assert_eq!(f.rss_mib, Some(48.0));
    }

    #[test]
    fn missing_metrics_give_na() {
        let (f, _) = server_figures(None, None);
        assert_eq!(f, ServerFigures::default());
        let after = sums(&[(METRIC_RSS, 1024.0 * 1024.0)]);
        let (f, _) = server_figures(None, Some(&after));
        assert_eq!(f.rss_mib, Some(1.0));
        assert_eq!(f.cpu_ms_per_req, None);
        let before = sums(&[(METRIC_REQUESTS, 5.0), (METRIC_CPU, 1.0)]);
        let after = sums(&[(METRIC_REQUESTS, 5.0), (METRIC_CPU, 2.0)]);
        let (f, notes) = server_figures(Some(&before), Some(&after));
        assert_eq!(f.cpu_ms_per_req, None);
        assert!(!notes.is_empty());
    }

    #[test]
    fn formats_row() {
        let row = Row {
            scenario: "shop".into(),
            label: "SQLite | WAL".into(),
            concurrency: 16,
            elapsed: Duration::from_millis(10_000),
            requests: 12_345,
            p50: Some(Duration::from_micros(1_234)),
            p90: Some(Duration::from_micros(2_500)),
            p99: None,
            errors: 0,
            server: ServerFigures {
                requests: Some(12_345.0),
                cpu_ms_per_req: Some(0.0812),
                stmts_per_req: None,
                rss_mib: Some(42.26),
            },
        };
        assert_eq!(
            row.markdown(),
            "| shop | SQLite \\| WAL | 16 | 10.0 | 12345 | 1234.5 | 1.23 | 2.50 | n/a | 0 | 0.081 | n/a | 42.3 |"
        );
        let empty_label = Row {
            label: String::new(),
            ..row
        };
        assert!(empty_label.markdown().starts_with("| shop | - | 16 |"));
    }

    #[test]
    fn truncates_on_char_boundary() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("ééé", 2), "éé…");
    }
}
