//! GraphQL building blocks shared by catalog and content types: scalars, money, images,
//! languages and the enums of Saleor's catalog.

use async_graphql::{
    Context, Enum, InputValueError, InputValueResult, Result, Scalar, ScalarType, SelectionField,
    SimpleObject, Value,
};

use crate::catalog::loaders::{CatalogLoaders, Kind, Prefetched, TranslationKey};
use crate::catalog::money;
use crate::core::country::LanguageCodeEnum;
use crate::state::parts;

pub use crate::core::scalars::JsonString;

/// The `PositiveInt` scalar: an integer greater than zero.
#[derive(Clone, Copy, Debug)]
pub struct PositiveInt(pub i32);

#[Scalar(name = "PositiveInt")]
impl ScalarType for PositiveInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => match n.as_i64().and_then(|n| i32::try_from(n).ok()) {
                Some(n) if n > 0 => Ok(PositiveInt(n)),
                _ => Err(InputValueError::custom("Value must be a positive integer.")),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// Represents amount of money in specific currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Currency code.
    #[graphql(complexity = 0)]
    pub currency: String,
    /// Amount of money.
    #[graphql(complexity = 0)]
    pub amount: f64,
    /// Amount of money as an integer in the smallest currency unit.
    #[graphql(complexity = 0)]
    pub fractional_amount: i32,
    /// Number of digits after the decimal point in the currency.
    #[graphql(complexity = 0)]
    pub fraction_digits: i32,
}

impl Money {
    /// Money from minor units of `currency`.
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        let digits = money::fraction_digits(currency);
        let amount = money::to_decimal(minor, currency);
        Self {
            currency: currency.to_owned(),
            // Float only at the GraphQL boundary, as Saleor's schema has it.
            amount: amount.to_string().parse().unwrap_or(0.0),
            fractional_amount: i32::try_from(minor).unwrap_or(i32::MAX),
            fraction_digits: digits as i32,
        }
    }
}

/// Represents a monetary value with taxes. In cases where taxes were not applied, net and
/// gross values will be equal.
#[derive(SimpleObject, Clone, Debug)]
pub struct TaxedMoney {
    /// Currency code.
    #[graphql(complexity = 0)]
    pub currency: String,
    /// Amount of money including taxes.
    #[graphql(complexity = 0)]
    pub gross: Money,
    /// Amount of money without taxes.
    #[graphql(complexity = 0)]
    pub net: Money,
    /// Amount of taxes.
    #[graphql(complexity = 0)]
    pub tax: Money,
}

impl TaxedMoney {
    /// Net = gross: an amount no tax applies to.
    pub fn untaxed(minor: i64, currency: &str) -> Self {
        Self::taxed(crate::tax::Taxed::untaxed(minor), currency)
    }

    /// A taxed amount in minor units.
    pub fn taxed(t: crate::tax::Taxed, currency: &str) -> Self {
        Self {
            currency: currency.to_owned(),
            gross: Money::from_minor(t.gross, currency),
            net: Money::from_minor(t.net, currency),
            tax: Money::from_minor(t.tax(), currency),
        }
    }
}

/// Represents a range of monetary values.
#[derive(SimpleObject, Clone, Debug)]
pub struct TaxedMoneyRange {
    /// Lower bound of a price range.
    #[graphql(complexity = 0)]
    pub start: Option<TaxedMoney>,
    /// Upper bound of a price range.
    #[graphql(complexity = 0)]
    pub stop: Option<TaxedMoney>,
}

pub use crate::core::image::Image;

/// Represents a file.
#[derive(SimpleObject, Clone, Debug)]
pub struct File {
    /// The URL of the file.
    #[graphql(complexity = 0)]
    pub url: String,
    /// Content type of the file.
    #[graphql(complexity = 0)]
    pub content_type: Option<String>,
}

/// A language with its display name.
#[derive(SimpleObject, Clone, Debug)]
pub struct LanguageDisplay {
    /// ISO 639 representation of the language name.
    #[graphql(complexity = 0)]
    pub code: LanguageCodeEnum,
    /// Full name of the language.
    #[graphql(complexity = 0)]
    pub language: String,
}

impl From<LanguageCodeEnum> for LanguageDisplay {
    fn from(code: LanguageCodeEnum) -> Self {
        Self {
            code,
            language: code.name().to_owned(),
        }
    }
}

/// Image formats of thumbnails.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ThumbnailFormatEnum")]
pub enum ThumbnailFormatEnum {
    Original,
    Avif,
    Webp,
}

/// Type of product media.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProductMediaType")]
pub enum ProductMediaType {
    Image,
    Video,
}

/// Input types of attributes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AttributeInputTypeEnum")]
pub enum AttributeInputTypeEnum {
    Dropdown,
    Multiselect,
    File,
    Reference,
    SingleReference,
    Numeric,
    RichText,
    PlainText,
    Swatch,
    Boolean,
    Date,
    DateTime,
}

impl AttributeInputTypeEnum {
    /// The stored name (`DROPDOWN`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dropdown => "DROPDOWN",
            Self::Multiselect => "MULTISELECT",
            Self::File => "FILE",
            Self::Reference => "REFERENCE",
            Self::SingleReference => "SINGLE_REFERENCE",
            Self::Numeric => "NUMERIC",
            Self::RichText => "RICH_TEXT",
            Self::PlainText => "PLAIN_TEXT",
            Self::Swatch => "SWATCH",
            Self::Boolean => "BOOLEAN",
            Self::Date => "DATE",
            Self::DateTime => "DATE_TIME",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Dropdown,
            Self::Multiselect,
            Self::File,
            Self::Reference,
            Self::SingleReference,
            Self::Numeric,
            Self::RichText,
            Self::PlainText,
            Self::Swatch,
            Self::Boolean,
            Self::Date,
            Self::DateTime,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// Types of attributes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AttributeTypeEnum")]
pub enum AttributeTypeEnum {
    ProductType,
    PageType,
    CustomerType,
}

/// Entity types a reference attribute can point at.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AttributeEntityTypeEnum")]
pub enum AttributeEntityTypeEnum {
    Page,
    Product,
    ProductVariant,
    Category,
    Collection,
}

/// Which variant attributes to return.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "VariantAttributeScope")]
pub enum VariantAttributeScope {
    All,
    VariantSelection,
    NotVariantSelection,
}

/// Saleor's `WeightUnitsEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WeightUnitsEnum {
    G,
    Lb,
    Oz,
    Kg,
    Tonne,
}

/// Represents weight value in a specific weight unit.
#[derive(async_graphql::SimpleObject, Clone, Copy, Debug)]
pub struct Weight {
    /// Weight unit.
    pub unit: WeightUnitsEnum,
    /// Weight value.
    pub value: f64,
}

impl Weight {
    /// A stored weight (grams) in the shop's default unit, kilograms.
    pub fn from_grams(grams: i32) -> Self {
        Self {
            unit: WeightUnitsEnum::Kg,
            value: f64::from(grams) / 1000.0,
        }
    }
}

impl WeightUnitsEnum {
    /// Grams in one of this unit.
    fn grams(self) -> f64 {
        match self {
            Self::G => 1.0,
            Self::Lb => 453.592_37,
            Self::Oz => 28.349_523_125,
            Self::Kg => 1000.0,
            Self::Tonne => 1_000_000.0,
        }
    }
}

/// Saleor's `WeightScalar` input: a number in the shop's default unit (kilograms), or an
/// object `{value, unit}` with a `WeightUnitsEnum` unit. Held in grams.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightScalar(pub f64);

#[Scalar(name = "WeightScalar")]
impl ScalarType for WeightScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        let number = |v: &Value| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        let grams = match &value {
            Value::Object(fields) => {
                let amount = fields.get("value").and_then(number);
                let unit = match fields.get("unit") {
                    Some(Value::Enum(n)) => Some(n.as_str().to_owned()),
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => None,
                };
                let unit = unit.and_then(|u| match u.to_ascii_uppercase().as_str() {
                    "G" => Some(WeightUnitsEnum::G),
                    "LB" => Some(WeightUnitsEnum::Lb),
                    "OZ" => Some(WeightUnitsEnum::Oz),
                    "KG" => Some(WeightUnitsEnum::Kg),
                    "TONNE" => Some(WeightUnitsEnum::Tonne),
                    _ => None,
                });
                match (amount, unit) {
                    (Some(a), Some(u)) => a * u.grams(),
                    _ => {
                        return Err(InputValueError::custom(
                            "Weight must be a number or {value, unit} with a WeightUnitsEnum unit.",
                        ));
                    }
                }
            }
            other => match number(other) {
                Some(kg) => kg * WeightUnitsEnum::Kg.grams(),
                None => return Err(InputValueError::expected_type(value)),
            },
        };
        if grams.is_finite() {
            Ok(WeightScalar(grams))
        } else {
            Err(InputValueError::custom("Weight must be a finite number."))
        }
    }

    fn to_value(&self) -> Value {
        async_graphql::Number::from_f64(self.0 / WeightUnitsEnum::Kg.grams())
            .map_or(Value::Null, Value::Number)
    }
}

/// Kinds of product types.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProductTypeKindEnum")]
pub enum ProductTypeKindEnum {
    Normal,
    GiftCard,
}

pub use crate::core::connection::OrderDirection;

/// The catalog dataloaders (from the registry).
pub fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a CatalogLoaders> {
    Ok(&crate::loaders::loaders(ctx)?.catalog)
}

/// Loads the translation of `(kind, id)` into `language`.
pub async fn translation(
    ctx: &Context<'_>,
    kind: Kind,
    id: i32,
    language: LanguageCodeEnum,
) -> Result<Option<entities::translation::Model>> {
    let (_, req) = parts(ctx)?;
    crate::loaders::loaders(ctx)?
        .catalog
        .translations
        .load_one(TranslationKey { kind, id, language })
        .await
        .map_err(|e| req.internal(e))
}

/// The translation of `(kind, id)` into `language`: the prefetched one when it was fetched
/// for that language, otherwise through the loader.
pub async fn translated(
    ctx: &Context<'_>,
    kind: Kind,
    id: i32,
    language: LanguageCodeEnum,
    prefetched: &Prefetched,
) -> Result<Option<entities::translation::Model>> {
    match prefetched {
        Some((l, t)) if *l == language => Ok(t.clone()),
        _ => translation(ctx, kind, id, language).await,
    }
}

/// The single language the selection under `paths` (from the current field) asks
/// translations in (the `languageCode` argument of `translation` fields), if exactly one.
pub fn requested_language(ctx: &Context<'_>, paths: &[&[&str]]) -> Option<LanguageCodeEnum> {
    language_under(&[ctx.field()], paths)
}

/// Children named `name` of `fields` (through fragments).
pub fn children<'a>(fields: &[SelectionField<'a>], name: &str) -> Vec<SelectionField<'a>> {
    fields
        .iter()
        .flat_map(|f| f.selection_set().filter(|c| c.name() == name))
        .collect()
}

/// Like [`requested_language`], from the given fields.
pub fn language_under(
    fields: &[SelectionField<'_>],
    paths: &[&[&str]],
) -> Option<LanguageCodeEnum> {
    let mut found: Vec<LanguageCodeEnum> = Vec::new();
    for path in paths {
        let mut level: Vec<SelectionField<'_>> = fields.to_vec();
        for name in *path {
            level = children(&level, name);
        }
        for field in level {
            let Ok(args) = field.arguments() else {
                continue;
            };
            for (name, value) in args {
                if name.as_str() != "languageCode" {
                    continue;
                }
                let code = match &value {
                    Value::Enum(n) => Some(n.as_str().to_owned()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                };
                if let Some(l) = code.as_deref().and_then(LanguageCodeEnum::parse)
                    && !found.contains(&l)
                {
                    found.push(l);
                }
            }
        }
    }
    match found.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The URL of an image at `size`/`format`: external URLs as they are; uploaded images as
/// an absolute URL of the original (no `size`) or of a `/thumbnail/…` (see `crate::media`).
pub fn image_url(
    ctx: &async_graphql::Context<'_>,
    url: &str,
    size: Option<i32>,
    format: Option<ThumbnailFormatEnum>,
) -> String {
    crate::media::image_url(ctx, url, size, format)
}

/// Declares a Saleor translation type (`XxxTranslation`) over `translation::Model`; the shape
/// names its fields: `full` (seo, slug, name, description), `page` (seo, slug, title,
/// content), `name` (name!), `value` (name!, plainText).
#[macro_export]
macro_rules! translation_type {
    ($ty:ident, $name:literal, $doc:literal, $shape:ident) => {
        #[doc = $doc]
        pub struct $ty(pub entities::translation::Model);

        $crate::translation_type!(@impl $ty, $name, $shape);
    };
    (@impl $ty:ident, $name:literal, full) => {
        #[async_graphql::Object(name = $name)]
        impl $ty {
            #[graphql(complexity = 0)]
            /// The ID of the translation.
            async fn id(&self) -> async_graphql::ID { $crate::core::id::encode($name, self.0.id) }
            /// Translation language.
            async fn language(&self) -> $crate::catalog::api::common::LanguageDisplay { $crate::catalog::api::common::language(&self.0) }
            #[graphql(complexity = 0)]
            /// Translated SEO title.
            async fn seo_title(&self) -> Option<&str> { self.0.seo_title.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated SEO description.
            async fn seo_description(&self) -> Option<&str> { self.0.seo_description.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated slug.
            async fn slug(&self) -> Option<&str> { self.0.slug.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated name.
            async fn name(&self) -> Option<&str> { self.0.name.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated description (Editor.js JSON).
            async fn description(&self) -> Option<$crate::catalog::api::common::JsonString> {
                self.0.description.clone().map($crate::catalog::api::common::JsonString)
            }
        }
    };
    (@impl $ty:ident, $name:literal, page) => {
        #[async_graphql::Object(name = $name)]
        impl $ty {
            #[graphql(complexity = 0)]
            /// The ID of the translation.
            async fn id(&self) -> async_graphql::ID { $crate::core::id::encode($name, self.0.id) }
            /// Translation language.
            async fn language(&self) -> $crate::catalog::api::common::LanguageDisplay { $crate::catalog::api::common::language(&self.0) }
            #[graphql(complexity = 0)]
            /// Translated SEO title.
            async fn seo_title(&self) -> Option<&str> { self.0.seo_title.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated SEO description.
            async fn seo_description(&self) -> Option<&str> { self.0.seo_description.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated slug.
            async fn slug(&self) -> Option<&str> { self.0.slug.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated title.
            async fn title(&self) -> Option<&str> { self.0.name.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated content (Editor.js JSON).
            async fn content(&self) -> Option<$crate::catalog::api::common::JsonString> {
                self.0.description.clone().map($crate::catalog::api::common::JsonString)
            }
        }
    };
    (@impl $ty:ident, $name:literal, name) => {
        #[async_graphql::Object(name = $name)]
        impl $ty {
            #[graphql(complexity = 0)]
            /// The ID of the translation.
            async fn id(&self) -> async_graphql::ID { $crate::core::id::encode($name, self.0.id) }
            /// Translation language.
            async fn language(&self) -> $crate::catalog::api::common::LanguageDisplay { $crate::catalog::api::common::language(&self.0) }
            #[graphql(complexity = 0)]
            /// Translated name.
            async fn name(&self) -> &str { self.0.name.as_deref().unwrap_or_default() }
        }
    };
    (@impl $ty:ident, $name:literal, value) => {
        #[async_graphql::Object(name = $name)]
        impl $ty {
            #[graphql(complexity = 0)]
            /// The ID of the translation.
            async fn id(&self) -> async_graphql::ID { $crate::core::id::encode($name, self.0.id) }
            /// Translation language.
            async fn language(&self) -> $crate::catalog::api::common::LanguageDisplay { $crate::catalog::api::common::language(&self.0) }
            #[graphql(complexity = 0)]
            /// Translated name.
            async fn name(&self) -> &str { self.0.name.as_deref().unwrap_or_default() }
            #[graphql(complexity = 0)]
            /// Translated plain text.
            async fn plain_text(&self) -> Option<&str> { self.0.plain_text.as_deref() }
            #[graphql(complexity = 0)]
            /// Translated rich text (Editor.js JSON).
            async fn rich_text(&self) -> Option<$crate::catalog::api::common::JsonString> {
                self.0.description.clone().map($crate::catalog::api::common::JsonString)
            }
        }
    };
}

/// The language of a stored translation.
pub fn language(t: &entities::translation::Model) -> LanguageDisplay {
    LanguageCodeEnum::parse(&t.language_code)
        .unwrap_or(LanguageCodeEnum::EN)
        .into()
}
