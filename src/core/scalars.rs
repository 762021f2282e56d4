//! Saleor's generic JSON scalars.

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
