//! Money in integer minor units of a currency (cents for USD/EUR, yen for JPY).
//!
//! Amounts are stored as `BIGINT` minor units, which sort and compare exactly on SQLite and
//! PostgreSQL; floats appear only at the GraphQL boundary (`Money.amount`).

use rust_decimal::Decimal;

/// Number of digits after the decimal point for `currency` (ISO 4217).
pub fn fraction_digits(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Why a decimal amount cannot be stored for a currency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Value cannot be lower than 0.")]
    Negative,
    #[error("Value cannot have more than {0} decimal places.")]
    TooPrecise(u32),
    #[error("Value is too large.")]
    TooLarge,
}

/// Converts a decimal amount to minor units, rejecting negatives and excess precision.
pub fn to_minor(amount: Decimal, currency: &str) -> Result<i64, MoneyError> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(MoneyError::Negative);
    }
    let digits = fraction_digits(currency);
    let scaled = amount
        .checked_mul(Decimal::from(10_i64.pow(digits)))
        .ok_or(MoneyError::TooLarge)?;
    if scaled.fract() != Decimal::ZERO {
        return Err(MoneyError::TooPrecise(digits));
    }
    i64::try_from(scaled.trunc()).map_err(|_| MoneyError::TooLarge)
}

/// Converts minor units back to an exact decimal amount.
pub fn to_decimal(minor: i64, currency: &str) -> Decimal {
    Decimal::new(minor, fraction_digits(currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn round_trips_and_rejects() {
        let d = |s: &str| Decimal::from_str(s).unwrap_or_default();
        assert_eq!(to_minor(d("12.34"), "USD"), Ok(1234));
        assert_eq!(to_minor(d("12"), "JPY"), Ok(12));
        assert_eq!(to_minor(d("1.5"), "JPY"), Err(MoneyError::TooPrecise(0)));
        assert_eq!(to_minor(d("-1"), "USD"), Err(MoneyError::Negative));
        assert_eq!(to_decimal(1234, "USD").to_string(), "12.34");
    }
}
