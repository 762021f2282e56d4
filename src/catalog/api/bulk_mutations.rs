//! GraphQL: category and collection updates and the catalog's bulk deletes, with Saleor's
//! inputs, payloads and errors. A bulk delete is all or nothing.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::category::{CategoryNode, CollectionNode};
use super::common::JsonString;
use super::mutations::{
    CategoryInput, CollectionError, ProductError, SeoInput, decode, decode_all, payload, split,
    try_input, try_write,
};
use crate::catalog::write::{CategoryFields, Code, FieldError, WriteError};
use crate::core::{metadata::MetadataInput, permissions::Permission};
use crate::state::parts;

const PRODUCTS: [Permission; 1] = [Permission::ManageProducts];

/// Changes to a collection.
#[derive(InputObject, Clone, Debug)]
pub struct CollectionInput {
    /// Name of the collection.
    pub name: Option<String>,
    /// Slug of the collection.
    pub slug: Option<String>,
    /// Description of the collection.
    pub description: Option<JsonString>,
    /// Alt text for an image.
    pub background_image_alt: Option<String>,
    /// Search engine optimization fields.
    pub seo: Option<SeoInput>,
    /// Fields required to update the collection metadata.
    pub metadata: Option<Vec<MetadataInput>>,
    /// Fields required to update the collection private metadata.
    pub private_metadata: Option<Vec<MetadataInput>>,
}

payload!(CategoryUpdate, ProductError, product_errors, { category: Option<CategoryNode> });
payload!(CategoryBulkDelete, ProductError, product_errors, { count: i32 });
payload!(CollectionUpdate, CollectionError, collection_errors, { collection: Option<CollectionNode> });
payload!(CollectionDelete, CollectionError, collection_errors, { collection: Option<CollectionNode> });
payload!(CollectionBulkDelete, CollectionError, collection_errors, { count: i32 });
payload!(ProductBulkDelete, ProductError, product_errors, { count: i32 });
payload!(ProductVariantBulkDelete, ProductError, product_errors, { count: i32 });

fn fields(
    name: Option<String>,
    slug: Option<String>,
    description: Option<JsonString>,
    seo: Option<SeoInput>,
    background_image_alt: Option<String>,
    metadata: Option<Vec<MetadataInput>>,
    private_metadata: Option<Vec<MetadataInput>>,
) -> CategoryFields {
    let seo = seo.unwrap_or_default();
    CategoryFields {
        name,
        slug,
        description: description.map(|d| d.0),
        seo_title: seo.title,
        seo_description: seo.description,
        background_image_alt,
        metadata,
        private_metadata,
    }
}

/// Category and collection updates and bulk deletes (staff and apps).
#[derive(Default)]
pub struct CatalogBulkMutation;

#[Object]
impl CatalogBulkMutation {
    /// Updates a category.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn category_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CategoryInput,
    ) -> Result<Option<CategoryUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pk = try_input!(CategoryUpdate, decode(&id, "Category", "id"));
        let f = fields(
            input.name,
            input.slug,
            input.description,
            input.seo,
            input.background_image_alt,
            input.metadata,
            input.private_metadata,
        );
        let c = try_write!(
            CategoryUpdate,
            req,
            state.catalog.writer.category_update(pk, f)
        );
        Ok(Some(CategoryUpdate {
            category: Some(c.into()),
            ..Default::default()
        }))
    }

    /// Deletes categories with their subcategories; their products lose their category.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn category_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<Option<CategoryBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pks = try_input!(CategoryBulkDelete, decode_all(&ids, "Category", "ids"));
        let deleted = try_write!(CategoryBulkDelete, req, async {
            state
                .catalog
                .writer
                .categories_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(CategoryBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Updates a collection.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn collection_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CollectionInput,
    ) -> Result<Option<CollectionUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pk = try_input!(CollectionUpdate, decode(&id, "Collection", "id"));
        let f = fields(
            input.name,
            input.slug,
            input.description,
            input.seo,
            input.background_image_alt,
            input.metadata,
            input.private_metadata,
        );
        let c = try_write!(
            CollectionUpdate,
            req,
            state.catalog.writer.collection_update(pk, f)
        );
        Ok(Some(CollectionUpdate {
            collection: Some(CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Deletes a collection; its products stay.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn collection_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CollectionDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pk = try_input!(CollectionDelete, decode(&id, "Collection", "id"));
        let mut deleted = try_write!(
            CollectionDelete,
            req,
            state.catalog.writer.collections_delete(&[pk])
        );
        Ok(Some(CollectionDelete {
            collection: deleted.pop().map(|c| CollectionNode::new(c, None)),
            ..Default::default()
        }))
    }

    /// Deletes collections; their products stay.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn collection_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<Option<CollectionBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pks = try_input!(CollectionBulkDelete, decode_all(&ids, "Collection", "ids"));
        let deleted = try_write!(CollectionBulkDelete, req, async {
            state
                .catalog
                .writer
                .collections_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(CollectionBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Deletes products with their variants, channel listings, media and stock.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn product_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<Option<ProductBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pks = try_input!(ProductBulkDelete, decode_all(&ids, "Product", "ids"));
        let deleted = try_write!(ProductBulkDelete, req, async {
            state
                .catalog
                .writer
                .products_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(ProductBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Deletes product variants, given by ID or by SKU.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn product_variant_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Option<Vec<ID>>,
        skus: Option<Vec<String>>,
    ) -> Result<Option<ProductVariantBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PRODUCTS)?;
        let pks = match (ids, skus) {
            (Some(ids), None) => {
                try_input!(
                    ProductVariantBulkDelete,
                    decode_all(&ids, "ProductVariant", "ids")
                )
            }
            (None, Some(skus)) => {
                let found: Vec<(i32, Option<String>)> = entities::product_variant::Entity::find()
                    .filter(entities::product_variant::Column::Sku.is_in(skus.clone()))
                    .all(&state.db.conn)
                    .await
                    .map_err(|e| req.internal(e))?
                    .into_iter()
                    .map(|v| (v.id, v.sku))
                    .collect();
                if let Some(missing) = skus.iter().find(|s| {
                    !found
                        .iter()
                        .any(|(_, sku)| sku.as_deref() == Some(s.as_str()))
                }) {
                    return Ok(Some(ProductVariantBulkDelete::failed(vec![
                        FieldError::new(
                            "skus",
                            Code::NotFound,
                            format!("Product variant with SKU {missing} not found."),
                        ),
                    ])));
                }
                found.into_iter().map(|(id, _)| id).collect()
            }
            _ => {
                return Ok(Some(ProductVariantBulkDelete::failed(vec![
                    FieldError::new(
                        "ids",
                        Code::GraphqlError,
                        "Exactly one of 'ids' or 'skus' must be specified.",
                    ),
                ])));
            }
        };
        let deleted = try_write!(ProductVariantBulkDelete, req, async {
            state
                .catalog
                .writer
                .variants_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(ProductVariantBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }
}
