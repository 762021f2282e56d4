//! The GraphQL side of mutations, one way each:
//! - [`error_object!`](crate::error_object) declares a Saleor error type (`ProductError`,
//!   `AccountError`, …) from the names of its fields, with Saleor's descriptions, and converts
//!   a domain [`FieldError`] into it;
//! - [`payload!`](crate::payload) declares a mutation payload with `errors` (and Saleor's
//!   deprecated `xxxErrors` alias where Saleor has one);
//! - [`respond`] turns a domain result into the payload: the value through the caller's
//!   closure, input errors into `errors`, internal failures into a top-level error that
//!   reveals nothing (logged with the request id).
//!
//! A resolver therefore reads:
//! ```ignore
//! let (state, req) = parts(ctx)?;
//! req.require_any(&[Permission::ManageProducts])?;
//! let result = state.catalog.create_product(input.try_into()?).await;
//! respond(req, result, |product| ProductCreate { product: Some(product.into()), ..Default::default() })
//! ```

use async_graphql::ID;

use super::context::RequestCtx;
use super::mutation::{DomainError, DomainResult, FieldError};

/// A mutation payload: something that can carry only errors.
pub trait Payload: Default {
    /// The payload's Saleor error type.
    type Error;

    /// A payload carrying only `errors` (and the deprecated alias, if any).
    fn failed(errors: Vec<Self::Error>) -> Self;
}

/// Turns a domain result into a payload: `ok(value)`, or the input errors in `errors`, or
/// a top-level internal error.
pub fn respond<P, T, C>(
    req: &RequestCtx,
    result: DomainResult<T, C>,
    ok: impl FnOnce(T) -> P,
) -> async_graphql::Result<P>
where
    P: Payload,
    P::Error: From<FieldError<C>>,
{
    match result {
        Ok(value) => Ok(ok(value)),
        Err(DomainError::Invalid(errors)) => {
            Ok(P::failed(errors.into_iter().map(Into::into).collect()))
        }
        Err(DomainError::Internal(e)) => Err(req.internal(format!("{e:#}"))),
    }
}

/// Global IDs listed by an error, as GraphQL IDs.
pub fn ids(ids: &Option<Vec<String>>) -> Option<Vec<ID>> {
    ids.as_ref()
        .map(|ids| ids.iter().cloned().map(ID).collect())
}

/// Declares a Saleor error object from the names of its fields, in Saleor's order:
/// `field`, `message` and `code` (of the given code enum) plus any of the object lists
/// Saleor's type has (`attributes`, `values`, `channels`, `variants`, `lines`,
/// `order_lines`, `products`, `warehouse(s)`, `shipping_zones`, `permissions`, `users`,
/// `groups`, `stocks`, `channel_listings`, `voucher_codes`, `country_codes`,
/// `tax_class_ids`, `address_type`, `index`, `path`, `rules_limit(_exceed_by)`,
/// `gifts_limit(_exceed_by)`), filled from [`FieldError::refs`].
///
/// ```ignore
/// error_object! {
///     /// Represents errors in product mutations.
///     ProductError(ProductErrorCode) { field, message, code, attributes, values }
/// }
/// ```
#[macro_export]
macro_rules! error_object {
    ($(#[$meta:meta])* $name:ident($code:ty) { $($word:ident),* $(,)? }) => {
        $crate::error_object!(@build [$(#[$meta])*] $name ($code) [] $($word)*);

        impl<C> From<$crate::core::mutation::FieldError<C>> for $name
        where
            $code: From<C>,
        {
            fn from(e: $crate::core::mutation::FieldError<C>) -> Self {
                Self { $($word: $crate::error_object!(@value e $word),)* }
            }
        }
    };

    (@build [$($meta:tt)*] $name:ident ($code:ty) [$($acc:tt)*]) => {
        #[derive(async_graphql::SimpleObject, Clone, Debug)]
        $($meta)*
        pub struct $name { $($acc)* }
    };

    // One rule per word: the field's description and type, as in Saleor 3.23.
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] field $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Name of a field that caused the error. A value of `null` indicates that the error isn't associated with a particular field."]
        pub field: Option<String>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] message $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "The error message."]
        pub message: Option<String>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] code $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "The error code."]
        pub code: $code,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] path $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Path to field that caused the error. A value of `null` indicates that the error isn't associated with a particular field."]
        pub path: Option<String>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] index $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Index of an input list item that caused the error."]
        pub index: Option<i32>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] address_type $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "A type of address that causes the error."]
        pub address_type: Option<$crate::core::address::AddressTypeEnum>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] permissions $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of permissions which causes the error."]
        pub permissions: Option<Vec<$crate::core::permissions::Permission>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] warehouse $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Warehouse ID which causes the error."]
        pub warehouse: Option<async_graphql::ID>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] voucher_codes $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of voucher codes which causes the error."]
        pub voucher_codes: Option<Vec<String>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] country_codes $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of country codes for which the configuration is invalid."]
        pub country_codes: Vec<String>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] tax_class_ids $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of tax class IDs for which the update failed."]
        pub tax_class_ids: Vec<String>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] rules_limit $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Limit of rules with orderPredicate defined."]
        pub rules_limit: Option<i32>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] rules_limit_exceed_by $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Number of rules with orderPredicate defined exceeding the limit."]
        pub rules_limit_exceed_by: Option<i32>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] gifts_limit $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Limit of gifts assigned to promotion rule."]
        pub gifts_limit: Option<i32>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] gifts_limit_exceed_by $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "Number of gifts defined for this promotion rule exceeding the limit."]
        pub gifts_limit_exceed_by: Option<i32>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] attributes $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of attributes IDs which causes the error."]
        pub attributes: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] values $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of attribute values IDs which causes the error."]
        pub values: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] channels $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of channels IDs which causes the error."]
        pub channels: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] channel_listings $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of channel listings IDs which causes the error."]
        pub channel_listings: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    // Saleor words `OrderError.variants` differently from every other error type.
    (@build $meta:tt OrderError ($code:ty) [$($acc:tt)*] variants $($rest:ident)*) => {
        $crate::error_object!(@build $meta OrderError ($code) [$($acc)*
        #[doc = "List of product variants that are associated with the error"]
        pub variants: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] variants $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of variants IDs which causes the error."]
        pub variants: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] lines $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of line Ids which cause the error."]
        pub lines: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] order_lines $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of order line IDs that cause the error."]
        pub order_lines: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] products $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of products IDs which causes the error."]
        pub products: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] warehouses $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of warehouse IDs which causes the error."]
        pub warehouses: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] shipping_zones $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of shipping zones IDs which causes the error."]
        pub shipping_zones: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] stocks $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of stocks IDs which causes the error."]
        pub stocks: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] users $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of user IDs which causes the error."]
        pub users: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };
    (@build $meta:tt $name:ident ($code:ty) [$($acc:tt)*] groups $($rest:ident)*) => {
        $crate::error_object!(@build $meta $name ($code) [$($acc)*
        #[doc = "List of permission group IDs which cause the error."]
        pub groups: Option<Vec<async_graphql::ID>>,
        ] $($rest)*);
    };

    // One value per word, from the domain error `$e`.
    (@value $e:ident field) => { $e.field.clone() };
    (@value $e:ident message) => { Some($e.message.clone()) };
    (@value $e:ident code) => { $e.code.into() };
    (@value $e:ident path) => { $e.field.clone() };
    (@value $e:ident index) => { $e.refs.index };
    (@value $e:ident address_type) => { $e.refs.address_type };
    (@value $e:ident permissions) => { $e.refs.permissions.clone() };
    (@value $e:ident warehouse) => { $e.refs.warehouse.clone().map(async_graphql::ID) };
    (@value $e:ident voucher_codes) => { $e.refs.voucher_codes.clone() };
    (@value $e:ident country_codes) => { $e.refs.country_codes.clone().unwrap_or_default() };
    (@value $e:ident tax_class_ids) => { $e.refs.tax_class_ids.clone().unwrap_or_default() };
    (@value $e:ident rules_limit) => { $e.refs.rules_limit };
    (@value $e:ident rules_limit_exceed_by) => { $e.refs.rules_limit_exceed_by };
    (@value $e:ident gifts_limit) => { $e.refs.gifts_limit };
    (@value $e:ident gifts_limit_exceed_by) => { $e.refs.gifts_limit_exceed_by };
    (@value $e:ident $list:ident) => { $crate::core::payload::ids(&$e.refs.$list) };
}

/// Declares a mutation payload: its fields in Saleor's order, with `@errors ErrorType`
/// where the error lists go (`legacy xxx_errors` adds Saleor's deprecated alias).
///
/// ```ignore
/// payload! {
///     /// Creates a new product.
///     ProductCreate {
///         @errors ProductError, legacy product_errors;
///         product: Option<ProductNode>,
///     }
/// }
/// ```
#[macro_export]
macro_rules! payload {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$bmeta:meta])* $before:ident : $btype:ty,)*
        @errors $err:ty $(, legacy $legacy:ident)?;
        $($(#[$ameta:meta])* $after:ident : $atype:ty),* $(,)?
    }) => {
        #[derive(async_graphql::SimpleObject, Default)]
        $(#[$meta])*
        pub struct $name {
            $($(#[$bmeta])* pub $before: $btype,)*
            $(
                #[graphql(deprecation = "Use `errors` field instead.")]
                pub $legacy: Vec<$err>,
            )?
            pub errors: Vec<$err>,
            $($(#[$ameta])* pub $after: $atype,)*
        }

        impl $crate::core::payload::Payload for $name {
            type Error = $err;

            #[allow(clippy::needless_update)]
            fn failed(errors: Vec<$err>) -> Self {
                Self { $($legacy: errors.clone(),)? errors, ..Default::default() }
            }
        }
    };
}
