//! GraphQL: `Product`, `ProductVariant`, `ProductType`, `ProductMedia` and pricing.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    ComplexObject, Context, ID, Result, SelectionField, SimpleObject, dataloader::Loader,
};
use chrono::{DateTime, Utc};
use entities::{product_media, product_type};
use sea_orm::DatabaseConnection;

use super::attributes::{self, AssignedAttribute, Group, SelectedAttribute};
use super::category::{CategoryNode, CollectionNode};
use super::common::{
    Image, JsonString, PositiveInt, ProductMediaType, ProductTypeKindEnum, TaxedMoney,
    TaxedMoneyRange, ThumbnailFormatEnum, VariantAttributeScope, Weight, children, image_url,
    language_under, requested_language, translated, translation,
};
use super::{listings, type_query};
use crate::account::api::AddressInput;
use crate::catalog::api::common::loaders;
use crate::catalog::loaders::{
    AssignedLoader, AssignedRow, Kind, TypeAttribute, VariantsLoader, kind, load_type_attributes,
};
use crate::catalog::read::{ProductRow, VariantRow, Viewer, available_now};
use crate::core::loaders::LoadError;
use crate::core::scalars::Date;
use crate::core::{
    connection::{self, Countable, KeyPart, OrderDirection, Page, PageArgs, TotalCount},
    country::LanguageCodeEnum,
    error::{ErrorCode, error},
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;
use crate::translation_type;

countable_names!(ProductNames, "Product");
countable_names!(ProductVariantNames, "ProductVariant");

translation_type!(
    ProductTranslation,
    "ProductTranslation",
    "Product translation.",
    full
);
translation_type!(
    ProductVariantTranslation,
    "ProductVariantTranslation",
    "Product variant translation.",
    name
);

/// Where `assignedAttributes` / `assignedAttribute` selections ask for translations.
pub const ASSIGNED_PATHS: &[&[&str]] = &[
    &["attribute", "translation"],
    &["value", "translation"],
    &["translation"],
];
/// Where `attributes` (`SelectedAttribute`) selections ask for translations.
pub const SELECTED_PATHS: &[&[&str]] = &[&["attribute", "translation"], &["values", "translation"]];

/// Saleor's `MAX_CHECKOUT_LINE_QUANTITY`: what `quantityAvailable` reports for variants that
/// don't track inventory.
pub const MAX_CHECKOUT_LINE_QUANTITY: i64 = 50;

/// Assigned attributes by object ID, with translations in the given language.
pub type PrefetchedAttributes = (Option<LanguageCodeEnum>, HashMap<i32, Vec<AssignedRow>>);

/// The attributes of one type, shared by the nodes that need them.
pub type TypeAttributes = Arc<Vec<TypeAttribute>>;

/// Relations of a whole page of products, fetched right after the page (one statement each)
/// when the selection needs them, so a list costs the same number of statements whatever
/// its size and however the dataloaders' batching windows fall.
#[derive(Debug, Default)]
pub struct PagePrefetch {
    /// Variants (with listings in the viewer's channel) by product ID.
    pub variants: Option<HashMap<i32, Vec<VariantRow>>>,
    /// Assigned attributes by product ID, with translations in the given language.
    pub product_attrs: Option<PrefetchedAttributes>,
    /// Assigned attributes by variant ID, with translations in the given language.
    pub variant_attrs: Option<PrefetchedAttributes>,
    /// Attributes of the page's product types (kinds product and variant).
    pub type_attrs: Option<HashMap<(Kind, i32), TypeAttributes>>,
}

/// The attributes of the type `key`: from the page's prefetch when it has them, else
/// through the loader. Shared, not copied, by the nodes of a page.
async fn type_attributes(
    ctx: &Context<'_>,
    prefetch: Option<&Arc<PagePrefetch>>,
    key: (Kind, i32),
) -> Result<TypeAttributes> {
    if let Some(found) = prefetch
        .and_then(|p| p.type_attrs.as_ref())
        .and_then(|m| m.get(&key))
    {
        return Ok(Arc::clone(found));
    }
    let (_, req) = parts(ctx)?;
    Ok(Arc::new(
        crate::loaders::loaders(ctx)?
            .catalog
            .type_attributes
            .load_one(key)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default(),
    ))
}

async fn load_assigned(
    db: &DatabaseConnection,
    kind: Kind,
    ids: &[i32],
    language: Option<LanguageCodeEnum>,
) -> Result<HashMap<i32, Vec<AssignedRow>>, LoadError> {
    let keys: Vec<_> = ids.iter().map(|id| (kind, *id, language)).collect();
    Ok(AssignedLoader(db.clone())
        .load(&keys)
        .await?
        .into_iter()
        .map(|((_, id, _), rows)| (id, rows))
        .collect())
}

impl PagePrefetch {
    /// Fetches what `node_fields` (the selections of the page's product nodes) need.
    pub async fn fetch(
        db: &DatabaseConnection,
        viewer: &Viewer,
        rows: &[ProductRow],
        node_fields: &[SelectionField<'_>],
    ) -> Result<Option<Self>, LoadError> {
        if rows.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i32> = rows.iter().map(|r| r.product.id).collect();
        let mut pre = Self::default();
        let mut attr_fields = children(node_fields, "assignedAttribute");
        attr_fields.extend(children(node_fields, "assignedAttributes"));
        if !attr_fields.is_empty() {
            let language = language_under(&attr_fields, ASSIGNED_PATHS);
            pre.product_attrs = Some((
                language,
                load_assigned(db, Kind::Product, &ids, language).await?,
            ));
        }
        let connection = children(node_fields, "productVariants");
        let mut variant_nodes = children(&children(&connection, "edges"), "node");
        variant_nodes.extend(children(node_fields, "variants"));
        if !connection.is_empty() || !variant_nodes.is_empty() {
            let channel = viewer.channel_id();
            let keys: Vec<(i32, i32)> = ids.iter().map(|id| (channel, *id)).collect();
            let variants: HashMap<i32, Vec<VariantRow>> = VariantsLoader(db.clone())
                .load(&keys)
                .await?
                .into_iter()
                .map(|((_, id), rows)| (id, rows))
                .collect();
            let attrs = children(&variant_nodes, "attributes");
            if !attrs.is_empty() {
                let language = language_under(&attrs, SELECTED_PATHS);
                let variant_ids: Vec<i32> = variants
                    .values()
                    .flatten()
                    .filter(|r| r.visible(viewer))
                    .map(|r| r.variant.id)
                    .collect();
                pre.variant_attrs = Some((
                    language,
                    load_assigned(db, Kind::Variant, &variant_ids, language).await?,
                ));
            }
            pre.variants = Some(variants);
        }
        // The types' attribute lists complete the objects' (one statement for both kinds).
        let mut kinds = Vec::new();
        if pre.product_attrs.is_some() {
            kinds.push(Kind::Product);
        }
        if pre.variant_attrs.is_some() {
            kinds.push(Kind::Variant);
        }
        if !kinds.is_empty() {
            let mut types: Vec<i32> = rows.iter().map(|r| r.product.product_type_id).collect();
            types.sort_unstable();
            types.dedup();
            let keys: Vec<(Kind, i32)> = kinds
                .iter()
                .flat_map(|k| types.iter().map(move |t| (*k, *t)))
                .collect();
            let mut found = load_type_attributes(db, &keys).await?;
            pre.type_attrs = Some(
                keys.into_iter()
                    .map(|key| (key, Arc::new(found.remove(&key).unwrap_or_default())))
                    .collect(),
            );
        }
        Ok(Some(pre))
    }
}

/// Represents an individual item for sale in the storefront.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Product")]
pub struct ProductNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub row: Arc<ProductRow>,
    #[graphql(skip)]
    pub viewer: Arc<Viewer>,
    #[graphql(skip)]
    pub prefetch: Option<Arc<PagePrefetch>>,
}

impl ProductNode {
    pub fn new(row: ProductRow, viewer: Arc<Viewer>) -> Self {
        Self::from_arc(Arc::new(row), viewer)
    }

    pub fn from_arc(row: Arc<ProductRow>, viewer: Arc<Viewer>) -> Self {
        Self {
            meta: MetadataFields::new(&row.product.metadata, &row.product.private_metadata),
            row,
            viewer,
            prefetch: None,
        }
    }

    /// Attaches the page's prefetched relations.
    pub fn with_prefetch(mut self, prefetch: Option<Arc<PagePrefetch>>) -> Self {
        self.prefetch = prefetch;
        self
    }

    async fn assigned_rows(&self, ctx: &Context<'_>, selected: bool) -> Result<Vec<AssignedRow>> {
        let language = requested_language(
            ctx,
            if selected {
                SELECTED_PATHS
            } else {
                ASSIGNED_PATHS
            },
        );
        if let Some((l, map)) = self
            .prefetch
            .as_ref()
            .and_then(|p| p.product_attrs.as_ref())
            && *l == language
        {
            return Ok(map.get(&self.row.product.id).cloned().unwrap_or_default());
        }
        let (_, req) = parts(ctx)?;
        let rows = crate::loaders::loaders(ctx)?
            .catalog
            .assigned
            .load_one((kind::PRODUCT, self.row.product.id, language))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(rows)
    }

    /// The product's attributes: every attribute of its type, with the product's values.
    async fn attribute_groups(&self, ctx: &Context<'_>, selected: bool) -> Result<Vec<Group>> {
        let rows = self.assigned_rows(ctx, selected).await?;
        let key = (kind::PRODUCT, self.row.product.product_type_id);
        let types = type_attributes(ctx, self.prefetch.as_ref(), key).await?;
        Ok(attributes::complete(&rows, &types, self.viewer.staff))
    }

    /// Variants visible to the viewer, in order.
    async fn visible_variants(&self, ctx: &Context<'_>) -> Result<Vec<VariantRow>> {
        if let Some(map) = self.prefetch.as_ref().and_then(|p| p.variants.as_ref()) {
            let rows = map.get(&self.row.product.id).cloned().unwrap_or_default();
            return Ok(rows
                .into_iter()
                .filter(|r| r.visible(&self.viewer))
                .collect());
        }
        let (_, req) = parts(ctx)?;
        let rows = crate::loaders::loaders(ctx)?
            .catalog
            .variants
            .load_one((self.viewer.channel_id(), self.row.product.id))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|r| r.visible(&self.viewer))
            .collect())
    }

    /// The product's media, in their sort order.
    async fn media_rows(&self, ctx: &Context<'_>) -> Result<Vec<product_media::Model>> {
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .media
            .load_one(self.row.product.id)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default())
    }

    fn variant_node(&self, row: VariantRow) -> VariantNode {
        let mut node = VariantNode::new(row, self.row.clone(), self.viewer.clone());
        node.prefetch = self.prefetch.clone();
        node
    }
}

impl HasMetadata for ProductNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

fn variant_key(r: &VariantRow) -> Vec<KeyPart> {
    vec![
        KeyPart::Int(i64::from(r.variant.sort_order)),
        KeyPart::Int(i64::from(r.variant.id)),
    ]
}

/// Sorting of product media.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct MediaSortingInput {
    /// Specifies the direction in which to sort media.
    pub direction: OrderDirection,
    /// Sort media by the selected field.
    pub field: MediaChoicesSortField,
}

/// Fields product media sort by.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaChoicesSortField {
    /// Sort media by ID.
    Id,
}

/// Connection of variants.
pub type VariantConnection = connection::Countable<VariantNode, ProductVariantNames>;

#[ComplexObject]
impl ProductNode {
    #[graphql(complexity = 0)]
    /// The ID of the product.
    async fn id(&self) -> ID {
        id::encode("Product", self.row.product.id)
    }
    /// Get a single attribute attached to product by attribute slug.
    async fn assigned_attribute(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> Result<Option<AssignedAttribute>> {
        Ok(attributes::assigned_by_slug(
            self.attribute_groups(ctx, false).await?,
            &slug,
        ))
    }
    /// List of attributes assigned to this product.
    async fn assigned_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(PositiveInt(100))")] limit: Option<PositiveInt>,
    ) -> Result<Vec<AssignedAttribute>> {
        Ok(attributes::assigned(
            self.attribute_groups(ctx, false).await?,
            limit.map_or(100, |l| l.0) as usize,
        ))
    }
    #[graphql(complexity = 0)]
    async fn seo_title(&self) -> Option<&str> {
        self.row.product.seo_title.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn seo_description(&self) -> Option<&str> {
        self.row.product.seo_description.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.row.product.name
    }
    #[graphql(complexity = 0)]
    /// Description of the product (Editor.js JSON).
    async fn description(&self) -> Option<JsonString> {
        self.row.product.description.clone().map(JsonString)
    }
    /// Tax class assigned to this product type. All products of this product type use this
    /// tax class, unless it's overridden in the `Product` type.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_class(&self, ctx: &Context<'_>) -> Result<Option<crate::tax::api::TaxClassNode>> {
        tax_class_node(ctx, self.row.product.tax_class_id).await
    }
    /// Type of the product.
    async fn product_type(&self, ctx: &Context<'_>) -> Result<ProductTypeNode> {
        let (_, req) = parts(ctx)?;
        crate::loaders::loaders(ctx)?
            .catalog
            .product_types
            .load_one(self.row.product.product_type_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(ProductTypeNode::from)
            .ok_or_else(|| req.internal("product without product type"))
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.row.product.slug
    }
    /// Category of the product.
    async fn category(&self) -> Option<CategoryNode> {
        let prefetched = self
            .row
            .translations
            .as_ref()
            .and_then(|(l, _, c)| LanguageCodeEnum::parse(l).map(|l| (l, c.clone())));
        self.row
            .category
            .clone()
            .map(|c| CategoryNode::with_translation(c, prefetched))
    }
    #[graphql(complexity = 0)]
    async fn created(&self) -> DateTime<Utc> {
        self.row.product.created_at
    }
    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.product.updated_at
    }
    #[graphql(complexity = 0)]
    /// Channel given to retrieve this product. Also used by federation gateway to resolve
    /// this object in a federated query.
    async fn channel(&self) -> Option<&str> {
        self.viewer.channel.as_ref().map(|c| c.slug.as_str())
    }
    /// The main thumbnail for a product.
    async fn thumbnail(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
        #[graphql(default_with = "Some(ThumbnailFormatEnum::Original)")] format: Option<
            ThumbnailFormatEnum,
        >,
    ) -> Option<Image> {
        self.row.thumbnail.as_ref().map(|t| Image {
            url: image_url(ctx, &t.url, size, format),
            alt: Some(t.alt.clone()),
        })
    }
    /// Lists the storefront product's pricing, the current price and discounts, only meant for
    /// displaying.
    ///
    /// Prices are taxed with the channel's tax configuration for the address's country (the
    /// channel's default country when no address is given).
    async fn pricing(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Destination address used to find warehouses where stock availability for this product is checked. If address is empty, uses `Shop.companyAddress` or fallbacks to server's `settings.DEFAULT_COUNTRY` configuration."
        )]
        address: Option<AddressInput>,
    ) -> Result<Option<ProductPricingInfo>> {
        let Some(listing) = self.row.listing.as_ref() else {
            return Ok(None);
        };
        let tax = pricing_tax(ctx, &self.viewer, address.as_ref()).await?;
        let class = self.row.product.tax_class_id;
        let range = |lo: Option<i64>, hi: Option<i64>| {
            lo.zip(hi).map(|(lo, hi)| TaxedMoneyRange {
                start: Some(TaxedMoney::taxed(tax.apply(lo, class), &listing.currency)),
                stop: Some(TaxedMoney::taxed(tax.apply(hi, class), &listing.currency)),
            })
        };
        // Catalogue promotions: the precomputed discounted range (see
        // `discount::promotion::recalc`); the discount is the one on the cheapest variant.
        let lo = listing.discounted_min_price.or(listing.min_price);
        let hi = listing.discounted_max_price.or(listing.max_price);
        let discount = listing
            .min_price
            .zip(lo)
            .filter(|(u, d)| d < u)
            .map(|(u, d)| {
                let (u, d) = (tax.apply(u, class), tax.apply(d, class));
                TaxedMoney::taxed(
                    crate::tax::Taxed {
                        net: u.net - d.net,
                        gross: u.gross - d.gross,
                    },
                    &listing.currency,
                )
            });
        Ok(Some(ProductPricingInfo {
            on_sale: Some(discount.is_some()),
            discount,
            display_gross_prices: tax.display_gross_prices,
            price_range: range(lo, hi),
            price_range_undiscounted: range(listing.min_price, listing.max_price),
        }))
    }
    #[graphql(complexity = 0)]
    /// Whether the product is in stock, set as available for purchase in the given channel,
    /// and published.
    async fn is_available(
        &self,
        #[graphql(
            desc = "Destination address used to find warehouses where stock availability for this product is checked. If address is empty, uses `Shop.companyAddress` or fallbacks to server's `settings.DEFAULT_COUNTRY` configuration. When `Shop.useLegacyShippingZoneStockAvailability` is disabled, this argument is ignored — stock availability is determined by the direct warehouse-channel link instead of shipping zones.",
            deprecation
        )]
        address: Option<AddressInput>,
    ) -> Option<bool> {
        let _ = address;
        Some(
            self.row.listing.as_ref().is_some_and(|l| {
                available_now(l.available_for_purchase_at) && l.min_price.is_some()
            }),
        )
    }
    #[graphql(complexity = 0)]
    /// Date when product is available for purchase.
    async fn available_for_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.row
            .listing
            .as_ref()
            .and_then(|l| l.available_for_purchase_at)
    }
    #[graphql(complexity = 0)]
    /// Whether the product is available for purchase.
    async fn is_available_for_purchase(&self) -> Option<bool> {
        self.row
            .listing
            .as_ref()
            .map(|l| available_now(l.available_for_purchase_at))
    }
    /// List of attributes assigned to this product.
    #[graphql(deprecation = "Use the `assignedAttributes` field instead.")]
    async fn attributes(&self, ctx: &Context<'_>) -> Result<Vec<SelectedAttribute>> {
        Ok(attributes::selected(
            self.attribute_groups(ctx, true).await?,
        ))
    }
    /// List of variants for the product. Requires the following permissions to include the
    /// unpublished items: MANAGE_ORDERS, MANAGE_DISCOUNTS, MANAGE_PRODUCTS.
    #[graphql(deprecation = "Use `productVariants` field instead.")]
    async fn variants(&self, ctx: &Context<'_>) -> Result<Option<Vec<VariantNode>>> {
        let rows = self.visible_variants(ctx).await?;
        Ok(Some(
            rows.into_iter().map(|r| self.variant_node(r)).collect(),
        ))
    }
    /// List of variants for the product.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn product_variants(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<VariantConnection>> {
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "productVariants",
        )?;
        let rows = self.visible_variants(ctx).await?;
        let total = rows.len() as u64;
        let result = connection::page_in_memory(&rows, &page, variant_key)?;
        let result = result.map(|r| self.variant_node(r));
        Ok(Some(connection::build(
            result,
            TotalCount::lazy(move || async move { Ok(total) }),
            |n: &VariantNode| variant_key(&n.row),
        )))
    }
    /// List of media for the product.
    async fn media(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Sort media.")] sort_by: Option<MediaSortingInput>,
    ) -> Result<Option<Vec<ProductMediaNode>>> {
        let mut media = self.media_rows(ctx).await?;
        if let Some(sort) = sort_by {
            let MediaChoicesSortField::Id = sort.field;
            media.sort_by_key(|m| m.id);
            if sort.direction == OrderDirection::Desc {
                media.reverse();
            }
        }
        Ok(Some(media.into_iter().map(ProductMediaNode::new).collect()))
    }
    /// Returns translated product fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<ProductTranslation>> {
        let prefetched = self
            .row
            .translations
            .as_ref()
            .and_then(|(l, p, _)| LanguageCodeEnum::parse(l).map(|l| (l, p.clone())));
        Ok(translated(
            ctx,
            kind::PRODUCT,
            self.row.product.id,
            language_code,
            &prefetched,
        )
        .await?
        .map(ProductTranslation))
    }
    #[graphql(complexity = 0)]
    /// External ID of this product.
    async fn external_reference(&self) -> Option<&str> {
        self.row.product.external_reference.as_deref()
    }
    /// List of availability in channels for the product.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<listings::ProductChannelListingNode>>> {
        listings::product_listings(ctx, self.row.product.id)
            .await
            .map(Some)
    }
    #[graphql(complexity = 0)]
    /// Weight of the product.
    async fn weight(&self) -> Option<Weight> {
        self.row.product.weight_grams.map(Weight::from_grams)
    }
    #[graphql(complexity = 0)]
    /// Rating of the product.
    async fn rating(&self) -> Option<f64> {
        self.row.product.rating
    }
    /// Default variant of the product: its first variant visible in the channel (Saleor
    /// makes the first variant created the default; we keep no separate pointer).
    async fn default_variant(&self, ctx: &Context<'_>) -> Result<Option<VariantNode>> {
        let first = self.visible_variants(ctx).await?.into_iter().next();
        Ok(first.map(|r| self.variant_node(r)))
    }
    /// Get a single variant by SKU or ID.
    #[graphql(deprecation = "Use top-level `variant` query.")]
    async fn variant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the variant.")] id: Option<ID>,
        #[graphql(desc = "SKU of the variant.")] sku: Option<String>,
    ) -> Result<Option<VariantNode>> {
        let pk = match (&id, &sku) {
            (Some(id), None) => Some(id::decode::<i32>(id, "ProductVariant")?),
            (None, Some(_)) => None,
            (Some(_), Some(_)) => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Argument 'id' cannot be combined with 'sku'",
                ));
            }
            (None, None) => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "At least one of arguments is required: 'id', 'sku'.",
                ));
            }
        };
        let found = self
            .visible_variants(ctx)
            .await?
            .into_iter()
            .find(|r| match pk {
                Some(pk) => r.variant.id == pk,
                None => r.variant.sku.is_some() && r.variant.sku == sku,
            });
        Ok(found.map(|r| self.variant_node(r)))
    }
    /// Get a single product media by ID.
    async fn media_by_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a product media.")] id: ID,
    ) -> Result<Option<ProductMediaNode>> {
        let pk = id::decode::<i32>(&id, "ProductMedia")?;
        Ok(self
            .media_rows(ctx)
            .await?
            .into_iter()
            .find(|m| m.id == pk)
            .map(ProductMediaNode::new))
    }
    /// List of collections for the product. Requires the following permissions to include
    /// the unpublished items: MANAGE_ORDERS, MANAGE_DISCOUNTS, MANAGE_PRODUCTS.
    async fn collections(&self, ctx: &Context<'_>) -> Result<Option<Vec<CollectionNode>>> {
        let (_, req) = parts(ctx)?;
        let scope = (
            self.viewer.channel.as_ref().map(|c| c.id),
            self.viewer.staff,
        );
        let collections = crate::loaders::loaders(ctx)?
            .catalog
            .product_collections
            .load_one((scope, self.row.product.id))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(Some(
            collections
                .into_iter()
                .map(|c| CollectionNode::new(c, Some(self.viewer.clone())))
                .collect(),
        ))
    }
    /// Date when product is available for purchase.
    #[graphql(
        complexity = 0,
        deprecation = "Use the `availableForPurchaseAt` field to fetch the available for purchase date."
    )]
    async fn available_for_purchase(&self) -> Option<Date> {
        self.row
            .listing
            .as_ref()
            .and_then(|l| l.available_for_purchase_at)
            .map(|d| Date(d.date_naive()))
    }
    /// Description of the product.
    ///
    /// Rich text format. For reference see https://editorjs.io/
    #[graphql(complexity = 0, deprecation = "Use the `description` field instead.")]
    async fn description_json(&self) -> Option<JsonString> {
        Some(JsonString(
            self.row
                .product
                .description
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        ))
    }
    /// Get a single attribute attached to product by attribute slug.
    #[graphql(deprecation = "Use the `assignedAttribute` field instead.")]
    async fn attribute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of the attribute")] slug: String,
    ) -> Result<Option<SelectedAttribute>> {
        Ok(attributes::selected_by_slug(
            self.attribute_groups(ctx, true).await?,
            &slug,
        ))
    }
}

/// The tax context for catalog prices seen by `viewer`: its channel's configuration for the
/// address's country, else the channel's default country (one batched load per request).
async fn pricing_tax(
    ctx: &Context<'_>,
    viewer: &Viewer,
    address: Option<&AddressInput>,
) -> Result<Arc<crate::tax::TaxContext>> {
    let Some(channel) = viewer.channel.as_ref() else {
        return Ok(Arc::new(crate::tax::TaxContext::none()));
    };
    let (_, req) = parts(ctx)?;
    let load = |country: String| async move {
        loaders(ctx)?
            .taxes
            .load_one((channel.id, country))
            .await
            .map_err(|e| req.internal(e))
            .map(|t| t.unwrap_or_else(|| Arc::new(crate::tax::TaxContext::none())))
    };
    match address.and_then(|a| a.country) {
        Some(c) if c.code() != channel.default_country => load(c.code().to_owned()).await,
        // Every product of the request shares one load (statements constant in page size).
        _ => viewer
            .tax
            .get_or_try_init(|| load(channel.default_country.clone()))
            .await
            .cloned(),
    }
}

/// Represents availability of a product in the storefront.
#[derive(SimpleObject, Clone)]
pub struct ProductPricingInfo {
    /// Whether it is in sale or not.
    #[graphql(complexity = 0)]
    pub on_sale: Option<bool>,
    /// The discount amount if in sale (null otherwise).
    #[graphql(complexity = 0)]
    pub discount: Option<TaxedMoney>,
    /// Determines whether displayed prices should include taxes.
    #[graphql(complexity = 0)]
    pub display_gross_prices: bool,
    /// The discounted price range of the product variants.
    pub price_range: Option<TaxedMoneyRange>,
    /// The undiscounted price range of the product variants.
    pub price_range_undiscounted: Option<TaxedMoneyRange>,
}

/// Represents availability of a variant in the storefront.
#[derive(SimpleObject, Clone)]
pub struct VariantPricingInfo {
    /// Whether it is in sale or not.
    #[graphql(complexity = 0)]
    pub on_sale: Option<bool>,
    /// The discount amount if in sale (null otherwise).
    #[graphql(complexity = 0)]
    pub discount: Option<TaxedMoney>,
    /// The price, with any discount subtracted.
    pub price: Option<TaxedMoney>,
    /// The price without any discount.
    pub price_undiscounted: Option<TaxedMoney>,
}

/// Represents a version of a product such as different size or color.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "ProductVariant")]
pub struct VariantNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub row: VariantRow,
    #[graphql(skip)]
    pub product: Arc<ProductRow>,
    #[graphql(skip)]
    pub viewer: Arc<Viewer>,
    #[graphql(skip)]
    pub prefetch: Option<Arc<PagePrefetch>>,
}

impl VariantNode {
    pub fn new(row: VariantRow, product: Arc<ProductRow>, viewer: Arc<Viewer>) -> Self {
        Self {
            meta: MetadataFields::new(&row.variant.metadata, &row.variant.private_metadata),
            row,
            product,
            viewer,
            prefetch: None,
        }
    }

    async fn assigned_rows(&self, ctx: &Context<'_>, selected: bool) -> Result<Vec<AssignedRow>> {
        let language = requested_language(
            ctx,
            if selected {
                SELECTED_PATHS
            } else {
                ASSIGNED_PATHS
            },
        );
        if let Some((l, map)) = self
            .prefetch
            .as_ref()
            .and_then(|p| p.variant_attrs.as_ref())
            && *l == language
            && selected
        {
            return Ok(map.get(&self.row.variant.id).cloned().unwrap_or_default());
        }
        let (_, req) = parts(ctx)?;
        let rows = crate::loaders::loaders(ctx)?
            .catalog
            .assigned
            .load_one((kind::VARIANT, self.row.variant.id, language))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(rows)
    }

    /// The variant's attributes: every variant attribute of its product's type, with the
    /// variant's values.
    async fn attribute_groups(&self, ctx: &Context<'_>, selected: bool) -> Result<Vec<Group>> {
        let rows = self.assigned_rows(ctx, selected).await?;
        let key = (kind::VARIANT, self.product.product.product_type_id);
        let types = type_attributes(ctx, self.prefetch.as_ref(), key).await?;
        Ok(attributes::complete(&rows, &types, self.viewer.staff))
    }
}

impl HasMetadata for VariantNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl VariantNode {
    #[graphql(complexity = 0)]
    /// The ID of the product variant.
    async fn id(&self) -> ID {
        id::encode("ProductVariant", self.row.variant.id)
    }
    /// Get a single attribute attached to the variant by attribute slug.
    async fn assigned_attribute(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> Result<Option<AssignedAttribute>> {
        Ok(attributes::assigned_by_slug(
            self.attribute_groups(ctx, false).await?,
            &slug,
        ))
    }
    /// List of attributes assigned to this variant.
    async fn assigned_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(PositiveInt(100))")] limit: Option<PositiveInt>,
    ) -> Result<Vec<AssignedAttribute>> {
        Ok(attributes::assigned(
            self.attribute_groups(ctx, false).await?,
            limit.map_or(100, |l| l.0) as usize,
        ))
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.row.variant.name
    }
    #[graphql(complexity = 0)]
    async fn sku(&self) -> Option<&str> {
        self.row.variant.sku.as_deref()
    }
    /// The product of the variant.
    async fn product(&self) -> ProductNode {
        ProductNode::from_arc(self.product.clone(), self.viewer.clone())
            .with_prefetch(self.prefetch.clone())
    }
    #[graphql(complexity = 0)]
    /// Determines if the inventory of this variant should be tracked.
    async fn track_inventory(&self) -> bool {
        self.row.variant.track_inventory
    }
    #[graphql(complexity = 0)]
    /// The maximum quantity of this variant that a customer can purchase.
    async fn quantity_limit_per_customer(&self) -> Option<i32> {
        self.row.variant.quantity_limit_per_customer
    }
    #[graphql(complexity = 0)]
    /// Channel given to retrieve this product variant.
    async fn channel(&self) -> Option<&str> {
        self.viewer.channel.as_ref().map(|c| c.slug.as_str())
    }
    /// Lists the storefront variant's pricing, the current price and discounts, only meant
    /// for displaying.
    ///
    /// Prices are taxed with the channel's tax configuration for the address's country (the
    /// channel's default country when no address is given).
    async fn pricing(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Destination address used to find warehouses where stock availability for this product is checked. If address is empty, uses `Shop.companyAddress` or fallbacks to server's `settings.DEFAULT_COUNTRY` configuration."
        )]
        address: Option<AddressInput>,
    ) -> Result<Option<VariantPricingInfo>> {
        let Some(listing) = self.row.listing.as_ref() else {
            return Ok(None);
        };
        let tax = pricing_tax(ctx, &self.viewer, address.as_ref()).await?;
        let class = self.product.product.tax_class_id;
        let undiscounted = listing.price_amount.map(|p| tax.apply(p, class));
        // The precomputed price after the best catalogue promotion.
        let discounted = listing
            .discounted_price_amount
            .or(listing.price_amount)
            .map(|p| tax.apply(p, class));
        let discount = undiscounted
            .zip(discounted)
            .filter(|(u, d)| d.gross < u.gross || d.net < u.net)
            .map(|(u, d)| {
                TaxedMoney::taxed(
                    crate::tax::Taxed {
                        net: u.net - d.net,
                        gross: u.gross - d.gross,
                    },
                    &listing.currency,
                )
            });
        Ok(Some(VariantPricingInfo {
            on_sale: Some(discount.is_some()),
            discount,
            price: discounted.map(|t| TaxedMoney::taxed(t, &listing.currency)),
            price_undiscounted: undiscounted.map(|t| TaxedMoney::taxed(t, &listing.currency)),
        }))
    }
    /// List of attributes assigned to this variant.
    async fn attributes(
        &self,
        ctx: &Context<'_>,
        variant_selection: Option<VariantAttributeScope>,
    ) -> Result<Vec<SelectedAttribute>> {
        let groups: Vec<Group> = self
            .attribute_groups(ctx, true)
            .await?
            .into_iter()
            .filter(|g| match variant_selection {
                None | Some(VariantAttributeScope::All) => true,
                Some(VariantAttributeScope::VariantSelection) => g.variant_selection,
                Some(VariantAttributeScope::NotVariantSelection) => !g.variant_selection,
            })
            .collect();
        Ok(attributes::selected(groups))
    }
    /// List of media for the product variant.
    async fn media(&self, ctx: &Context<'_>) -> Result<Option<Vec<ProductMediaNode>>> {
        let (_, req) = parts(ctx)?;
        let media = crate::loaders::loaders(ctx)?
            .catalog
            .variant_media
            .load_one(self.row.variant.id)
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(Some(media.into_iter().map(ProductMediaNode::new).collect()))
    }
    /// Returns translated product variant fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<ProductVariantTranslation>> {
        Ok(
            translation(ctx, kind::VARIANT, self.row.variant.id, language_code)
                .await?
                .map(ProductVariantTranslation),
        )
    }
    /// Quantity of a product available for sale in one checkout: the stock minus allocations
    /// in the channel's warehouses (variants that don't track inventory report Saleor's
    /// `MAX_CHECKOUT_LINE_QUANTITY`). Stock comes from the warehouses linked to the channel,
    /// as in Saleor without `useLegacyShippingZoneStockAvailability`, so the destination
    /// arguments don't change the answer.
    async fn quantity_available(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Destination address used to find warehouses where stock availability for this product is checked. If address is empty, uses `Shop.companyAddress` or fallbacks to server's `settings.DEFAULT_COUNTRY` configuration. When `Shop.useLegacyShippingZoneStockAvailability` is disabled, this argument is ignored — stock availability is determined by the direct warehouse-channel link instead of shipping zones.",
            deprecation
        )]
        address: Option<AddressInput>,
        #[graphql(
            desc = "Two-letter ISO 3166-1 country code. When provided, the exact quantity from a warehouse operating in shipping zones that contain this country will be returned. Otherwise, it will return the maximum quantity from all shipping zones.",
            deprecation = "Use `address` argument instead."
        )]
        country_code: Option<crate::core::country::CountryCode>,
    ) -> Result<Option<i32>> {
        let _ = (address, country_code);
        let Some(channel) = &self.viewer.channel else {
            return Ok(None);
        };
        if !self.row.variant.track_inventory {
            return Ok(Some(MAX_CHECKOUT_LINE_QUANTITY as i32));
        }
        let (_, req) = parts(ctx)?;
        let available = crate::loaders::loaders(ctx)?
            .catalog
            .stock
            .load_one((channel.id, self.row.variant.id))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or(0);
        Ok(Some(i32::try_from(available.max(0)).unwrap_or(i32::MAX)))
    }
    #[graphql(complexity = 0)]
    async fn created(&self) -> DateTime<Utc> {
        self.row.variant.created_at
    }
    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.variant.updated_at
    }
    #[graphql(complexity = 0)]
    /// External ID of this product variant.
    async fn external_reference(&self) -> Option<&str> {
        self.row.variant.external_reference.as_deref()
    }
    /// List of price information in channels for the product.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<listings::VariantChannelListingNode>>> {
        listings::variant_listings(ctx, self.row.variant.id)
            .await
            .map(Some)
    }
    /// Stocks for the product variant, in every warehouse. Warehouses are not tied to
    /// shipping zones here, so `address` and `countryCode` do not narrow the list.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS.
    async fn stocks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Accepted for compatibility; see the field description.")] address: Option<
            AddressInput,
        >,
        #[graphql(desc = "Accepted for compatibility; see the field description.")]
        country_code: Option<crate::core::country::CountryCode>,
    ) -> Result<Option<Vec<listings::StockNode>>> {
        let _ = (address, country_code);
        listings::variant_stocks(ctx, self.row.variant.id)
            .await
            .map(Some)
    }
    #[graphql(complexity = 0)]
    /// Weight of the product variant.
    async fn weight(&self) -> Option<Weight> {
        self.row.variant.weight_grams.map(Weight::from_grams)
    }
}

/// Represents a type of product. It defines what attributes are available to products of
/// this type.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "ProductType")]
pub struct ProductTypeNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: product_type::Model,
}

impl From<product_type::Model> for ProductTypeNode {
    fn from(model: product_type::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for ProductTypeNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

/// The tax class `id` (staff users and apps only).
async fn tax_class_node(
    ctx: &Context<'_>,
    id: Option<i32>,
) -> Result<Option<crate::tax::api::TaxClassNode>> {
    let (_, req) = parts(ctx)?;
    req.require_staff_or_app()?;
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(loaders(ctx)?
        .tax_classes
        .load_one(id)
        .await
        .map_err(|e| req.internal(e))?
        .map(Into::into))
}

#[ComplexObject]
impl ProductTypeNode {
    /// Tax class assigned to this product type.
    ///
    /// Requires one of the following permissions: AUTHENTICATED_STAFF_USER, AUTHENTICATED_APP.
    async fn tax_class(&self, ctx: &Context<'_>) -> Result<Option<crate::tax::api::TaxClassNode>> {
        tax_class_node(ctx, self.model.tax_class_id).await
    }
    #[graphql(complexity = 0)]
    /// The ID of the product type.
    async fn id(&self) -> ID {
        id::encode("ProductType", self.model.id)
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.model.name
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// Whether the product type has variants.
    #[graphql(
        complexity = 0,
        deprecation = "This is a leftover from the past Simple/Configurable product distinction. Products can have multiple variants regardless of this setting. "
    )]
    async fn has_variants(&self) -> bool {
        self.model.has_variants
    }
    #[graphql(complexity = 0)]
    /// Whether shipping is required for products of this type.
    async fn is_shipping_required(&self) -> bool {
        self.model.is_shipping_required
    }
    /// Whether products of this type are digital.
    #[graphql(
        complexity = 0,
        deprecation = "Will be removed in v3.24.0, use metadata or attributes instead."
    )]
    async fn is_digital(&self) -> bool {
        self.model.is_digital
    }
    /// Product attributes of that product type.
    async fn product_attributes(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<super::attributes::AttributeNode>>> {
        let attrs = type_query::type_attributes(ctx, kind::PRODUCT, self.model.id).await?;
        Ok(Some(attrs.into_iter().map(|(_, a)| a).collect()))
    }
    /// Variant attributes of that product type.
    #[graphql(deprecation = "Use `assignedVariantAttributes` instead.")]
    async fn variant_attributes(
        &self,
        ctx: &Context<'_>,
        variant_selection: Option<VariantAttributeScope>,
    ) -> Result<Option<Vec<super::attributes::AttributeNode>>> {
        let attrs = type_query::type_attributes(ctx, kind::VARIANT, self.model.id).await?;
        Ok(Some(
            attrs
                .into_iter()
                .filter(|(selection, _)| type_query::in_scope(variant_selection, *selection))
                .map(|(_, a)| a)
                .collect(),
        ))
    }
    /// Variant attributes of that product type with attached variant selection.
    async fn assigned_variant_attributes(
        &self,
        ctx: &Context<'_>,
        variant_selection: Option<VariantAttributeScope>,
    ) -> Result<Option<Vec<type_query::AssignedVariantAttribute>>> {
        let attrs = type_query::type_attributes(ctx, kind::VARIANT, self.model.id).await?;
        Ok(Some(
            attrs
                .into_iter()
                .filter(|(selection, _)| type_query::in_scope(variant_selection, *selection))
                .map(
                    |(selection, attribute)| type_query::AssignedVariantAttribute {
                        attribute,
                        variant_selection: selection,
                    },
                )
                .collect(),
        ))
    }
    /// Product attributes that can be assigned to this product type: the shop's product
    /// attributes not assigned to it yet.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn available_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<
            type_query::AttributeFilterInput,
        >,
        #[graphql(name = "where")] where_: Option<type_query::AttributeWhereInput>,
        search: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<super::attributes::AttributeNode, type_query::AttributeNames>>>
    {
        let (state, req) = parts(ctx)?;
        req.require_any(&[
            Permission::ManageProducts,
            Permission::ManageProductTypesAndAttributes,
        ])?;
        let cond = type_query::available_attributes_condition(
            state.db.conn.get_database_backend(),
            self.model.id,
            filter.as_ref(),
            where_.as_ref(),
            search.as_deref(),
        )?;
        type_query::attribute_connection(
            ctx,
            cond,
            None,
            "availableAttributes",
            PageArgs {
                first,
                last,
                after,
                before,
            },
        )
        .await
        .map(Some)
    }
    #[graphql(complexity = 0)]
    /// Weight of the product type.
    async fn weight(&self) -> Option<Weight> {
        self.model.weight_grams.map(Weight::from_grams)
    }
    #[graphql(complexity = 0)]
    /// The product type kind.
    async fn kind(&self) -> ProductTypeKindEnum {
        if self.model.kind == "GIFT_CARD" {
            ProductTypeKindEnum::GiftCard
        } else {
            ProductTypeKindEnum::Normal
        }
    }
}

/// Represents a product media.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "ProductMedia")]
pub struct ProductMediaNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: product_media::Model,
}

impl ProductMediaNode {
    pub fn new(model: product_media::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for ProductMediaNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl ProductMediaNode {
    #[graphql(complexity = 0)]
    /// The ID of the product media.
    async fn id(&self) -> ID {
        id::encode("ProductMedia", self.model.id)
    }
    #[graphql(complexity = 0)]
    /// The sort order of the media.
    async fn sort_order(&self) -> Option<i32> {
        Some(self.model.sort_order)
    }
    #[graphql(complexity = 0)]
    /// The alt text of the media.
    async fn alt(&self) -> &str {
        &self.model.alt
    }
    /// The type of the media.
    #[graphql(complexity = 0, name = "type")]
    async fn media_type(&self) -> ProductMediaType {
        if self.model.media_type == "VIDEO" {
            ProductMediaType::Video
        } else {
            ProductMediaType::Image
        }
    }
    #[graphql(complexity = 0)]
    /// The oEmbed data of the media.
    async fn oembed_data(&self) -> JsonString {
        JsonString(self.model.oembed_data.clone())
    }
    /// The URL of the media.
    async fn url(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
        #[graphql(default_with = "Some(ThumbnailFormatEnum::Original)")] format: Option<
            ThumbnailFormatEnum,
        >,
    ) -> String {
        if self.model.media_type == "VIDEO" {
            return self
                .model
                .external_url
                .clone()
                .unwrap_or_else(|| self.model.image_url.clone());
        }
        image_url(ctx, &self.model.image_url, size, format)
    }
    #[graphql(complexity = 0)]
    /// Product id the media refers to.
    async fn product_id(&self) -> Option<ID> {
        Some(id::encode("Product", self.model.product_id))
    }
}
