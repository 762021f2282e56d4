//! Top-level GraphQL errors with stable codes.
//!
//! Every top-level error carries `extensions.code` (our stable SCREAMING_SNAKE code) and
//! `extensions.exception.code` (the class name Saleor clients such as the dashboard match on,
//! e.g. `PermissionDenied`). Mutation-level errors (`errors: [XxxError!]!`) are not these:
//! they are ordinary GraphQL objects owned by each domain.

use async_graphql::{ErrorExtensionValues, ServerError, Value};

/// A stable error code for top-level GraphQL errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The query text could not be parsed.
    ParseFailed,
    /// The query does not validate against the schema.
    ValidationFailed,
    /// The request body is not a GraphQL request.
    BadRequest,
    /// The request body exceeds the configured limit.
    BodyTooLarge,
    /// The query is nested deeper than allowed.
    QueryTooDeep,
    /// The query's cost exceeds the configured maximum.
    QueryTooComplex,
    /// The query uses more aliases than allowed.
    TooManyAliases,
    /// The request ran longer than the configured timeout.
    Timeout,
    /// A global ID is malformed or of the wrong type.
    InvalidId,
    /// A pagination cursor is malformed.
    InvalidCursor,
    /// Pagination arguments are missing or out of range.
    InvalidPagination,
    /// The caller lacks the required permission.
    PermissionDenied,
    /// The access token is malformed, expired or revoked.
    InvalidToken,
    /// A referenced object (e.g. a channel) does not exist.
    NotFound,
    /// An argument has an invalid value.
    InvalidInput,
    /// Something failed on our side; details are in the server log under the request id.
    Internal,
    /// A batch holds more operations than allowed.
    TooManyOperations,
    /// The client has more requests in flight than allowed.
    TooManyRequests,
    /// The client has more websocket connections open than allowed.
    TooManyConnections,
    /// The websocket has more active subscriptions than allowed.
    TooManySubscriptions,
    /// The shop accepts only staff and apps (`Shop.allowStorefrontTraffic` is off).
    StorefrontTrafficNotAllowed,
}

impl ErrorCode {
    /// Our stable code, e.g. `PERMISSION_DENIED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadRequest => "BAD_REQUEST",
            Self::BodyTooLarge => "REQUEST_TOO_LARGE",
            Self::QueryTooDeep => "QUERY_TOO_DEEP",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::TooManyAliases => "TOO_MANY_ALIASES",
            Self::Timeout => "REQUEST_TIMEOUT",
            Self::InvalidId => "INVALID_ID",
            Self::InvalidCursor => "INVALID_CURSOR",
            Self::InvalidPagination => "INVALID_PAGINATION",
            Self::PermissionDenied => "PERMISSION_DENIED",
            Self::InvalidToken => "INVALID_TOKEN",
            Self::NotFound => "NOT_FOUND",
            Self::InvalidInput => "INVALID_INPUT",
            Self::Internal => "INTERNAL_SERVER_ERROR",
            Self::TooManyOperations => "TOO_MANY_OPERATIONS",
            Self::TooManyRequests => "TOO_MANY_REQUESTS",
            Self::TooManyConnections => "TOO_MANY_CONNECTIONS",
            Self::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Self::StorefrontTrafficNotAllowed => "STOREFRONT_TRAFFIC_NOT_ALLOWED",
        }
    }

    /// The exception class name Saleor reports for the same situation.
    pub fn saleor_exception(self) -> &'static str {
        match self {
            Self::PermissionDenied => "PermissionDenied",
            Self::InvalidToken => "InvalidTokenError",
            Self::QueryTooComplex => "QueryCostError",
            Self::Internal => "InternalServerError",
            Self::BodyTooLarge
            | Self::BadRequest
            | Self::Timeout
            | Self::TooManyOperations
            | Self::TooManyRequests
            | Self::TooManyConnections
            | Self::TooManySubscriptions
            | Self::StorefrontTrafficNotAllowed => "RequestError",
            _ => "GraphQLError",
        }
    }

    fn extensions(self) -> ErrorExtensionValues {
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", self.as_str());
        ext.set("exception", exception_value(self));
        ext
    }
}

fn exception_value(code: ErrorCode) -> Value {
    let mut exception = async_graphql::indexmap::IndexMap::new();
    exception.insert(
        async_graphql::Name::new("code"),
        Value::from(code.saleor_exception()),
    );
    Value::Object(exception)
}

/// A resolver error with a stable code.
pub fn error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    let mut err = async_graphql::Error::new(message);
    err.extensions = Some(code.extensions());
    err
}

/// A resolver error with a stable code and a specific Saleor exception class name (e.g.
/// `ExpiredSignatureError` for an expired token, which clients match on to refresh).
pub fn error_with_exception(
    code: ErrorCode,
    exception: &str,
    message: impl Into<String>,
) -> async_graphql::Error {
    let mut err = async_graphql::Error::new(message);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    let mut map = async_graphql::indexmap::IndexMap::new();
    map.insert(async_graphql::Name::new("code"), Value::from(exception));
    ext.set("exception", Value::Object(map));
    err.extensions = Some(ext);
    err
}

/// A request-level error (parse, validation, limits) with a stable code.
pub fn server_error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions = Some(code.extensions());
    err
}

/// Adds a code to an error raised by the GraphQL engine itself, unless it already has one.
pub fn with_code(mut err: ServerError, code: ErrorCode) -> ServerError {
    let ext = err.extensions.get_or_insert_with(Default::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
        ext.set("exception", exception_value(code));
    }
    err
}

/// The error for a caller lacking every one of `perms`, worded like Saleor's.
pub fn permission_denied(perms: &[&str]) -> async_graphql::Error {
    if perms.is_empty() {
        return error(
            ErrorCode::PermissionDenied,
            "You do not have permission to perform this action",
        );
    }
    error(
        ErrorCode::PermissionDenied,
        format!(
            "You need one of the following permissions: {}",
            perms.join(", ")
        ),
    )
}

/// Logs an internal failure with the request id and returns a generic error that reveals
/// nothing about it (no SQL, no stack trace, no secret).
pub fn internal(request_id: &str, err: impl std::fmt::Display) -> async_graphql::Error {
    tracing::error!(request_id, error = %err, "internal error");
    error(
        ErrorCode::Internal,
        format!("Internal server error (request id {request_id})"),
    )
}
