//! Small GraphQL types from Saleor's schema shared by several domains: the `Date` scalar,
//! `OrderDirection`, and the range inputs `IntRangeInput`, `DateRangeInput`,
//! `DateTimeRangeInput` (same names, fields and meaning as Saleor's).

use async_graphql::{
    Enum, InputObject, InputValueError, InputValueResult, Scalar, ScalarType, Value,
};
use chrono::{DateTime, NaiveDate, Utc};

/// Saleor's `Date` scalar: an ISO-8601 calendar date (`2026-11-22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// The `Date` scalar type represents a Date value as specified by
/// [iso8601](https://en.wikipedia.org/wiki/ISO_8601).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
                    InputValueError::custom(format!("Invalid date: {s}. Expected YYYY-MM-DD."))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Saleor's sort direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum OrderDirection {
    /// Specifies an ascending sort order.
    #[default]
    Asc,
    /// Specifies a descending sort order.
    Desc,
}

/// A range of integers, bounds included.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct IntRangeInput {
    /// Value greater than or equal to.
    pub gte: Option<i32>,
    /// Value less than or equal to.
    pub lte: Option<i32>,
}

/// A range of dates, bounds included.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct DateRangeInput {
    /// Start date.
    pub gte: Option<Date>,
    /// End date.
    pub lte: Option<Date>,
}

/// A range of date-times, bounds included.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct DateTimeRangeInput {
    /// Start date.
    pub gte: Option<DateTime<Utc>>,
    /// End date.
    pub lte: Option<DateTime<Utc>>,
}
