//! Errors of the voucher service (Saleor's `DiscountErrorCode`, without GraphQL types).

use sea_orm::DbErr;

/// Saleor's `DiscountErrorCode` values the voucher service reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Invalid,
    NotFound,
    Required,
    Unique,
    DuplicatedInputItem,
}

/// Why a voucher change was refused.
#[derive(Debug, thiserror::Error)]
pub enum DiscountError {
    #[error("{message}")]
    Input {
        field: String,
        message: String,
        code: Code,
        /// Channels the error concerns (channel listing updates).
        channels: Vec<i32>,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl DiscountError {
    /// An input error on `field`.
    pub fn input(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::Input {
            field: field.to_owned(),
            message: message.into(),
            code,
            channels: Vec::new(),
        }
    }

    /// An input error on `field` that concerns `channels`.
    pub fn channels(
        field: &str,
        code: Code,
        message: impl Into<String>,
        channels: Vec<i32>,
    ) -> Self {
        Self::Input {
            field: field.to_owned(),
            message: message.into(),
            code,
            channels,
        }
    }
}

/// Result of a voucher service call.
pub type DiscountResult<T> = Result<T, DiscountError>;
