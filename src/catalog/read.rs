//! Read side of the catalog: product listings (filters, search, sort, keyset pages), lookups of
//! products, variants, categories and collections. No GraphQL types here.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{
    category, channel, collection, product, product_channel_listing, product_variant, translation,
    variant_channel_listing,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, QueryFilter, QueryOrder, QueryResult, Statement,
    sea_query::{
        Alias, Cond, Expr, ExprTrait, IntoColumnRef, JoinType, Order, Query, SelectStatement,
        SimpleExpr,
    },
};

use crate::core::connection::{KeyPart, Page, PageResult};

use super::search;

/// Who is reading, in which channel: decides which products are visible.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The channel of the request, if any (required for anonymous callers).
    pub channel: Option<channel::Model>,
    /// Staff users and apps see unpublished products.
    pub staff: bool,
    /// The channel's tax context for its default country, loaded once per request by the
    /// first price that needs it (catalog `pricing`).
    pub tax: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<crate::tax::TaxContext>>>,
}

impl Viewer {
    /// The channel's primary key, or `-1` (matches nothing) without a channel.
    pub fn channel_id(&self) -> i32 {
        self.channel.as_ref().map_or(-1, |c| c.id)
    }
}

/// A product's first image, used as its thumbnail.
#[derive(Clone, Debug)]
pub struct Thumbnail {
    pub url: String,
    pub alt: String,
}

/// A product as listed: the product, its listing in the viewer's channel, its category and
/// thumbnail, all fetched by the page query itself.
#[derive(Clone, Debug)]
pub struct ProductRow {
    pub product: product::Model,
    pub listing: Option<product_channel_listing::Model>,
    pub category: Option<category::Model>,
    pub thumbnail: Option<Thumbnail>,
    /// The sort value a page query computed, for orderings on something that is not a
    /// column of the row (the product type's name, the position in a collection).
    pub sort_key: Option<KeyPart>,
    /// Translations of the product and its category into the language the query asked
    /// for, fetched by the same statement: `(language code, product's, category's)`.
    pub translations: Option<(
        String,
        Option<translation::Model>,
        Option<translation::Model>,
    )>,
}

/// Product sort fields (Saleor's `ProductOrderField`, the ones we order by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductSortField {
    Name,
    Price,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
    Slug,
    /// The product type's name.
    Type,
    /// Published in the viewer's channel first (descending) or last.
    Published,
    /// `rating`; products without one sort as the lowest.
    Rating,
    /// The position in this collection (`Collection.products`).
    Collection(i32),
}

/// A product ordering.
#[derive(Clone, Copy, Debug)]
pub struct ProductSort {
    pub field: ProductSortField,
    pub descending: bool,
}

impl Default for ProductSort {
    fn default() -> Self {
        Self {
            field: ProductSortField::Slug,
            descending: false,
        }
    }
}

/// A filter on assigned attribute values.
#[derive(Clone, Debug, Default)]
pub struct AttributeFilter {
    pub slug: String,
    /// Value slugs, any of which matches.
    pub value_slugs: Vec<String>,
    /// Value names, any of which matches.
    pub value_names: Vec<String>,
    pub boolean: Option<bool>,
}

/// Product filters (both Saleor's `filter` and `where` inputs map onto this).
#[derive(Clone, Debug, Default)]
pub struct ProductFilter {
    pub ids: Option<Vec<i32>>,
    pub slugs: Option<Vec<String>>,
    pub names: Option<Vec<String>>,
    /// Categories, including their descendants.
    pub category_trees: Option<Vec<i32>>,
    pub collection_ids: Option<Vec<i32>>,
    pub product_type_ids: Option<Vec<i32>>,
    pub has_category: Option<bool>,
    pub search: Option<String>,
    /// Minor units, inclusive; a product matches when its variant price range overlaps.
    pub price_gte: Option<i64>,
    pub price_lte: Option<i64>,
    pub is_published: Option<bool>,
    pub is_available: Option<bool>,
    pub visible_in_listing: Option<bool>,
    pub in_stock: Option<bool>,
    pub attributes: Vec<AttributeFilter>,
    pub metadata: Vec<(String, Option<String>)>,
    pub all_of: Vec<ProductFilter>,
    pub any_of: Vec<ProductFilter>,
    /// Include products hidden from listings (`visibleInListings: false`), as Saleor's
    /// `Collection.products` does; `products` and `Category.products` leave them out.
    pub include_unlisted: bool,
}

fn p() -> Alias {
    Alias::new("p")
}
fn l() -> Alias {
    Alias::new("l")
}
fn c() -> Alias {
    Alias::new("c")
}

/// Selects every column of `C` from `table` as `{prefix}{column}`.
pub fn select_prefixed<C>(q: &mut SelectStatement, table: Alias, prefix: &str)
where
    C: Iterable + IdenStatic + sea_orm::sea_query::Iden + Copy + 'static,
{
    for col in C::iter() {
        q.expr_as(
            Expr::col((table.clone(), col)),
            Alias::new(format!("{prefix}{}", col.as_str())),
        );
    }
}

/// A custom SQL expression with `?` placeholders, written for `backend` (PostgreSQL numbers
/// its placeholders; sea-query expects `$` there).
pub fn cust<V, I>(backend: DatabaseBackend, sql: impl Into<String>, values: I) -> SimpleExpr
where
    V: Into<sea_orm::Value>,
    I: IntoIterator<Item = V>,
{
    let sql: String = sql.into();
    let sql = match backend {
        DatabaseBackend::Postgres => sql.replace('?', "$"),
        _ => sql,
    };
    Expr::cust_with_values(sql, values)
}

/// Rows of any statement, with the SQL built for the connection's backend.
pub async fn query_all(
    db: &impl ConnectionTrait,
    stmt: &SelectStatement,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all(stmt).await
}

/// Builds a statement for `backend`.
pub fn build(backend: DatabaseBackend, stmt: &SelectStatement) -> Statement {
    backend.build(stmt)
}

/// Reads products.
#[derive(Clone, Debug)]
pub struct ProductReader {
    db: DatabaseConnection,
}

impl ProductReader {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn base(&self, viewer: &Viewer) -> SelectStatement {
        let on = Cond::all()
            .add(
                Expr::col((l(), product_channel_listing::Column::ProductId))
                    .equals((p(), product::Column::Id)),
            )
            .add(
                Expr::col((l(), product_channel_listing::Column::ChannelId))
                    .eq(viewer.channel_id()),
            );
        let mut q = Query::select();
        q.from_as(product::Entity, p());
        let listing_required = viewer.channel.is_some() || !viewer.staff;
        if listing_required && self.db.get_database_backend() == DatabaseBackend::Sqlite {
            // [`Self::visibility`] requires the listing row, so an inner join returns the
            // same rows. SQLite's `CROSS JOIN` also keeps `product` the outer loop: left to
            // choose, SQLite reads every listing of the channel and sorts the catalog for a
            // page without a cursor (about 1 s at 1M products) instead of walking the sort
            // index and stopping after one page.
            q.join_as(
                JoinType::CrossJoin,
                product_channel_listing::Entity,
                l(),
                Cond::all(),
            )
            .cond_where(on);
        } else {
            q.join_as(JoinType::LeftJoin, product_channel_listing::Entity, l(), on);
        }
        q
    }

    /// The visibility condition for `viewer`; `listing` adds "visible in listings".
    fn visibility(viewer: &Viewer, listing: bool) -> Cond {
        let mut cond = Cond::all();
        if viewer.channel.is_some() {
            cond = cond.add(Expr::col((l(), product_channel_listing::Column::Id)).is_not_null());
        }
        if !viewer.staff {
            // Anonymous callers always have a channel (resolved by the API layer); without
            // one nothing is visible.
            cond = cond
                .add(Expr::col((l(), product_channel_listing::Column::Id)).is_not_null())
                .add(Expr::col((l(), product_channel_listing::Column::IsPublished)).eq(true))
                .add(
                    Cond::any()
                        .add(
                            Expr::col((l(), product_channel_listing::Column::PublishedAt))
                                .is_null(),
                        )
                        .add(
                            Expr::col((l(), product_channel_listing::Column::PublishedAt))
                                .lte(Utc::now()),
                        ),
                );
            if listing {
                cond = cond.add(
                    Expr::col((l(), product_channel_listing::Column::VisibleInListings)).eq(true),
                );
            }
        }
        cond
    }

    fn filter_cond(&self, f: &ProductFilter, viewer: &Viewer) -> Cond {
        let backend = self.db.get_database_backend();
        let pc = |col: product::Column| Expr::col((p(), col));
        let lc = |col: product_channel_listing::Column| Expr::col((l(), col));
        let mut cond = Cond::all();
        if let Some(ids) = &f.ids {
            cond = cond.add(pc(product::Column::Id).is_in(ids.clone()));
        }
        if let Some(slugs) = &f.slugs {
            cond = cond.add(pc(product::Column::Slug).is_in(slugs.clone()));
        }
        if let Some(names) = &f.names {
            cond = cond.add(pc(product::Column::Name).is_in(names.clone()));
        }
        if let Some(ids) = &f.product_type_ids {
            cond = cond.add(pc(product::Column::ProductTypeId).is_in(ids.clone()));
        }
        if let Some(roots) = &f.category_trees {
            if roots.is_empty() {
                cond = cond.add(Expr::cust("1 = 0"));
            } else {
                let placeholders = vec!["?"; roots.len()].join(", ");
                let sql = format!(
                    "\"p\".\"category_id\" IN (WITH RECURSIVE tree(id) AS (SELECT id FROM category WHERE id IN ({placeholders}) UNION ALL SELECT category.id FROM category JOIN tree ON category.parent_id = tree.id) SELECT id FROM tree)"
                );
                cond = cond.add(cust(backend, sql, roots.clone()));
            }
        }
        if let Some(ids) = &f.collection_ids {
            cond = cond.add(
                pc(product::Column::Id).in_subquery(
                    Query::select()
                        .column(entities::collection_product::Column::ProductId)
                        .from(entities::collection_product::Entity)
                        .and_where(
                            Expr::col(entities::collection_product::Column::CollectionId)
                                .is_in(ids.clone()),
                        )
                        .to_owned(),
                ),
            );
        }
        if let Some(has) = f.has_category {
            cond = cond.add(if has {
                pc(product::Column::CategoryId).is_not_null()
            } else {
                pc(product::Column::CategoryId).is_null()
            });
        }
        if let Some(text) = &f.search {
            cond = cond.add(search::matches(backend, text));
        }
        if let Some(gte) = f.price_gte {
            cond = cond.add(lc(product_channel_listing::Column::MaxPrice).gte(gte));
        }
        if let Some(lte) = f.price_lte {
            cond = cond.add(lc(product_channel_listing::Column::MinPrice).lte(lte));
        }
        if let Some(published) = f.is_published {
            cond = cond.add(lc(product_channel_listing::Column::IsPublished).eq(published));
        }
        if let Some(visible) = f.visible_in_listing {
            cond = cond.add(lc(product_channel_listing::Column::VisibleInListings).eq(visible));
        }
        if let Some(available) = f.is_available {
            let avail = Cond::all()
                .add(lc(product_channel_listing::Column::AvailableForPurchaseAt).is_not_null())
                .add(lc(product_channel_listing::Column::AvailableForPurchaseAt).lte(Utc::now()));
            cond = cond.add(if available { avail } else { avail.not() });
        }
        if let Some(in_stock) = f.in_stock {
            let exists = cust(
                backend,
                "EXISTS (SELECT 1 FROM stock s JOIN product_variant v ON v.id = s.variant_id \
                 JOIN channel_warehouse cw ON cw.warehouse_id = s.warehouse_id AND cw.channel_id = ? \
                 WHERE v.product_id = \"p\".\"id\" AND s.quantity > s.quantity_allocated)",
                [viewer.channel_id()],
            );
            cond = cond.add(if in_stock { exists } else { exists.not() });
        }
        for attr in &f.attributes {
            cond = cond.add(attribute_cond(backend, attr));
        }
        for (key, value) in &f.metadata {
            cond = cond.add(search::metadata_matches(
                backend,
                "p",
                key,
                value.as_deref(),
            ));
        }
        for sub in &f.all_of {
            cond = cond.add(self.filter_cond(sub, viewer));
        }
        if !f.any_of.is_empty() {
            let mut any = Cond::any();
            for sub in &f.any_of {
                any = any.add(self.filter_cond(sub, viewer));
            }
            cond = cond.add(any);
        }
        cond
    }

    fn sort_expr(field: ProductSortField) -> SimpleExpr {
        match field {
            ProductSortField::Name => Expr::col((p(), product::Column::Name)),
            ProductSortField::Slug => Expr::col((p(), product::Column::Slug)),
            // The discounted minimum (catalogue promotions), as Saleor sorts by price.
            ProductSortField::Price => {
                Expr::cust("COALESCE(\"l\".\"discounted_min_price\", \"l\".\"min_price\", 0)")
            }
            ProductSortField::CreatedAt => Expr::col((p(), product::Column::CreatedAt)),
            ProductSortField::UpdatedAt => Expr::col((p(), product::Column::UpdatedAt)),
            ProductSortField::PublishedAt => {
                Expr::cust("COALESCE(\"l\".\"published_at\", \"p\".\"created_at\")")
            }
            ProductSortField::Type => Expr::cust(
                "(SELECT pt.name FROM product_type pt WHERE pt.id = \"p\".\"product_type_id\")",
            ),
            ProductSortField::Published => {
                Expr::cust("CASE WHEN \"l\".\"is_published\" THEN 1 ELSE 0 END")
            }
            ProductSortField::Rating => Expr::cust("COALESCE(\"p\".\"rating\", -1.0)"),
            // Products of the collection always have a position; -1 keeps the key non-null.
            ProductSortField::Collection(id) => Expr::cust(format!(
                "COALESCE((SELECT cp.sort_order FROM collection_product cp WHERE cp.collection_id = {id} AND cp.product_id = \"p\".\"id\"), -1)"
            )),
        }
    }

    /// The cursor key of a row under `sort`.
    pub fn key_of(row: &ProductRow, sort: ProductSort) -> Vec<KeyPart> {
        let first = match sort.field {
            ProductSortField::Name => KeyPart::Str(row.product.name.clone()),
            ProductSortField::Slug => KeyPart::Str(row.product.slug.clone()),
            ProductSortField::Price => KeyPart::Int(
                row.listing
                    .as_ref()
                    .and_then(|l| l.discounted_min_price.or(l.min_price))
                    .unwrap_or(0),
            ),
            ProductSortField::CreatedAt => KeyPart::Time(row.product.created_at),
            ProductSortField::UpdatedAt => KeyPart::Time(row.product.updated_at),
            ProductSortField::PublishedAt => KeyPart::Time(
                row.listing
                    .as_ref()
                    .and_then(|l| l.published_at)
                    .unwrap_or(row.product.created_at),
            ),
            ProductSortField::Type => row
                .sort_key
                .clone()
                .unwrap_or_else(|| KeyPart::Str(String::new())),
            ProductSortField::Published => KeyPart::Int(i64::from(
                row.listing.as_ref().is_some_and(|l| l.is_published),
            )),
            ProductSortField::Rating => KeyPart::Float(row.product.rating.unwrap_or(-1.0)),
            ProductSortField::Collection(_) => row.sort_key.clone().unwrap_or(KeyPart::Int(-1)),
        };
        vec![first, KeyPart::Int(i64::from(row.product.id))]
    }

    fn full_select(&self, viewer: &Viewer, language: Option<&str>) -> SelectStatement {
        let backend = self.db.get_database_backend();
        let mut q = self.base(viewer);
        if let Some(lang) = language {
            for (alias, kind, column) in [
                ("tp", "product", "\"p\".\"id\""),
                ("tc", "category", "\"p\".\"category_id\""),
            ] {
                q.join_as(
                    JoinType::LeftJoin,
                    translation::Entity,
                    Alias::new(alias),
                    cust(backend,
                        format!("\"{alias}\".\"entity_kind\" = '{kind}' AND \"{alias}\".\"entity_id\" = {column} AND \"{alias}\".\"language_code\" = ?"),
                        [lang.to_owned()],
                    ),
                );
                select_prefixed::<translation::Column>(
                    &mut q,
                    Alias::new(alias),
                    &format!("{alias}_"),
                );
            }
        }
        q.join_as(
            JoinType::LeftJoin,
            category::Entity,
            c(),
            Expr::col((c(), category::Column::Id)).equals((p(), product::Column::CategoryId)),
        );
        select_prefixed::<product::Column>(&mut q, p(), "p_");
        select_prefixed::<product_channel_listing::Column>(&mut q, l(), "l_");
        select_prefixed::<category::Column>(&mut q, c(), "c_");
        q.expr_as(
            Expr::cust(
                "(SELECT m.image_url FROM product_media m WHERE m.product_id = \"p\".\"id\" ORDER BY m.sort_order, m.id LIMIT 1)",
            ),
            Alias::new("thumb_url"),
        )
        .expr_as(
            Expr::cust(
                "(SELECT m.alt FROM product_media m WHERE m.product_id = \"p\".\"id\" ORDER BY m.sort_order, m.id LIMIT 1)",
            ),
            Alias::new("thumb_alt"),
        );
        q
    }

    fn row(res: &QueryResult, language: Option<&str>) -> Result<ProductRow, DbErr> {
        let product = product::Model::from_query_result(res, "p_")?;
        let listing = product_channel_listing::Model::from_query_result_optional(res, "l_")?;
        let category = category::Model::from_query_result_optional(res, "c_")?;
        let url: Option<String> = res.try_get("", "thumb_url")?;
        let alt: Option<String> = res.try_get("", "thumb_alt")?;
        Ok(ProductRow {
            product,
            listing,
            category,
            sort_key: None,
            thumbnail: url.map(|url| Thumbnail {
                url,
                alt: alt.unwrap_or_default(),
            }),
            translations: language.map(|l| {
                (
                    l.to_owned(),
                    translation::Model::from_query_result_optional(res, "tp_")
                        .ok()
                        .flatten(),
                    translation::Model::from_query_result_optional(res, "tc_")
                        .ok()
                        .flatten(),
                )
            }),
        })
    }

    /// One page of products visible to `viewer` matching `filter`, in `sort` order.
    pub async fn page(
        &self,
        viewer: &Viewer,
        filter: &ProductFilter,
        sort: ProductSort,
        page: &Page,
        language: Option<&str>,
    ) -> Result<PageResult<ProductRow>, ReadError> {
        let mut q = self.full_select(viewer, language);
        q.cond_where(Self::visibility(viewer, !filter.include_unlisted))
            .and_where(Expr::cust("1 = 1"));
        q.cond_where(self.filter_cond(filter, viewer));
        let key = Expr::tuple([
            Self::sort_expr(sort.field),
            Expr::col((p(), product::Column::Id)),
        ]);
        let bound = |parts: &[KeyPart]| -> Result<SimpleExpr, ReadError> {
            if parts.len() != 2 {
                return Err(ReadError::BadCursor);
            }
            let kind_ok = matches!(
                (&parts[0], sort.field),
                (
                    KeyPart::Str(_),
                    ProductSortField::Name | ProductSortField::Slug | ProductSortField::Type
                ) | (
                    KeyPart::Int(_),
                    ProductSortField::Price
                        | ProductSortField::Published
                        | ProductSortField::Collection(_)
                ) | (KeyPart::Float(_), ProductSortField::Rating)
                    | (
                        KeyPart::Time(_),
                        ProductSortField::CreatedAt
                            | ProductSortField::UpdatedAt
                            | ProductSortField::PublishedAt
                    )
            ) && matches!(parts[1], KeyPart::Int(_));
            if !kind_ok {
                return Err(ReadError::BadCursor);
            }
            Ok(Expr::tuple(
                parts
                    .iter()
                    .cloned()
                    .map(|p| Expr::val(sea_orm::Value::from(p))),
            ))
        };
        if let Some(after) = &page.after {
            let b = bound(after)?;
            q.and_where(if sort.descending {
                key.clone().lt(b)
            } else {
                key.clone().gt(b)
            });
        }
        if let Some(before) = &page.before {
            let b = bound(before)?;
            q.and_where(if sort.descending {
                key.clone().gt(b)
            } else {
                key.clone().lt(b)
            });
        }
        let ascending = sort.descending == page.backward;
        let order = if ascending { Order::Asc } else { Order::Desc };
        let computed = matches!(
            sort.field,
            ProductSortField::Type | ProductSortField::Collection(_)
        );
        if computed {
            q.expr_as(Self::sort_expr(sort.field), Alias::new("sort_key"));
        }
        q.order_by_expr(Self::sort_expr(sort.field), order.clone())
            .order_by_expr(Expr::col((p(), product::Column::Id)), order)
            .limit(page.limit + 1);
        let rows = query_all(&self.db, &q).await?;
        let mut items = rows
            .iter()
            .map(|r| {
                let mut row = Self::row(r, language)?;
                row.sort_key = match sort.field {
                    ProductSortField::Type => Some(KeyPart::Str(r.try_get("", "sort_key")?)),
                    ProductSortField::Collection(_) => {
                        Some(KeyPart::Int(r.try_get::<i32>("", "sort_key")?.into()))
                    }
                    _ => None,
                };
                Ok(row)
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        let has_more = items.len() as u64 > page.limit;
        items.truncate(page.limit as usize);
        if page.backward {
            items.reverse();
        }
        Ok(PageResult {
            items,
            has_next_page: if page.backward {
                page.before.is_some()
            } else {
                has_more
            },
            has_previous_page: if page.backward {
                has_more
            } else {
                page.after.is_some()
            },
        })
    }

    /// Number of products visible to `viewer` matching `filter`.
    pub async fn count(&self, viewer: &Viewer, filter: &ProductFilter) -> Result<u64, DbErr> {
        let mut q = self.base(viewer);
        q.expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .cond_where(Self::visibility(viewer, !filter.include_unlisted))
            .cond_where(self.filter_cond(filter, viewer));
        let rows = query_all(&self.db, &q).await?;
        let n: i64 = match rows.first() {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// One product visible to `viewer` (published in its channel for anonymous callers).
    pub async fn one(
        &self,
        viewer: &Viewer,
        lookup: &ProductLookup,
        language: Option<&str>,
    ) -> Result<Option<ProductRow>, DbErr> {
        let backend = self.db.get_database_backend();
        let mut q = self.full_select(viewer, language);
        q.cond_where(Self::visibility(viewer, false));
        let pc = |col: product::Column| Expr::col((p(), col));
        match lookup {
            ProductLookup::Id(id) => {
                q.and_where(pc(product::Column::Id).eq(*id));
            }
            ProductLookup::Slug {
                slug,
                language: None,
            } => {
                q.and_where(pc(product::Column::Slug).eq(slug.clone()));
            }
            ProductLookup::Slug {
                slug,
                language: Some(lang),
            } => {
                q.and_where(cust(backend,
                    "\"p\".\"id\" IN (SELECT entity_id FROM translation WHERE entity_kind = 'product' AND language_code = ? AND slug = ?)",
                    [lang.clone(), slug.clone()],
                ));
            }
            ProductLookup::ExternalReference(r) => {
                q.and_where(pc(product::Column::ExternalReference).eq(r.clone()));
            }
        }
        q.limit(1);
        let rows = query_all(&self.db, &q).await?;
        rows.first().map(|r| Self::row(r, language)).transpose()
    }
}

impl ProductReader {
    /// The products with `ids` that `viewer` may see (any order).
    pub async fn many(&self, viewer: &Viewer, ids: &[i32]) -> Result<Vec<ProductRow>, DbErr> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = self.full_select(viewer, None);
        q.cond_where(Self::visibility(viewer, false));
        q.and_where(Expr::col((p(), product::Column::Id)).is_in(ids.to_vec()));
        let rows = query_all(&self.db, &q).await?;
        rows.iter().map(|r| Self::row(r, None)).collect()
    }
}

/// How to find one product.
#[derive(Clone, Debug)]
pub enum ProductLookup {
    Id(i32),
    Slug {
        slug: String,
        /// Look the slug up among translations in this language.
        language: Option<String>,
    },
    ExternalReference(String),
}

fn attribute_cond(backend: DatabaseBackend, attr: &AttributeFilter) -> SimpleExpr {
    let mut sql = String::from(
        "SELECT CASE WHEN av.entity_kind = 'product' THEN av.entity_id ELSE (SELECT pv.product_id FROM product_variant pv WHERE pv.id = av.entity_id) END \
         FROM assigned_value av JOIN attribute a ON a.id = av.attribute_id JOIN attribute_value v ON v.id = av.value_id \
         WHERE av.entity_kind IN ('product', 'variant') AND a.slug = ?",
    );
    let mut values: Vec<sea_orm::Value> = vec![attr.slug.clone().into()];
    if !attr.value_slugs.is_empty() {
        sql.push_str(&format!(
            " AND v.slug IN ({})",
            vec!["?"; attr.value_slugs.len()].join(", ")
        ));
        values.extend(attr.value_slugs.iter().cloned().map(Into::into));
    }
    if !attr.value_names.is_empty() {
        sql.push_str(&format!(
            " AND v.name IN ({})",
            vec!["?"; attr.value_names.len()].join(", ")
        ));
        values.extend(attr.value_names.iter().cloned().map(Into::into));
    }
    if let Some(b) = attr.boolean {
        sql.push_str(" AND v.boolean = ?");
        values.push(b.into());
    }
    cust(backend, format!("\"p\".\"id\" IN ({sql})"), values)
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("invalid cursor")]
    BadCursor,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A variant with its listing in the viewer's channel.
#[derive(Clone, Debug)]
pub struct VariantRow {
    pub variant: product_variant::Model,
    pub listing: Option<variant_channel_listing::Model>,
}

impl VariantRow {
    /// Whether an anonymous caller may see this variant (priced in the channel).
    pub fn visible(&self, viewer: &Viewer) -> bool {
        viewer.staff
            || self
                .listing
                .as_ref()
                .is_some_and(|l| l.price_amount.is_some())
    }
}

/// Variants of `product_ids` with their listings in `channel_id`, ordered by product then
/// sort order.
pub async fn variants_of(
    db: &impl ConnectionTrait,
    channel_id: i32,
    product_ids: &[i32],
) -> Result<Vec<VariantRow>, DbErr> {
    variants_where(
        db,
        channel_id,
        Expr::col((Alias::new("v"), product_variant::Column::ProductId))
            .is_in(product_ids.to_vec()),
    )
    .await
}

/// Variants matching `cond` (over alias `v`) with their listings in `channel_id`.
pub async fn variants_where(
    db: &impl ConnectionTrait,
    channel_id: i32,
    cond: SimpleExpr,
) -> Result<Vec<VariantRow>, DbErr> {
    let v = Alias::new("v");
    let vl = Alias::new("vl");
    let mut q = Query::select();
    q.from_as(product_variant::Entity, v.clone()).join_as(
        JoinType::LeftJoin,
        variant_channel_listing::Entity,
        vl.clone(),
        Cond::all()
            .add(
                Expr::col((vl.clone(), variant_channel_listing::Column::VariantId))
                    .equals((v.clone(), product_variant::Column::Id)),
            )
            .add(
                Expr::col((vl.clone(), variant_channel_listing::Column::ChannelId)).eq(channel_id),
            ),
    );
    select_prefixed::<product_variant::Column>(&mut q, v.clone(), "v_");
    select_prefixed::<variant_channel_listing::Column>(&mut q, vl, "vl_");
    q.and_where(cond)
        .order_by((v.clone(), product_variant::Column::ProductId), Order::Asc)
        .order_by((v.clone(), product_variant::Column::SortOrder), Order::Asc)
        .order_by((v, product_variant::Column::Id), Order::Asc);
    let rows = query_all(db, &q).await?;
    rows.iter()
        .map(|r| {
            Ok(VariantRow {
                variant: product_variant::Model::from_query_result(r, "v_")?,
                listing: variant_channel_listing::Model::from_query_result_optional(r, "vl_")?,
            })
        })
        .collect()
}

/// Categories matching `ids`/`slugs`/`search`, ordered by name.
#[derive(Clone, Debug, Default)]
pub struct CategoryFilter {
    pub ids: Option<Vec<i32>>,
    pub slugs: Option<Vec<String>>,
    pub search: Option<String>,
    pub level: Option<i32>,
    pub parent_id: Option<i32>,
}

/// One page of categories matching `filter`, ordered by (name, id).
pub async fn categories_page(
    db: &DatabaseConnection,
    filter: &CategoryFilter,
    page: &Page,
) -> Result<PageResult<category::Model>, ReadError> {
    let select = category::Entity::find().filter(category_cond(filter));
    let key = crate::core::connection::SortKey {
        columns: vec![category::Column::Name, category::Column::Id],
        descending: false,
    };
    crate::core::connection::fetch_page(db, select, &key, page)
        .await
        .map_err(|e| match e {
            crate::core::connection::PageError::BadCursor => ReadError::BadCursor,
            crate::core::connection::PageError::Db(e) => ReadError::Db(e),
        })
}

/// Cursor key of a category in [`categories_page`] order.
pub fn category_key(c: &category::Model) -> Vec<KeyPart> {
    vec![KeyPart::Str(c.name.clone()), KeyPart::Int(i64::from(c.id))]
}

/// Number of categories matching `filter`.
pub async fn categories_count(
    db: &DatabaseConnection,
    filter: &CategoryFilter,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    category::Entity::find()
        .filter(category_cond(filter))
        .count(db)
        .await
}

fn category_cond(f: &CategoryFilter) -> Cond {
    let mut cond = Cond::all();
    if let Some(ids) = &f.ids {
        cond = cond.add(category::Column::Id.is_in(ids.clone()));
    }
    if let Some(slugs) = &f.slugs {
        cond = cond.add(category::Column::Slug.is_in(slugs.clone()));
    }
    if let Some(s) = &f.search {
        let pattern = format!("%{}%", s.to_lowercase());
        cond = cond.add(
            Cond::any()
                .add(
                    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                        category::Column::Name,
                    )))
                    .like(pattern.clone()),
                )
                .add(
                    Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                        category::Column::Slug,
                    )))
                    .like(pattern),
                ),
        );
    }
    if let Some(level) = f.level {
        cond = cond.add(category::Column::Level.eq(level));
    }
    if let Some(parent) = f.parent_id {
        cond = cond.add(category::Column::ParentId.eq(parent));
    }
    cond
}

/// A category by ID or slug (or translated slug in `language`).
pub async fn category_one(
    db: &DatabaseConnection,
    id: Option<i32>,
    slug: Option<&str>,
    language: Option<&str>,
) -> Result<Option<category::Model>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = category::Entity::find();
    if let Some(id) = id {
        q = q.filter(category::Column::Id.eq(id));
    }
    if let Some(slug) = slug {
        q = match language {
            Some(lang) => q.filter(cust(backend,
                "id IN (SELECT entity_id FROM translation WHERE entity_kind = 'category' AND language_code = ? AND slug = ?)",
                [lang.to_owned(), slug.to_owned()],
            )),
            None => q.filter(category::Column::Slug.eq(slug)),
        };
    }
    q.one(db).await
}

/// A collection by ID or slug, visible to `viewer` (published in its channel for anonymous
/// callers).
pub async fn collection_one(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Option<i32>,
    slug: Option<&str>,
    language: Option<&str>,
) -> Result<Option<collection::Model>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = collection::Entity::find().filter(collection_visible(backend, viewer));
    if let Some(id) = id {
        q = q.filter(collection::Column::Id.eq(id));
    }
    if let Some(slug) = slug {
        q = match language {
            Some(lang) => q.filter(cust(backend,
                "id IN (SELECT entity_id FROM translation WHERE entity_kind = 'collection' AND language_code = ? AND slug = ?)",
                [lang.to_owned(), slug.to_owned()],
            )),
            None => q.filter(collection::Column::Slug.eq(slug)),
        };
    }
    q.one(db).await
}

/// Collections visible to `viewer`, ordered by (name, id).
pub async fn collections_page(
    db: &DatabaseConnection,
    viewer: &Viewer,
    slugs: Option<Vec<String>>,
    page: &Page,
) -> Result<PageResult<collection::Model>, ReadError> {
    let mut select =
        collection::Entity::find().filter(collection_visible(db.get_database_backend(), viewer));
    if let Some(slugs) = slugs {
        select = select.filter(collection::Column::Slug.is_in(slugs));
    }
    let key = crate::core::connection::SortKey {
        columns: vec![collection::Column::Name, collection::Column::Id],
        descending: false,
    };
    crate::core::connection::fetch_page(db, select, &key, page)
        .await
        .map_err(|e| match e {
            crate::core::connection::PageError::BadCursor => ReadError::BadCursor,
            crate::core::connection::PageError::Db(e) => ReadError::Db(e),
        })
}

/// Number of collections visible to `viewer`.
pub async fn collections_count(
    db: &DatabaseConnection,
    viewer: &Viewer,
    slugs: Option<Vec<String>>,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mut select =
        collection::Entity::find().filter(collection_visible(db.get_database_backend(), viewer));
    if let Some(slugs) = slugs {
        select = select.filter(collection::Column::Slug.is_in(slugs));
    }
    select.count(db).await
}

/// Cursor key of a collection in [`collections_page`] order.
pub fn collection_key(c: &collection::Model) -> Vec<KeyPart> {
    vec![KeyPart::Str(c.name.clone()), KeyPart::Int(i64::from(c.id))]
}

fn collection_visible(backend: DatabaseBackend, viewer: &Viewer) -> SimpleExpr {
    collection_visible_in(backend, viewer.channel.as_ref().map(|c| c.id), viewer.staff)
}

/// Collections listed in `channel` (published there, unless `staff`); every collection for
/// staff without a channel.
fn collection_visible_in(
    backend: DatabaseBackend,
    channel: Option<i32>,
    staff: bool,
) -> SimpleExpr {
    if staff && channel.is_none() {
        return Expr::cust("1 = 1");
    }
    let published = if staff {
        ""
    } else {
        " AND ccl.is_published = ? AND (ccl.published_at IS NULL OR ccl.published_at <= ?)"
    };
    let sql = format!(
        "collection.id IN (SELECT ccl.collection_id FROM collection_channel_listing ccl WHERE ccl.channel_id = ?{published})"
    );
    let mut values: Vec<sea_orm::Value> = vec![channel.unwrap_or(-1).into()];
    if !staff {
        values.push(true.into());
        values.push(Utc::now().into());
    }
    cust(backend, sql, values)
}

/// Key of [`collections_of_products`]: the viewer's channel and staff flag.
pub type CollectionScope = (Option<i32>, bool);

/// Collections of each of `products` visible in `scope`, by name then ID (Saleor's
/// `Product.collections`).
pub async fn collections_of_products(
    db: &DatabaseConnection,
    (channel, staff): CollectionScope,
    products: &[i32],
) -> Result<Vec<(i32, collection::Model)>, DbErr> {
    use entities::collection_product;
    let links = collection_product::Entity::find()
        .filter(collection_product::Column::ProductId.is_in(products.to_vec()))
        .all(db)
        .await?;
    if links.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i32> = links.iter().map(|l| l.collection_id).collect();
    let collections: HashMap<i32, collection::Model> = collection::Entity::find()
        .filter(collection::Column::Id.is_in(ids))
        .filter(collection_visible_in(
            db.get_database_backend(),
            channel,
            staff,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut out: Vec<(i32, collection::Model)> = links
        .into_iter()
        .filter_map(|l| {
            collections
                .get(&l.collection_id)
                .map(|c| (l.product_id, c.clone()))
        })
        .collect();
    out.sort_by(|(_, a), (_, b)| (&a.name, a.id).cmp(&(&b.name, b.id)));
    Ok(out)
}

/// A timestamp helper for callers comparing availability.
pub fn available_now(at: Option<DateTime<Utc>>) -> bool {
    at.is_some_and(|t| t <= Utc::now())
}

/// Orders `variants` for a product page: by sort order, then ID.
pub fn order_variants(rows: &mut [VariantRow]) {
    rows.sort_by_key(|r| (r.variant.product_id, r.variant.sort_order, r.variant.id));
}

/// The `IntoColumnRef` of a column under an alias (helper for other readers).
pub fn aliased(alias: &str, col: impl sea_orm::sea_query::IntoIden) -> impl IntoColumnRef {
    (Alias::new(alias), col.into_iden())
}

/// Orders a `product_variant` select by its natural order.
pub fn variant_order(
    select: sea_orm::Select<product_variant::Entity>,
) -> sea_orm::Select<product_variant::Entity> {
    select
        .order_by_asc(product_variant::Column::SortOrder)
        .order_by_asc(product_variant::Column::Id)
}
