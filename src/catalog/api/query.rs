//! GraphQL: catalog root queries.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use entities::product_variant;
use sea_orm::sea_query::{Alias, Expr, ExprTrait};

use super::category::{
    CategoryNames, CategoryNode, CollectionNames, CollectionNode, ProductConnection,
    category_connection, product_connection, product_filter, read_error, viewer,
};
use super::common::requested_language;
use super::inputs::{
    CategoryFilterInput, CollectionFilterInput, CollectionPublished, ProductFilterInput,
    ProductOrder, ProductWhereInput,
};
use super::products::{ProductNode, VariantNode};
use crate::catalog::read::{self, ProductLookup};
use crate::core::{
    connection::{self, Countable, Page, PageArgs, TotalCount},
    country::LanguageCodeEnum,
    error::{ErrorCode, error},
    id,
};
use crate::state::parts;

/// Catalog queries.
#[derive(Default)]
pub struct CatalogQuery;

fn exactly_one(n: usize, names: &str) -> Result<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(error(
            ErrorCode::InvalidInput,
            format!("Exactly one of {names} must be specified."),
        ))
    }
}

#[Object]
impl CatalogQuery {
    /// List of the shop's products. Anonymous callers see products published and visible in
    /// listings of the channel.
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
        let channel = channel.or_else(|| filter.as_ref().and_then(|f| f.channel.clone()));
        let viewer = viewer(ctx, channel.as_deref()).await?;
        let f = product_filter(&viewer, filter.as_ref(), where_.as_ref(), search)?;
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

    /// Look up a product by ID, slug or external reference. Unpublished products are
    /// invisible to anonymous callers.
    async fn product(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        slug_language_code: Option<LanguageCodeEnum>,
        external_reference: Option<String>,
        channel: Option<String>,
    ) -> Result<Option<ProductNode>> {
        exactly_one(
            [id.is_some(), slug.is_some(), external_reference.is_some()]
                .iter()
                .filter(|b| **b)
                .count(),
            "'id', 'slug', or 'external_reference'",
        )?;
        let lookup = match (id, slug, external_reference) {
            (Some(i), _, _) => ProductLookup::Id(id::decode::<i32>(&i, "Product")?),
            (_, Some(slug), _) => ProductLookup::Slug {
                slug,
                language: slug_language_code.map(|l| l.code().to_owned()),
            },
            (_, _, Some(r)) => ProductLookup::ExternalReference(r),
            _ => return Ok(None),
        };
        let viewer = viewer(ctx, channel.as_deref()).await?;
        let (state, req) = parts(ctx)?;
        let row = state
            .catalog
            .products
            .one(
                &viewer,
                &lookup,
                requested_language(ctx, &[&["translation"], &["category", "translation"]])
                    .map(|l| l.code()),
            )
            .await
            .map_err(|e| req.internal(e))?;
        Ok(row.map(|r| ProductNode::new(r, Arc::new(viewer))))
    }

    /// Look up a product variant by ID or SKU.
    async fn product_variant(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        sku: Option<String>,
        external_reference: Option<String>,
        channel: Option<String>,
    ) -> Result<Option<VariantNode>> {
        exactly_one(
            [id.is_some(), sku.is_some(), external_reference.is_some()]
                .iter()
                .filter(|b| **b)
                .count(),
            "'id', 'sku' or 'external_reference'",
        )?;
        let v = Alias::new("v");
        let cond = match (id, sku, external_reference) {
            (Some(i), _, _) => Expr::col((v, product_variant::Column::Id))
                .eq(id::decode::<i32>(&i, "ProductVariant")?),
            (_, Some(sku), _) => Expr::col((v, product_variant::Column::Sku)).eq(sku),
            (_, _, Some(r)) => Expr::col((v, product_variant::Column::ExternalReference)).eq(r),
            _ => return Ok(None),
        };
        let viewer = viewer(ctx, channel.as_deref()).await?;
        let (state, req) = parts(ctx)?;
        let Some(row) = read::variants_where(&state.db.conn, viewer.channel_id(), cond)
            .await
            .map_err(|e| req.internal(e))?
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        if !row.visible(&viewer) {
            return Ok(None);
        }
        let Some(product) = state
            .catalog
            .products
            .one(&viewer, &ProductLookup::Id(row.variant.product_id), None)
            .await
            .map_err(|e| req.internal(e))?
        else {
            return Ok(None);
        };
        Ok(Some(VariantNode::new(
            row,
            Arc::new(product),
            Arc::new(viewer),
        )))
    }

    /// Look up a category by ID or slug.
    async fn category(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        slug_language_code: Option<LanguageCodeEnum>,
    ) -> Result<Option<CategoryNode>> {
        exactly_one(
            usize::from(id.is_some()) + usize::from(slug.is_some()),
            "'id' or 'slug'",
        )?;
        let pk = id.map(|i| id::decode::<i32>(&i, "Category")).transpose()?;
        let (state, req) = parts(ctx)?;
        let found = read::category_one(
            &state.db.conn,
            pk,
            slug.as_deref(),
            slug_language_code.map(|l| l.code()),
        )
        .await
        .map_err(|e| req.internal(e))?;
        Ok(found.map(CategoryNode::from))
    }

    /// List of the shop's categories.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        filter: Option<CategoryFilterInput>,
        level: Option<i32>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CategoryNode, CategoryNames>>> {
        let mut f = match &filter {
            Some(input) => input.to_filter()?,
            None => Default::default(),
        };
        f.level = level;
        category_connection(
            ctx,
            f,
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

    /// Look up a collection by ID or slug. Anonymous callers see collections published in
    /// the channel.
    async fn collection(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        slug_language_code: Option<LanguageCodeEnum>,
        channel: Option<String>,
    ) -> Result<Option<CollectionNode>> {
        exactly_one(
            usize::from(id.is_some()) + usize::from(slug.is_some()),
            "'id' or 'slug'",
        )?;
        let pk = id
            .map(|i| id::decode::<i32>(&i, "Collection"))
            .transpose()?;
        let viewer = viewer(ctx, channel.as_deref()).await?;
        let (state, req) = parts(ctx)?;
        let found = read::collection_one(
            &state.db.conn,
            &viewer,
            pk,
            slug.as_deref(),
            slug_language_code.map(|l| l.code()),
        )
        .await
        .map_err(|e| req.internal(e))?;
        Ok(found.map(|c| CollectionNode::new(c, Some(Arc::new(viewer)))))
    }

    /// List of the shop's collections.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn collections(
        &self,
        ctx: &Context<'_>,
        filter: Option<CollectionFilterInput>,
        channel: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<CollectionNode, CollectionNames>>> {
        if let Some(f) = &filter
            && (f.search.is_some()
                || f.metadata.is_some()
                || f.ids.is_some()
                || f.published == Some(CollectionPublished::Hidden))
        {
            return Err(error(
                ErrorCode::InvalidInput,
                "Filtering collections by search, metadata, IDs or hidden status is not supported yet.",
            ));
        }
        let slugs = filter.as_ref().and_then(|f| f.slugs.clone());
        let channel = channel.or_else(|| filter.as_ref().and_then(|f| f.channel.clone()));
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "collections",
        )?;
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let (state, req) = parts(ctx)?;
        let db = state.db.conn.clone();
        let result = read::collections_page(&db, &viewer, slugs.clone(), &page)
            .await
            .map_err(|e| read_error(req, e))?;
        let count_viewer = viewer.clone();
        let total = TotalCount::lazy(move || {
            let (db, viewer, slugs) = (db.clone(), count_viewer.clone(), slugs.clone());
            async move { read::collections_count(&db, &viewer, slugs).await }
        });
        Ok(Some(connection::build(
            result.map(|c| CollectionNode::new(c, Some(viewer.clone()))),
            total,
            |n: &CollectionNode| read::collection_key(&n.model),
        )))
    }
}
