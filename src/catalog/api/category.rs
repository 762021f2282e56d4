//! GraphQL: `Category`, `Collection` and the product connection they share with the
//! `products` root field.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{category, channel, collection};

use super::common::{
    Image, JsonString, ThumbnailFormatEnum, image_url, requested_language, translated, translation,
};
use super::inputs::{ProductFilterInput, ProductOrder, ProductWhereInput};
use super::products::{PagePrefetch, ProductNames, ProductNode};
use crate::catalog::loaders::{Prefetched, kind};
use crate::catalog::read::{
    CategoryFilter, ProductFilter, ProductReader, ProductSort, ReadError, Viewer,
};
use crate::channel::api::channel_error;
use crate::core::{
    connection::{self, Countable, Page, PageArgs, TotalCount},
    context::RequestCtx,
    country::LanguageCodeEnum,
    error::{ErrorCode, error},
    id,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::AppState;
use crate::state::parts;
use crate::translation_type;

countable_names!(CategoryNames, "Category");
countable_names!(CollectionNames, "Collection");

translation_type!(
    CategoryTranslation,
    "CategoryTranslation",
    "Category translation.",
    full
);
translation_type!(
    CollectionTranslation,
    "CollectionTranslation",
    "Collection translation.",
    full
);

/// Connection of products.
pub type ProductConnection = Countable<ProductNode, ProductNames>;

/// Who is asking in which channel: anonymous callers and customers need an active channel
/// (the only one when omitted); staff and apps may omit it or name an inactive one.
pub async fn viewer(ctx: &Context<'_>, channel: Option<&str>) -> Result<Viewer> {
    let (state, req) = parts(ctx)?;
    let staff = req.is_staff_or_app();
    if staff && channel.is_none() {
        return Ok(Viewer {
            channel: None,
            staff,
            tax: Default::default(),
        });
    }
    let channel = state
        .channels
        .resolve(channel, staff)
        .await
        .map_err(|e| channel_error(req, e))?;
    Ok(Viewer {
        channel: Some(channel),
        staff,
        tax: Default::default(),
    })
}

/// Maps a read failure to a GraphQL error.
pub fn read_error(req: &RequestCtx, e: ReadError) -> async_graphql::Error {
    match e {
        ReadError::BadCursor => error(ErrorCode::InvalidCursor, "Received cursor is invalid."),
        ReadError::Db(e) => req.internal(e),
    }
}

/// The product filter from Saleor's `filter`, `where` and `search` arguments.
pub fn product_filter(
    viewer: &Viewer,
    filter: Option<&ProductFilterInput>,
    where_: Option<&ProductWhereInput>,
    search: Option<String>,
) -> Result<ProductFilter> {
    let currency = viewer
        .channel
        .as_ref()
        .map_or("USD", |c: &channel::Model| c.currency_code.as_str());
    let mut f = ProductFilter::default();
    if let Some(input) = filter {
        f.all_of.push(input.to_filter(currency)?);
    }
    if let Some(input) = where_ {
        f.all_of.push(input.to_filter(currency)?);
    }
    f.search = search.filter(|s| !s.trim().is_empty());
    Ok(f)
}

/// Whether any part of `f` searches.
fn searching(f: &ProductFilter) -> bool {
    f.search.is_some() || f.all_of.iter().any(searching)
}

/// The one collection the products are limited to (`Collection.products`), which
/// `sortBy: COLLECTION` orders by.
fn single_collection(f: &ProductFilter) -> Option<i32> {
    match f.collection_ids.as_deref() {
        Some([id]) => Some(*id),
        _ => None,
    }
}

/// One page of products as a Saleor connection.
pub async fn product_connection(
    ctx: &Context<'_>,
    viewer: Viewer,
    filter: ProductFilter,
    sort_by: Option<&ProductOrder>,
    args: PageArgs,
) -> Result<ProductConnection> {
    let (state, req) = parts(ctx)?;
    let page = Page::parse(&args, "products")?;
    let sort = match sort_by {
        Some(order) => order.to_sort(searching(&filter), single_collection(&filter))?,
        None => ProductSort::default(),
    };
    let language = requested_language(
        ctx,
        &[
            &["edges", "node", "translation"],
            &["edges", "node", "category", "translation"],
        ],
    );
    let reader = state.catalog.products.clone();
    let result = reader
        .page(&viewer, &filter, sort, &page, language.map(|l| l.code()))
        .await
        .map_err(|e| read_error(req, e))?;
    let node_fields = ctx
        .look_ahead()
        .field("edges")
        .field("node")
        .selection_fields();
    let prefetch = PagePrefetch::fetch(&state.db.conn, &viewer, &result.items, &node_fields)
        .await
        .map_err(|e| req.internal(e))?
        .map(Arc::new);
    let viewer = Arc::new(viewer);
    let count_viewer = viewer.clone();
    let total = TotalCount::lazy(move || {
        let (reader, viewer, filter): (ProductReader, Arc<Viewer>, ProductFilter) =
            (reader.clone(), count_viewer.clone(), filter.clone());
        async move { reader.count(&viewer, &filter).await }
    });
    let nodes =
        result.map(|row| ProductNode::new(row, viewer.clone()).with_prefetch(prefetch.clone()));
    Ok(connection::build(nodes, total, move |n: &ProductNode| {
        ProductReader::key_of(&n.row, sort)
    }))
}

/// Represents a single category of products.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Category")]
pub struct CategoryNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: category::Model,
    /// The translation fetched with the category, if any.
    #[graphql(skip)]
    pub prefetched: Prefetched,
}

impl CategoryNode {
    /// A category with its prefetched translation.
    pub fn with_translation(model: category::Model, prefetched: Prefetched) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            prefetched,
        }
    }
}

impl From<category::Model> for CategoryNode {
    fn from(model: category::Model) -> Self {
        Self::with_translation(model, None)
    }
}

impl HasMetadata for CategoryNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl CategoryNode {
    #[graphql(complexity = 0)]
    /// The ID of the category.
    async fn id(&self) -> ID {
        id::encode("Category", self.model.id)
    }
    #[graphql(complexity = 0)]
    async fn seo_title(&self) -> Option<&str> {
        self.model.seo_title.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn seo_description(&self) -> Option<&str> {
        self.model.seo_description.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.model.name
    }
    #[graphql(complexity = 0)]
    /// Description of the category (Editor.js JSON).
    async fn description(&self) -> Option<JsonString> {
        self.model.description.clone().map(JsonString)
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// The parent category.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<CategoryNode>> {
        let Some(parent) = self.model.parent_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .categories
            .load_one(parent)
            .await
            .map_err(|e| req.internal(e))?
            .map(CategoryNode::from))
    }
    /// List of ancestors of the category, from the root down to the parent.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn ancestors(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CategoryNode, CategoryNames>>> {
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "ancestors",
        )?;
        let (_, req) = parts(ctx)?;
        let loaders = crate::loaders::loaders(ctx)?;
        // One statement per level (trees are shallow); stops at a cycle or a missing row.
        let mut chain: Vec<category::Model> = Vec::new();
        let mut next = self.model.parent_id;
        while let Some(id) = next {
            if chain.iter().any(|c| c.id == id) || id == self.model.id {
                break;
            }
            let Some(parent) = loaders
                .catalog
                .categories
                .load_one(id)
                .await
                .map_err(|e| req.internal(e))?
            else {
                break;
            };
            next = parent.parent_id;
            chain.push(parent);
        }
        chain.reverse();
        let key = |c: &category::Model| vec![connection::KeyPart::Int(i64::from(c.level))];
        let total = chain.len() as u64;
        let result = connection::page_in_memory(&chain, &page, key)?;
        Ok(Some(connection::build(
            result.map(CategoryNode::from),
            TotalCount::lazy(move || async move { Ok(total) }),
            |n: &CategoryNode| key(&n.model),
        )))
    }
    #[graphql(complexity = 0, deprecation = "Use the `description` field instead.")]
    /// Description of the category.
    ///
    /// Rich text format. For reference see https://editorjs.io/
    async fn description_json(&self) -> Option<JsonString> {
        Some(JsonString(
            self.model
                .description
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        ))
    }
    #[graphql(complexity = 0)]
    /// Level of the category in the tree (0 for a root).
    async fn level(&self) -> i32 {
        self.model.level
    }
    #[graphql(complexity = 0)]
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
    /// List of children of the category.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn children(
        &self,
        ctx: &Context<'_>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CategoryNode, CategoryNames>>> {
        let filter = CategoryFilter {
            parent_id: Some(self.model.id),
            ..Default::default()
        };
        category_connection(
            ctx,
            filter,
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
    /// List of products in the category (including subcategories). Anonymous callers see
    /// products published in the channel.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<ProductFilterInput>,
        #[graphql(name = "where")] where_: Option<ProductWhereInput>,
        sort_by: Option<ProductOrder>,
        search: Option<String>,
        channel: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<ProductConnection>> {
        let viewer = viewer(ctx, channel.as_deref()).await?;
        let mut f = product_filter(&viewer, filter.as_ref(), where_.as_ref(), search)?;
        f.category_trees = Some(vec![self.model.id]);
        product_connection(
            ctx,
            viewer,
            f,
            sort_by.as_ref(),
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
    /// Background image of the category.
    async fn background_image(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
        #[graphql(default_with = "Some(ThumbnailFormatEnum::Original)")] format: Option<
            ThumbnailFormatEnum,
        >,
    ) -> Option<Image> {
        self.model.background_image_url.as_ref().map(|url| Image {
            url: image_url(ctx, url, size, format),
            alt: self.model.background_image_alt.clone(),
        })
    }
    /// Returns translated category fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<CategoryTranslation>> {
        Ok(translated(
            ctx,
            kind::CATEGORY,
            self.model.id,
            language_code,
            &self.prefetched,
        )
        .await?
        .map(CategoryTranslation))
    }
}

/// One page of categories.
pub async fn category_connection(
    ctx: &Context<'_>,
    filter: CategoryFilter,
    args: PageArgs,
) -> Result<Countable<CategoryNode, CategoryNames>> {
    let state = ctx.data::<AppState>()?;
    let req = ctx.data::<RequestCtx>()?;
    let page = Page::parse(&args, "categories")?;
    let db = state.db.conn.clone();
    let result = crate::catalog::read::categories_page(&db, &filter, &page)
        .await
        .map_err(|e| read_error(req, e))?;
    let total = TotalCount::lazy(move || {
        let (db, filter) = (db.clone(), filter.clone());
        async move { crate::catalog::read::categories_count(&db, &filter).await }
    });
    Ok(connection::build(
        result.map(CategoryNode::from),
        total,
        |n: &CategoryNode| crate::catalog::read::category_key(&n.model),
    ))
}

/// Represents a collection of products.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Collection")]
pub struct CollectionNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: collection::Model,
    /// The viewer the collection was fetched for (its channel scopes `products`).
    #[graphql(skip)]
    pub viewer: Option<Arc<Viewer>>,
}

impl CollectionNode {
    pub fn new(model: collection::Model, viewer: Option<Arc<Viewer>>) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
            viewer,
        }
    }
}

impl HasMetadata for CollectionNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl CollectionNode {
    #[graphql(complexity = 0)]
    /// The ID of the collection.
    async fn id(&self) -> ID {
        id::encode("Collection", self.model.id)
    }
    #[graphql(complexity = 0)]
    async fn seo_title(&self) -> Option<&str> {
        self.model.seo_title.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn seo_description(&self) -> Option<&str> {
        self.model.seo_description.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// List of channels in which the collection is available.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn channel_listings(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<super::listings::CollectionChannelListingNode>>> {
        super::listings::collection_listings(ctx, self.model.id)
            .await
            .map(Some)
    }
    #[graphql(complexity = 0)]
    /// Description of the collection (Editor.js JSON).
    async fn description(&self) -> Option<JsonString> {
        self.model.description.clone().map(JsonString)
    }
    #[graphql(complexity = 0, deprecation = "Use the `description` field instead.")]
    /// Description of the collection.
    ///
    /// Rich text format. For reference see https://editorjs.io/
    async fn description_json(&self) -> Option<JsonString> {
        Some(JsonString(
            self.model
                .description
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        ))
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    #[graphql(complexity = 0)]
    /// Channel given to retrieve this collection.
    async fn channel(&self) -> Option<String> {
        self.viewer
            .as_ref()
            .and_then(|v| v.channel.as_ref())
            .map(|c| c.slug.clone())
    }
    /// List of products in this collection.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<ProductFilterInput>,
        #[graphql(name = "where")] where_: Option<ProductWhereInput>,
        search: Option<String>,
        sort_by: Option<ProductOrder>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<ProductConnection>> {
        let viewer = match &self.viewer {
            Some(v) => (**v).clone(),
            None => viewer(ctx, None).await?,
        };
        let mut f = product_filter(&viewer, filter.as_ref(), where_.as_ref(), search)?;
        f.collection_ids = Some(vec![self.model.id]);
        f.include_unlisted = true;
        product_connection(
            ctx,
            viewer,
            f,
            sort_by.as_ref(),
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
    /// Background image of the collection.
    async fn background_image(
        &self,
        ctx: &Context<'_>,
        size: Option<i32>,
        #[graphql(default_with = "Some(ThumbnailFormatEnum::Original)")] format: Option<
            ThumbnailFormatEnum,
        >,
    ) -> Option<Image> {
        self.model.background_image_url.as_ref().map(|url| Image {
            url: image_url(ctx, url, size, format),
            alt: self.model.background_image_alt.clone(),
        })
    }
    /// Returns translated collection fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<CollectionTranslation>> {
        Ok(
            translation(ctx, kind::COLLECTION, self.model.id, language_code)
                .await?
                .map(CollectionTranslation),
        )
    }
}
