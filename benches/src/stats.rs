//! Latency statistics over recorded request durations.

use std::time::Duration;

/// Nearest-rank percentile of an ascending-sorted slice.
///
/// `p` is in percent (`0.0..=100.0`). Returns `None` for an empty slice.
/// The nearest-rank method picks the smallest value such that at least `p`%
/// of the samples are less than or equal to it, so p100 is the maximum and
/// p0 the minimum.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 100.0) };
    // `rank` is 1-based; the float→usize cast saturates and the value is
    // bounded by `n` anyway.
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    let idx = rank.clamp(1, n) - 1;
    sorted.get(idx).copied()
}

/// Summary of one measured run, client side.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySummary {
    pub count: usize,
    pub p50: Option<Duration>,
    pub p90: Option<Duration>,
    pub p99: Option<Duration>,
}

/// Sorts `nanos` in place and summarises it.
pub fn summarize(nanos: &mut [u64]) -> LatencySummary {
    nanos.sort_unstable();
    let pick = |p: f64| percentile(nanos, p).map(Duration::from_nanos);
    LatencySummary {
        count: nanos.len(),
        p50: pick(50.0),
        p90: pick(90.0),
        p99: pick(99.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_has_no_percentile() {
        let v: [u64; 0] = [];
        assert_eq!(percentile(&v, 50.0), None);
        let s = summarize(&mut []);
        assert_eq!(s.count, 0);
        assert_eq!(s.p99, None);
    }

    #[test]
    fn single_sample_is_every_percentile() {
        let v = [7u64];
        for p in [0.0, 1.0, 50.0, 99.0, 100.0] {
            assert_eq!(percentile(&v, p), Some(7));
        }
    }

    #[test]
    fn nearest_rank_on_one_to_hundred() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&v, 1.0), Some(1));
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 99.5), Some(100));
        assert_eq!(percentile(&v, 100.0), Some(100));
    }

    #[test]
    fn nearest_rank_on_small_sets() {
        let v = [10u64, 20, 30, 40];
        assert_eq!(percentile(&v, 50.0), Some(20));
        assert_eq!(percentile(&v, 51.0), Some(30));
        assert_eq!(percentile(&v, 90.0), Some(40));
        assert_eq!(percentile(&v, 25.0), Some(10));
    }

    #[test]
    fn out_of_range_p_is_clamped() {
        let v = [1u64, 2, 3];
        assert_eq!(percentile(&v, -5.0), Some(1));
        assert_eq!(percentile(&v, 250.0), Some(3));
        assert_eq!(percentile(&v, f64::NAN), Some(1));
    }

    #[test]
    fn summarize_sorts_first() {
        let mut v: Vec<u64> = (1..=1000).rev().map(|x| x * 1_000).collect();
        let s = summarize(&mut v);
        assert_eq!(s.count, 1000);
        assert_eq!(s.p50, Some(Duration::from_micros(500)));
        assert_eq!(s.p90, Some(Duration::from_micros(900)));
        assert_eq!(s.p99, Some(Duration::from_micros(990)));
    }
}
