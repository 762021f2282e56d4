//! Saleor's product, category, collection and page filter/sort inputs, and their
//! translation into the service's filters. Inputs we accept but cannot apply yet give a clear
//! `INVALID_INPUT` error instead of being ignored.

use async_graphql::{Enum, ID, InputObject, Result};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::read::{AttributeFilter, ProductFilter, ProductSort, ProductSortField};
use crate::core::{
    error::{ErrorCode, error},
    id,
};

pub use crate::core::scalars::{Date, DateRangeInput, DateTimeRangeInput, IntRangeInput};

/// Stock availability filter.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "StockAvailability")]
pub enum StockAvailability {
    InStock,
    OutOfStock,
}

/// Product sort fields.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ProductOrderField")]
pub enum ProductOrderField {
    /// Sort products by name.
    Name,
    /// Sort products by rank. Note: This option is available only with the `search` filter.
    Rank,
    /// Sort products by price.
    Price,
    /// Sort products by a minimal price of a product's variant.
    MinimalPrice,
    /// Sort products by update date.
    #[graphql(deprecation = "Use `LAST_MODIFIED_AT` instead.")]
    LastModified,
    /// Sort products by update date.
    #[graphql(deprecation = "Use `LAST_MODIFIED_AT` instead.")]
    Date,
    /// Sort products by type.
    Type,
    /// Sort products by publication status.
    Published,
    /// Sort products by publication date.
    #[graphql(deprecation = "Use `PUBLISHED_AT` instead.")]
    PublicationDate,
    /// Sort products by publication date.
    PublishedAt,
    /// Sort products by update date.
    LastModifiedAt,
    /// Sort products by collection. Note: This option is available only for the `Collection.products` query.
    Collection,
    /// Sort products by rating.
    Rating,
    /// Sort products by creation date.
    CreatedAt,
}

/// Product ordering.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "ProductOrder")]
pub struct ProductOrder {
    /// Specifies the direction in which to sort products.
    pub direction: super::common::OrderDirection,
    /// Specifies the channel in which to sort the data.
    #[graphql(deprecation = "Use root-level channel argument instead.")]
    pub channel: Option<String>,
    /// Sort product by the selected attribute's values.
    pub attribute_id: Option<ID>,
    /// Sort products by the selected field.
    pub field: Option<ProductOrderField>,
}

impl ProductOrder {
    /// The service ordering (`search` tells whether RANK is allowed, `collection` is the
    /// collection COLLECTION orders by).
    pub fn to_sort(&self, search: bool, collection: Option<i32>) -> Result<ProductSort> {
        let descending = self.direction == super::common::OrderDirection::Desc;
        if self.attribute_id.is_some() {
            return Err(unsupported("Sorting by attribute"));
        }
        let field = match self.field {
            None | Some(ProductOrderField::Name) => ProductSortField::Name,
            Some(ProductOrderField::Rank) => {
                if !search {
                    return Err(error(
                        ErrorCode::InvalidInput,
                        "Sorting by RANK is available only when using a search filter.",
                    ));
                }
                // Relevance ranking is not computed yet: matches are ordered by name.
                ProductSortField::Name
            }
            Some(ProductOrderField::Price | ProductOrderField::MinimalPrice) => {
                ProductSortField::Price
            }
            Some(
                ProductOrderField::LastModified
                | ProductOrderField::Date
                | ProductOrderField::LastModifiedAt,
            ) => ProductSortField::UpdatedAt,
            Some(ProductOrderField::PublicationDate | ProductOrderField::PublishedAt) => {
                ProductSortField::PublishedAt
            }
            Some(ProductOrderField::CreatedAt) => ProductSortField::CreatedAt,
            Some(ProductOrderField::Type) => ProductSortField::Type,
            Some(ProductOrderField::Published) => ProductSortField::Published,
            Some(ProductOrderField::Rating) => ProductSortField::Rating,
            Some(ProductOrderField::Collection) => match collection {
                Some(id) => ProductSortField::Collection(id),
                None => {
                    return Err(error(
                        ErrorCode::InvalidInput,
                        "Sorting by COLLECTION is available only for the `Collection.products` query.",
                    ));
                }
            },
        };
        Ok(ProductSort { field, descending })
    }
}

fn unsupported(what: &str) -> async_graphql::Error {
    error(
        ErrorCode::InvalidInput,
        format!("{what} is not supported yet."),
    )
}

/// Metadata filter (key, optional value).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "MetadataFilter")]
pub struct MetadataFilter {
    /// Key of a metadata item.
    pub key: String,
    /// Value of a metadata item.
    pub value: Option<String>,
}

/// Metadata value filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "MetadataValueFilterInput")]
pub struct MetadataValueFilterInput {
    pub eq: Option<String>,
    pub one_of: Option<Vec<String>>,
}

/// Metadata filter (key, value conditions).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "MetadataFilterInput")]
pub struct MetadataFilterInput {
    pub key: String,
    pub value: Option<MetadataValueFilterInput>,
}

/// String filter.
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "StringFilterInput")]
pub struct StringFilterInput {
    pub eq: Option<String>,
    pub one_of: Option<Vec<String>>,
}

impl StringFilterInput {
    /// The accepted values.
    pub fn values(&self) -> Vec<String> {
        let mut v: Vec<String> = self.eq.iter().cloned().collect();
        v.extend(self.one_of.iter().flatten().cloned());
        v
    }
}

/// Global ID filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "GlobalIDFilterInput")]
pub struct GlobalIdFilterInput {
    pub eq: Option<ID>,
    pub one_of: Option<Vec<ID>>,
}

impl GlobalIdFilterInput {
    fn ids(&self, type_name: &str) -> Result<Vec<i32>> {
        let mut ids = Vec::new();
        for i in self.eq.iter().chain(self.one_of.iter().flatten()) {
            ids.push(id::decode::<i32>(i, type_name)?);
        }
        Ok(ids)
    }
}

/// Decimal range.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "DecimalRangeInput")]
pub struct DecimalRangeInput {
    pub gte: Option<Decimal>,
    pub lte: Option<Decimal>,
}

/// Decimal filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "DecimalFilterInput")]
pub struct DecimalFilterInput {
    pub eq: Option<Decimal>,
    pub one_of: Option<Vec<Decimal>>,
    pub range: Option<DecimalRangeInput>,
}

/// Date-time filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "DateTimeFilterInput")]
pub struct DateTimeFilterInput {
    pub eq: Option<DateTime<Utc>>,
    pub one_of: Option<Vec<DateTime<Utc>>>,
    pub range: Option<DateTimeRangeInput>,
}

/// Price range (in the channel's currency).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "PriceRangeInput")]
pub struct PriceRangeInput {
    pub gte: Option<f64>,
    pub lte: Option<f64>,
}

/// "Contains" filter over a list of strings.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "ContainsFilterInput")]
pub struct ContainsFilterInput {
    pub contains_any: Option<Vec<String>>,
    pub contains_all: Option<Vec<String>>,
}

/// Reference attribute filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AssignedAttributeReferenceInput")]
pub struct AssignedAttributeReferenceInput {
    pub referenced_ids: Option<ContainsFilterInput>,
    pub page_slugs: Option<ContainsFilterInput>,
    pub product_slugs: Option<ContainsFilterInput>,
    pub product_variant_skus: Option<ContainsFilterInput>,
    pub category_slugs: Option<ContainsFilterInput>,
    pub collection_slugs: Option<ContainsFilterInput>,
}

/// Filter on an assigned attribute's value.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AssignedAttributeValueInput")]
pub struct AssignedAttributeValueInput {
    pub slug: Option<StringFilterInput>,
    pub name: Option<StringFilterInput>,
    pub numeric: Option<DecimalFilterInput>,
    pub date: Option<DateRangeInput>,
    pub date_time: Option<DateTimeRangeInput>,
    pub boolean: Option<bool>,
    pub reference: Option<AssignedAttributeReferenceInput>,
}

impl AssignedAttributeValueInput {
    fn apply(&self, f: &mut AttributeFilter) -> Result<()> {
        if self.numeric.is_some()
            || self.date.is_some()
            || self.date_time.is_some()
            || self.reference.is_some()
        {
            return Err(unsupported(
                "Filtering attributes by numeric, date or reference values",
            ));
        }
        if let Some(s) = &self.slug {
            f.value_slugs.extend(s.values());
        }
        if let Some(n) = &self.name {
            f.value_names.extend(n.values());
        }
        f.boolean = self.boolean.or(f.boolean);
        Ok(())
    }
}

/// Filter on an assigned attribute (pages).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AssignedAttributeWhereInput")]
pub struct AssignedAttributeWhereInput {
    pub slug: Option<String>,
    pub value: Option<AssignedAttributeValueInput>,
}

/// Attribute filter of products.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AttributeInput")]
pub struct AttributeInput {
    /// Internal representation of an attribute name.
    pub slug: Option<String>,
    /// Filter by value of the attribute.
    pub value: Option<AssignedAttributeValueInput>,
    /// Slugs identifying the attributeValues associated with the Attribute.
    #[graphql(deprecation = "Use `value` instead.")]
    pub values: Option<Vec<String>>,
    /// The range that the returned values should be in.
    #[graphql(deprecation = "Use `value` instead.")]
    pub values_range: Option<IntRangeInput>,
    /// The date/time range that the returned values should be in.
    #[graphql(deprecation = "Use `value` instead.")]
    pub date_time: Option<DateTimeRangeInput>,
    /// The date range that the returned values should be in.
    #[graphql(deprecation = "Use `value` instead.")]
    pub date: Option<DateRangeInput>,
    /// The boolean value of the attribute.
    #[graphql(deprecation = "Use `value` instead.")]
    pub boolean: Option<bool>,
}

impl AttributeInput {
    fn to_filter(&self) -> Result<AttributeFilter> {
        let slug = self.slug.clone().ok_or_else(|| {
            error(
                ErrorCode::InvalidInput,
                "Attribute slug is required to filter by attribute.",
            )
        })?;
        if self.values_range.is_some() || self.date_time.is_some() || self.date.is_some() {
            return Err(unsupported("Filtering attributes by ranges"));
        }
        let mut f = AttributeFilter {
            slug,
            value_slugs: self.values.clone().unwrap_or_default(),
            boolean: self.boolean,
            ..Default::default()
        };
        if let Some(v) = &self.value {
            v.apply(&mut f)?;
        }
        Ok(f)
    }
}

/// Stock filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "ProductStockFilterInput")]
pub struct ProductStockFilterInput {
    pub warehouse_ids: Option<Vec<ID>>,
    pub quantity: Option<IntRangeInput>,
}

/// Product filter (deprecated `filter` argument).
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "ProductFilterInput")]
pub struct ProductFilterInput {
    pub is_published: Option<bool>,
    pub collections: Option<Vec<ID>>,
    pub categories: Option<Vec<ID>>,
    pub has_category: Option<bool>,
    pub attributes: Option<Vec<AttributeInput>>,
    pub stock_availability: Option<StockAvailability>,
    pub stocks: Option<ProductStockFilterInput>,
    pub search: Option<String>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub published_from: Option<DateTime<Utc>>,
    pub is_available: Option<bool>,
    pub available_from: Option<DateTime<Utc>>,
    pub is_visible_in_listing: Option<bool>,
    pub price: Option<PriceRangeInput>,
    pub minimal_price: Option<PriceRangeInput>,
    pub updated_at: Option<DateTimeRangeInput>,
    pub product_types: Option<Vec<ID>>,
    pub gift_card: Option<bool>,
    pub ids: Option<Vec<ID>>,
    #[graphql(
        deprecation = "Preorder is deprecated and will be removed. Model pre-sales with regular stock instead: create the planned quantity in a warehouse, or set `trackInventory` to false to sell without a stock limit."
    )]
    pub has_preordered_variants: Option<bool>,
    pub slugs: Option<Vec<String>>,
    #[graphql(deprecation = "Use root-level channel argument instead.")]
    pub channel: Option<String>,
}

fn decode_all(ids: &[ID], type_name: &str) -> Result<Vec<i32>> {
    ids.iter()
        .map(|i| id::decode::<i32>(i, type_name))
        .collect()
}

fn price_minor(x: f64, currency: &str) -> i64 {
    let scale = 10_f64.powi(crate::catalog::money::fraction_digits(currency) as i32);
    (x * scale).round() as i64
}

fn decimal_minor(x: Decimal, currency: &str) -> i64 {
    let scale = Decimal::from(10_i64.pow(crate::catalog::money::fraction_digits(currency)));
    i64::try_from((x * scale).round()).unwrap_or(i64::MAX)
}

impl ProductFilterInput {
    /// The service filter; prices are in `currency`.
    pub fn to_filter(&self, currency: &str) -> Result<ProductFilter> {
        if self.stocks.is_some()
            || self.published_from.is_some()
            || self.available_from.is_some()
            || self.updated_at.is_some()
            || self.gift_card.is_some()
            || self.has_preordered_variants.is_some()
        {
            return Err(unsupported(
                "Filtering products by stocks, dates, gift card or preorder",
            ));
        }
        let mut f = ProductFilter {
            is_published: self.is_published,
            has_category: self.has_category,
            search: self.search.clone().filter(|s| !s.trim().is_empty()),
            is_available: self.is_available,
            visible_in_listing: self.is_visible_in_listing,
            slugs: self.slugs.clone(),
            in_stock: self
                .stock_availability
                .map(|s| s == StockAvailability::InStock),
            ..Default::default()
        };
        if let Some(ids) = &self.ids {
            f.ids = Some(decode_all(ids, "Product")?);
        }
        if let Some(ids) = &self.collections {
            f.collection_ids = Some(decode_all(ids, "Collection")?);
        }
        if let Some(ids) = &self.categories {
            f.category_trees = Some(decode_all(ids, "Category")?);
        }
        if let Some(ids) = &self.product_types {
            f.product_type_ids = Some(decode_all(ids, "ProductType")?);
        }
        for range in self.price.iter().chain(self.minimal_price.iter()) {
            if let Some(gte) = range.gte {
                f.price_gte = Some(price_minor(gte, currency));
            }
            if let Some(lte) = range.lte {
                f.price_lte = Some(price_minor(lte, currency));
            }
        }
        for attr in self.attributes.iter().flatten() {
            f.attributes.push(attr.to_filter()?);
        }
        for m in self.metadata.iter().flatten() {
            f.metadata.push((m.key.clone(), m.value.clone()));
        }
        Ok(f)
    }
}

/// Product filter (`where` argument).
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "ProductWhereInput")]
pub struct ProductWhereInput {
    pub metadata: Option<Vec<MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
    pub name: Option<StringFilterInput>,
    pub slug: Option<StringFilterInput>,
    pub product_type: Option<GlobalIdFilterInput>,
    pub category: Option<GlobalIdFilterInput>,
    pub collection: Option<GlobalIdFilterInput>,
    pub is_available: Option<bool>,
    pub is_published: Option<bool>,
    pub is_visible_in_listing: Option<bool>,
    pub published_from: Option<DateTime<Utc>>,
    pub available_from: Option<DateTime<Utc>>,
    pub has_category: Option<bool>,
    pub price: Option<DecimalFilterInput>,
    pub minimal_price: Option<DecimalFilterInput>,
    pub attributes: Option<Vec<AttributeInput>>,
    pub stock_availability: Option<StockAvailability>,
    pub stocks: Option<ProductStockFilterInput>,
    pub gift_card: Option<bool>,
    #[graphql(
        deprecation = "Preorder is deprecated and will be removed. Model pre-sales with regular stock instead: create the planned quantity in a warehouse, or set `trackInventory` to false to sell without a stock limit."
    )]
    pub has_preordered_variants: Option<bool>,
    pub updated_at: Option<DateTimeFilterInput>,
    #[graphql(name = "AND")]
    pub and: Option<Vec<ProductWhereInput>>,
    #[graphql(name = "OR")]
    pub or: Option<Vec<ProductWhereInput>>,
}

impl ProductWhereInput {
    /// The service filter; prices are in `currency`.
    pub fn to_filter(&self, currency: &str) -> Result<ProductFilter> {
        if self.stocks.is_some()
            || self.published_from.is_some()
            || self.available_from.is_some()
            || self.updated_at.is_some()
            || self.gift_card.is_some()
            || self.has_preordered_variants.is_some()
        {
            return Err(unsupported(
                "Filtering products by stocks, dates, gift card or preorder",
            ));
        }
        let mut f = ProductFilter {
            is_published: self.is_published,
            has_category: self.has_category,
            is_available: self.is_available,
            visible_in_listing: self.is_visible_in_listing,
            in_stock: self
                .stock_availability
                .map(|s| s == StockAvailability::InStock),
            ..Default::default()
        };
        if let Some(ids) = &self.ids {
            f.ids = Some(decode_all(ids, "Product")?);
        }
        if let Some(n) = &self.name {
            f.names = Some(n.values());
        }
        if let Some(s) = &self.slug {
            f.slugs = Some(s.values());
        }
        if let Some(g) = &self.product_type {
            f.product_type_ids = Some(g.ids("ProductType")?);
        }
        if let Some(g) = &self.category {
            f.category_trees = Some(g.ids("Category")?);
        }
        if let Some(g) = &self.collection {
            f.collection_ids = Some(g.ids("Collection")?);
        }
        for p in self.price.iter().chain(self.minimal_price.iter()) {
            if p.one_of.is_some() {
                return Err(unsupported("Filtering prices by `oneOf`"));
            }
            if let Some(eq) = p.eq {
                f.price_gte = Some(decimal_minor(eq, currency));
                f.price_lte = Some(decimal_minor(eq, currency));
            }
            if let Some(r) = &p.range {
                if let Some(gte) = r.gte {
                    f.price_gte = Some(decimal_minor(gte, currency));
                }
                if let Some(lte) = r.lte {
                    f.price_lte = Some(decimal_minor(lte, currency));
                }
            }
        }
        for attr in self.attributes.iter().flatten() {
            f.attributes.push(attr.to_filter()?);
        }
        for m in self.metadata.iter().flatten() {
            f.metadata.push((m.key.clone(), m.value.clone()));
        }
        for sub in self.and.iter().flatten() {
            f.all_of.push(sub.to_filter(currency)?);
        }
        for sub in self.or.iter().flatten() {
            f.any_of.push(sub.to_filter(currency)?);
        }
        Ok(f)
    }
}

/// Category filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "CategoryFilterInput")]
pub struct CategoryFilterInput {
    pub search: Option<String>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
    pub updated_at: Option<DateTimeRangeInput>,
}

impl CategoryFilterInput {
    /// The service filter.
    pub fn to_filter(&self) -> Result<crate::catalog::read::CategoryFilter> {
        if self.metadata.is_some() || self.updated_at.is_some() {
            return Err(unsupported("Filtering categories by metadata or date"));
        }
        Ok(crate::catalog::read::CategoryFilter {
            ids: self
                .ids
                .as_deref()
                .map(|ids| decode_all(ids, "Category"))
                .transpose()?,
            slugs: self.slugs.clone(),
            search: self.search.clone(),
            ..Default::default()
        })
    }
}

/// Collection publication status filter.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "CollectionPublished")]
pub enum CollectionPublished {
    Published,
    Hidden,
}

/// Collection filter.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "CollectionFilterInput")]
pub struct CollectionFilterInput {
    pub published: Option<CollectionPublished>,
    pub search: Option<String>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
    #[graphql(deprecation = "Use root-level channel argument instead.")]
    pub channel: Option<String>,
}

/// Page filter (`where` argument).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "PageWhereInput")]
pub struct PageWhereInput {
    pub metadata: Option<MetadataFilterInput>,
    pub ids: Option<Vec<ID>>,
    pub slug: Option<StringFilterInput>,
    pub page_type: Option<GlobalIdFilterInput>,
    pub attributes: Option<Vec<AssignedAttributeWhereInput>>,
    #[graphql(name = "AND")]
    pub and: Option<Vec<PageWhereInput>>,
    #[graphql(name = "OR")]
    pub or: Option<Vec<PageWhereInput>>,
}

impl PageWhereInput {
    /// The service filter.
    pub fn to_filter(&self) -> Result<crate::content::service::PageFilter> {
        if self.metadata.is_some()
            || self.attributes.is_some()
            || self.and.is_some()
            || self.or.is_some()
        {
            return Err(unsupported(
                "Filtering pages by metadata, attributes, AND or OR",
            ));
        }
        Ok(crate::content::service::PageFilter {
            ids: self
                .ids
                .as_deref()
                .map(|ids| decode_all(ids, "Page"))
                .transpose()?,
            slugs: self.slug.as_ref().map(StringFilterInput::values),
            page_type_ids: self
                .page_type
                .as_ref()
                .map(|g| g.ids("PageType"))
                .transpose()?,
        })
    }
}

/// Page filter (deprecated `filter` argument).
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "PageFilterInput")]
pub struct PageFilterInput {
    pub search: Option<String>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub page_types: Option<Vec<ID>>,
    pub ids: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
}

impl PageFilterInput {
    /// The service filter.
    pub fn to_filter(&self) -> Result<crate::content::service::PageFilter> {
        if self.metadata.is_some() || self.search.is_some() {
            return Err(unsupported("Filtering pages by metadata or search"));
        }
        Ok(crate::content::service::PageFilter {
            ids: self
                .ids
                .as_deref()
                .map(|ids| decode_all(ids, "Page"))
                .transpose()?,
            slugs: self.slugs.clone(),
            page_type_ids: self
                .page_types
                .as_deref()
                .map(|ids| decode_all(ids, "PageType"))
                .transpose()?,
        })
    }
}
