//! GraphQL: staff translation mutations of the catalog (products, variants, categories,
//! collections, attributes and attribute values), with Saleor's inputs and payloads.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::EntityTrait;

use super::attributes::{AttributeNode, AttributeValueNode};
use super::category::{CategoryNode, CollectionNode};
use super::common::JsonString;
use super::mutations::{
    TranslationError, TranslationInput, decode, payload, product_node, split, staff_viewer,
    try_input, try_write, variant_node,
};
use super::products::{ProductNode, VariantNode};
use crate::catalog::loaders::kind;
use crate::catalog::write::{Code, FieldError, TranslationFields};
use crate::content::mutations::NameTranslationInput;
use crate::core::{country::LanguageCodeEnum, permissions::Permission};
use crate::state::parts;

const TRANSLATORS: [Permission; 1] = [Permission::ManageTranslations];

payload!(ProductTranslate, TranslationError, translation_errors, { product: Option<ProductNode> });
payload!(ProductVariantTranslate, TranslationError, translation_errors, { product_variant: Option<VariantNode> });
payload!(CategoryTranslate, TranslationError, translation_errors, { category: Option<CategoryNode> });
payload!(CollectionTranslate, TranslationError, translation_errors, { collection: Option<CollectionNode> });
payload!(AttributeTranslate, TranslationError, translation_errors, { attribute: Option<AttributeNode> });
payload!(AttributeValueTranslate, TranslationError, translation_errors, { attribute_value: Option<AttributeValueNode> });

/// Translated fields of an attribute value.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeValueTranslationInput {
    pub name: Option<String>,
    /// Translated text (Editor.js JSON).
    pub rich_text: Option<JsonString>,
    /// Translated text.
    pub plain_text: Option<String>,
}

fn not_found(what: &str) -> Vec<FieldError> {
    vec![FieldError::new(
        "id",
        Code::NotFound,
        format!("{what} not found."),
    )]
}

fn name_only(name: Option<String>) -> TranslationFields {
    TranslationFields {
        name,
        slug: None,
        description: None,
        seo_title: None,
        seo_description: None,
    }
}

/// Translation mutations of the catalog. All require MANAGE_TRANSLATIONS.
#[derive(Default)]
pub struct CatalogTranslateMutation;

#[Object]
impl CatalogTranslateMutation {
    /// Creates/updates translations for a product. Requires MANAGE_TRANSLATIONS.
    async fn product_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<ProductTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let pk = try_input!(ProductTranslate, decode(&id, "Product", "id"));
        if product_node(state, req, pk).await?.is_none() {
            return Ok(Some(ProductTranslate::failed(vec![FieldError::new(
                "id",
                Code::NotFound,
                "Product not found.",
            )])));
        }
        try_write!(
            ProductTranslate,
            req,
            state.catalog.writer.translate(
                "product",
                pk,
                language_code.code(),
                translation_fields(input)
            )
        );
        Ok(Some(ProductTranslate {
            product: product_node(state, req, pk).await?,
            ..Default::default()
        }))
    }

    /// Creates/updates translations for a category. Requires MANAGE_TRANSLATIONS.
    async fn category_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<CategoryTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let pk = try_input!(CategoryTranslate, decode(&id, "Category", "id"));
        let found = crate::catalog::read::category_one(&state.db.conn, Some(pk), None, None)
            .await
            .map_err(|e| req.internal(e))?;
        let Some(category) = found else {
            return Ok(Some(CategoryTranslate::failed(vec![FieldError::new(
                "id",
                Code::NotFound,
                "Category not found.",
            )])));
        };
        try_write!(
            CategoryTranslate,
            req,
            state.catalog.writer.translate(
                "category",
                pk,
                language_code.code(),
                translation_fields(input)
            )
        );
        Ok(Some(CategoryTranslate {
            category: Some(category.into()),
            ..Default::default()
        }))
    }

    /// Creates/updates translations for a collection. Requires MANAGE_TRANSLATIONS.
    async fn collection_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: TranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<CollectionTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let pk = try_input!(CollectionTranslate, decode(&id, "Collection", "id"));
        let viewer = staff_viewer();
        let found =
            crate::catalog::read::collection_one(&state.db.conn, &viewer, Some(pk), None, None)
                .await
                .map_err(|e| req.internal(e))?;
        let Some(collection) = found else {
            return Ok(Some(CollectionTranslate::failed(vec![FieldError::new(
                "id",
                Code::NotFound,
                "Collection not found.",
            )])));
        };
        try_write!(
            CollectionTranslate,
            req,
            state.catalog.writer.translate(
                "collection",
                pk,
                language_code.code(),
                translation_fields(input)
            )
        );
        Ok(Some(CollectionTranslate {
            collection: Some(CollectionNode::new(collection, None)),
            ..Default::default()
        }))
    }

    /// Creates/updates translations for a product variant. Requires MANAGE_TRANSLATIONS.
    async fn product_variant_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NameTranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<ProductVariantTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TRANSLATORS)?;
        let pk = try_input!(ProductVariantTranslate, decode(&id, "ProductVariant", "id"));
        if variant_node(state, req, pk).await?.is_none() {
            return Ok(Some(ProductVariantTranslate::failed(not_found(
                "Product variant",
            ))));
        }
        try_write!(
            ProductVariantTranslate,
            req,
            state.catalog.writer.translate(
                kind::VARIANT.as_str(),
                pk,
                language_code.code(),
                name_only(input.name)
            )
        );
        Ok(Some(ProductVariantTranslate {
            product_variant: variant_node(state, req, pk).await?,
            ..Default::default()
        }))
    }

    /// Creates/updates translations for an attribute. Requires MANAGE_TRANSLATIONS.
    async fn attribute_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NameTranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<AttributeTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TRANSLATORS)?;
        let pk = try_input!(AttributeTranslate, decode(&id, "Attribute", "id"));
        let found = entities::attribute::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?;
        let Some(attribute) = found else {
            return Ok(Some(AttributeTranslate::failed(not_found("Attribute"))));
        };
        try_write!(
            AttributeTranslate,
            req,
            state.catalog.writer.translate(
                kind::ATTRIBUTE.as_str(),
                pk,
                language_code.code(),
                name_only(input.name)
            )
        );
        Ok(Some(AttributeTranslate {
            attribute: Some(AttributeNode::from(attribute)),
            ..Default::default()
        }))
    }

    /// Creates/updates translations for an attribute value. Requires MANAGE_TRANSLATIONS.
    async fn attribute_value_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AttributeValueTranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<AttributeValueTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TRANSLATORS)?;
        let pk = try_input!(AttributeValueTranslate, decode(&id, "AttributeValue", "id"));
        let value = entities::attribute_value::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?;
        let attribute = match &value {
            Some(v) => entities::attribute::Entity::find_by_id(v.attribute_id)
                .one(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?,
            None => None,
        };
        let (Some(value), Some(attribute)) = (value, attribute) else {
            return Ok(Some(AttributeValueTranslate::failed(not_found(
                "Attribute value",
            ))));
        };
        let fields = TranslationFields {
            description: input.rich_text.map(|t| t.0),
            ..name_only(input.name)
        };
        try_write!(
            AttributeValueTranslate,
            req,
            state.catalog.writer.translate_with_plain_text(
                kind::ATTRIBUTE_VALUE.as_str(),
                pk,
                language_code.code(),
                fields,
                input.plain_text
            )
        );
        Ok(Some(AttributeValueTranslate {
            attribute_value: Some(AttributeValueNode {
                model: value,
                input_type: attribute.input_type,
                prefetched: None,
            }),
            ..Default::default()
        }))
    }
}

fn translation_fields(input: TranslationInput) -> TranslationFields {
    TranslationFields {
        name: input.name,
        slug: input.slug,
        description: input.description.map(|d| d.0),
        seo_title: input.seo_title,
        seo_description: input.seo_description,
    }
}
