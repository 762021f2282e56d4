//! Write side of the catalog: the rules and transactions behind staff mutations. Every
//! change runs in one transaction (nothing half-written), refreshes the denormalized price
//! ranges it affects and re-indexes the product for search before committing.

use chrono::{DateTime, Utc};
use entities::{
    assigned_value, attribute, attribute_value, category, channel, collection, collection_product,
    product, product_channel_listing, product_media, product_type, product_variant, stock,
    tax_class, translation, type_attribute, variant_channel_listing, warehouse,
};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde_json::{Value as Json, json};

use super::money::{self, MoneyError};
use super::search;
use super::seed::{refresh_price_ranges, refresh_prices, slugify};
use super::type_write::set_type_attributes;
use crate::core::metadata::{self, MetadataInput};

/// The kind of a mutation error (mapped to each mutation's Saleor error code enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    AlreadyExists,
    AttributeAlreadyAssigned,
    AttributeCannotBeAssigned,
    AttributeVariantsDisabled,
    /// A menu item cannot go where it was asked to (under itself or its descendant).
    CannotAssignNode,
    DuplicatedInputItem,
    GraphqlError,
    Invalid,
    InvalidPrice,
    NotFound,
    ProductNotAssignedToChannel,
    Required,
    /// A menu item was given more than one link.
    TooManyMenuItems,
    Unique,
}

/// A rule a staff change broke, on an input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
    pub code: Code,
    /// Index of the offending item in a list input (stocks).
    pub index: Option<i32>,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            message: message.into(),
            code,
            index: None,
        }
    }
}

/// Why a catalog write failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Input errors, returned in the mutation payload.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl WriteError {
    /// A single error on `field`.
    pub fn one(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// `NOT_FOUND` on `field`.
    pub fn not_found(field: &str, what: &str) -> Self {
        Self::one(
            field,
            Code::NotFound,
            format!("Couldn't resolve to a node: {what}"),
        )
    }

    /// The same errors, reported on the `ids` input where they were on `id` (bulk
    /// mutations share the single-object writers).
    pub fn on_ids(self) -> Self {
        match self {
            Self::Invalid(errors) => Self::Invalid(
                errors
                    .into_iter()
                    .map(|mut e| {
                        if e.field.as_deref() == Some("id") {
                            e.field = Some("ids".to_owned());
                        }
                        e
                    })
                    .collect(),
            ),
            db => db,
        }
    }
}

/// Maps a unique violation raised by the database (a concurrent write) to `UNIQUE` on `field`.
pub(crate) fn unique_on(field: &'static str) -> impl Fn(DbErr) -> WriteError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => WriteError::one(
            field,
            Code::Unique,
            format!("Object with this {} already exists.", title(field)),
        ),
        _ => WriteError::Db(e),
    }
}

fn title(field: &str) -> String {
    let mut c = field.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn empty() -> Json {
    json!({})
}

/// `current` metadata with `items` set.
pub(crate) fn meta(items: &Option<Vec<MetadataInput>>, current: &Json) -> Result<Json, WriteError> {
    match items {
        Some(items) => metadata::with_set(current, items).map_err(|_| {
            WriteError::one("metadata", Code::Required, "Metadata key cannot be empty.")
        }),
        None => Ok(current.clone()),
    }
}

/// A value for one attribute of a product or variant (Saleor's `AttributeValueInput`).
#[derive(Clone, Debug, Default)]
pub struct AttributeValue {
    pub attribute_id: i32,
    /// Choices (dropdown, multiselect, swatch) by name or slug; created when new.
    pub choices: Vec<String>,
    pub plain_text: Option<String>,
    pub rich_text: Option<Json>,
    pub numeric: Option<String>,
    pub boolean: Option<bool>,
    pub date_time: Option<DateTime<Utc>>,
    pub file_url: Option<String>,
    pub content_type: Option<String>,
}

/// Fields of a product create or update (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct ProductFields {
    pub product_type_id: Option<i32>,
    pub category_id: Option<Option<i32>>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub weight_grams: Option<i32>,
    /// Product rating (Saleor's free `rating` value; the storefront sorts by it).
    pub rating: Option<f64>,
    pub external_reference: Option<String>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub attributes: Vec<AttributeValue>,
    pub collections: Option<Vec<i32>>,
    /// Tax class (on create, the product type's when not given).
    pub tax_class_id: Option<i32>,
}

/// Fields of a variant create or update (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct VariantFields {
    pub product_id: Option<i32>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub track_inventory: Option<bool>,
    pub quantity_limit_per_customer: Option<i32>,
    pub weight_grams: Option<i32>,
    pub external_reference: Option<String>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
    pub attributes: Vec<AttributeValue>,
    /// `(warehouse_id, quantity)`.
    pub stocks: Vec<(i32, i32)>,
}

/// A product's listing in one channel (`None`: unchanged, or the default on creation).
#[derive(Clone, Debug, Default)]
pub struct ProductListingChange {
    pub channel_id: i32,
    pub is_published: Option<bool>,
    pub published_at: Option<DateTime<Utc>>,
    pub visible_in_listings: Option<bool>,
    pub is_available_for_purchase: Option<bool>,
    pub available_for_purchase_at: Option<DateTime<Utc>>,
    pub add_variants: Vec<i32>,
    pub remove_variants: Vec<i32>,
}

/// A variant's price in one channel.
#[derive(Clone, Debug)]
pub struct VariantPrice {
    pub channel_id: i32,
    pub price: Decimal,
    pub cost_price: Option<Decimal>,
}

/// Fields of a category, collection or page-like object.
#[derive(Clone, Debug, Default)]
pub struct CategoryFields {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub background_image_alt: Option<String>,
    pub metadata: Option<Vec<MetadataInput>>,
    pub private_metadata: Option<Vec<MetadataInput>>,
}

/// A new product type.
#[derive(Clone, Debug, Default)]
pub struct ProductTypeFields {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub gift_card: bool,
    pub has_variants: Option<bool>,
    pub product_attributes: Vec<i32>,
    pub variant_attributes: Vec<i32>,
    pub is_shipping_required: Option<bool>,
    pub is_digital: Option<bool>,
    /// Tax class of the type's products.
    pub tax_class_id: Option<i32>,
    /// Default weight of the type's products.
    pub weight_grams: Option<i32>,
}

/// A new attribute.
#[derive(Clone, Debug, Default)]
pub struct AttributeFields {
    pub name: String,
    pub slug: Option<String>,
    pub input_type: String,
    pub attribute_type: String,
    pub entity_type: Option<String>,
    pub values: Vec<(String, Option<String>)>,
    pub value_required: Option<bool>,
    pub visible_in_storefront: Option<bool>,
    pub external_reference: Option<String>,
}

/// A translation's fields.
#[derive(Clone, Debug, Default)]
pub struct TranslationFields {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Json>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
}

/// Applies staff changes to the catalog.
#[derive(Clone, Debug)]
pub struct CatalogWriter {
    db: DatabaseConnection,
}

/// A slug for a new or renamed object: the given one (which must be free) or one derived
/// from `name` with a numeric suffix when taken.
pub(crate) async fn free_slug<E, C>(
    txn: &DatabaseTransaction,
    column: C,
    given: Option<&str>,
    name: &str,
    except: Option<i32>,
) -> Result<String, WriteError>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    if let Some(slug) = given {
        let slug = slug.trim().to_owned();
        if slug.is_empty() || slugify(&slug) != slug {
            return Err(WriteError::one(
                "slug",
                Code::Invalid,
                "Enter a valid slug.",
            ));
        }
        if exists::<E, C>(txn, column, &slug, except).await? {
            return Err(WriteError::one(
                "slug",
                Code::Unique,
                format!("Object with this Slug already exists: {slug}."),
            ));
        }
        return Ok(slug);
    }
    let base = slugify(name);
    if base.is_empty() {
        return Err(WriteError::one(
            "slug",
            Code::Required,
            "This field cannot be blank.",
        ));
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while exists::<E, C>(txn, column, &candidate, except).await? {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    Ok(candidate)
}

async fn exists<E, C>(
    txn: &DatabaseTransaction,
    column: C,
    value: &str,
    except: Option<i32>,
) -> Result<bool, DbErr>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let mut q = E::find().filter(column.eq(value));
    if let Some(id) = except {
        q = q.filter(super::read::cust(
            txn.get_database_backend(),
            "id <> ?",
            [id],
        ));
    }
    Ok(q.one(txn).await?.is_some())
}

/// A non-blank name, or `REQUIRED` on `name`.
pub(crate) fn required_name(name: &Option<String>) -> Result<String, WriteError> {
    match name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => Ok(n.to_owned()),
        _ => Err(WriteError::one(
            "name",
            Code::Required,
            "This field is required.",
        )),
    }
}

impl CatalogWriter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The connection (for callers composing reads after a write).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub(crate) async fn find<E: EntityTrait>(
        txn: &DatabaseTransaction,
        id: i32,
        field: &str,
        what: &str,
    ) -> Result<E::Model, WriteError>
    where
        <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i32>,
    {
        E::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| WriteError::not_found(field, what))
    }

    /// Creates a product (with attributes and collections).
    pub async fn product_create(&self, f: ProductFields) -> Result<product::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let type_id = f.product_type_id.ok_or_else(|| {
            WriteError::one("productType", Code::Required, "This field is required.")
        })?;
        let pt =
            Self::find::<product_type::Entity>(&txn, type_id, "productType", "ProductType").await?;
        let name = required_name(&f.name)?;
        if let Some(Some(cat)) = f.category_id {
            Self::find::<category::Entity>(&txn, cat, "category", "Category").await?;
        }
        if let Some(class) = f.tax_class_id {
            Self::find::<tax_class::Entity>(&txn, class, "taxClass", "TaxClass").await?;
        }
        let slug = free_slug::<product::Entity, _>(
            &txn,
            product::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        if let Some(r) = &f.external_reference
            && exists::<product::Entity, _>(&txn, product::Column::ExternalReference, r, None)
                .await?
        {
            return Err(WriteError::one(
                "externalReference",
                Code::Unique,
                "Product with this External reference already exists.",
            ));
        }
        let now = Utc::now();
        let p = product::ActiveModel {
            product_type_id: Set(pt.id),
            category_id: Set(f.category_id.flatten()),
            name: Set(name),
            slug: Set(slug),
            description: Set(f.description.clone()),
            seo_title: Set(f.seo_title.clone()),
            seo_description: Set(f.seo_description.clone()),
            weight_grams: Set(f.weight_grams),
            rating: Set(f.rating),
            external_reference: Set(f.external_reference.clone()),
            tax_class_id: Set(f.tax_class_id.or(pt.tax_class_id)),
            search_document: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            metadata: Set(meta(&f.metadata, &empty())?),
            private_metadata: Set(meta(&f.private_metadata, &empty())?),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        assign_attributes(&txn, "product", p.id, pt.id, "product", &f.attributes).await?;
        if let Some(collections) = &f.collections {
            set_collections(&txn, p.id, collections).await?;
        }
        if f.category_id.is_some() || f.collections.is_some() {
            // Catalogue promotions may match the product through its category or collections.
            refresh_price_ranges(&txn, Some(p.id)).await?;
        }
        search::reindex(&txn, p.id).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Updates a product.
    pub async fn product_update(
        &self,
        id: i32,
        f: ProductFields,
    ) -> Result<product::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, id, "id", "Product").await?;
        let mut am = p.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<product::Entity, _>(
                &txn,
                product::Column::Slug,
                f.slug.as_deref(),
                &p.name,
                Some(p.id),
            )
            .await?);
        }
        if let Some(cat) = f.category_id {
            if let Some(c) = cat {
                Self::find::<category::Entity>(&txn, c, "category", "Category").await?;
            }
            am.category_id = Set(cat);
        }
        if let Some(d) = f.description.clone() {
            am.description = Set(Some(d));
        }
        if let Some(t) = f.seo_title.clone() {
            am.seo_title = Set(Some(t));
        }
        if let Some(t) = f.seo_description.clone() {
            am.seo_description = Set(Some(t));
        }
        if let Some(class) = f.tax_class_id {
            Self::find::<tax_class::Entity>(&txn, class, "taxClass", "TaxClass").await?;
            am.tax_class_id = Set(Some(class));
        }
        if let Some(w) = f.weight_grams {
            am.weight_grams = Set(Some(w));
        }
        if let Some(r) = f.rating {
            am.rating = Set(Some(r));
        }
        if let Some(r) = f.external_reference.clone() {
            if exists::<product::Entity, _>(
                &txn,
                product::Column::ExternalReference,
                &r,
                Some(p.id),
            )
            .await?
            {
                return Err(WriteError::one(
                    "externalReference",
                    Code::Unique,
                    "Product with this External reference already exists.",
                ));
            }
            am.external_reference = Set(Some(r));
        }
        am.metadata = Set(meta(&f.metadata, &p.metadata)?);
        am.private_metadata = Set(meta(&f.private_metadata, &p.private_metadata)?);
        am.updated_at = Set(Utc::now());
        let p = am.update(&txn).await.map_err(unique_on("slug"))?;
        assign_attributes(
            &txn,
            "product",
            p.id,
            p.product_type_id,
            "product",
            &f.attributes,
        )
        .await?;
        if let Some(collections) = &f.collections {
            set_collections(&txn, p.id, collections).await?;
        }
        if f.category_id.is_some() || f.collections.is_some() {
            // Catalogue promotions may match the product through its category or collections.
            refresh_price_ranges(&txn, Some(p.id)).await?;
        }
        search::reindex(&txn, p.id).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Deletes a product (its variants, listings, media and stock go with it).
    pub async fn product_delete(&self, id: i32) -> Result<product::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = delete_product_in(&txn, id).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Adds, changes or removes a product's channel listings.
    pub async fn product_channel_listing_update(
        &self,
        product_id: i32,
        updates: Vec<ProductListingChange>,
        remove_channels: Vec<i32>,
    ) -> Result<product::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, product_id, "id", "Product").await?;
        let mut seen = Vec::new();
        for u in &updates {
            if seen.contains(&u.channel_id) || remove_channels.contains(&u.channel_id) {
                return Err(WriteError::one(
                    "updateChannels",
                    Code::DuplicatedInputItem,
                    "The channel ID is duplicated or also in removeChannels.",
                ));
            }
            seen.push(u.channel_id);
        }
        for u in updates {
            let ch =
                Self::find::<channel::Entity>(&txn, u.channel_id, "channelId", "Channel").await?;
            let existing = product_channel_listing::Entity::find()
                .filter(product_channel_listing::Column::ProductId.eq(product_id))
                .filter(product_channel_listing::Column::ChannelId.eq(ch.id))
                .one(&txn)
                .await?;
            let now = Utc::now();
            let available_at = match (u.is_available_for_purchase, u.available_for_purchase_at) {
                (_, Some(at)) => Some(Some(at)),
                (Some(true), None) => Some(Some(now)),
                (Some(false), None) => Some(None),
                (None, None) => None,
            };
            let published_at = match (u.is_published, u.published_at) {
                (_, Some(at)) => Some(Some(at)),
                (Some(true), None) => Some(Some(now)),
                _ => None,
            };
            match existing {
                Some(l) => {
                    let mut am = l.into_active_model();
                    if let Some(v) = u.is_published {
                        am.is_published = Set(v);
                    }
                    if let Some(v) = published_at {
                        am.published_at = Set(v);
                    }
                    if let Some(v) = u.visible_in_listings {
                        am.visible_in_listings = Set(v);
                    }
                    if let Some(v) = available_at {
                        am.available_for_purchase_at = Set(v);
                    }
                    am.update(&txn).await?;
                }
                None => {
                    product_channel_listing::ActiveModel {
                        product_id: Set(product_id),
                        channel_id: Set(ch.id),
                        is_published: Set(u.is_published.unwrap_or(false)),
                        published_at: Set(published_at.flatten()),
                        visible_in_listings: Set(u.visible_in_listings.unwrap_or(false)),
                        available_for_purchase_at: Set(available_at.flatten()),
                        currency: Set(ch.currency_code.clone()),
                        min_price: Set(None),
                        max_price: Set(None),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
            }
            if !u.remove_variants.is_empty() {
                variant_channel_listing::Entity::delete_many()
                    .filter(variant_channel_listing::Column::ChannelId.eq(ch.id))
                    .filter(
                        variant_channel_listing::Column::VariantId.is_in(u.remove_variants.clone()),
                    )
                    .exec(&txn)
                    .await?;
            }
            for v in &u.add_variants {
                let variant = Self::find::<product_variant::Entity>(
                    &txn,
                    *v,
                    "addVariants",
                    "ProductVariant",
                )
                .await?;
                if variant.product_id != product_id {
                    return Err(WriteError::one(
                        "addVariants",
                        Code::Invalid,
                        "The variant doesn't belong to this product.",
                    ));
                }
            }
        }
        if !remove_channels.is_empty() {
            product_channel_listing::Entity::delete_many()
                .filter(product_channel_listing::Column::ProductId.eq(product_id))
                .filter(product_channel_listing::Column::ChannelId.is_in(remove_channels.clone()))
                .exec(&txn)
                .await?;
            let variants: Vec<i32> = product_variant::Entity::find()
                .filter(product_variant::Column::ProductId.eq(product_id))
                .all(&txn)
                .await?
                .into_iter()
                .map(|v| v.id)
                .collect();
            variant_channel_listing::Entity::delete_many()
                .filter(variant_channel_listing::Column::ChannelId.is_in(remove_channels))
                .filter(variant_channel_listing::Column::VariantId.is_in(variants))
                .exec(&txn)
                .await?;
        }
        refresh_price_ranges(&txn, Some(product_id)).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Creates a variant (with attributes and stock).
    pub async fn variant_create(
        &self,
        f: VariantFields,
    ) -> Result<product_variant::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let product_id = f
            .product_id
            .ok_or_else(|| WriteError::one("product", Code::Required, "This field is required."))?;
        let p = Self::find::<product::Entity>(&txn, product_id, "product", "Product").await?;
        let v = insert_variant(&txn, &p, &f).await?;
        search::reindex(&txn, p.id).await?;
        txn.commit().await?;
        Ok(v)
    }

    /// Creates several variants of one product; all or nothing. Errors carry the index of
    /// the offending variant.
    pub async fn variant_bulk_create(
        &self,
        product_id: i32,
        variants: Vec<(VariantFields, Vec<VariantPrice>)>,
    ) -> Result<Vec<product_variant::Model>, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, product_id, "product", "Product").await?;
        let mut out = Vec::new();
        for (i, (f, prices)) in variants.into_iter().enumerate() {
            let created = match insert_variant(&txn, &p, &f).await {
                Ok(v) => set_prices(&txn, &v, prices).await.map(|()| v),
                Err(e) => Err(e),
            };
            match created {
                Ok(v) => out.push(v),
                Err(WriteError::Invalid(errors)) => {
                    return Err(WriteError::Invalid(
                        errors
                            .into_iter()
                            .map(|mut e| {
                                e.index = Some(i as i32);
                                e
                            })
                            .collect(),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        refresh_price_ranges(&txn, Some(p.id)).await?;
        search::reindex(&txn, p.id).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Updates a variant.
    pub async fn variant_update(
        &self,
        id: i32,
        f: VariantFields,
    ) -> Result<product_variant::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let v = Self::find::<product_variant::Entity>(&txn, id, "id", "ProductVariant").await?;
        let p = Self::find::<product::Entity>(&txn, v.product_id, "product", "Product").await?;
        let mut am = v.clone().into_active_model();
        if let Some(sku) = &f.sku {
            let sku = sku.trim().to_owned();
            if exists::<product_variant::Entity, _>(
                &txn,
                product_variant::Column::Sku,
                &sku,
                Some(v.id),
            )
            .await?
            {
                return Err(WriteError::one(
                    "sku",
                    Code::Unique,
                    "Product variant with this SKU already exists.",
                ));
            }
            am.sku = Set(Some(sku));
        }
        if let Some(n) = &f.name {
            am.name = Set(n.clone());
        }
        if let Some(t) = f.track_inventory {
            am.track_inventory = Set(t);
        }
        if let Some(q) = f.quantity_limit_per_customer {
            if q < 1 {
                return Err(WriteError::one(
                    "quantityLimitPerCustomer",
                    Code::Invalid,
                    "Product variant can't have quantity limit per customer lower than 1.",
                ));
            }
            am.quantity_limit_per_customer = Set(Some(q));
        }
        if let Some(w) = f.weight_grams {
            am.weight_grams = Set(Some(w));
        }
        if let Some(r) = &f.external_reference {
            am.external_reference = Set(Some(r.clone()));
        }
        am.metadata = Set(meta(&f.metadata, &v.metadata)?);
        am.private_metadata = Set(meta(&f.private_metadata, &v.private_metadata)?);
        am.updated_at = Set(Utc::now());
        let v = am.update(&txn).await.map_err(unique_on("sku"))?;
        assign_attributes(
            &txn,
            "variant",
            v.id,
            p.product_type_id,
            "variant",
            &f.attributes,
        )
        .await?;
        set_stocks(&txn, v.id, &f.stocks).await?;
        search::reindex(&txn, p.id).await?;
        txn.commit().await?;
        Ok(v)
    }

    /// Deletes a variant.
    pub async fn variant_delete(&self, id: i32) -> Result<product_variant::Model, WriteError> {
        Ok(self.variants_delete(&[id]).await?.remove(0))
    }

    /// Sets a variant's prices in channels where its product is listed.
    pub async fn variant_channel_listing_update(
        &self,
        variant_id: i32,
        prices: Vec<VariantPrice>,
    ) -> Result<product_variant::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let v =
            Self::find::<product_variant::Entity>(&txn, variant_id, "id", "ProductVariant").await?;
        set_prices(&txn, &v, prices).await?;
        refresh_price_ranges(&txn, Some(v.product_id)).await?;
        txn.commit().await?;
        Ok(v)
    }

    /// Sets a variant's stock quantities per warehouse.
    pub async fn variant_stocks_update(
        &self,
        variant_id: i32,
        stocks: Vec<(i32, i32)>,
    ) -> Result<product_variant::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let v =
            Self::find::<product_variant::Entity>(&txn, variant_id, "variantId", "ProductVariant")
                .await?;
        set_stocks(&txn, variant_id, &stocks).await?;
        txn.commit().await?;
        Ok(v)
    }

    /// Creates a category under `parent_id`.
    pub async fn category_create(
        &self,
        parent_id: Option<i32>,
        f: CategoryFields,
    ) -> Result<category::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let parent = match parent_id {
            Some(id) => Some(Self::find::<category::Entity>(&txn, id, "parent", "Category").await?),
            None => None,
        };
        let name = required_name(&f.name)?;
        let slug = free_slug::<category::Entity, _>(
            &txn,
            category::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let c = category::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            description: Set(f.description.clone()),
            parent_id: Set(parent.as_ref().map(|p| p.id)),
            level: Set(parent.as_ref().map_or(0, |p| p.level + 1)),
            seo_title: Set(f.seo_title.clone()),
            seo_description: Set(f.seo_description.clone()),
            background_image_url: Set(None),
            background_image_alt: Set(f.background_image_alt.clone()),
            updated_at: Set(Utc::now()),
            metadata: Set(meta(&f.metadata, &empty())?),
            private_metadata: Set(meta(&f.private_metadata, &empty())?),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(c)
    }

    /// Deletes a category (and its subcategories); its products lose their category.
    pub async fn category_delete(&self, id: i32) -> Result<category::Model, WriteError> {
        Ok(self.categories_delete(&[id]).await?.remove(0))
    }

    /// Creates a collection with products.
    pub async fn collection_create(
        &self,
        f: CategoryFields,
        products: Vec<i32>,
    ) -> Result<collection::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let name = required_name(&f.name)?;
        let slug = free_slug::<collection::Entity, _>(
            &txn,
            collection::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let c = collection::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            description: Set(f.description.clone()),
            seo_title: Set(f.seo_title.clone()),
            seo_description: Set(f.seo_description.clone()),
            background_image_url: Set(None),
            background_image_alt: Set(f.background_image_alt.clone()),
            metadata: Set(meta(&f.metadata, &empty())?),
            private_metadata: Set(meta(&f.private_metadata, &empty())?),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        add_to_collection(&txn, c.id, &products).await?;
        refresh_prices(&txn, Some(&products)).await?;
        txn.commit().await?;
        Ok(c)
    }

    /// Adds products to a collection (already present ones are kept).
    pub async fn collection_add_products(
        &self,
        id: i32,
        products: Vec<i32>,
    ) -> Result<collection::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let c = Self::find::<collection::Entity>(&txn, id, "collectionId", "Collection").await?;
        add_to_collection(&txn, id, &products).await?;
        refresh_prices(&txn, Some(&products)).await?;
        txn.commit().await?;
        Ok(c)
    }

    /// Removes products from a collection.
    pub async fn collection_remove_products(
        &self,
        id: i32,
        products: Vec<i32>,
    ) -> Result<collection::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let c = Self::find::<collection::Entity>(&txn, id, "collectionId", "Collection").await?;
        collection_product::Entity::delete_many()
            .filter(collection_product::Column::CollectionId.eq(id))
            .filter(collection_product::Column::ProductId.is_in(products.clone()))
            .exec(&txn)
            .await?;
        refresh_prices(&txn, Some(&products)).await?;
        txn.commit().await?;
        Ok(c)
    }

    /// Publishes (or hides) a collection in channels.
    pub async fn collection_channels(
        &self,
        id: i32,
        add: Vec<(i32, bool, Option<DateTime<Utc>>)>,
        remove: Vec<i32>,
    ) -> Result<collection::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let c = Self::find::<collection::Entity>(&txn, id, "id", "Collection").await?;
        for (channel_id, published, at) in add {
            Self::find::<channel::Entity>(&txn, channel_id, "channelId", "Channel").await?;
            entities::collection_channel_listing::Entity::delete_many()
                .filter(entities::collection_channel_listing::Column::CollectionId.eq(id))
                .filter(entities::collection_channel_listing::Column::ChannelId.eq(channel_id))
                .exec(&txn)
                .await?;
            entities::collection_channel_listing::ActiveModel {
                collection_id: Set(id),
                channel_id: Set(channel_id),
                is_published: Set(published),
                published_at: Set(at.or_else(|| published.then(Utc::now))),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        if !remove.is_empty() {
            entities::collection_channel_listing::Entity::delete_many()
                .filter(entities::collection_channel_listing::Column::CollectionId.eq(id))
                .filter(entities::collection_channel_listing::Column::ChannelId.is_in(remove))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(c)
    }

    /// Creates a product type with its product and variant attributes.
    pub async fn product_type_create(
        &self,
        f: ProductTypeFields,
    ) -> Result<product_type::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let name = required_name(&f.name)?;
        if let Some(class) = f.tax_class_id {
            Self::find::<tax_class::Entity>(&txn, class, "taxClass", "TaxClass").await?;
        }
        let slug = free_slug::<product_type::Entity, _>(
            &txn,
            product_type::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let pt = product_type::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            kind: Set(if f.gift_card { "GIFT_CARD" } else { "NORMAL" }.to_owned()),
            has_variants: Set(f.has_variants.unwrap_or(true)),
            is_shipping_required: Set(f.is_shipping_required.unwrap_or(true)),
            is_digital: Set(f.is_digital.unwrap_or(false)),
            tax_class_id: Set(f.tax_class_id),
            weight_grams: Set(f.weight_grams),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        set_type_attributes(&txn, pt.id, false, &f.product_attributes).await?;
        set_type_attributes(&txn, pt.id, true, &f.variant_attributes).await?;
        txn.commit().await?;
        Ok(pt)
    }

    /// Creates an attribute with its predefined values.
    pub async fn attribute_create(
        &self,
        f: AttributeFields,
    ) -> Result<attribute::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let name = required_name(&Some(f.name.clone()))?;
        let slug = free_slug::<attribute::Entity, _>(
            &txn,
            attribute::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let mut value_slugs = Vec::new();
        for (value_name, _) in &f.values {
            let s = slugify(value_name);
            if value_slugs.contains(&s) {
                return Err(WriteError::one(
                    "values",
                    Code::AlreadyExists,
                    "Provided values are not unique.",
                ));
            }
            value_slugs.push(s);
        }
        let a = attribute::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            input_type: Set(f.input_type.clone()),
            attribute_type: Set(f.attribute_type.clone()),
            entity_type: Set(f.entity_type.clone()),
            unit: Set(None),
            value_required: Set(f.value_required.unwrap_or(false)),
            visible_in_storefront: Set(f.visible_in_storefront.unwrap_or(true)),
            external_reference: Set(f.external_reference.clone()),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        for (i, ((value_name, value), slug)) in f.values.iter().zip(value_slugs).enumerate() {
            new_value(&txn, a.id, value_name, &slug, i as i32, |am| {
                am.value = Set(value.clone());
            })
            .await?;
        }
        txn.commit().await?;
        Ok(a)
    }

    /// Adds an image (by URL) to a product.
    pub async fn media_create(
        &self,
        product_id: i32,
        url: &str,
        alt: Option<String>,
    ) -> Result<(product::Model, product_media::Model), WriteError> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 {
            return Err(WriteError::one(
                "mediaUrl",
                Code::Invalid,
                "Enter a valid URL.",
            ));
        }
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, product_id, "product", "Product").await?;
        let next = product_media::Entity::find()
            .filter(product_media::Column::ProductId.eq(product_id))
            .order_by_desc(product_media::Column::SortOrder)
            .one(&txn)
            .await?
            .map_or(0, |m| m.sort_order + 1);
        let m = product_media::ActiveModel {
            product_id: Set(product_id),
            sort_order: Set(next),
            image_url: Set(url.to_owned()),
            alt: Set(alt.unwrap_or_default()),
            media_type: Set("IMAGE".into()),
            external_url: Set(None),
            oembed_data: Set(empty()),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((p, m))
    }

    /// Adds an uploaded (already validated) image to a product: the media row and its stored
    /// original in one transaction.
    pub async fn media_upload(
        &self,
        product_id: i32,
        image: crate::media::ValidImage,
        alt: Option<String>,
    ) -> Result<(product::Model, product_media::Model), WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, product_id, "product", "Product").await?;
        let next = product_media::Entity::find()
            .filter(product_media::Column::ProductId.eq(product_id))
            .order_by_desc(product_media::Column::SortOrder)
            .one(&txn)
            .await?
            .map_or(0, |m| m.sort_order + 1);
        let m = product_media::ActiveModel {
            product_id: Set(product_id),
            sort_order: Set(next),
            // Set to the original's path once the row has its id, below.
            image_url: Set(String::new()),
            alt: Set(alt.unwrap_or_default()),
            media_type: Set("IMAGE".into()),
            external_url: Set(None),
            oembed_data: Set(empty()),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let path = image.path(m.id);
        let mut am = m.into_active_model();
        am.image_url = Set(path);
        let m = am.update(&txn).await?;
        crate::media::insert_file(&txn, m.id, image).await?;
        txn.commit().await?;
        Ok((p, m))
    }

    /// Changes a product media's alt text.
    pub async fn media_update(
        &self,
        id: i32,
        alt: Option<String>,
    ) -> Result<(product::Model, product_media::Model), WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let m = Self::find::<product_media::Entity>(&txn, id, "id", "ProductMedia").await?;
        let p = Self::find::<product::Entity>(&txn, m.product_id, "product", "Product").await?;
        let m = match alt {
            Some(alt) => {
                let mut am = m.into_active_model();
                am.alt = Set(alt);
                am.update(&txn).await?
            }
            None => m,
        };
        txn.commit().await?;
        Ok((p, m))
    }

    /// Deletes a product image and its stored file; returns the file's SHA-256 when it was
    /// an upload (so the caller can drop cached thumbnails).
    pub async fn media_delete(
        &self,
        id: i32,
    ) -> Result<(product::Model, product_media::Model, Option<String>), WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let m = Self::find::<product_media::Entity>(&txn, id, "id", "ProductMedia").await?;
        let p = Self::find::<product::Entity>(&txn, m.product_id, "product", "Product").await?;
        let file_sha = crate::media::delete_file(&txn, id).await?;
        product_media::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok((p, m, file_sha))
    }

    /// Sets the order of a product's media.
    pub async fn media_reorder(
        &self,
        product_id: i32,
        media_ids: Vec<i32>,
    ) -> Result<product::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = Self::find::<product::Entity>(&txn, product_id, "productId", "Product").await?;
        let current: Vec<i32> = product_media::Entity::find()
            .filter(product_media::Column::ProductId.eq(product_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        let mut sorted_given = media_ids.clone();
        sorted_given.sort_unstable();
        let mut sorted_current = current.clone();
        sorted_current.sort_unstable();
        if sorted_given != sorted_current {
            return Err(WriteError::one(
                "mediaIds",
                Code::Invalid,
                "Incorrect media for this product.",
            ));
        }
        for (i, id) in media_ids.iter().enumerate() {
            product_media::Entity::update_many()
                .col_expr(
                    product_media::Column::SortOrder,
                    sea_orm::sea_query::Expr::value(i as i32),
                )
                .filter(product_media::Column::Id.eq(*id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(p)
    }

    /// Creates or updates the translation of `(kind, id)` into `language`.
    pub async fn translate(
        &self,
        kind: &str,
        id: i32,
        language: &str,
        f: TranslationFields,
    ) -> Result<(), WriteError> {
        self.translate_with_plain_text(kind, id, language, f, None)
            .await
    }

    /// Like [`Self::translate`], also setting the plain text (attribute values).
    pub async fn translate_with_plain_text(
        &self,
        kind: &str,
        id: i32,
        language: &str,
        f: TranslationFields,
        plain_text: Option<String>,
    ) -> Result<(), WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        if let Some(slug) = &f.slug
            && slugify(slug) != *slug
        {
            return Err(WriteError::one(
                "slug",
                Code::Invalid,
                "Enter a valid slug.",
            ));
        }
        let existing = translation::Entity::find()
            .filter(translation::Column::EntityKind.eq(kind))
            .filter(translation::Column::EntityId.eq(id))
            .filter(translation::Column::LanguageCode.eq(language))
            .one(&txn)
            .await?;
        let mut am = match existing {
            Some(t) => t.into_active_model(),
            None => translation::ActiveModel {
                entity_kind: Set(kind.to_owned()),
                entity_id: Set(id),
                language_code: Set(language.to_owned()),
                name: Set(None),
                slug: Set(None),
                description: Set(None),
                seo_title: Set(None),
                seo_description: Set(None),
                plain_text: Set(None),
                ..Default::default()
            },
        };
        if f.name.is_some() {
            am.name = Set(f.name);
        }
        if f.slug.is_some() {
            am.slug = Set(f.slug);
        }
        if f.description.is_some() {
            am.description = Set(f.description);
        }
        if f.seo_title.is_some() {
            am.seo_title = Set(f.seo_title);
        }
        if f.seo_description.is_some() {
            am.seo_description = Set(f.seo_description);
        }
        if plain_text.is_some() {
            am.plain_text = Set(plain_text);
        }
        am.save(&txn).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// Sets `v`'s prices in channels where its product is listed.
async fn set_prices(
    txn: &DatabaseTransaction,
    v: &product_variant::Model,
    prices: Vec<VariantPrice>,
) -> Result<(), WriteError> {
    let mut seen = Vec::new();
    for p in &prices {
        if seen.contains(&p.channel_id) {
            return Err(WriteError::one(
                "channelId",
                Code::DuplicatedInputItem,
                "Duplicated channel ID.",
            ));
        }
        seen.push(p.channel_id);
    }
    for p in prices {
        let ch = CatalogWriter::find::<channel::Entity>(txn, p.channel_id, "channelId", "Channel")
            .await?;
        let listed = product_channel_listing::Entity::find()
            .filter(product_channel_listing::Column::ProductId.eq(v.product_id))
            .filter(product_channel_listing::Column::ChannelId.eq(ch.id))
            .count(txn)
            .await?;
        if listed == 0 {
            return Err(WriteError::one(
                "channelId",
                Code::ProductNotAssignedToChannel,
                "Product not available in channels: the product has no listing in this channel.",
            ));
        }
        let price =
            money::to_minor(p.price, &ch.currency_code).map_err(|e| money_error("price", e))?;
        let cost = p
            .cost_price
            .map(|c| money::to_minor(c, &ch.currency_code))
            .transpose()
            .map_err(|e| money_error("costPrice", e))?;
        let existing = variant_channel_listing::Entity::find()
            .filter(variant_channel_listing::Column::VariantId.eq(v.id))
            .filter(variant_channel_listing::Column::ChannelId.eq(ch.id))
            .one(txn)
            .await?;
        match existing {
            Some(l) => {
                let mut am = l.into_active_model();
                am.price_amount = Set(Some(price));
                if cost.is_some() {
                    am.cost_price_amount = Set(cost);
                }
                am.update(txn).await?;
            }
            None => {
                variant_channel_listing::ActiveModel {
                    variant_id: Set(v.id),
                    channel_id: Set(ch.id),
                    currency: Set(ch.currency_code.clone()),
                    price_amount: Set(Some(price)),
                    cost_price_amount: Set(cost),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
        }
    }
    Ok(())
}

fn money_error(field: &str, e: MoneyError) -> WriteError {
    WriteError::one(field, Code::InvalidPrice, e.to_string())
}

async fn insert_variant(
    txn: &DatabaseTransaction,
    p: &product::Model,
    f: &VariantFields,
) -> Result<product_variant::Model, WriteError> {
    let sku = f
        .sku
        .as_ref()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if let Some(sku) = &sku
        && exists::<product_variant::Entity, _>(txn, product_variant::Column::Sku, sku, None)
            .await?
    {
        return Err(WriteError::one(
            "sku",
            Code::Unique,
            "Product variant with this SKU already exists.",
        ));
    }
    if let Some(q) = f.quantity_limit_per_customer
        && q < 1
    {
        return Err(WriteError::one(
            "quantityLimitPerCustomer",
            Code::Invalid,
            "Product variant can't have quantity limit per customer lower than 1.",
        ));
    }
    let next = product_variant::Entity::find()
        .filter(product_variant::Column::ProductId.eq(p.id))
        .order_by_desc(product_variant::Column::SortOrder)
        .one(txn)
        .await?
        .map_or(0, |v| v.sort_order + 1);
    let now = Utc::now();
    let v = product_variant::ActiveModel {
        product_id: Set(p.id),
        name: Set(f.name.clone().or_else(|| sku.clone()).unwrap_or_default()),
        sku: Set(sku),
        track_inventory: Set(f.track_inventory.unwrap_or(true)),
        quantity_limit_per_customer: Set(f.quantity_limit_per_customer),
        weight_grams: Set(f.weight_grams),
        sort_order: Set(next),
        external_reference: Set(f.external_reference.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        metadata: Set(meta(&f.metadata, &empty())?),
        private_metadata: Set(meta(&f.private_metadata, &empty())?),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(unique_on("sku"))?;
    assign_attributes(
        txn,
        "variant",
        v.id,
        p.product_type_id,
        "variant",
        &f.attributes,
    )
    .await?;
    set_stocks(txn, v.id, &f.stocks).await?;
    Ok(v)
}

async fn set_stocks(
    txn: &DatabaseTransaction,
    variant_id: i32,
    stocks: &[(i32, i32)],
) -> Result<(), WriteError> {
    let mut seen = Vec::new();
    for (i, (warehouse_id, quantity)) in stocks.iter().enumerate() {
        let indexed = |field: &str, code: Code, msg: &str| {
            let mut e = FieldError::new(field, code, msg);
            e.index = Some(i as i32);
            WriteError::Invalid(vec![e])
        };
        if *quantity < 0 {
            return Err(indexed(
                "quantity",
                Code::Invalid,
                "Product stock quantity cannot be negative.",
            ));
        }
        if seen.contains(warehouse_id) {
            return Err(indexed(
                "warehouse",
                Code::DuplicatedInputItem,
                "Duplicated warehouse ID.",
            ));
        }
        seen.push(*warehouse_id);
        if warehouse::Entity::find_by_id(*warehouse_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(indexed("warehouse", Code::NotFound, "Warehouse not found."));
        }
        let existing = stock::Entity::find()
            .filter(stock::Column::VariantId.eq(variant_id))
            .filter(stock::Column::WarehouseId.eq(*warehouse_id))
            .one(txn)
            .await?;
        match existing {
            Some(s) => {
                let mut am = s.into_active_model();
                am.quantity = Set(*quantity);
                am.update(txn).await?;
            }
            None => {
                stock::ActiveModel {
                    warehouse_id: Set(*warehouse_id),
                    variant_id: Set(variant_id),
                    quantity: Set(*quantity),
                    quantity_allocated: Set(0),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
            }
        }
    }
    Ok(())
}

async fn add_to_collection(
    txn: &DatabaseTransaction,
    collection_id: i32,
    products: &[i32],
) -> Result<(), WriteError> {
    for (i, pid) in products.iter().enumerate() {
        if product::Entity::find_by_id(*pid).one(txn).await?.is_none() {
            return Err(WriteError::one(
                "products",
                Code::NotFound,
                format!("Couldn't resolve to a product: {pid}"),
            ));
        }
        let present = collection_product::Entity::find()
            .filter(collection_product::Column::CollectionId.eq(collection_id))
            .filter(collection_product::Column::ProductId.eq(*pid))
            .count(txn)
            .await?;
        if present == 0 {
            collection_product::ActiveModel {
                collection_id: Set(collection_id),
                product_id: Set(*pid),
                sort_order: Set(i as i32),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

async fn set_collections(
    txn: &DatabaseTransaction,
    product_id: i32,
    collections: &[i32],
) -> Result<(), WriteError> {
    collection_product::Entity::delete_many()
        .filter(collection_product::Column::ProductId.eq(product_id))
        .exec(txn)
        .await?;
    for c in collections {
        if collection::Entity::find_by_id(*c).one(txn).await?.is_none() {
            return Err(WriteError::not_found("collections", "Collection"));
        }
        collection_product::ActiveModel {
            collection_id: Set(*c),
            product_id: Set(product_id),
            sort_order: Set(0),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Deletes a product inside `txn`: its variants, listings, media and stock go with it.
pub(crate) async fn delete_product_in(
    txn: &DatabaseTransaction,
    id: i32,
) -> Result<product::Model, WriteError> {
    let p = CatalogWriter::find::<product::Entity>(txn, id, "id", "Product").await?;
    let variant_ids: Vec<i32> = product_variant::Entity::find()
        .filter(product_variant::Column::ProductId.eq(id))
        .all(txn)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    delete_assigned(txn, "variant", &variant_ids).await?;
    delete_assigned(txn, "product", &[id]).await?;
    for (kind, ids) in [("product", vec![id]), ("variant", variant_ids)] {
        translation::Entity::delete_many()
            .filter(translation::Column::EntityKind.eq(kind))
            .filter(translation::Column::EntityId.is_in(ids))
            .exec(txn)
            .await?;
    }
    product::Entity::delete_by_id(id).exec(txn).await?;
    search::remove(txn, id).await?;
    Ok(p)
}

/// Removes every assigned value of the given objects.
pub(crate) async fn delete_assigned(
    txn: &DatabaseTransaction,
    kind: &str,
    ids: &[i32],
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    assigned_value::Entity::delete_many()
        .filter(assigned_value::Column::EntityKind.eq(kind))
        .filter(assigned_value::Column::EntityId.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Fills the typed column of a per-object attribute value.
type ValueSetter = Box<dyn FnOnce(&mut attribute_value::ActiveModel) + Send>;

pub(crate) async fn new_value(
    txn: &DatabaseTransaction,
    attribute_id: i32,
    name: &str,
    slug: &str,
    sort_order: i32,
    customize: impl FnOnce(&mut attribute_value::ActiveModel),
) -> Result<attribute_value::Model, DbErr> {
    let mut am = attribute_value::ActiveModel {
        attribute_id: Set(attribute_id),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        value: Set(None),
        plain_text: Set(None),
        rich_text: Set(None),
        boolean: Set(None),
        date_time: Set(None),
        file_url: Set(None),
        content_type: Set(None),
        reference: Set(None),
        sort_order: Set(sort_order),
        external_reference: Set(None),
        ..Default::default()
    };
    customize(&mut am);
    am.insert(txn).await
}

/// Replaces the values of the given attributes on `(kind, entity_id)`. Each attribute must
/// be assigned to the type (`owner_kind` product/variant) with `type_id`.
pub(crate) async fn assign_attributes(
    txn: &DatabaseTransaction,
    kind: &str,
    entity_id: i32,
    type_id: i32,
    owner_kind: &str,
    values: &[AttributeValue],
) -> Result<(), WriteError> {
    let mut seen = Vec::new();
    for v in values {
        if seen.contains(&v.attribute_id) {
            return Err(WriteError::one(
                "attributes",
                Code::DuplicatedInputItem,
                "Duplicated attribute ID.",
            ));
        }
        seen.push(v.attribute_id);
        let Some(a) = attribute::Entity::find_by_id(v.attribute_id)
            .one(txn)
            .await?
        else {
            return Err(WriteError::not_found("attributes", "Attribute"));
        };
        let allowed = type_attribute::Entity::find()
            .filter(type_attribute::Column::OwnerKind.eq(owner_kind))
            .filter(type_attribute::Column::OwnerId.eq(type_id))
            .filter(type_attribute::Column::AttributeId.eq(a.id))
            .count(txn)
            .await?;
        if allowed == 0 {
            return Err(WriteError::one(
                "attributes",
                Code::AttributeCannotBeAssigned,
                format!("Attribute {} is not assigned to this type.", a.slug),
            ));
        }
        let per_object = format!("{entity_id}_{}", a.id);
        let mut value_ids = Vec::new();
        match a.input_type.as_str() {
            "DROPDOWN" | "MULTISELECT" | "SWATCH" => {
                if a.input_type != "MULTISELECT" && v.choices.len() > 1 {
                    return Err(WriteError::one(
                        "attributes",
                        Code::Invalid,
                        "Attribute must take only one value.",
                    ));
                }
                for choice in &v.choices {
                    let slug = slugify(choice);
                    let found = attribute_value::Entity::find()
                        .filter(attribute_value::Column::AttributeId.eq(a.id))
                        .filter(
                            sea_orm::Condition::any()
                                .add(attribute_value::Column::Slug.eq(slug.clone()))
                                .add(attribute_value::Column::Name.eq(choice.clone())),
                        )
                        .one(txn)
                        .await?;
                    let value = match found {
                        Some(f) => f,
                        None => new_value(txn, a.id, choice, &slug, 0, |_| {}).await?,
                    };
                    value_ids.push(value.id);
                }
            }
            "PLAIN_TEXT" | "RICH_TEXT" | "NUMERIC" | "FILE" | "DATE_TIME" => {
                let (name, set): (String, ValueSetter) = match a.input_type.as_str() {
                    "PLAIN_TEXT" => {
                        let Some(t) = v.plain_text.clone() else {
                            continue;
                        };
                        (
                            t.chars().take(200).collect(),
                            Box::new(move |am| am.plain_text = Set(Some(t))),
                        )
                    }
                    "RICH_TEXT" => {
                        let Some(t) = v.rich_text.clone() else {
                            continue;
                        };
                        let text = search::plain_text(Some(&t));
                        (
                            text.chars().take(200).collect(),
                            Box::new(move |am| am.rich_text = Set(Some(t))),
                        )
                    }
                    "NUMERIC" => {
                        let Some(n) = v.numeric.clone() else { continue };
                        if n.parse::<Decimal>().is_err() {
                            return Err(WriteError::one(
                                "attributes",
                                Code::Invalid,
                                "Numeric attribute value must be a number.",
                            ));
                        }
                        (n.clone(), Box::new(move |am| am.value = Set(Some(n))))
                    }
                    "FILE" => {
                        let Some(url) = v.file_url.clone() else {
                            continue;
                        };
                        let ct = v.content_type.clone();
                        (
                            url.rsplit('/').next().unwrap_or("file").to_owned(),
                            Box::new(move |am| {
                                am.file_url = Set(Some(url));
                                am.content_type = Set(ct);
                            }),
                        )
                    }
                    _ => {
                        let Some(dt) = v.date_time else { continue };
                        (
                            dt.to_rfc3339(),
                            Box::new(move |am| am.date_time = Set(Some(dt))),
                        )
                    }
                };
                attribute_value::Entity::delete_many()
                    .filter(attribute_value::Column::AttributeId.eq(a.id))
                    .filter(attribute_value::Column::Slug.eq(per_object.clone()))
                    .exec(txn)
                    .await?;
                let value = new_value(txn, a.id, &name, &per_object, 0, set).await?;
                value_ids.push(value.id);
            }
            "BOOLEAN" => {
                let Some(b) = v.boolean else { continue };
                let slug = format!("{}_{b}", a.id);
                let found = attribute_value::Entity::find()
                    .filter(attribute_value::Column::AttributeId.eq(a.id))
                    .filter(attribute_value::Column::Slug.eq(slug.clone()))
                    .one(txn)
                    .await?;
                let value = match found {
                    Some(f) => f,
                    None => {
                        let name = format!("{}: {}", a.name, if b { "Yes" } else { "No" });
                        new_value(txn, a.id, &name, &slug, 0, |am| am.boolean = Set(Some(b)))
                            .await?
                    }
                };
                value_ids.push(value.id);
            }
            other => {
                return Err(WriteError::one(
                    "attributes",
                    Code::Invalid,
                    format!("Setting {other} attribute values is not supported yet."),
                ));
            }
        }
        assigned_value::Entity::delete_many()
            .filter(assigned_value::Column::EntityKind.eq(kind))
            .filter(assigned_value::Column::EntityId.eq(entity_id))
            .filter(assigned_value::Column::AttributeId.eq(a.id))
            .exec(txn)
            .await?;
        for (i, value_id) in value_ids.into_iter().enumerate() {
            assigned_value::ActiveModel {
                entity_kind: Set(kind.to_owned()),
                entity_id: Set(entity_id),
                type_id: Set(type_id),
                attribute_id: Set(a.id),
                value_id: Set(value_id),
                sort_order: Set(i as i32),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}
