//! Prometheus metrics: GraphQL requests and latency by operation name, errors, SQL
//! statements, database pool use and process CPU/memory. Rendered as text on `/metrics`.

use std::{collections::HashMap, fmt::Write, sync::Mutex, time::Duration};

use crate::db::PoolStats;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Distinct operation names tracked; later names are counted as `other` so a client
/// cannot grow the metrics without bound.
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: HashMap<(String, &'static str), u64>,
    latency: HashMap<String, Histogram>,
    rejections: HashMap<&'static str, u64>,
}

/// The process-wide metrics registry.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Records one executed GraphQL request.
    pub fn record_request(&self, operation: &str, ok: bool, elapsed: Duration) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let known = inner.latency.contains_key(operation);
        let op = if known || inner.latency.len() < MAX_OPERATIONS {
            operation.to_owned()
        } else {
            "other".to_owned()
        };
        let outcome = if ok { "ok" } else { "error" };
        *inner.requests.entry((op.clone(), outcome)).or_default() += 1;
        let hist = inner.latency.entry(op).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                hist.buckets[i] += 1;
            }
        }
        hist.sum += secs;
        hist.count += 1;
    }

    /// Records a request rejected before execution (bad body, too large, ...).
    pub fn record_rejection(&self, reason: &'static str) {
        if let Ok(mut inner) = self.inner.lock() {
            *inner.rejections.entry(reason).or_default() += 1;
        }
    }

    /// Renders every metric in the Prometheus text format.
    pub fn render(&self, statements: u64, pool: PoolStats) -> String {
        let mut out = String::new();
        if let Ok(inner) = self.inner.lock() {
            out.push_str("# HELP bizgraph_graphql_requests_total GraphQL requests by operation name and outcome.\n# TYPE bizgraph_graphql_requests_total counter\n");
            let mut requests: Vec<_> = inner.requests.iter().collect();
            requests.sort();
            for ((op, outcome), n) in requests {
                let _ = writeln!(
                    out,
                    "bizgraph_graphql_requests_total{{operation=\"{}\",outcome=\"{outcome}\"}} {n}",
                    escape(op)
                );
            }
            out.push_str("# HELP bizgraph_graphql_request_duration_seconds GraphQL request latency by operation name.\n# TYPE bizgraph_graphql_request_duration_seconds histogram\n");
            let mut latency: Vec<_> = inner.latency.iter().collect();
            latency.sort_by(|a, b| a.0.cmp(b.0));
            for (op, hist) in latency {
                let op = escape(op);
                for (bound, n) in BUCKETS.iter().zip(hist.buckets) {
                    let _ = writeln!(
                        out,
                        "bizgraph_graphql_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{bound}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "bizgraph_graphql_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                    hist.count
                );
                let _ = writeln!(
                    out,
                    "bizgraph_graphql_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                    hist.sum
                );
                let _ = writeln!(
                    out,
                    "bizgraph_graphql_request_duration_seconds_count{{operation=\"{op}\"}} {}",
                    hist.count
                );
            }
            out.push_str("# HELP bizgraph_http_rejections_total Requests rejected before execution, by reason.\n# TYPE bizgraph_http_rejections_total counter\n");
            let mut rejections: Vec<_> = inner.rejections.iter().collect();
            rejections.sort();
            for (reason, n) in rejections {
                let _ = writeln!(
                    out,
                    "bizgraph_http_rejections_total{{reason=\"{reason}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP bizgraph_db_statements_total SQL statements executed.\n# TYPE bizgraph_db_statements_total counter\nbizgraph_db_statements_total {statements}"
        );
        let _ = writeln!(
            out,
            "# HELP bizgraph_db_pool_connections Database pool connections by state.\n# TYPE bizgraph_db_pool_connections gauge\nbizgraph_db_pool_connections{{state=\"idle\"}} {}\nbizgraph_db_pool_connections{{state=\"active\"}} {}\nbizgraph_db_pool_connections{{state=\"max\"}} {}",
            pool.idle,
            pool.size.saturating_sub(pool.idle),
            pool.max
        );
        if let Some((cpu, rss)) = process_usage() {
            let _ = writeln!(
                out,
                "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {cpu}"
            );
            let _ = writeln!(
                out,
                "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {rss}"
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// CPU seconds and resident bytes of this process (Linux `/proc`; `None` elsewhere).
fn process_usage() -> Option<(f64, u64)> {
    const TICKS_PER_SEC: f64 = 100.0; // USER_HZ on Linux
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let rss_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(((utime + stime) / TICKS_PER_SEC, rss_kb * 1024))
}

/// Extracts the operation name for metrics: the request's `operationName`, else the name
/// of the first operation in the query text, else `anonymous`.
pub fn operation_name(explicit: Option<&str>, query: &str) -> String {
    if let Some(name) = explicit.filter(|n| !n.is_empty()) {
        return name.chars().take(100).collect();
    }
    let text = query.trim_start();
    let rest = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|kw| text.strip_prefix(kw))
        .map(str::trim_start);
    let name: String = rest
        .unwrap_or_default()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .take(100)
        .collect();
    if name.is_empty() {
        "anonymous".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names() {
        assert_eq!(operation_name(None, "query Shop { shop { name } }"), "Shop");
        assert_eq!(operation_name(None, "{ shop { name } }"), "anonymous");
        assert_eq!(operation_name(Some("X"), "query Shop { a }"), "X");
        assert_eq!(operation_name(None, "  mutation M($a: Int) { a }"), "M");
        assert_eq!(operation_name(None, "query { a }"), "anonymous");
    }

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.record_request("Shop", true, Duration::from_millis(3));
        let text = m.render(
            7,
            PoolStats {
                size: 2,
                idle: 1,
                max: 4,
            },
        );
        assert!(
            text.contains("bizgraph_graphql_requests_total{operation=\"Shop\",outcome=\"ok\"} 1")
        );
        assert!(text.contains("bizgraph_db_statements_total 7"));
        assert!(text.contains("le=\"0.005\"} 1"));
    }
}
