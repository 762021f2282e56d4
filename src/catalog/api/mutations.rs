//! GraphQL: staff catalog mutations, with Saleor's inputs, payloads, error types and
//! permissions. Resolvers parse and authorize; `catalog::write` does the work.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject, Upload};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::attributes::AttributeNode;
use super::category::{CategoryNode, CollectionNode};
use super::common::{
    AttributeEntityTypeEnum, AttributeInputTypeEnum, AttributeTypeEnum, JsonString,
    ProductTypeKindEnum, WeightScalar,
};
use super::inputs::Date;
use super::products::{ProductMediaNode, ProductNode, ProductTypeNode, VariantNode};
use crate::catalog::read::{ProductLookup, Viewer, variants_where};
use crate::catalog::write::{
    AttributeFields, AttributeValue, CategoryFields, Code, FieldError, ProductFields,
    ProductListingChange, ProductTypeFields, VariantFields, VariantPrice, WriteError,
};
use crate::core::{context::RequestCtx, id, metadata::MetadataInput, permissions::Permission};
use crate::state::AppState;
use crate::state::parts;

/// Saleor's product error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProductErrorCode")]
pub enum ProductErrorCode {
    AlreadyExists,
    AttributeAlreadyAssigned,
    AttributeCannotBeAssigned,
    AttributeVariantsDisabled,
    MediaAlreadyAssigned,
    DuplicatedInputItem,
    GraphqlError,
    Invalid,
    InvalidPrice,
    ProductWithoutCategory,
    NotProductsImage,
    NotProductsVariant,
    NotFound,
    Required,
    Unique,
    CannotManageProductWithoutVariant,
    ProductNotAssignedToChannel,
    UnsupportedMediaProvider,
    #[graphql(
        deprecation = "Preorder is deprecated and will be removed. Model pre-sales with regular stock instead: create the planned quantity in a warehouse, or set `trackInventory` to false to sell without a stock limit."
    )]
    PreorderVariantCannotBeDeactivated,
    InvalidFileType,
    UnsupportedMimeType,
    FileSizeLimitExceeded,
}

impl From<Code> for ProductErrorCode {
    fn from(c: Code) -> Self {
        match c {
            Code::AlreadyExists => Self::AlreadyExists,
            Code::AttributeAlreadyAssigned => Self::AttributeAlreadyAssigned,
            Code::AttributeCannotBeAssigned => Self::AttributeCannotBeAssigned,
            Code::AttributeVariantsDisabled => Self::AttributeVariantsDisabled,
            Code::DuplicatedInputItem => Self::DuplicatedInputItem,
            Code::GraphqlError => Self::GraphqlError,
            Code::Invalid => Self::Invalid,
            Code::InvalidPrice => Self::InvalidPrice,
            Code::NotFound => Self::NotFound,
            Code::ProductNotAssignedToChannel => Self::ProductNotAssignedToChannel,
            Code::Required => Self::Required,
            Code::Unique => Self::Unique,
            Code::CannotAssignNode | Code::TooManyMenuItems => Self::Invalid,
        }
    }
}

/// Saleor's collection error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "CollectionErrorCode")]
pub enum CollectionErrorCode {
    DuplicatedInputItem,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    #[graphql(
        deprecation = "Products without variants can now be assigned to collections. This error will never be returned."
    )]
    CannotManageProductWithoutVariant,
    FileSizeLimitExceeded,
}

impl From<Code> for CollectionErrorCode {
    fn from(c: Code) -> Self {
        match c {
            Code::DuplicatedInputItem => Self::DuplicatedInputItem,
            Code::GraphqlError => Self::GraphqlError,
            Code::NotFound => Self::NotFound,
            Code::Required => Self::Required,
            Code::Unique => Self::Unique,
            _ => Self::Invalid,
        }
    }
}

/// Saleor's attribute error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "AttributeErrorCode")]
pub enum AttributeErrorCode {
    AlreadyExists,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
}

impl From<Code> for AttributeErrorCode {
    fn from(c: Code) -> Self {
        match c {
            Code::AlreadyExists | Code::DuplicatedInputItem => Self::AlreadyExists,
            Code::GraphqlError => Self::GraphqlError,
            Code::NotFound => Self::NotFound,
            Code::Required => Self::Required,
            Code::Unique => Self::Unique,
            _ => Self::Invalid,
        }
    }
}

/// Saleor's translation error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "TranslationErrorCode")]
pub enum TranslationErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
}

impl From<Code> for TranslationErrorCode {
    fn from(c: Code) -> Self {
        match c {
            Code::GraphqlError => Self::GraphqlError,
            Code::NotFound => Self::NotFound,
            Code::Required => Self::Required,
            Code::Unique => Self::Unique,
            _ => Self::Invalid,
        }
    }
}

/// An error of a product mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct ProductError {
    /// Name of a field that caused the error.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: ProductErrorCode,
    /// List of attributes IDs which causes the error.
    pub attributes: Option<Vec<ID>>,
    /// List of attribute values IDs which causes the error.
    pub values: Option<Vec<ID>>,
}

/// An error of a channel listing mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct ProductChannelListingError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: ProductErrorCode,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
    /// List of channels IDs which causes the error.
    pub channels: Option<Vec<ID>>,
    /// List of variants IDs which causes the error.
    pub variants: Option<Vec<ID>>,
}

/// An error of a collection channel listing mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct CollectionChannelListingError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: ProductErrorCode,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
    pub channels: Option<Vec<ID>>,
}

/// An error of a stock mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkStockError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: ProductErrorCode,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
    /// Index of an input list item that caused the error.
    pub index: Option<i32>,
}

/// An error of a collection mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct CollectionError {
    pub field: Option<String>,
    pub message: Option<String>,
    /// List of products IDs which causes the error.
    pub products: Option<Vec<ID>>,
    pub code: CollectionErrorCode,
}

/// An error of an attribute mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct AttributeError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: AttributeErrorCode,
}

/// An error of a translation mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct TranslationError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: TranslationErrorCode,
}

impl From<FieldError> for ProductError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            attributes: None,
            values: None,
        }
    }
}

impl From<FieldError> for ProductChannelListingError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            attributes: None,
            values: None,
            channels: None,
            variants: None,
        }
    }
}

impl From<FieldError> for CollectionChannelListingError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            attributes: None,
            values: None,
            channels: None,
        }
    }
}

impl From<FieldError> for BulkStockError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            attributes: None,
            values: None,
            index: e.index,
        }
    }
}

impl From<FieldError> for CollectionError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            products: None,
            code: e.code.into(),
        }
    }
}

impl From<FieldError> for AttributeError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
        }
    }
}

impl From<FieldError> for TranslationError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
        }
    }
}

/// Decodes an ID of an input field; a malformed or foreign ID is a `GRAPHQL_ERROR` on it.
pub(crate) fn decode(gid: &ID, type_name: &str, field: &str) -> Result<i32, Vec<FieldError>> {
    id::decode::<i32>(gid, type_name)
        .map_err(|e| vec![FieldError::new(field, Code::GraphqlError, e.message)])
}

/// Decodes a list of input IDs.
pub(crate) fn decode_all(
    ids: &[ID],
    type_name: &str,
    field: &str,
) -> Result<Vec<i32>, Vec<FieldError>> {
    ids.iter().map(|i| decode(i, type_name, field)).collect()
}

/// Splits a write result: payload errors, or an internal error.
pub(crate) fn split<T>(
    req: &RequestCtx,
    r: Result<T, WriteError>,
) -> Result<Result<T, Vec<FieldError>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(WriteError::Invalid(e)) => Ok(Err(e)),
        Err(WriteError::Db(e)) => Err(req.internal(e)),
    }
}

pub(crate) fn staff_viewer() -> Arc<Viewer> {
    Arc::new(Viewer {
        channel: None,
        staff: true,
        tax: Default::default(),
    })
}

pub(crate) async fn product_node(
    state: &AppState,
    req: &RequestCtx,
    id: i32,
) -> Result<Option<ProductNode>> {
    let viewer = staff_viewer();
    Ok(state
        .catalog
        .products
        .one(&viewer, &ProductLookup::Id(id), None)
        .await
        .map_err(|e| req.internal(e))?
        .map(|r| ProductNode::new(r, viewer)))
}

pub(crate) async fn variant_node(
    state: &AppState,
    req: &RequestCtx,
    id: i32,
) -> Result<Option<VariantNode>> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait};
    let viewer = staff_viewer();
    let cond = Expr::col((Alias::new("v"), entities::product_variant::Column::Id)).eq(id);
    let Some(row) = variants_where(&state.db.conn, -1, cond)
        .await
        .map_err(|e| req.internal(e))?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let Some(product) = state
        .catalog
        .products
        .one(&viewer, &ProductLookup::Id(row.variant.product_id), None)
        .await
        .map_err(|e| req.internal(e))?
    else {
        return Ok(None);
    };
    Ok(Some(VariantNode::new(row, Arc::new(product), viewer)))
}

/// SEO fields.
#[derive(InputObject, Clone, Debug, Default)]
pub struct SeoInput {
    /// SEO title.
    pub title: Option<String>,
    /// SEO description.
    pub description: Option<String>,
}

/// A choice of an attribute by ID, external reference or value.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeValueSelectableTypeInput {
    pub id: Option<ID>,
    pub external_reference: Option<String>,
    pub value: Option<String>,
}

/// A value of an attribute assigned to a product or variant.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeValueInput {
    /// ID of the selected attribute.
    pub id: Option<ID>,
    pub external_reference: Option<String>,
    #[graphql(deprecation = "")]
    pub values: Option<Vec<String>>,
    pub dropdown: Option<AttributeValueSelectableTypeInput>,
    pub swatch: Option<AttributeValueSelectableTypeInput>,
    pub multiselect: Option<Vec<AttributeValueSelectableTypeInput>>,
    pub numeric: Option<String>,
    pub file: Option<String>,
    pub content_type: Option<String>,
    pub reference: Option<ID>,
    pub references: Option<Vec<ID>>,
    pub rich_text: Option<JsonString>,
    pub plain_text: Option<String>,
    pub boolean: Option<bool>,
    pub date: Option<Date>,
    pub date_time: Option<DateTime<Utc>>,
}

/// A value of an attribute assigned to a variant in a bulk mutation.
#[derive(InputObject, Clone, Debug)]
pub struct BulkAttributeValueInput {
    /// ID of the selected attribute.
    pub id: Option<ID>,
    pub external_reference: Option<String>,
    #[graphql(deprecation = "")]
    pub values: Option<Vec<String>>,
    pub dropdown: Option<AttributeValueSelectableTypeInput>,
    pub swatch: Option<AttributeValueSelectableTypeInput>,
    pub multiselect: Option<Vec<AttributeValueSelectableTypeInput>>,
    pub numeric: Option<String>,
    pub file: Option<String>,
    pub content_type: Option<String>,
    pub reference: Option<ID>,
    pub references: Option<Vec<ID>>,
    pub rich_text: Option<JsonString>,
    pub plain_text: Option<String>,
    pub boolean: Option<bool>,
    pub date: Option<Date>,
    pub date_time: Option<DateTime<Utc>>,
}

impl From<BulkAttributeValueInput> for AttributeValueInput {
    fn from(b: BulkAttributeValueInput) -> Self {
        Self {
            id: b.id,
            external_reference: b.external_reference,
            values: b.values,
            dropdown: b.dropdown,
            swatch: b.swatch,
            multiselect: b.multiselect,
            numeric: b.numeric,
            file: b.file,
            content_type: b.content_type,
            reference: b.reference,
            references: b.references,
            rich_text: b.rich_text,
            plain_text: b.plain_text,
            boolean: b.boolean,
            date: b.date,
            date_time: b.date_time,
        }
    }
}

/// Attribute values from Saleor's input.
pub(crate) fn attribute_values(
    input: &[AttributeValueInput],
) -> Result<Vec<AttributeValue>, Vec<FieldError>> {
    let mut out = Vec::new();
    for a in input {
        let Some(gid) = &a.id else {
            return Err(vec![FieldError::new(
                "attributes",
                Code::Required,
                "Attribute ID is required.",
            )]);
        };
        if a.reference.is_some() || a.references.is_some() || a.date.is_some() {
            return Err(vec![FieldError::new(
                "attributes",
                Code::Invalid,
                "Reference and date attribute values are not supported yet.",
            )]);
        }
        let mut choices: Vec<String> = a.values.clone().unwrap_or_default();
        for c in a
            .dropdown
            .iter()
            .chain(a.swatch.iter())
            .chain(a.multiselect.iter().flatten())
        {
            match &c.value {
                Some(v) => choices.push(v.clone()),
                None => {
                    return Err(vec![FieldError::new(
                        "attributes",
                        Code::Invalid,
                        "Choices must be given by value.",
                    )]);
                }
            }
        }
        out.push(AttributeValue {
            attribute_id: decode(gid, "Attribute", "attributes")?,
            choices,
            plain_text: a.plain_text.clone(),
            rich_text: a.rich_text.clone().map(|j| j.0),
            numeric: a.numeric.clone(),
            boolean: a.boolean,
            date_time: a.date_time,
            file_url: a.file.clone(),
            content_type: a.content_type.clone(),
        });
    }
    Ok(out)
}

/// Fields to create a product.
#[derive(InputObject, Clone, Debug)]
pub struct ProductCreateInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    /// Defines the product rating value.
    pub rating: Option<f64>,
    pub attributes: Option<Vec<AttributeValueInput>>,
    pub category: Option<ID>,
    pub collections: Option<Vec<ID>>,
    pub description: Option<JsonString>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub seo: Option<SeoInput>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub external_reference: Option<String>,
    /// ID of a tax class to assign to this product. If not provided, product will use the
    /// tax class which is assigned to the product type.
    pub tax_class: Option<ID>,
    /// ID of the type that product belongs to.
    pub product_type: ID,
}

/// Fields to update a product.
#[derive(InputObject, Clone, Debug)]
pub struct ProductInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    /// Defines the product rating value.
    pub rating: Option<f64>,
    pub attributes: Option<Vec<AttributeValueInput>>,
    pub category: Option<ID>,
    pub collections: Option<Vec<ID>>,
    pub description: Option<JsonString>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub seo: Option<SeoInput>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub external_reference: Option<String>,
    /// ID of a tax class to assign to this product.
    pub tax_class: Option<ID>,
}

/// Grams from a `weight` input of a `what` ("Product", "Product variant", ...): negative
/// or out-of-range weights are rejected on the `weight` field, as in Saleor.
pub(crate) fn weight_input(
    weight: Option<WeightScalar>,
    what: &str,
) -> Result<Option<i32>, Vec<FieldError>> {
    let Some(WeightScalar(grams)) = weight else {
        return Ok(None);
    };
    let invalid = |m: String| Err(vec![FieldError::new("weight", Code::Invalid, m)]);
    if grams < 0.0 {
        return invalid(format!("{what} can't have negative weight."));
    }
    let grams = grams.round();
    if grams > f64::from(i32::MAX) {
        return invalid(format!("{what} weight is too large."));
    }
    Ok(Some(grams as i32))
}

/// Decodes an optional `taxClass` input.
pub(crate) fn tax_class_input(id: &Option<ID>) -> Result<Option<i32>, Vec<FieldError>> {
    id.as_ref()
        .map(|id| decode(id, "TaxClass", "taxClass"))
        .transpose()
}

#[allow(clippy::too_many_arguments)]
fn product_fields(
    attributes: &Option<Vec<AttributeValueInput>>,
    category: &Option<ID>,
    collections: &Option<Vec<ID>>,
    description: &Option<JsonString>,
    name: &Option<String>,
    slug: &Option<String>,
    seo: &Option<SeoInput>,
    metadata: &Option<Vec<MetadataInput>>,
    private_metadata: &Option<Vec<MetadataInput>>,
    external_reference: &Option<String>,
) -> Result<ProductFields, Vec<FieldError>> {
    Ok(ProductFields {
        category_id: category
            .as_ref()
            .map(|c| decode(c, "Category", "category").map(Some))
            .transpose()?,
        name: name.clone(),
        slug: slug.clone(),
        description: description.clone().map(|d| d.0),
        seo_title: seo.as_ref().and_then(|s| s.title.clone()),
        seo_description: seo.as_ref().and_then(|s| s.description.clone()),
        external_reference: external_reference.clone(),
        metadata: metadata.clone(),
        private_metadata: private_metadata.clone(),
        attributes: attribute_values(attributes.as_deref().unwrap_or_default())?,
        collections: collections
            .as_deref()
            .map(|c| decode_all(c, "Collection", "collections"))
            .transpose()?,
        ..Default::default()
    })
}

/// A product's listing in a channel.
#[derive(InputObject, Clone, Debug)]
pub struct ProductChannelListingAddInput {
    pub channel_id: ID,
    pub is_published: Option<bool>,
    #[graphql(deprecation = "Use `publishedAt` field instead.")]
    pub publication_date: Option<Date>,
    pub published_at: Option<DateTime<Utc>>,
    pub visible_in_listings: Option<bool>,
    pub is_available_for_purchase: Option<bool>,
    #[graphql(deprecation = "Use `availableForPurchaseAt` field instead.")]
    pub available_for_purchase_date: Option<Date>,
    pub available_for_purchase_at: Option<DateTime<Utc>>,
    pub add_variants: Option<Vec<ID>>,
    pub remove_variants: Option<Vec<ID>>,
}

/// Channel listing changes of a product.
#[derive(InputObject, Clone, Debug)]
pub struct ProductChannelListingUpdateInput {
    pub update_channels: Option<Vec<ProductChannelListingAddInput>>,
    pub remove_channels: Option<Vec<ID>>,
}

fn date_start(d: Option<Date>) -> Option<DateTime<Utc>> {
    d.and_then(|d| d.0.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Stock of a variant in a warehouse.
#[derive(InputObject, Clone, Debug)]
pub struct StockInput {
    pub warehouse: ID,
    pub quantity: i32,
}

fn stocks(input: &[StockInput]) -> Result<Vec<(i32, i32)>, Vec<FieldError>> {
    input
        .iter()
        .enumerate()
        .map(|(i, s)| {
            decode(&s.warehouse, "Warehouse", "warehouse")
                .map(|w| (w, s.quantity))
                .map_err(|mut e| {
                    for x in &mut e {
                        x.index = Some(i as i32);
                    }
                    e
                })
        })
        .collect()
}

/// Fields to create a variant.
#[derive(InputObject, Clone, Debug)]
pub struct ProductVariantCreateInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    pub attributes: Vec<AttributeValueInput>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub track_inventory: Option<bool>,
    pub quantity_limit_per_customer: Option<i32>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub external_reference: Option<String>,
    pub product: ID,
    pub stocks: Option<Vec<StockInput>>,
}

/// Fields to update a variant.
#[derive(InputObject, Clone, Debug)]
pub struct ProductVariantInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    pub attributes: Option<Vec<AttributeValueInput>>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub track_inventory: Option<bool>,
    pub quantity_limit_per_customer: Option<i32>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub external_reference: Option<String>,
}

/// A variant's price in a channel.
#[derive(InputObject, Clone, Debug)]
pub struct ProductVariantChannelListingAddInput {
    pub channel_id: ID,
    pub price: PositiveDecimal,
    pub cost_price: Option<PositiveDecimal>,
    pub prior_price: Option<PositiveDecimal>,
}

/// The `PositiveDecimal` scalar: a decimal greater than or equal to zero.
#[derive(Clone, Copy, Debug)]
pub struct PositiveDecimal(pub Decimal);

#[async_graphql::Scalar(name = "PositiveDecimal")]
impl async_graphql::ScalarType for PositiveDecimal {
    fn parse(value: async_graphql::Value) -> async_graphql::InputValueResult<Self> {
        let d = match &value {
            async_graphql::Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
            async_graphql::Value::String(s) => s.parse::<Decimal>().ok(),
            _ => None,
        }
        .ok_or_else(|| async_graphql::InputValueError::custom("Invalid decimal."))?;
        if d.is_sign_negative() && !d.is_zero() {
            return Err(async_graphql::InputValueError::custom(
                "Value cannot be lower than 0.",
            ));
        }
        Ok(PositiveDecimal(d))
    }

    fn to_value(&self) -> async_graphql::Value {
        async_graphql::Value::String(self.0.to_string())
    }
}

/// Fields of a category.
#[derive(InputObject, Clone, Debug)]
pub struct CategoryInput {
    pub description: Option<JsonString>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub seo: Option<SeoInput>,
    pub background_image_alt: Option<String>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
}

/// Fields to create a collection.
#[derive(InputObject, Clone, Debug)]
pub struct CollectionCreateInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<JsonString>,
    pub background_image_alt: Option<String>,
    pub seo: Option<SeoInput>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub products: Option<Vec<ID>>,
}

/// A publication of a collection in a channel.
#[derive(InputObject, Clone, Debug)]
pub struct PublishableChannelListingInput {
    pub channel_id: ID,
    pub is_published: Option<bool>,
    #[graphql(deprecation = "Use `publishedAt` field instead.")]
    pub publication_date: Option<Date>,
    pub published_at: Option<DateTime<Utc>>,
}

/// Channel listing changes of a collection.
#[derive(InputObject, Clone, Debug)]
pub struct CollectionChannelListingUpdateInput {
    pub add_channels: Option<Vec<PublishableChannelListingInput>>,
    pub remove_channels: Option<Vec<ID>>,
}

/// Fields of a product type.
#[derive(InputObject, Clone, Debug)]
pub struct ProductTypeInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub kind: Option<ProductTypeKindEnum>,
    #[graphql(
        deprecation = "The field has no effect on the API behavior. This is a leftover from the past Simple/Configurable product distinction. Products can have multiple variants regardless of this setting."
    )]
    pub has_variants: Option<bool>,
    pub product_attributes: Option<Vec<ID>>,
    pub variant_attributes: Option<Vec<ID>>,
    pub is_shipping_required: Option<bool>,
    pub is_digital: Option<bool>,
    /// ID of a tax class to assign to this product type. All products of this product type
    /// would use this tax class, unless it's overridden in the `Product` type.
    pub tax_class: Option<ID>,
}

/// A predefined value of a new attribute.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeValueCreateInput {
    pub value: Option<String>,
    pub file_url: Option<String>,
    pub content_type: Option<String>,
    pub external_reference: Option<String>,
    pub name: String,
}

/// Fields to create an attribute.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeCreateInput {
    pub input_type: Option<AttributeInputTypeEnum>,
    pub entity_type: Option<AttributeEntityTypeEnum>,
    pub name: String,
    pub slug: Option<String>,
    #[graphql(name = "type")]
    pub attribute_type: AttributeTypeEnum,
    pub values: Option<Vec<AttributeValueCreateInput>>,
    pub value_required: Option<bool>,
    pub visible_in_storefront: Option<bool>,
    pub external_reference: Option<String>,
}

/// A new product image: an uploaded file (GraphQL multipart request) or an external URL.
#[derive(InputObject, Clone, Debug)]
pub struct ProductMediaCreateInput {
    /// Alt text for a product media.
    pub alt: Option<String>,
    /// Represents an image file in a multipart request.
    pub image: Option<Upload>,
    /// ID of an product.
    pub product: ID,
    /// Represents an URL to an external media.
    pub media_url: Option<String>,
}

/// Changes to a product media.
#[derive(InputObject, Clone, Debug)]
pub struct ProductMediaUpdateInput {
    /// Alt text for a product media.
    pub alt: Option<String>,
}

/// An `alt` text over Saleor's limit, as an `input` error.
fn alt_too_long(alt: Option<&String>) -> Result<(), Vec<FieldError>> {
    if alt.is_some_and(|alt| alt.chars().count() > ALT_CHAR_LIMIT) {
        return Err(vec![FieldError::new(
            "input",
            Code::Invalid,
            format!("Alt field exceeds the character limit of {ALT_CHAR_LIMIT}."),
        )]);
    }
    Ok(())
}

/// Saleor's `ALT_CHAR_LIMIT` for media alt texts.
const ALT_CHAR_LIMIT: usize = 250;

/// Translated fields.
#[derive(InputObject, Clone, Debug)]
pub struct TranslationInput {
    pub slug: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub name: Option<String>,
    pub description: Option<JsonString>,
}

macro_rules! payload {
    ($name:ident, $err:ty, $legacy:ident, { $($field:ident : $ty:ty),* }) => {
        #[doc = concat!("Payload of `", stringify!($name), "`.")]
        #[derive(SimpleObject, Default)]
        pub struct $name {
            #[graphql(deprecation = "Use `errors` field instead.")]
            pub $legacy: Vec<$err>,
            pub errors: Vec<$err>,
            $(pub $field: $ty,)*
        }

        impl $name {
            #[allow(clippy::needless_update)] // payloads with no extra fields
            fn failed(errors: Vec<FieldError>) -> Self {
                let errors: Vec<$err> = errors.into_iter().map(Into::into).collect();
                Self { $legacy: errors.clone(), errors, ..Default::default() }
            }
        }
    };
}

pub(crate) use payload;

payload!(ProductCreate, ProductError, product_errors, { product: Option<ProductNode> });
payload!(ProductUpdate, ProductError, product_errors, { product: Option<ProductNode> });
payload!(ProductDelete, ProductError, product_errors, { product: Option<ProductNode> });
payload!(ProductChannelListingUpdate, ProductChannelListingError, product_channel_listing_errors, { product: Option<ProductNode> });
payload!(ProductVariantCreate, ProductError, product_errors, { product_variant: Option<VariantNode> });
payload!(ProductVariantUpdate, ProductError, product_errors, { product_variant: Option<VariantNode> });
payload!(ProductVariantDelete, ProductError, product_errors, { product_variant: Option<VariantNode> });
payload!(ProductVariantChannelListingUpdate, ProductChannelListingError, product_channel_listing_errors, { variant: Option<VariantNode> });
payload!(ProductVariantStocksUpdate, BulkStockError, bulk_stock_errors, { product_variant: Option<VariantNode> });
payload!(CategoryCreate, ProductError, product_errors, { category: Option<CategoryNode> });
payload!(CategoryDelete, ProductError, product_errors, { category: Option<CategoryNode> });
payload!(CollectionCreate, CollectionError, collection_errors, { collection: Option<CollectionNode> });
payload!(CollectionAddProducts, CollectionError, collection_errors, { collection: Option<CollectionNode> });
payload!(CollectionRemoveProducts, CollectionError, collection_errors, { collection: Option<CollectionNode> });
payload!(CollectionChannelListingUpdate, CollectionChannelListingError, collection_channel_listing_errors, { collection: Option<CollectionNode> });
payload!(ProductTypeCreate, ProductError, product_errors, { product_type: Option<ProductTypeNode> });
payload!(AttributeCreate, AttributeError, attribute_errors, { attribute: Option<AttributeNode> });
payload!(ProductMediaCreate, ProductError, product_errors, { product: Option<ProductNode>, media: Option<ProductMediaNode> });
payload!(ProductMediaUpdate, ProductError, product_errors, { product: Option<ProductNode>, media: Option<ProductMediaNode> });
payload!(ProductMediaDelete, ProductError, product_errors, { product: Option<ProductNode>, media: Option<ProductMediaNode> });
payload!(ProductMediaReorder, ProductError, product_errors, { product: Option<ProductNode>, media: Option<Vec<ProductMediaNode>> });

/// How a bulk mutation treats failing rows.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ErrorPolicyEnum")]
pub enum ErrorPolicyEnum {
    IgnoreFailed,
    RejectEverything,
    RejectFailedRows,
}

/// Saleor's variant bulk error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProductVariantBulkErrorCode")]
pub enum ProductVariantBulkErrorCode {
    AttributeAlreadyAssigned,
    AttributeCannotBeAssigned,
    AttributeVariantsDisabled,
    DuplicatedInputItem,
    GraphqlError,
    Invalid,
    InvalidPrice,
    NotProductsVariant,
    NotFound,
    Required,
    Unique,
    ProductNotAssignedToChannel,
    StockAlreadyExists,
}

/// An error of one row of a variant bulk mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct ProductVariantBulkError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: ProductVariantBulkErrorCode,
    pub path: Option<String>,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
}

impl From<FieldError> for ProductVariantBulkError {
    fn from(e: FieldError) -> Self {
        Self {
            path: e.field.clone(),
            field: e.field,
            message: Some(e.message),
            code: match e.code {
                Code::AttributeCannotBeAssigned => {
                    ProductVariantBulkErrorCode::AttributeCannotBeAssigned
                }
                Code::DuplicatedInputItem => ProductVariantBulkErrorCode::DuplicatedInputItem,
                Code::GraphqlError => ProductVariantBulkErrorCode::GraphqlError,
                Code::InvalidPrice => ProductVariantBulkErrorCode::InvalidPrice,
                Code::NotFound => ProductVariantBulkErrorCode::NotFound,
                Code::ProductNotAssignedToChannel => {
                    ProductVariantBulkErrorCode::ProductNotAssignedToChannel
                }
                Code::Required => ProductVariantBulkErrorCode::Required,
                Code::Unique => ProductVariantBulkErrorCode::Unique,
                _ => ProductVariantBulkErrorCode::Invalid,
            },
            attributes: None,
            values: None,
        }
    }
}

/// An error of a bulk product mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct BulkProductError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: ProductErrorCode,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
    pub index: Option<i32>,
}

impl From<FieldError> for BulkProductError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            attributes: None,
            values: None,
            index: e.index,
        }
    }
}

/// The outcome of one row of a variant bulk mutation.
#[derive(SimpleObject, Clone, Default)]
pub struct ProductVariantBulkResult {
    pub product_variant: Option<VariantNode>,
    pub errors: Option<Vec<ProductVariantBulkError>>,
}

/// Fields of one variant in `productVariantBulkCreate`.
#[derive(InputObject, Clone, Debug)]
pub struct ProductVariantBulkCreateInput {
    /// Weight of the product (a number in kilograms, or `{value, unit}`).
    pub weight: Option<WeightScalar>,
    pub attributes: Vec<BulkAttributeValueInput>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub track_inventory: Option<bool>,
    pub quantity_limit_per_customer: Option<i32>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub external_reference: Option<String>,
    pub stocks: Option<Vec<StockInput>>,
    pub channel_listings: Option<Vec<ProductVariantChannelListingAddInput>>,
}

/// Payload of `productVariantBulkCreate`.
#[derive(SimpleObject, Default)]
pub struct ProductVariantBulkCreate {
    /// Returns how many objects were created.
    pub count: i32,
    /// List of the created variants.
    pub product_variants: Vec<VariantNode>,
    /// List of the created variants (one result per input row).
    pub results: Vec<ProductVariantBulkResult>,
    #[graphql(deprecation = "Use `errors` field instead.")]
    pub bulk_product_errors: Vec<BulkProductError>,
    pub errors: Vec<BulkProductError>,
}

impl ProductVariantBulkCreate {
    fn failed(rows: usize, errors: Vec<FieldError>) -> Self {
        let results = (0..rows)
            .map(|i| {
                let mine: Vec<ProductVariantBulkError> = errors
                    .iter()
                    .filter(|e| e.index == Some(i as i32))
                    .cloned()
                    .map(Into::into)
                    .collect();
                ProductVariantBulkResult {
                    product_variant: None,
                    errors: Some(mine),
                }
            })
            .collect();
        let errors: Vec<BulkProductError> = errors.into_iter().map(Into::into).collect();
        Self {
            results,
            bulk_product_errors: errors.clone(),
            errors,
            ..Default::default()
        }
    }
}

fn indexed(i: usize, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.index = Some(i as i32);
            e
        })
        .collect()
}

/// Unwraps a parse result into the payload's errors.
macro_rules! try_input {
    ($payload:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(errors) => return Ok(Some($payload::failed(errors))),
        }
    };
}

pub(crate) use try_input;

/// Runs a write and unwraps it into the payload's errors.
macro_rules! try_write {
    ($payload:ident, $req:expr, $e:expr) => {
        match split($req, $e.await)? {
            Ok(v) => v,
            Err(errors) => return Ok(Some($payload::failed(errors))),
        }
    };
}

pub(crate) use try_write;

/// One of `id`/`externalReference`(/`sku`) must identify the object.
pub(crate) fn one_of_ids(n: usize, names: &str) -> Result<(), Vec<FieldError>> {
    if n == 1 {
        Ok(())
    } else {
        Err(vec![FieldError::new(
            "id",
            Code::GraphqlError,
            format!("Argument '{names}' must be specified, exactly one of them."),
        )])
    }
}

async fn product_by_ref(
    state: &AppState,
    id: Option<&ID>,
    external_reference: Option<&str>,
) -> Result<Result<i32, Vec<FieldError>>, sea_orm::DbErr> {
    if let Err(e) = one_of_ids(
        usize::from(id.is_some()) + usize::from(external_reference.is_some()),
        "id, externalReference",
    ) {
        return Ok(Err(e));
    }
    if let Some(id) = id {
        return Ok(decode(id, "Product", "id"));
    }
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = entities::product::Entity::find()
        .filter(entities::product::Column::ExternalReference.eq(external_reference))
        .one(&state.db.conn)
        .await?;
    Ok(found.map(|p| p.id).ok_or_else(|| {
        vec![FieldError::new(
            "externalReference",
            Code::NotFound,
            "Product not found.",
        )]
    }))
}

async fn variant_by_ref(
    state: &AppState,
    id: Option<&ID>,
    sku: Option<&str>,
    external_reference: Option<&str>,
    id_field: &str,
) -> Result<Result<i32, Vec<FieldError>>, sea_orm::DbErr> {
    if let Err(e) = one_of_ids(
        usize::from(id.is_some())
            + usize::from(sku.is_some())
            + usize::from(external_reference.is_some()),
        "id, sku, externalReference",
    ) {
        return Ok(Err(e));
    }
    if let Some(id) = id {
        return Ok(decode(id, "ProductVariant", id_field));
    }
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let q = entities::product_variant::Entity::find();
    let q = match sku {
        Some(s) => q.filter(entities::product_variant::Column::Sku.eq(s)),
        None => {
            q.filter(entities::product_variant::Column::ExternalReference.eq(external_reference))
        }
    };
    Ok(q.one(&state.db.conn).await?.map(|v| v.id).ok_or_else(|| {
        vec![FieldError::new(
            "sku",
            Code::NotFound,
            "Product variant not found.",
        )]
    }))
}

/// Catalog mutations (staff and apps).
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Creates a new product. Requires MANAGE_PRODUCTS.
    async fn product_create(
        &self,
        ctx: &Context<'_>,
        input: ProductCreateInput,
    ) -> Result<Option<ProductCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let mut fields = try_input!(
            ProductCreate,
            product_fields(
                &input.attributes,
                &input.category,
                &input.collections,
                &input.description,
                &input.name,
                &input.slug,
                &input.seo,
                &input.metadata,
                &input.private_metadata,
                &input.external_reference,
            )
        );
        fields.product_type_id = Some(try_input!(
            ProductCreate,
            decode(&input.product_type, "ProductType", "productType")
        ));
        fields.tax_class_id = try_input!(ProductCreate, tax_class_input(&input.tax_class));
        fields.weight_grams = try_input!(ProductCreate, weight_input(input.weight, "Product"));
        fields.rating = input.rating;
        let p = try_write!(
            ProductCreate,
            req,
            state.catalog.writer.product_create(fields)
        );
        Ok(Some(ProductCreate {
            product: product_node(state, req, p.id).await?,
            ..Default::default()
        }))
    }

    /// Updates an existing product. Requires MANAGE_PRODUCTS.
    async fn product_update(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
        input: ProductInput,
    ) -> Result<Option<ProductUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductUpdate,
            product_by_ref(state, id.as_ref(), external_reference.as_deref())
                .await
                .map_err(|e| req.internal(e))?
        );
        let mut fields = try_input!(
            ProductUpdate,
            product_fields(
                &input.attributes,
                &input.category,
                &input.collections,
                &input.description,
                &input.name,
                &input.slug,
                &input.seo,
                &input.metadata,
                &input.private_metadata,
                &input.external_reference,
            )
        );
        fields.tax_class_id = try_input!(ProductUpdate, tax_class_input(&input.tax_class));
        fields.weight_grams = try_input!(ProductUpdate, weight_input(input.weight, "Product"));
        fields.rating = input.rating;
        let p = try_write!(
            ProductUpdate,
            req,
            state.catalog.writer.product_update(pk, fields)
        );
        Ok(Some(ProductUpdate {
            product: product_node(state, req, p.id).await?,
            ..Default::default()
        }))
    }

    /// Deletes a product. Requires MANAGE_PRODUCTS.
    async fn product_delete(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
    ) -> Result<Option<ProductDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductDelete,
            product_by_ref(state, id.as_ref(), external_reference.as_deref())
                .await
                .map_err(|e| req.internal(e))?
        );
        let node = product_node(state, req, pk).await?;
        try_write!(ProductDelete, req, state.catalog.writer.product_delete(pk));
        Ok(Some(ProductDelete {
            product: node,
            ..Default::default()
        }))
    }

    /// Manage product's availability in channels. Requires MANAGE_PRODUCTS.
    async fn product_channel_listing_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ProductChannelListingUpdateInput,
    ) -> Result<Option<ProductChannelListingUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(ProductChannelListingUpdate, decode(&id, "Product", "id"));
        let mut updates = Vec::new();
        for u in input.update_channels.iter().flatten() {
            updates.push(ProductListingChange {
                channel_id: try_input!(
                    ProductChannelListingUpdate,
                    decode(&u.channel_id, "Channel", "channelId")
                ),
                is_published: u.is_published,
                published_at: u.published_at.or_else(|| date_start(u.publication_date)),
                visible_in_listings: u.visible_in_listings,
                is_available_for_purchase: u.is_available_for_purchase,
                available_for_purchase_at: u
                    .available_for_purchase_at
                    .or_else(|| date_start(u.available_for_purchase_date)),
                add_variants: try_input!(
                    ProductChannelListingUpdate,
                    decode_all(
                        u.add_variants.as_deref().unwrap_or_default(),
                        "ProductVariant",
                        "addVariants"
                    )
                ),
                remove_variants: try_input!(
                    ProductChannelListingUpdate,
                    decode_all(
                        u.remove_variants.as_deref().unwrap_or_default(),
                        "ProductVariant",
                        "removeVariants"
                    )
                ),
            });
        }
        let remove = try_input!(
            ProductChannelListingUpdate,
            decode_all(
                input.remove_channels.as_deref().unwrap_or_default(),
                "Channel",
                "removeChannels"
            )
        );
        try_write!(
            ProductChannelListingUpdate,
            req,
            state
                .catalog
                .writer
                .product_channel_listing_update(pk, updates, remove)
        );
        Ok(Some(ProductChannelListingUpdate {
            product: product_node(state, req, pk).await?,
            ..Default::default()
        }))
    }

    /// Creates a new variant for a product. Requires MANAGE_PRODUCTS.
    async fn product_variant_create(
        &self,
        ctx: &Context<'_>,
        input: ProductVariantCreateInput,
    ) -> Result<Option<ProductVariantCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let fields = VariantFields {
            product_id: Some(try_input!(
                ProductVariantCreate,
                decode(&input.product, "Product", "product")
            )),
            sku: input.sku.clone(),
            name: input.name.clone(),
            track_inventory: input.track_inventory,
            quantity_limit_per_customer: input.quantity_limit_per_customer,
            weight_grams: try_input!(
                ProductVariantCreate,
                weight_input(input.weight, "Product variant")
            ),
            external_reference: input.external_reference.clone(),
            metadata: input.metadata.clone(),
            private_metadata: input.private_metadata.clone(),
            attributes: try_input!(ProductVariantCreate, attribute_values(&input.attributes)),
            stocks: try_input!(
                ProductVariantCreate,
                stocks(input.stocks.as_deref().unwrap_or_default())
            ),
        };
        let v = try_write!(
            ProductVariantCreate,
            req,
            state.catalog.writer.variant_create(fields)
        );
        Ok(Some(ProductVariantCreate {
            product_variant: variant_node(state, req, v.id).await?,
            ..Default::default()
        }))
    }

    /// Creates variants for a product, all or nothing (error policy `REJECT_EVERYTHING`,
    /// the default; the other policies are not supported yet). Requires MANAGE_PRODUCTS.
    async fn product_variant_bulk_create(
        &self,
        ctx: &Context<'_>,
        error_policy: Option<ErrorPolicyEnum>,
        product: ID,
        variants: Vec<ProductVariantBulkCreateInput>,
    ) -> Result<Option<ProductVariantBulkCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let rows = variants.len();
        let fail = |e: Vec<FieldError>| Ok(Some(ProductVariantBulkCreate::failed(rows, e)));
        if error_policy.is_some_and(|p| p != ErrorPolicyEnum::RejectEverything) {
            return fail(vec![FieldError::new(
                "errorPolicy",
                Code::Invalid,
                "Only the REJECT_EVERYTHING error policy is supported.",
            )]);
        }
        let product_id = match decode(&product, "Product", "product") {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        let mut parsed = Vec::new();
        for (i, v) in variants.into_iter().enumerate() {
            let attributes: Vec<AttributeValueInput> =
                v.attributes.into_iter().map(Into::into).collect();
            let attributes = match attribute_values(&attributes) {
                Ok(a) => a,
                Err(e) => return fail(indexed(i, e)),
            };
            let weight_grams = match weight_input(v.weight, "Product variant") {
                Ok(w) => w,
                Err(e) => return fail(indexed(i, e)),
            };
            let stocks = match stocks(v.stocks.as_deref().unwrap_or_default()) {
                Ok(s) => s,
                Err(e) => return fail(indexed(i, e)),
            };
            let mut prices = Vec::new();
            for l in v.channel_listings.iter().flatten() {
                match decode(&l.channel_id, "Channel", "channelId") {
                    Ok(channel_id) => prices.push(VariantPrice {
                        channel_id,
                        price: l.price.0,
                        cost_price: l.cost_price.map(|c| c.0),
                    }),
                    Err(e) => return fail(indexed(i, e)),
                }
            }
            parsed.push((
                VariantFields {
                    product_id: Some(product_id),
                    sku: v.sku,
                    name: v.name,
                    track_inventory: v.track_inventory,
                    quantity_limit_per_customer: v.quantity_limit_per_customer,
                    weight_grams,
                    external_reference: v.external_reference,
                    metadata: v.metadata,
                    private_metadata: v.private_metadata,
                    attributes,
                    stocks,
                },
                prices,
            ));
        }
        let created = match split(
            req,
            state
                .catalog
                .writer
                .variant_bulk_create(product_id, parsed)
                .await,
        )? {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let mut nodes = Vec::new();
        for v in &created {
            if let Some(n) = variant_node(state, req, v.id).await? {
                nodes.push(n);
            }
        }
        Ok(Some(ProductVariantBulkCreate {
            count: nodes.len() as i32,
            results: nodes
                .iter()
                .cloned()
                .map(|n| ProductVariantBulkResult {
                    product_variant: Some(n),
                    errors: Some(vec![]),
                })
                .collect(),
            product_variants: nodes,
            ..Default::default()
        }))
    }

    /// Updates an existing variant for product. Requires MANAGE_PRODUCTS.
    async fn product_variant_update(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
        input: ProductVariantInput,
        sku: Option<String>,
    ) -> Result<Option<ProductVariantUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductVariantUpdate,
            variant_by_ref(
                state,
                id.as_ref(),
                sku.as_deref(),
                external_reference.as_deref(),
                "id"
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let fields = VariantFields {
            sku: input.sku.clone(),
            name: input.name.clone(),
            track_inventory: input.track_inventory,
            quantity_limit_per_customer: input.quantity_limit_per_customer,
            weight_grams: try_input!(
                ProductVariantUpdate,
                weight_input(input.weight, "Product variant")
            ),
            external_reference: input.external_reference.clone(),
            metadata: input.metadata.clone(),
            private_metadata: input.private_metadata.clone(),
            attributes: try_input!(
                ProductVariantUpdate,
                attribute_values(input.attributes.as_deref().unwrap_or_default())
            ),
            ..Default::default()
        };
        let v = try_write!(
            ProductVariantUpdate,
            req,
            state.catalog.writer.variant_update(pk, fields)
        );
        Ok(Some(ProductVariantUpdate {
            product_variant: variant_node(state, req, v.id).await?,
            ..Default::default()
        }))
    }

    /// Deletes a product variant. Requires MANAGE_PRODUCTS.
    async fn product_variant_delete(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
        sku: Option<String>,
    ) -> Result<Option<ProductVariantDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductVariantDelete,
            variant_by_ref(
                state,
                id.as_ref(),
                sku.as_deref(),
                external_reference.as_deref(),
                "id"
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let node = variant_node(state, req, pk).await?;
        try_write!(
            ProductVariantDelete,
            req,
            state.catalog.writer.variant_delete(pk)
        );
        Ok(Some(ProductVariantDelete {
            product_variant: node,
            ..Default::default()
        }))
    }

    /// Manage product variant prices in channels. Requires MANAGE_PRODUCTS.
    async fn product_variant_channel_listing_update(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        input: Vec<ProductVariantChannelListingAddInput>,
        sku: Option<String>,
    ) -> Result<Option<ProductVariantChannelListingUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductVariantChannelListingUpdate,
            variant_by_ref(state, id.as_ref(), sku.as_deref(), None, "id")
                .await
                .map_err(|e| req.internal(e))?
        );
        let mut prices = Vec::new();
        for l in &input {
            prices.push(VariantPrice {
                channel_id: try_input!(
                    ProductVariantChannelListingUpdate,
                    decode(&l.channel_id, "Channel", "channelId")
                ),
                price: l.price.0,
                cost_price: l.cost_price.map(|c| c.0),
            });
        }
        try_write!(
            ProductVariantChannelListingUpdate,
            req,
            state
                .catalog
                .writer
                .variant_channel_listing_update(pk, prices)
        );
        Ok(Some(ProductVariantChannelListingUpdate {
            variant: variant_node(state, req, pk).await?,
            ..Default::default()
        }))
    }

    /// Updates stocks for product variant. Requires MANAGE_PRODUCTS.
    async fn product_variant_stocks_update(
        &self,
        ctx: &Context<'_>,
        sku: Option<String>,
        stocks: Vec<StockInput>,
        variant_id: Option<ID>,
    ) -> Result<Option<ProductVariantStocksUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductVariantStocksUpdate,
            variant_by_ref(
                state,
                variant_id.as_ref(),
                sku.as_deref(),
                None,
                "variantId"
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let parsed = try_input!(ProductVariantStocksUpdate, self::stocks(&stocks));
        try_write!(
            ProductVariantStocksUpdate,
            req,
            state.catalog.writer.variant_stocks_update(pk, parsed)
        );
        Ok(Some(ProductVariantStocksUpdate {
            product_variant: variant_node(state, req, pk).await?,
            ..Default::default()
        }))
    }

    /// Creates a new category. Requires MANAGE_PRODUCTS.
    async fn category_create(
        &self,
        ctx: &Context<'_>,
        input: CategoryInput,
        parent: Option<ID>,
    ) -> Result<Option<CategoryCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let parent = try_input!(
            CategoryCreate,
            parent
                .as_ref()
                .map(|p| decode(p, "Category", "parent"))
                .transpose()
        );
        let fields = CategoryFields {
            name: input.name,
            slug: input.slug,
            description: input.description.map(|d| d.0),
            seo_title: input.seo.as_ref().and_then(|s| s.title.clone()),
            seo_description: input.seo.as_ref().and_then(|s| s.description.clone()),
            background_image_alt: input.background_image_alt,
            metadata: input.metadata,
            private_metadata: input.private_metadata,
        };
        let c = try_write!(
            CategoryCreate,
            req,
            state.catalog.writer.category_create(parent, fields)
        );
        Ok(Some(CategoryCreate {
            category: Some(c.into()),
            ..Default::default()
        }))
    }

    /// Deletes a category. Requires MANAGE_PRODUCTS.
    async fn category_delete(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CategoryDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(CategoryDelete, decode(&id, "Category", "id"));
        let c = try_write!(
            CategoryDelete,
            req,
            state.catalog.writer.category_delete(pk)
        );
        Ok(Some(CategoryDelete {
            category: Some(c.into()),
            ..Default::default()
        }))
    }

    /// Creates a new collection. Requires MANAGE_PRODUCTS.
    async fn collection_create(
        &self,
        ctx: &Context<'_>,
        input: CollectionCreateInput,
    ) -> Result<Option<CollectionCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let products = try_input!(
            CollectionCreate,
            decode_all(
                input.products.as_deref().unwrap_or_default(),
                "Product",
                "products"
            )
        );
        let fields = CategoryFields {
            name: input.name,
            slug: input.slug,
            description: input.description.map(|d| d.0),
            seo_title: input.seo.as_ref().and_then(|s| s.title.clone()),
            seo_description: input.seo.as_ref().and_then(|s| s.description.clone()),
            background_image_alt: input.background_image_alt,
            metadata: input.metadata,
            private_metadata: input.private_metadata,
        };
        let c = try_write!(
            CollectionCreate,
            req,
            state.catalog.writer.collection_create(fields, products)
        );
        Ok(Some(CollectionCreate {
            collection: Some(CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Adds products to a collection. Requires MANAGE_PRODUCTS.
    async fn collection_add_products(
        &self,
        ctx: &Context<'_>,
        collection_id: ID,
        products: Vec<ID>,
    ) -> Result<Option<CollectionAddProducts>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            CollectionAddProducts,
            decode(&collection_id, "Collection", "collectionId")
        );
        let products = try_input!(
            CollectionAddProducts,
            decode_all(&products, "Product", "products")
        );
        let c = try_write!(
            CollectionAddProducts,
            req,
            state.catalog.writer.collection_add_products(pk, products)
        );
        Ok(Some(CollectionAddProducts {
            collection: Some(CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Remove products from a collection. Requires MANAGE_PRODUCTS.
    async fn collection_remove_products(
        &self,
        ctx: &Context<'_>,
        collection_id: ID,
        products: Vec<ID>,
    ) -> Result<Option<CollectionRemoveProducts>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            CollectionRemoveProducts,
            decode(&collection_id, "Collection", "collectionId")
        );
        let products = try_input!(
            CollectionRemoveProducts,
            decode_all(&products, "Product", "products")
        );
        let c = try_write!(
            CollectionRemoveProducts,
            req,
            state
                .catalog
                .writer
                .collection_remove_products(pk, products)
        );
        Ok(Some(CollectionRemoveProducts {
            collection: Some(CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Manage collection's availability in channels. Requires MANAGE_PRODUCTS.
    async fn collection_channel_listing_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CollectionChannelListingUpdateInput,
    ) -> Result<Option<CollectionChannelListingUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            CollectionChannelListingUpdate,
            decode(&id, "Collection", "id")
        );
        let mut add = Vec::new();
        for a in input.add_channels.iter().flatten() {
            add.push((
                try_input!(
                    CollectionChannelListingUpdate,
                    decode(&a.channel_id, "Channel", "channelId")
                ),
                a.is_published.unwrap_or(false),
                a.published_at.or_else(|| date_start(a.publication_date)),
            ));
        }
        let remove = try_input!(
            CollectionChannelListingUpdate,
            decode_all(
                input.remove_channels.as_deref().unwrap_or_default(),
                "Channel",
                "removeChannels"
            )
        );
        let c = try_write!(
            CollectionChannelListingUpdate,
            req,
            state.catalog.writer.collection_channels(pk, add, remove)
        );
        Ok(Some(CollectionChannelListingUpdate {
            collection: Some(CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Creates a new product type. Requires MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_type_create(
        &self,
        ctx: &Context<'_>,
        input: ProductTypeInput,
    ) -> Result<Option<ProductTypeCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProductTypesAndAttributes])?;
        let fields = ProductTypeFields {
            name: input.name,
            slug: input.slug,
            gift_card: input.kind == Some(ProductTypeKindEnum::GiftCard),
            has_variants: input.has_variants,
            product_attributes: try_input!(
                ProductTypeCreate,
                decode_all(
                    input.product_attributes.as_deref().unwrap_or_default(),
                    "Attribute",
                    "productAttributes"
                )
            ),
            variant_attributes: try_input!(
                ProductTypeCreate,
                decode_all(
                    input.variant_attributes.as_deref().unwrap_or_default(),
                    "Attribute",
                    "variantAttributes"
                )
            ),
            is_shipping_required: input.is_shipping_required,
            is_digital: input.is_digital,
            tax_class_id: try_input!(ProductTypeCreate, tax_class_input(&input.tax_class)),
            weight_grams: try_input!(
                ProductTypeCreate,
                weight_input(input.weight, "Product type")
            ),
        };
        let pt = try_write!(
            ProductTypeCreate,
            req,
            state.catalog.writer.product_type_create(fields)
        );
        Ok(Some(ProductTypeCreate {
            product_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Creates an attribute. Requires MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES (product
    /// attributes) or MANAGE_PAGE_TYPES_AND_ATTRIBUTES (page attributes).
    async fn attribute_create(
        &self,
        ctx: &Context<'_>,
        input: AttributeCreateInput,
    ) -> Result<Option<AttributeCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[match input.attribute_type {
            AttributeTypeEnum::PageType => Permission::ManagePageTypesAndAttributes,
            _ => Permission::ManageProductTypesAndAttributes,
        }])?;
        if input.attribute_type == AttributeTypeEnum::CustomerType {
            return Ok(Some(AttributeCreate::failed(vec![FieldError::new(
                "type",
                Code::Invalid,
                "Customer attributes are not supported yet.",
            )])));
        }
        let fields = AttributeFields {
            name: input.name,
            slug: input.slug,
            input_type: input
                .input_type
                .unwrap_or(AttributeInputTypeEnum::Dropdown)
                .as_str()
                .to_owned(),
            attribute_type: match input.attribute_type {
                AttributeTypeEnum::PageType => "PAGE_TYPE",
                _ => "PRODUCT_TYPE",
            }
            .to_owned(),
            entity_type: input.entity_type.map(|e| {
                match e {
                    AttributeEntityTypeEnum::Page => "PAGE",
                    AttributeEntityTypeEnum::Product => "PRODUCT",
                    AttributeEntityTypeEnum::ProductVariant => "PRODUCT_VARIANT",
                    AttributeEntityTypeEnum::Category => "CATEGORY",
                    AttributeEntityTypeEnum::Collection => "COLLECTION",
                }
                .to_owned()
            }),
            values: input
                .values
                .unwrap_or_default()
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect(),
            value_required: input.value_required,
            visible_in_storefront: input.visible_in_storefront,
            external_reference: input.external_reference,
        };
        let a = try_write!(
            AttributeCreate,
            req,
            state.catalog.writer.attribute_create(fields)
        );
        Ok(Some(AttributeCreate {
            attribute: Some(a.into()),
            ..Default::default()
        }))
    }

    /// Create a media object (an uploaded image, or an image URL) associated with product.
    /// For an uploaded image, this mutation must be sent as a `multipart` request. More
    /// detailed specs of the upload format can be found here:
    /// https://github.com/jaydenseric/graphql-multipart-request-spec
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn product_media_create(
        &self,
        ctx: &Context<'_>,
        input: ProductMediaCreateInput,
    ) -> Result<Option<ProductMediaCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let fail = |field: &str, code: Code, message: &str| {
            Ok(Some(ProductMediaCreate::failed(vec![FieldError::new(
                field, code, message,
            )])))
        };
        let media_url = input.media_url.as_deref();
        match (&input.image, media_url) {
            (None, None) => {
                return fail(
                    "input",
                    Code::Required,
                    "Image or external URL is required.",
                );
            }
            (Some(_), Some(_)) => {
                return fail(
                    "input",
                    Code::DuplicatedInputItem,
                    "Either image or external URL is required.",
                );
            }
            _ => {}
        }
        try_input!(ProductMediaCreate, alt_too_long(input.alt.as_ref()));
        let pk = try_input!(
            ProductMediaCreate,
            decode(&input.product, "Product", "product")
        );
        let (p, m) = match (&input.image, media_url) {
            (Some(upload), _) => {
                let Ok(file) = upload.value(ctx) else {
                    return fail("image", Code::Required, "File is required.");
                };
                let image = match state.media.validate(file.into_read()).await {
                    Ok(image) => image,
                    Err(e) => return fail("image", Code::Invalid, &e.to_string()),
                };
                try_write!(
                    ProductMediaCreate,
                    req,
                    state
                        .catalog
                        .writer
                        .media_upload(pk, image, input.alt.clone())
                )
            }
            (None, Some(url)) => try_write!(
                ProductMediaCreate,
                req,
                state
                    .catalog
                    .writer
                    .media_create(pk, url, input.alt.clone())
            ),
            (None, None) => {
                return fail(
                    "input",
                    Code::Required,
                    "Image or external URL is required.",
                );
            }
        };
        Ok(Some(ProductMediaCreate {
            product: product_node(state, req, p.id).await?,
            media: Some(ProductMediaNode::new(m)),
            ..Default::default()
        }))
    }

    /// Updates a product media (its alt text). Requires MANAGE_PRODUCTS.
    async fn product_media_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ProductMediaUpdateInput,
    ) -> Result<Option<ProductMediaUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        try_input!(ProductMediaUpdate, alt_too_long(input.alt.as_ref()));
        let pk = try_input!(ProductMediaUpdate, decode(&id, "ProductMedia", "id"));
        let (p, m) = try_write!(
            ProductMediaUpdate,
            req,
            state.catalog.writer.media_update(pk, input.alt)
        );
        Ok(Some(ProductMediaUpdate {
            product: product_node(state, req, p.id).await?,
            media: Some(ProductMediaNode::new(m)),
            ..Default::default()
        }))
    }

    /// Deletes a product media. Requires MANAGE_PRODUCTS.
    async fn product_media_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<ProductMediaDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(ProductMediaDelete, decode(&id, "ProductMedia", "id"));
        let (p, m, file_sha) = try_write!(
            ProductMediaDelete,
            req,
            state.catalog.writer.media_delete(pk)
        );
        if let Some(sha) = file_sha {
            state.media.forget(&sha).await;
        }
        Ok(Some(ProductMediaDelete {
            product: product_node(state, req, p.id).await?,
            media: Some(ProductMediaNode::new(m)),
            ..Default::default()
        }))
    }

    /// Changes ordering of the product media. Requires MANAGE_PRODUCTS.
    async fn product_media_reorder(
        &self,
        ctx: &Context<'_>,
        media_ids: Vec<ID>,
        product_id: ID,
    ) -> Result<Option<ProductMediaReorder>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            ProductMediaReorder,
            decode(&product_id, "Product", "productId")
        );
        let ids = try_input!(
            ProductMediaReorder,
            decode_all(&media_ids, "ProductMedia", "mediaIds")
        );
        try_write!(
            ProductMediaReorder,
            req,
            state.catalog.writer.media_reorder(pk, ids)
        );
        let media = crate::loaders::loaders(ctx)?
            .catalog
            .media
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(Some(ProductMediaReorder {
            product: product_node(state, req, pk).await?,
            media: Some(media.into_iter().map(ProductMediaNode::new).collect()),
            ..Default::default()
        }))
    }
}
