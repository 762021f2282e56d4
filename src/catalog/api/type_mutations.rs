//! GraphQL: staff mutations of product types, attributes and attribute values (update,
//! delete, bulk delete, attribute assignment), with Saleor's inputs, payloads and errors.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::attributes::{AttributeNode, AttributeValueNode};
use super::mutations::{
    AttributeError, ProductError, ProductTypeInput, decode, decode_all, one_of_ids, payload, split,
    tax_class_input, try_input, try_write, weight_input,
};
use super::products::ProductTypeNode;
use crate::catalog::type_write::{
    AttributeAssignment, AttributeChanges, ProductTypeChanges, ValueFields,
};
use crate::catalog::write::{Code, FieldError, WriteError};
use crate::core::permissions::Permission;
use crate::state::AppState;
use crate::state::parts;

const TYPES: [Permission; 1] = [Permission::ManageProductTypesAndAttributes];

/// Whether an attribute is assigned to products or to variants.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProductAttributeType {
    Product,
    Variant,
}

/// An attribute to assign to a product type.
#[derive(InputObject, Clone, Debug)]
pub struct ProductAttributeAssignInput {
    /// The ID of the attribute to assign.
    pub id: ID,
    /// The attribute type to be assigned as.
    #[graphql(name = "type")]
    pub attribute_type: ProductAttributeType,
    /// Whether attribute is allowed in variant selection. Allowed types are: ['dropdown',
    /// 'boolean', 'swatch', 'numeric'].
    pub variant_selection: Option<bool>,
}

/// A predefined value of an attribute, new or changed.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeValueUpdateInput {
    /// Represent value of the attribute value (e.g. color values for swatch attributes).
    pub value: Option<String>,
    /// URL of the file attribute. Every time, a new value is created.
    pub file_url: Option<String>,
    /// File content type.
    pub content_type: Option<String>,
    /// External ID of this attribute value.
    pub external_reference: Option<String>,
    /// Name of a value displayed in the interface.
    pub name: Option<String>,
}

impl From<AttributeValueUpdateInput> for ValueFields {
    fn from(i: AttributeValueUpdateInput) -> Self {
        Self {
            name: i.name,
            value: i.value,
            file_url: i.file_url,
            content_type: i.content_type,
            external_reference: i.external_reference,
        }
    }
}

/// Changes to an attribute.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeUpdateInput {
    /// Name of an attribute displayed in the interface.
    pub name: Option<String>,
    /// Internal representation of an attribute name.
    pub slug: Option<String>,
    /// IDs of values to be removed from this attribute.
    pub remove_values: Option<Vec<ID>>,
    /// New values to be created for this attribute.
    pub add_values: Option<Vec<AttributeValueUpdateInput>>,
    /// Whether the attribute requires values to be passed or not.
    pub value_required: Option<bool>,
    /// Whether the attribute should be visible or not in storefront.
    pub visible_in_storefront: Option<bool>,
    /// External ID of this attribute.
    pub external_reference: Option<String>,
}

payload!(ProductTypeUpdate, ProductError, product_errors, { product_type: Option<ProductTypeNode> });
payload!(ProductTypeDelete, ProductError, product_errors, { product_type: Option<ProductTypeNode> });
payload!(ProductTypeBulkDelete, ProductError, product_errors, { count: i32 });
payload!(ProductAttributeAssign, ProductError, product_errors, { product_type: Option<ProductTypeNode> });
payload!(ProductAttributeUnassign, ProductError, product_errors, { product_type: Option<ProductTypeNode> });
payload!(AttributeUpdate, AttributeError, attribute_errors, { attribute: Option<AttributeNode> });
payload!(AttributeDelete, AttributeError, attribute_errors, { attribute: Option<AttributeNode> });
payload!(AttributeBulkDelete, AttributeError, attribute_errors, { count: i32 });
payload!(AttributeValueCreate, AttributeError, attribute_errors, { attribute: Option<AttributeNode>, attribute_value: Option<AttributeValueNode> });
payload!(AttributeValueUpdate, AttributeError, attribute_errors, { attribute: Option<AttributeNode>, attribute_value: Option<AttributeValueNode> });
payload!(AttributeValueDelete, AttributeError, attribute_errors, { attribute: Option<AttributeNode>, attribute_value: Option<AttributeValueNode> });

/// The primary key of an attribute (or attribute value) given by ID or external reference.
async fn by_id_or_ref<E>(
    state: &AppState,
    id: Option<&ID>,
    external_reference: Option<&str>,
    type_name: &str,
    reference: E::Column,
) -> Result<Result<i32, Vec<FieldError>>, sea_orm::DbErr>
where
    E: EntityTrait,
    E::Model: HasId,
{
    if let Err(e) = one_of_ids(
        usize::from(id.is_some()) + usize::from(external_reference.is_some()),
        "id, externalReference",
    ) {
        return Ok(Err(e));
    }
    if let Some(id) = id {
        return Ok(decode(id, type_name, "id"));
    }
    let found = E::find()
        .filter(reference.eq(external_reference))
        .one(&state.db.conn)
        .await?;
    Ok(found.map(|m| m.id()).ok_or_else(|| {
        vec![FieldError::new(
            "externalReference",
            Code::NotFound,
            format!("{type_name} not found."),
        )]
    }))
}

/// Models with an integer primary key.
trait HasId {
    fn id(&self) -> i32;
}

impl HasId for entities::attribute::Model {
    fn id(&self) -> i32 {
        self.id
    }
}

impl HasId for entities::attribute_value::Model {
    fn id(&self) -> i32 {
        self.id
    }
}

fn value_node(
    model: entities::attribute_value::Model,
    attribute: &entities::attribute::Model,
) -> AttributeValueNode {
    AttributeValueNode {
        model,
        input_type: attribute.input_type.clone(),
        prefetched: None,
    }
}

/// Product type and attribute mutations (staff and apps).
#[derive(Default)]
pub struct CatalogTypeMutation;

#[Object]
impl CatalogTypeMutation {
    /// Updates an existing product type. Given `productAttributes` or `variantAttributes`
    /// replace the type's current ones.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_type_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ProductTypeInput,
    ) -> Result<Option<ProductTypeUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(ProductTypeUpdate, decode(&id, "ProductType", "id"));
        let changes = ProductTypeChanges {
            name: input.name,
            slug: input.slug,
            gift_card: input
                .kind
                .map(|k| k == super::common::ProductTypeKindEnum::GiftCard),
            has_variants: input.has_variants,
            product_attributes: match &input.product_attributes {
                Some(ids) => Some(try_input!(
                    ProductTypeUpdate,
                    decode_all(ids, "Attribute", "productAttributes")
                )),
                None => None,
            },
            variant_attributes: match &input.variant_attributes {
                Some(ids) => Some(try_input!(
                    ProductTypeUpdate,
                    decode_all(ids, "Attribute", "variantAttributes")
                )),
                None => None,
            },
            is_shipping_required: input.is_shipping_required,
            is_digital: input.is_digital,
            tax_class_id: try_input!(ProductTypeUpdate, tax_class_input(&input.tax_class)),
            weight_grams: try_input!(
                ProductTypeUpdate,
                weight_input(input.weight, "Product type")
            ),
        };
        let pt = try_write!(
            ProductTypeUpdate,
            req,
            state.catalog.writer.product_type_update(pk, changes)
        );
        Ok(Some(ProductTypeUpdate {
            product_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Deletes a product type and every product of that type.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_type_delete(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<ProductTypeDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(ProductTypeDelete, decode(&id, "ProductType", "id"));
        let mut deleted = try_write!(
            ProductTypeDelete,
            req,
            state.catalog.writer.product_types_delete(&[pk])
        );
        Ok(Some(ProductTypeDelete {
            product_type: deleted.pop().map(Into::into),
            ..Default::default()
        }))
    }

    /// Deletes product types and every product of those types.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_type_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<Option<ProductTypeBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pks = try_input!(
            ProductTypeBulkDelete,
            decode_all(&ids, "ProductType", "ids")
        );
        let deleted = try_write!(ProductTypeBulkDelete, req, async {
            state
                .catalog
                .writer
                .product_types_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(ProductTypeBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Assign attributes to a given product type.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_attribute_assign(
        &self,
        ctx: &Context<'_>,
        operations: Vec<ProductAttributeAssignInput>,
        product_type_id: ID,
    ) -> Result<Option<ProductAttributeAssign>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(
            ProductAttributeAssign,
            decode(&product_type_id, "ProductType", "productTypeId")
        );
        let mut ops = Vec::with_capacity(operations.len());
        for op in &operations {
            ops.push(AttributeAssignment {
                attribute_id: try_input!(
                    ProductAttributeAssign,
                    decode(&op.id, "Attribute", "operations")
                ),
                variant: op.attribute_type == ProductAttributeType::Variant,
                variant_selection: op.variant_selection,
            });
        }
        let pt = try_write!(
            ProductAttributeAssign,
            req,
            state.catalog.writer.product_attributes_assign(pk, &ops)
        );
        Ok(Some(ProductAttributeAssign {
            product_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Un-assign attributes from a given product type; its products lose their values.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn product_attribute_unassign(
        &self,
        ctx: &Context<'_>,
        attribute_ids: Vec<ID>,
        product_type_id: ID,
    ) -> Result<Option<ProductAttributeUnassign>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(
            ProductAttributeUnassign,
            decode(&product_type_id, "ProductType", "productTypeId")
        );
        let attrs = try_input!(
            ProductAttributeUnassign,
            decode_all(&attribute_ids, "Attribute", "attributeIds")
        );
        let pt = try_write!(
            ProductAttributeUnassign,
            req,
            state.catalog.writer.product_attributes_unassign(pk, &attrs)
        );
        Ok(Some(ProductAttributeUnassign {
            product_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Updates attribute.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn attribute_update(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
        input: AttributeUpdateInput,
    ) -> Result<Option<AttributeUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(
            AttributeUpdate,
            by_id_or_ref::<entities::attribute::Entity>(
                state,
                id.as_ref(),
                external_reference.as_deref(),
                "Attribute",
                entities::attribute::Column::ExternalReference,
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let changes = AttributeChanges {
            name: input.name,
            slug: input.slug,
            value_required: input.value_required,
            visible_in_storefront: input.visible_in_storefront,
            external_reference: input.external_reference,
            add_values: input
                .add_values
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            remove_values: try_input!(
                AttributeUpdate,
                decode_all(
                    input.remove_values.as_deref().unwrap_or_default(),
                    "AttributeValue",
                    "removeValues"
                )
            ),
        };
        let a = try_write!(
            AttributeUpdate,
            req,
            state.catalog.writer.attribute_update(pk, changes)
        );
        Ok(Some(AttributeUpdate {
            attribute: Some(a.into()),
            ..Default::default()
        }))
    }

    /// Deletes an attribute; products lose its values.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn attribute_delete(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
    ) -> Result<Option<AttributeDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pk = try_input!(
            AttributeDelete,
            by_id_or_ref::<entities::attribute::Entity>(
                state,
                id.as_ref(),
                external_reference.as_deref(),
                "Attribute",
                entities::attribute::Column::ExternalReference,
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let mut deleted = try_write!(
            AttributeDelete,
            req,
            state.catalog.writer.attributes_delete(&[pk])
        );
        Ok(Some(AttributeDelete {
            attribute: deleted.pop().map(Into::into),
            ..Default::default()
        }))
    }

    /// Deletes attributes.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCT_TYPES_AND_ATTRIBUTES.
    async fn attribute_bulk_delete(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> Result<Option<AttributeBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&TYPES)?;
        let pks = try_input!(AttributeBulkDelete, decode_all(&ids, "Attribute", "ids"));
        let deleted = try_write!(AttributeBulkDelete, req, async {
            state
                .catalog
                .writer
                .attributes_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(AttributeBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Creates a value for an attribute.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn attribute_value_create(
        &self,
        ctx: &Context<'_>,
        attribute: ID,
        input: super::mutations::AttributeValueCreateInput,
    ) -> Result<Option<AttributeValueCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            AttributeValueCreate,
            decode(&attribute, "Attribute", "attribute")
        );
        let fields = ValueFields {
            name: Some(input.name),
            value: input.value,
            file_url: input.file_url,
            content_type: input.content_type,
            external_reference: input.external_reference,
        };
        let (a, v) = try_write!(
            AttributeValueCreate,
            req,
            state.catalog.writer.attribute_value_create(pk, fields)
        );
        Ok(Some(AttributeValueCreate {
            attribute_value: Some(value_node(v, &a)),
            attribute: Some(a.into()),
            ..Default::default()
        }))
    }

    /// Updates value of an attribute.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn attribute_value_update(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
        input: AttributeValueUpdateInput,
    ) -> Result<Option<AttributeValueUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            AttributeValueUpdate,
            by_id_or_ref::<entities::attribute_value::Entity>(
                state,
                id.as_ref(),
                external_reference.as_deref(),
                "AttributeValue",
                entities::attribute_value::Column::ExternalReference,
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let (a, v) = try_write!(
            AttributeValueUpdate,
            req,
            state
                .catalog
                .writer
                .attribute_value_update(pk, input.into())
        );
        Ok(Some(AttributeValueUpdate {
            attribute_value: Some(value_node(v, &a)),
            attribute: Some(a.into()),
            ..Default::default()
        }))
    }

    /// Deletes a value of an attribute; products lose it.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn attribute_value_delete(
        &self,
        ctx: &Context<'_>,
        external_reference: Option<String>,
        id: Option<ID>,
    ) -> Result<Option<AttributeValueDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(
            AttributeValueDelete,
            by_id_or_ref::<entities::attribute_value::Entity>(
                state,
                id.as_ref(),
                external_reference.as_deref(),
                "AttributeValue",
                entities::attribute_value::Column::ExternalReference,
            )
            .await
            .map_err(|e| req.internal(e))?
        );
        let (a, v) = try_write!(
            AttributeValueDelete,
            req,
            state.catalog.writer.attribute_value_delete(pk)
        );
        Ok(Some(AttributeValueDelete {
            attribute_value: Some(value_node(v, &a)),
            attribute: Some(a.into()),
            ..Default::default()
        }))
    }
}
