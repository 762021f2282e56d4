//! Minimal Prometheus text-format (0.0.4 / OpenMetrics-ish) reader.
//!
//! Only what the load generator needs: every sample's value, summed per
//! metric name across all of its label sets. Comments (`# HELP`, `# TYPE`,
//! `# EOF`, anything starting with `#`), blank lines and lines that do not
//! parse are ignored. `NaN` samples are skipped so they don't poison a sum.

use std::collections::HashMap;

/// Metric name → sum of the values of all its samples (all label sets).
pub type MetricSums = HashMap<String, f64>;

/// Parses a full exposition body.
pub fn parse(text: &str) -> MetricSums {
    let mut sums = MetricSums::new();
    for line in text.lines() {
        if let Some((name, value)) = parse_line(line) {
            if value.is_nan() {
                continue;
            }
            *sums.entry(name.to_owned()).or_insert(0.0) += value;
        }
    }
    sums
}

/// Parses one sample line into `(metric name, value)`.
///
/// Returns `None` for comments, blank lines and malformed input.
pub fn parse_line(line: &str) -> Option<(&str, f64)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() || !name.chars().all(is_name_char) {
        return None;
    }
    let mut rest = line[name_end..].trim_start();
    if rest.starts_with('{') {
        let close = label_block_end(rest)?;
        rest = rest[close + 1..].trim_start();
    }
    // Value, optionally followed by a timestamp (ignored).
    let value_token = rest.split_whitespace().next()?;
    let value = parse_value(value_token)?;
    Some((name, value))
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// Index of the `}` closing a label block that starts at byte 0 (`{`),
/// honouring quoted label values with backslash escapes.
fn label_block_end(s: &str) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == '}' {
            return Some(i);
        }
    }
    None
}

/// Parses a Prometheus sample value: decimal or exponent floats, `+Inf`,
/// `-Inf`, `Inf`, `NaN` (case-insensitive).
pub fn parse_value(token: &str) -> Option<f64> {
    match token.to_ascii_lowercase().as_str() {
        "+inf" | "inf" | "+infinity" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => token.parse::<f64>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# HELP bizgraph_graphql_requests_total GraphQL requests.
# TYPE bizgraph_graphql_requests_total counter
bizgraph_graphql_requests_total{operation="Shop",outcome="ok"} 1200
bizgraph_graphql_requests_total{operation="Shop",outcome="error"} 3
bizgraph_graphql_requests_total{operation="we}ird \"op\", x",outcome="ok"} 7 1700000000000

# HELP bizgraph_db_statements_total SQL statements executed.
# TYPE bizgraph_db_statements_total counter
bizgraph_db_statements_total 2.42e3
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 5.24288E7
# TYPE bizgraph_latency_seconds histogram
bizgraph_latency_seconds_bucket{le="0.005"} 10
bizgraph_latency_seconds_bucket{le="+Inf"} 12
bizgraph_weird_gauge +Inf
bizgraph_nan_gauge{a="1"} NaN
bizgraph_nan_gauge{a="2"} 4
this line is garbage
{orphan="labels"} 1
broken{unterminated="x 1
# EOF
"#;

    fn get(s: &MetricSums, k: &str) -> f64 {
        *s.get(k).unwrap_or(&f64::NAN)
    }

    #[test]
    fn sums_across_label_sets() {
        let s = parse(SAMPLE);
        assert_eq!(get(&s, "bizgraph_graphql_requests_total"), 1210.0);
        assert_eq!(get(&s, "bizgraph_latency_seconds_bucket"), 22.0);
    }

    #[test]
    fn exponent_floats_and_plain_values() {
        let s = parse(SAMPLE);
        assert_eq!(get(&s, "bizgraph_db_statements_total"), 2420.0);
        assert_eq!(get(&s, "process_cpu_seconds_total"), 12.5);
        assert_eq!(get(&s, "process_resident_memory_bytes"), 52_428_800.0);
    }

    #[test]
    fn infinities_and_nan() {
        let s = parse(SAMPLE);
        assert_eq!(get(&s, "bizgraph_weird_gauge"), f64::INFINITY);
        // NaN samples are skipped, the rest of the family still sums.
        assert_eq!(get(&s, "bizgraph_nan_gauge"), 4.0);
        assert_eq!(parse_value("-Inf"), Some(f64::NEG_INFINITY));
        assert!(parse_value("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_value("1e-3"), Some(0.001));
        assert_eq!(parse_value("-2.5E+2"), Some(-250.0));
        assert_eq!(parse_value("abc"), None);
    }

    #[test]
    fn ignores_comments_blank_and_garbage() {
        let s = parse(SAMPLE);
        assert!(!s.keys().any(|k| k.starts_with('#') || k.is_empty()));
        assert!(!s.contains_key("this"));
        assert!(!s.contains_key("broken"));
        assert!(!s.contains_key("HELP"));
        assert_eq!(parse_line("# TYPE x counter"), None);
        assert_eq!(parse_line("   "), None);
        assert_eq!(parse_line("novalue"), None);
        assert_eq!(parse_line("novalue{a=\"b\"}"), None);
    }

    #[test]
    fn crlf_and_spacing() {
        let s = parse("a_total{x=\"1\"} 2\r\na_total {x=\"2\"}  3 123\r\n");
        assert_eq!(get(&s, "a_total"), 5.0);
    }
}
