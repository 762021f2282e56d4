//! What a domain operation returns when the caller's input breaks a rule, independent of
//! GraphQL: [`FieldError`] (one broken rule, with the domain's error code `C`) and
//! [`DomainError`] (input errors, or an internal failure). The GraphQL side turns them into
//! Saleor's error objects and payloads (`core::payload`).
//!
//! The one way to report failures from a mutation:
//! - the caller lacks a permission: `req.require_any(&[..])?` (a top-level error, as Saleor);
//! - an input value is invalid, or an object it names does not exist:
//!   `FieldError::new(field, code, message)` / `FieldError::not_found(field, message)`,
//!   returned as `Err(DomainError::Invalid(..))` (or with `?` from a `FieldError`);
//! - anything else (database, provider bugs): `DomainError::Internal`, logged with the
//!   request id and reported without details.

use super::address::AddressTypeEnum;
use super::permissions::Permission;

/// The codes every Saleor error-code enum has, so shared helpers can report them.
pub trait ErrorCode: Copy + std::fmt::Debug + Send + Sync + 'static {
    /// `GRAPHQL_ERROR`: a malformed argument (e.g. an ID of the wrong type).
    const GRAPHQL_ERROR: Self;
    /// `INVALID`: a value breaks a rule.
    const INVALID: Self;
    /// `NOT_FOUND`: a referenced object does not exist (or is not visible to the caller).
    const NOT_FOUND: Self;
}

/// Objects an error is about, by the name of the Saleor error field that lists them. The
/// GraphQL error object of a mutation shows the ones its Saleor type has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorRefs {
    pub address_type: Option<AddressTypeEnum>,
    pub attributes: Option<Vec<String>>,
    pub channel_listings: Option<Vec<String>>,
    pub channels: Option<Vec<String>>,
    pub country_codes: Option<Vec<String>>,
    pub gifts_limit: Option<i32>,
    pub gifts_limit_exceed_by: Option<i32>,
    pub groups: Option<Vec<String>>,
    /// Position of the offending item in a list input.
    pub index: Option<i32>,
    pub lines: Option<Vec<String>>,
    pub order_lines: Option<Vec<String>>,
    pub permissions: Option<Vec<Permission>>,
    pub products: Option<Vec<String>>,
    pub rules_limit: Option<i32>,
    pub rules_limit_exceed_by: Option<i32>,
    pub shipping_zones: Option<Vec<String>>,
    pub stocks: Option<Vec<String>>,
    pub tax_class_ids: Option<Vec<String>>,
    pub users: Option<Vec<String>>,
    pub values: Option<Vec<String>>,
    pub variants: Option<Vec<String>>,
    pub voucher_codes: Option<Vec<String>>,
    pub warehouse: Option<String>,
    pub warehouses: Option<Vec<String>>,
}

/// One rule the caller's input broke, on an input field (`None`: the input as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError<C> {
    pub field: Option<String>,
    pub message: String,
    pub code: C,
    pub refs: ErrorRefs,
}

impl<C> FieldError<C> {
    /// An error on `field` (empty: not tied to a field).
    pub fn new(field: &str, code: C, message: impl Into<String>) -> Self {
        Self {
            field: (!field.is_empty()).then(|| field.to_owned()),
            message: message.into(),
            code,
            refs: ErrorRefs::default(),
        }
    }

    /// The same error with the objects it is about.
    pub fn with_refs(mut self, refs: impl FnOnce(&mut ErrorRefs)) -> Self {
        refs(&mut self.refs);
        self
    }

    /// The same error for item `index` of a list input.
    pub fn at_index(self, index: usize) -> Self {
        self.with_refs(|r| r.index = i32::try_from(index).ok())
    }

    /// The same error with its code converted into another domain's enum.
    pub fn map_code<D>(self, f: impl FnOnce(C) -> D) -> FieldError<D> {
        FieldError {
            field: self.field,
            message: self.message,
            code: f(self.code),
            refs: self.refs,
        }
    }
}

impl<C: ErrorCode> FieldError<C> {
    /// `field` names an object that does not exist (or that the caller may not see).
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, C::NOT_FOUND, message)
    }

    /// `field` holds a value that breaks a rule.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, C::INVALID, message)
    }

    /// `field` holds a malformed argument, such as a global ID of another type.
    pub fn graphql(field: &str, message: impl Into<String>) -> Self {
        Self::new(field, C::GRAPHQL_ERROR, message)
    }
}

/// Why a domain operation failed: input errors for the payload, or an internal failure.
#[derive(Debug, thiserror::Error)]
pub enum DomainError<C> {
    /// The input broke these rules; nothing was changed.
    #[error("invalid input")]
    Invalid(Vec<FieldError<C>>),
    /// Something failed on our side (database, a bug); reported without details.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl<C> DomainError<C> {
    /// A single input error on `field` (empty: not tied to a field).
    pub fn one(field: &str, code: C, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// The same input errors, reported on `to` where they were on `from` (e.g. a bulk
    /// mutation's `ids` reusing the single-object writer that reports on `id`).
    pub fn rename_field(self, from: &str, to: &str) -> Self {
        match self {
            Self::Invalid(errors) => Self::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        if e.field.as_deref() == Some(from) {
                            e.field = Some(to.to_owned());
                        }
                        e
                    })
                    .collect(),
            ),
            internal => internal,
        }
    }

    /// Input errors with their codes converted into another domain's enum.
    pub fn map_code<D>(self, f: impl Fn(C) -> D) -> DomainError<D> {
        match self {
            Self::Invalid(errors) => {
                DomainError::Invalid(errors.into_iter().map(|e| e.map_code(&f)).collect())
            }
            Self::Internal(e) => DomainError::Internal(e),
        }
    }
}

impl<C: ErrorCode> DomainError<C> {
    /// `NOT_FOUND` on `field`.
    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        FieldError::not_found(field, message).into()
    }

    /// `INVALID` on `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        FieldError::invalid(field, message).into()
    }
}

impl<C> From<FieldError<C>> for DomainError<C> {
    fn from(e: FieldError<C>) -> Self {
        Self::Invalid(vec![e])
    }
}

impl<C> From<Vec<FieldError<C>>> for DomainError<C> {
    fn from(errors: Vec<FieldError<C>>) -> Self {
        Self::Invalid(errors)
    }
}

impl<C> From<sea_orm::DbErr> for DomainError<C> {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Internal(e.into())
    }
}

/// The result of a domain operation.
pub type DomainResult<T, C> = Result<T, DomainError<C>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Code {
        Graphql,
        Invalid,
        NotFound,
        Other,
    }

    impl ErrorCode for Code {
        const GRAPHQL_ERROR: Self = Self::Graphql;
        const INVALID: Self = Self::Invalid;
        const NOT_FOUND: Self = Self::NotFound;
    }

    #[test]
    fn helpers_pick_the_shared_codes_and_keep_refs() {
        let e = FieldError::<Code>::not_found("id", "Couldn't resolve")
            .with_refs(|r| r.variants = Some(vec!["UHJvZHVjdFZhcmlhbnQ6MQ==".into()]))
            .at_index(3);
        assert_eq!(e.code, Code::NotFound);
        assert_eq!(e.field.as_deref(), Some("id"));
        assert_eq!(e.refs.index, Some(3));
        assert_eq!(e.refs.variants.as_ref().map(Vec::len), Some(1));
        assert_eq!(FieldError::<Code>::invalid("", "x").field, None);
        assert_eq!(FieldError::<Code>::graphql("a", "x").code, Code::Graphql);
    }

    #[test]
    fn codes_convert_between_domains() {
        let err: DomainError<Code> = FieldError::new("a", Code::Other, "m").into();
        let DomainError::Invalid(errors) = err.map_code(|c| c == Code::Other) else {
            panic!("input errors stay input errors")
        };
        assert!(errors[0].code);
        let internal: DomainError<Code> = sea_orm::DbErr::Custom("boom".into()).into();
        assert!(matches!(internal.map_code(|_| 0), DomainError::Internal(_)));
    }

    #[test]
    fn errors_move_between_fields() {
        let DomainError::Invalid(errors) =
            DomainError::<Code>::not_found("id", "gone").rename_field("id", "ids")
        else {
            panic!("input errors stay input errors")
        };
        assert_eq!(errors[0].field.as_deref(), Some("ids"));
        assert_eq!(errors[0].code, Code::NotFound);
        let DomainError::Invalid(errors) =
            DomainError::one("name", Code::Other, "m").rename_field("id", "ids")
        else {
            panic!("input errors stay input errors")
        };
        assert_eq!(errors[0].field.as_deref(), Some("name"));
    }
}
