//! GraphQL: what the dashboard reads about where and how products are sold — channel
//! listings of products, variants and collections, stock rows — and the `productVariants`,
//! `stock` and `stocks` root queries.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context, Enum, ID, InputObject, Object, Result,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, Utc};

use crate::core::scalars::Date;
use entities::{
    collection_channel_listing, product_channel_listing, product_variant, stock,
    variant_channel_listing,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use super::category::viewer;
use super::common::{Money, loaders};
use super::inputs::{DateTimeRangeInput, StringFilterInput};
use super::products::{ProductVariantNames, VariantNode};
use super::warehouses::WarehouseNode;
use crate::catalog::read::{Viewer, available_now};
use crate::channel::api::ChannelNode;
use crate::core::loaders::LoadError;
use crate::core::{
    connection::{
        self, Countable, KeyPart, OrderDirection, Page, PageArgs, PageResult, SortKey, TotalCount,
    },
    error::{ErrorCode, error},
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::state::parts;

countable_names!(StockNames, "Stock");

/// Who may read stock rows (Saleor: MANAGE_PRODUCTS or MANAGE_ORDERS).
pub const STOCK_READERS: [Permission; 2] = [Permission::ManageProducts, Permission::ManageOrders];

/// Who may read channel listings.
const MANAGERS: [Permission; 1] = [Permission::ManageProducts];

async fn channel_node(ctx: &Context<'_>, channel_id: i32) -> Result<ChannelNode> {
    let (_, req) = parts(ctx)?;
    loaders(ctx)?
        .channels
        .load_one(channel_id)
        .await
        .map_err(|e| req.internal(e))?
        .map(ChannelNode::from)
        .ok_or_else(|| error(ErrorCode::Internal, "Listing without a channel."))
}

/// Represents stock.
#[derive(Clone)]
pub struct StockNode(pub stock::Model);

#[Object(name = "Stock")]
impl StockNode {
    /// The ID of stock.
    async fn id(&self) -> ID {
        id::encode("Stock", self.0.id)
    }
    /// The warehouse associated with the stock.
    async fn warehouse(&self, ctx: &Context<'_>) -> Result<WarehouseNode> {
        let (_, req) = parts(ctx)?;
        loaders(ctx)?
            .warehouses
            .load_one(self.0.warehouse_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(WarehouseNode::from)
            .ok_or_else(|| error(ErrorCode::Internal, "Stock without a warehouse."))
    }
    /// Information about the product variant.
    async fn product_variant(&self, ctx: &Context<'_>) -> Result<VariantNode> {
        let (state, req) = parts(ctx)?;
        let staff = Arc::new(Viewer {
            channel: None,
            staff: true,
            tax: Default::default(),
        });
        variant_nodes(state, req, &staff, &[self.0.variant_id])
            .await?
            .pop()
            .ok_or_else(|| error(ErrorCode::Internal, "Stock without a variant."))
    }
    /// Quantity of a product in the warehouse's possession, including the allocated stock
    /// that is waiting for shipment.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS.
    async fn quantity(&self, ctx: &Context<'_>) -> Result<i32> {
        parts(ctx)?.1.require_any(&STOCK_READERS)?;
        Ok(self.0.quantity)
    }
    /// Quantity allocated for orders.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS.
    async fn quantity_allocated(&self, ctx: &Context<'_>) -> Result<i32> {
        parts(ctx)?.1.require_any(&STOCK_READERS)?;
        Ok(self.0.quantity_allocated)
    }
    /// Quantity reserved for checkouts. Checkouts do not reserve stock here (it is
    /// allocated when the order is placed), so this is always 0.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS.
    async fn quantity_reserved(&self, ctx: &Context<'_>) -> Result<i32> {
        parts(ctx)?.1.require_any(&STOCK_READERS)?;
        Ok(0)
    }
}

/// Represents product channel listing.
#[derive(Clone)]
pub struct ProductChannelListingNode(pub product_channel_listing::Model);

#[Object(name = "ProductChannelListing")]
impl ProductChannelListingNode {
    /// The ID of the product channel listing.
    async fn id(&self) -> ID {
        id::encode("ProductChannelListing", self.0.id)
    }
    /// Publication date of the product in the channel.
    #[graphql(deprecation = "Use the `publishedAt` field to fetch the publication date.")]
    async fn publication_date(&self) -> Option<Date> {
        self.0.published_at.map(|d| Date(d.date_naive()))
    }
    /// The product publication date time.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// Whether the product is published in the channel.
    async fn is_published(&self) -> bool {
        self.0.is_published
    }
    /// The channel in which the product is listed.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        channel_node(ctx, self.0.channel_id).await
    }
    /// Whether the product is visible in product listings of the channel.
    async fn visible_in_listings(&self) -> bool {
        self.0.visible_in_listings
    }
    /// The date when the product is available for purchase.
    #[graphql(
        deprecation = "Use the `availableForPurchaseAt` field to fetch the available for purchase date."
    )]
    async fn available_for_purchase(&self) -> Option<Date> {
        self.0
            .available_for_purchase_at
            .map(|d| Date(d.date_naive()))
    }
    /// The product available for purchase date time.
    async fn available_for_purchase_at(&self) -> Option<DateTime<Utc>> {
        self.0.available_for_purchase_at
    }
    /// The lowest price of the product's variants in the channel, after discounts.
    async fn discounted_price(&self) -> Option<Money> {
        self.0
            .discounted_min_price
            .or(self.0.min_price)
            .map(|m| Money::from_minor(m, &self.0.currency))
    }
    /// Whether the product is available for purchase.
    async fn is_available_for_purchase(&self) -> Option<bool> {
        Some(
            self.0.available_for_purchase_at.is_some()
                && available_now(self.0.available_for_purchase_at),
        )
    }
}

/// Represents product varaint channel listing.
#[derive(Clone)]
pub struct VariantChannelListingNode(pub variant_channel_listing::Model);

#[Object(name = "ProductVariantChannelListing")]
impl VariantChannelListingNode {
    /// The ID of the variant channel listing.
    async fn id(&self) -> ID {
        id::encode("ProductVariantChannelListing", self.0.id)
    }
    /// The channel to which the variant listing belongs.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        channel_node(ctx, self.0.channel_id).await
    }
    /// The price of the variant.
    async fn price(&self) -> Option<Money> {
        self.0
            .price_amount
            .map(|m| Money::from_minor(m, &self.0.currency))
    }
    /// Cost price of the variant.
    async fn cost_price(&self) -> Option<Money> {
        self.0
            .cost_price_amount
            .map(|m| Money::from_minor(m, &self.0.currency))
    }
    /// The price of the variant before the last price change (not tracked: always null).
    async fn prior_price(&self) -> Option<Money> {
        None
    }
    /// Gross margin percentage value.
    async fn margin(&self) -> Option<i32> {
        let (price, cost) = (self.0.price_amount?, self.0.cost_price_amount?);
        (price > 0).then(|| ((price - cost) * 100 / price) as i32)
    }
}

/// Represents collection channel listing.
#[derive(Clone)]
pub struct CollectionChannelListingNode(pub collection_channel_listing::Model);

#[Object(name = "CollectionChannelListing")]
impl CollectionChannelListingNode {
    /// The ID of the collection channel listing.
    async fn id(&self) -> ID {
        id::encode("CollectionChannelListing", self.0.id)
    }
    /// Publication date of the collection in the channel.
    #[graphql(deprecation = "Use the `publishedAt` field to fetch the publication date.")]
    async fn publication_date(&self) -> Option<Date> {
        self.0.published_at.map(|d| Date(d.date_naive()))
    }
    /// The collection publication date.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// Whether the collection is published in the channel.
    async fn is_published(&self) -> bool {
        self.0.is_published
    }
    /// The channel to which the collection belongs.
    async fn channel(&self, ctx: &Context<'_>) -> Result<ChannelNode> {
        channel_node(ctx, self.0.channel_id).await
    }
}

/// Variant nodes for `ids` as `viewer` sees them, in the order of `ids`; variants of
/// products the viewer cannot see are left out. Two statements whatever the count.
pub async fn variant_nodes(
    state: &crate::state::AppState,
    req: &crate::core::context::RequestCtx,
    viewer: &Arc<Viewer>,
    ids: &[i32],
) -> Result<Vec<VariantNode>> {
    let mut by_id =
        super::variant_nodes::by_ids(&state.db.conn, &state.catalog.products, viewer, ids)
            .await
            .map_err(|e| req.internal(e))?;
    Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
}

/// The rows `loader` holds under `key`, as nodes, for callers with one of `permissions`.
async fn children<L, M, N>(
    ctx: &Context<'_>,
    loader: &DataLoader<L>,
    key: i32,
    permissions: &[Permission],
    node: impl Fn(M) -> N,
) -> Result<Vec<N>>
where
    L: Loader<i32, Value = Vec<M>, Error = LoadError>,
    M: Clone + Send + Sync + 'static,
{
    let (_, req) = parts(ctx)?;
    req.require_any(permissions)?;
    Ok(loader
        .load_one(key)
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default()
        .into_iter()
        .map(node)
        .collect())
}

/// The stock rows of a variant (staff with MANAGE_PRODUCTS or MANAGE_ORDERS).
pub async fn variant_stocks(ctx: &Context<'_>, variant_id: i32) -> Result<Vec<StockNode>> {
    children(
        ctx,
        &loaders(ctx)?.stocks,
        variant_id,
        &STOCK_READERS,
        StockNode,
    )
    .await
}

/// The channel listings of a variant (MANAGE_PRODUCTS).
pub async fn variant_listings(
    ctx: &Context<'_>,
    variant_id: i32,
) -> Result<Vec<VariantChannelListingNode>> {
    let l = &loaders(ctx)?.variant_listings;
    children(ctx, l, variant_id, &MANAGERS, VariantChannelListingNode).await
}

/// The channel listings of a product (MANAGE_PRODUCTS).
pub async fn product_listings(
    ctx: &Context<'_>,
    product_id: i32,
) -> Result<Vec<ProductChannelListingNode>> {
    let l = &loaders(ctx)?.product_listings;
    children(ctx, l, product_id, &MANAGERS, ProductChannelListingNode).await
}

/// The channel listings of a collection (MANAGE_PRODUCTS).
pub async fn collection_listings(
    ctx: &Context<'_>,
    collection_id: i32,
) -> Result<Vec<CollectionChannelListingNode>> {
    let l = &loaders(ctx)?.collection_listings;
    children(
        ctx,
        l,
        collection_id,
        &MANAGERS,
        CollectionChannelListingNode,
    )
    .await
}

/// Filter of `stocks`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StockFilterInput {
    pub quantity: Option<f64>,
    pub search: Option<String>,
}

/// Filter of `productVariants` (deprecated `filter` argument).
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductVariantFilterInput {
    pub search: Option<String>,
    pub sku: Option<Vec<String>>,
    pub updated_at: Option<DateTimeRangeInput>,
}

/// Filter of `productVariants` (`where` argument).
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductVariantWhereInput {
    pub ids: Option<Vec<ID>>,
    pub sku: Option<StringFilterInput>,
    pub updated_at: Option<DateTimeRangeInput>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<ProductVariantWhereInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<ProductVariantWhereInput>>,
}

/// Saleor's `ProductVariantSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProductVariantSortField {
    /// Sort products variants by last modified at.
    LastModifiedAt,
}

/// Order of `productVariants`.
#[derive(InputObject, Clone, Debug)]
pub struct ProductVariantSortingInput {
    /// Specifies the direction in which to sort productVariants.
    pub direction: OrderDirection,
    /// Sort productVariants by the selected field.
    pub field: ProductVariantSortField,
}

fn updated_at(range: &DateTimeRangeInput) -> Condition {
    let mut c = Condition::all();
    if let Some(gte) = range.gte {
        c = c.add(product_variant::Column::UpdatedAt.gte(gte));
    }
    if let Some(lte) = range.lte {
        c = c.add(product_variant::Column::UpdatedAt.lte(lte));
    }
    c
}

fn variant_search(q: &str) -> Condition {
    let like = format!("%{}%", q.trim().to_lowercase());
    let lower =
        |c: product_variant::Column| Expr::expr(Func::lower(Expr::col(c))).like(like.clone());
    Condition::any()
        .add(lower(product_variant::Column::Name))
        .add(lower(product_variant::Column::Sku))
}

fn variant_where(w: &ProductVariantWhereInput) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(ids) = &w.ids {
        let ids = ids
            .iter()
            .map(|i| id::decode::<i32>(i, "ProductVariant"))
            .collect::<Result<Vec<_>>>()?;
        c = c.add(product_variant::Column::Id.is_in(ids));
    }
    if let Some(sku) = &w.sku {
        c = c.add(product_variant::Column::Sku.is_in(sku.values()));
    }
    if let Some(range) = &w.updated_at {
        c = c.add(updated_at(range));
    }
    for sub in w.and.iter().flatten() {
        c = c.add(variant_where(sub)?);
    }
    if let Some(any) = &w.or {
        let mut or = Condition::any();
        for sub in any {
            or = or.add(variant_where(sub)?);
        }
        c = c.add(or);
    }
    Ok(c)
}

/// Variants of products `viewer` may see, priced in its channel (anonymous callers).
fn visible_variants(viewer: &Viewer) -> Condition {
    if viewer.staff && viewer.channel.is_none() {
        return Condition::all();
    }
    let channel = viewer.channel_id();
    let listed = product_channel_listing::Entity::find()
        .select_only()
        .column(product_channel_listing::Column::ProductId)
        .filter(product_channel_listing::Column::ChannelId.eq(channel));
    let listed = if viewer.staff {
        listed
    } else {
        listed
            .filter(product_channel_listing::Column::IsPublished.eq(true))
            .filter(
                Condition::any()
                    .add(product_channel_listing::Column::PublishedAt.is_null())
                    .add(product_channel_listing::Column::PublishedAt.lte(Utc::now())),
            )
    };
    let mut c =
        Condition::all().add(product_variant::Column::ProductId.in_subquery(listed.into_query()));
    if !viewer.staff {
        let priced = variant_channel_listing::Entity::find()
            .select_only()
            .column(variant_channel_listing::Column::VariantId)
            .filter(variant_channel_listing::Column::ChannelId.eq(channel))
            .filter(variant_channel_listing::Column::PriceAmount.is_not_null());
        c = c.add(product_variant::Column::Id.in_subquery(priced.into_query()));
    }
    c
}

/// The `productVariants`, `stock` and `stocks` root queries.
#[derive(Default)]
pub struct ListingQuery;

#[Object]
impl ListingQuery {
    /// List of product variants. Anonymous callers see variants priced in the channel of
    /// products published there.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn product_variants(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        channel: Option<String>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<
            ProductVariantFilterInput,
        >,
        #[graphql(name = "where")] where_: Option<ProductVariantWhereInput>,
        search: Option<String>,
        sort_by: Option<ProductVariantSortingInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<VariantNode, ProductVariantNames>>> {
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let mut cond = visible_variants(&viewer);
        if let Some(ids) = &ids {
            let ids = ids
                .iter()
                .map(|i| id::decode::<i32>(i, "ProductVariant"))
                .collect::<Result<Vec<_>>>()?;
            cond = cond.add(product_variant::Column::Id.is_in(ids));
        }
        if let Some(f) = &filter {
            if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
                cond = cond.add(variant_search(q));
            }
            if let Some(skus) = &f.sku {
                cond = cond.add(product_variant::Column::Sku.is_in(skus.clone()));
            }
            if let Some(range) = &f.updated_at {
                cond = cond.add(updated_at(range));
            }
        }
        if let Some(w) = &where_ {
            cond = cond.add(variant_where(w)?);
        }
        if let Some(q) = search.as_deref().filter(|q| !q.trim().is_empty()) {
            cond = cond.add(variant_search(q));
        }
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        let by_time = sort_by.is_some();
        let key = SortKey {
            columns: vec![
                if by_time {
                    product_variant::Column::UpdatedAt
                } else {
                    product_variant::Column::Sku
                },
                product_variant::Column::Id,
            ],
            descending: sort_by.is_some_and(|s| s.direction == OrderDirection::Desc),
        };
        if !by_time {
            // SKUs are optional: order by ID alone so that a null SKU cannot break the cursor.
            let key = SortKey {
                columns: vec![product_variant::Column::Id],
                descending: false,
            };
            return variant_page(ctx, &viewer, cond, key, args, |v| {
                vec![KeyPart::Int(i64::from(v.id))]
            })
            .await
            .map(Some);
        }
        variant_page(ctx, &viewer, cond, key, args, |v| {
            vec![KeyPart::Time(v.updated_at), KeyPart::Int(i64::from(v.id))]
        })
        .await
        .map(Some)
    }

    /// Look up a stock by ID.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn stock(&self, ctx: &Context<'_>, id: ID) -> Result<Option<StockNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = id::decode::<i32>(&id, "Stock")?;
        Ok(stock::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(StockNode))
    }

    /// List of stocks.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn stocks(
        &self,
        ctx: &Context<'_>,
        filter: Option<StockFilterInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<StockNode, StockNames>>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let f = filter.unwrap_or_default();
        let mut cond = Condition::all();
        if let Some(q) = f.quantity {
            cond = cond.add(stock::Column::Quantity.eq(q as i32));
        }
        if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
            let like = format!("%{}%", q.trim().to_lowercase());
            let variants = product_variant::Entity::find()
                .select_only()
                .column(product_variant::Column::Id)
                .filter(variant_search(q))
                .into_query();
            let warehouses = entities::warehouse::Entity::find()
                .select_only()
                .column(entities::warehouse::Column::Id)
                .filter(
                    Expr::expr(Func::lower(Expr::col(entities::warehouse::Column::Name)))
                        .like(like),
                )
                .into_query();
            cond = cond.add(
                Condition::any()
                    .add(stock::Column::VariantId.in_subquery(variants))
                    .add(stock::Column::WarehouseId.in_subquery(warehouses)),
            );
        }
        let key = SortKey {
            columns: vec![stock::Column::Id],
            descending: false,
        };
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        Ok(Some(
            connection::entity_connection(
                req,
                &state.db.conn,
                stock::Entity::find().filter(cond),
                key,
                (args, "stocks"),
                StockNode,
                |n| vec![KeyPart::Int(i64::from(n.0.id))],
            )
            .await?,
        ))
    }
}

/// One page of variants matching `cond` in `key` order, as nodes for `viewer`: three
/// statements (page, listings, products) plus a count when asked for.
async fn variant_page(
    ctx: &Context<'_>,
    viewer: &Arc<Viewer>,
    cond: Condition,
    key: SortKey<product_variant::Column>,
    args: PageArgs,
    key_of: impl Fn(&product_variant::Model) -> Vec<KeyPart>,
) -> Result<Countable<VariantNode, ProductVariantNames>> {
    use sea_orm::PaginatorTrait;
    let (state, req) = parts(ctx)?;
    let page = Page::parse(&args, "productVariants")?;
    let select = product_variant::Entity::find().filter(cond);
    let models: PageResult<product_variant::Model> =
        connection::fetch_page(&state.db.conn, select.clone(), &key, &page)
            .await
            .map_err(|e| e.into_error(req))?;
    let ids: Vec<i32> = models.items.iter().map(|m| m.id).collect();
    let keys: HashMap<i32, Vec<KeyPart>> = models.items.iter().map(|m| (m.id, key_of(m))).collect();
    let nodes = variant_nodes(state, req, viewer, &ids).await?;
    let db = state.db.conn.clone();
    let total = TotalCount::lazy(move || {
        let (db, select) = (db.clone(), select.clone());
        async move { select.count(&db).await }
    });
    let result = PageResult {
        items: nodes,
        has_next_page: models.has_next_page,
        has_previous_page: models.has_previous_page,
    };
    Ok(connection::build(result, total, move |n: &VariantNode| {
        keys.get(&n.row.variant.id).cloned().unwrap_or_default()
    }))
}
