//! Saleor's generic JSON scalars and its `Date`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// Saleor's `GenericScalar`: any JSON value.
#[derive(Clone, Debug, Default)]
pub struct GenericScalar(pub serde_json::Value);

#[Scalar(name = "GenericScalar")]
impl ScalarType for GenericScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(Self)
            .map_err(|e| InputValueError::custom(e.to_string()))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// Saleor's `JSONString`: a string holding JSON.
#[derive(Clone, Debug, Default)]
pub struct JsonString(pub serde_json::Value);

#[Scalar(name = "JSONString")]
impl ScalarType for JsonString {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => serde_json::from_str(&s)
                .map(Self)
                .map_err(|e| InputValueError::custom(format!("Invalid JSON: {e}"))),
            other => other
                .into_json()
                .map(Self)
                .map_err(|e| InputValueError::custom(e.to_string())),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// Saleor's `Date`: an ISO 8601 calendar date (`2026-11-22`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub chrono::NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Self)
                .map_err(|_| InputValueError::custom(format!("Invalid date: {s}"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Saleor's `DateRangeInput`.
#[derive(async_graphql::InputObject, Clone, Copy, Debug, Default)]
pub struct DateRangeInput {
    /// Start date.
    pub gte: Option<Date>,
    /// End date.
    pub lte: Option<Date>,
}

impl DateRangeInput {
    /// The range as instants: from the start of `gte` to the end of `lte` (UTC).
    pub fn bounds(
        &self,
    ) -> (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let start = self
            .gte
            .and_then(|d| d.0.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        let end = self
            .lte
            .and_then(|d| d.0.and_hms_nano_opt(23, 59, 59, 999_999_999))
            .map(|t| t.and_utc());
        (start, end)
    }
}

/// Saleor's `DateTimeRangeInput`.
#[derive(async_graphql::InputObject, Clone, Copy, Debug, Default)]
pub struct DateTimeRangeInput {
    /// Start date.
    pub gte: Option<chrono::DateTime<chrono::Utc>>,
    /// End date.
    pub lte: Option<chrono::DateTime<chrono::Utc>>,
}

/// Saleor's `IntRangeInput`.
#[derive(async_graphql::InputObject, Clone, Copy, Debug, Default)]
pub struct IntRangeInput {
    /// Value greater than or equal to.
    pub gte: Option<i32>,
    /// Value less than or equal to.
    pub lte: Option<i32>,
}
