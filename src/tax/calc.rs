//! Flat-rate tax arithmetic on integer minor units, in exact decimals (never floats).
//!
//! Rounding follows Saleor's `quantize_price`: half up (away from zero) to the currency's
//! minor unit, applied to each taxed amount (a line total, shipping), never to partial sums.

use rust_decimal::{Decimal, RoundingStrategy};

/// A tax rate in hundredths of a percent: 1900 is 19%, 550 is 5.5%.
pub type RateBp = i32;

/// A net and a gross amount in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taxed {
    pub net: i64,
    pub gross: i64,
}

impl Taxed {
    /// An amount without tax (net = gross).
    pub fn untaxed(amount: i64) -> Self {
        Self {
            net: amount,
            gross: amount,
        }
    }

    /// The tax part: gross − net.
    pub fn tax(&self) -> i64 {
        self.gross - self.net
    }

    /// Component-wise sum.
    pub fn plus(self, other: Self) -> Self {
        Self {
            net: self.net.saturating_add(other.net),
            gross: self.gross.saturating_add(other.gross),
        }
    }

    /// Each component divided by `n` (a unit price from a line total), rounded half up.
    pub fn per_unit(self, n: i32) -> Self {
        if n <= 0 {
            return self;
        }
        let div = |v: i64| round(Decimal::from(v) / Decimal::from(n));
        Self {
            net: div(self.net),
            gross: div(self.gross),
        }
    }
}

fn round(d: Decimal) -> i64 {
    i64::try_from(d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
        .unwrap_or(i64::MAX)
}

/// Taxes `amount` at `rate`: with `entered_with_tax` the amount is gross and the net is
/// derived (`gross / (1 + rate)`), else it is net and the gross is derived.
pub fn apply(amount: i64, rate: RateBp, entered_with_tax: bool) -> Taxed {
    if rate <= 0 || amount == 0 {
        return Taxed::untaxed(amount);
    }
    let factor = Decimal::ONE + Decimal::new(i64::from(rate), 4);
    let amount_d = Decimal::from(amount);
    if entered_with_tax {
        Taxed {
            net: round(amount_d / factor),
            gross: amount,
        }
    } else {
        Taxed {
            net: amount,
            gross: round(amount_d * factor),
        }
    }
}

/// Splits `discount` over `weights` in proportion (largest-remainder method), so the
/// shares add up exactly to `min(discount, Σ weights)` and none exceeds its weight.
pub fn prorate(discount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i64 = weights.iter().map(|w| (*w).max(0)).sum();
    if total <= 0 || discount <= 0 {
        return vec![0; weights.len()];
    }
    let discount = discount.min(total);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let exact = i128::from(discount) * i128::from((*w).max(0));
        let share = exact / i128::from(total);
        shares.push(i64::try_from(share).unwrap_or(0));
        remainders.push((exact % i128::from(total), i));
    }
    let mut left = discount - shares.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        if shares[i] < weights[i] {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gross_prices_derive_net_rounded_half_up() {
        // 19.99 gross at 19%: 16.798... → 16.80 net, 3.19 tax.
        assert_eq!(
            apply(1999, 1900, true),
            Taxed {
                net: 1680,
                gross: 1999
            }
        );
        // 10.00 gross at 7%: 9.3457... → 9.35.
        assert_eq!(apply(1000, 700, true).net, 935);
        // 1.05 gross at 5%: exactly 1.00.
        assert_eq!(apply(105, 500, true).net, 100);
    }

    #[test]
    fn net_prices_derive_gross_rounded_half_up() {
        // 10.10 net at 5%: 10.605 → 10.61 (half up, not to even).
        assert_eq!(
            apply(1010, 500, false),
            Taxed {
                net: 1010,
                gross: 1061
            }
        );
        // 0.01 at 20%: 0.012 → 0.01; 0.03 at 20%: 0.036 → 0.04.
        assert_eq!(apply(1, 2000, false).gross, 1);
        assert_eq!(apply(3, 2000, false).gross, 4);
        // Fractional rates: 100.00 at 7.7% → 107.70.
        assert_eq!(apply(10000, 770, false).gross, 10770);
    }

    #[test]
    fn zero_rate_or_amount_is_untaxed() {
        assert_eq!(apply(1234, 0, false), Taxed::untaxed(1234));
        assert_eq!(apply(0, 2000, true), Taxed::untaxed(0));
        assert_eq!(Taxed::untaxed(5).tax(), 0);
    }

    #[test]
    fn prorate_is_exact_and_bounded() {
        assert_eq!(prorate(100, &[300, 300, 300]), vec![34, 33, 33]);
        assert_eq!(prorate(100, &[1, 1, 1]), vec![1, 1, 1]);
        assert_eq!(prorate(1000, &[3000, 1000]), vec![750, 250]);
        assert_eq!(prorate(500, &[100, 200]), vec![100, 200]);
        assert_eq!(prorate(0, &[100]), vec![0]);
        assert_eq!(prorate(10, &[]), Vec::<i64>::new());
        let shares = prorate(777, &[333, 1, 5000, 42]);
        assert_eq!(shares.iter().sum::<i64>(), 777);
    }

    #[test]
    fn unit_price_from_line_total() {
        let line = apply(3 * 1999, 1900, true);
        assert_eq!(
            line.per_unit(3),
            Taxed {
                net: 1680,
                gross: 1999
            }
        );
    }
}
