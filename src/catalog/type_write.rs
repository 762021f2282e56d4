//! Write side of product types and attributes: updates, deletes, attribute assignment and
//! predefined attribute values. Like the rest of the catalog writer, every change runs in one
//! transaction and re-indexes the products whose search text it changes.

use std::collections::BTreeSet;

use entities::{
    assigned_value, attribute, attribute_value, product, product_type, product_variant, tax_class,
    translation, type_attribute,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::search;
use super::seed::slugify;
use super::write::{
    CatalogWriter, Code, WriteError, delete_product_in, free_slug, new_value, required_name,
    unique_on,
};

/// Attribute input types whose values are predefined choices.
pub const CHOICE_TYPES: [&str; 3] = ["DROPDOWN", "MULTISELECT", "SWATCH"];

/// Input types that can select variants (Saleor's `ALLOWED_IN_VARIANT_SELECTION`).
const VARIANT_SELECTION_TYPES: [&str; 4] = ["DROPDOWN", "BOOLEAN", "SWATCH", "NUMERIC"];

/// Changes to an existing product type; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProductTypeChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub gift_card: Option<bool>,
    pub has_variants: Option<bool>,
    /// Replaces the product attributes.
    pub product_attributes: Option<Vec<i32>>,
    /// Replaces the variant attributes.
    pub variant_attributes: Option<Vec<i32>>,
    pub is_shipping_required: Option<bool>,
    pub is_digital: Option<bool>,
    pub tax_class_id: Option<i32>,
    pub weight_grams: Option<i32>,
}

/// One `productAttributeAssign` operation.
#[derive(Clone, Copy, Debug)]
pub struct AttributeAssignment {
    pub attribute_id: i32,
    /// `true` for a variant attribute, `false` for a product attribute.
    pub variant: bool,
    pub variant_selection: Option<bool>,
}

/// A predefined value of an attribute (new, or changes to an existing one).
#[derive(Clone, Debug, Default)]
pub struct ValueFields {
    pub name: Option<String>,
    pub value: Option<String>,
    pub file_url: Option<String>,
    pub content_type: Option<String>,
    pub external_reference: Option<String>,
}

/// Changes to an attribute; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct AttributeChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub value_required: Option<bool>,
    pub visible_in_storefront: Option<bool>,
    pub external_reference: Option<String>,
    pub add_values: Vec<ValueFields>,
    pub remove_values: Vec<i32>,
}

fn owner_kind(variant: bool) -> &'static str {
    if variant { "variant" } else { "product" }
}

/// Checks that `id` is a product attribute; `field` names the input in the error.
async fn product_attribute(
    txn: &DatabaseTransaction,
    id: i32,
    field: &str,
) -> Result<attribute::Model, WriteError> {
    let a = CatalogWriter::find::<attribute::Entity>(txn, id, field, "Attribute").await?;
    if a.attribute_type != "PRODUCT_TYPE" {
        return Err(WriteError::one(
            field,
            Code::Invalid,
            "Only product attributes can be assigned.",
        ));
    }
    Ok(a)
}

/// Replaces the attributes of kind `variant` on product type `type_id`.
pub(crate) async fn set_type_attributes(
    txn: &DatabaseTransaction,
    type_id: i32,
    variant: bool,
    ids: &[i32],
) -> Result<(), WriteError> {
    let field = if variant {
        "variantAttributes"
    } else {
        "productAttributes"
    };
    let unique: BTreeSet<i32> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        return Err(WriteError::one(
            field,
            Code::DuplicatedInputItem,
            "The attribute is given more than once.",
        ));
    }
    let mut models = Vec::new();
    for id in ids {
        models.push(product_attribute(txn, *id, field).await?);
    }
    let kind = owner_kind(variant);
    let current = type_attribute::Entity::find()
        .filter(type_attribute::Column::OwnerKind.eq(kind))
        .filter(type_attribute::Column::OwnerId.eq(type_id))
        .all(txn)
        .await?;
    type_attribute::Entity::delete_many()
        .filter(type_attribute::Column::OwnerKind.eq(kind))
        .filter(type_attribute::Column::OwnerId.eq(type_id))
        .exec(txn)
        .await?;
    // Values of attributes the type no longer has go, as with an unassign.
    let removed: Vec<i32> = current
        .iter()
        .map(|c| c.attribute_id)
        .filter(|a| !unique.contains(a))
        .collect();
    drop_values(txn, type_id, &[kind], &removed).await?;
    for (i, a) in models.iter().enumerate() {
        // A kept variant attribute keeps its variant-selection flag.
        let selection = current.iter().find(|c| c.attribute_id == a.id).map_or(
            variant && VARIANT_SELECTION_TYPES.contains(&a.input_type.as_str()),
            |c| c.variant_selection,
        );
        type_attribute::ActiveModel {
            owner_kind: Set(kind.to_owned()),
            owner_id: Set(type_id),
            attribute_id: Set(a.id),
            variant_selection: Set(selection),
            sort_order: Set(i as i32),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Deletes the values of `attribute_ids` assigned to `kinds` ("product", "variant") of
/// the type's products, and re-indexes the products that carried them.
async fn drop_values(
    txn: &DatabaseTransaction,
    type_id: i32,
    kinds: &[&str],
    attribute_ids: &[i32],
) -> Result<(), DbErr> {
    if attribute_ids.is_empty() {
        return Ok(());
    }
    let mut touched = BTreeSet::new();
    for a in attribute_ids {
        touched.extend(products_using(txn, *a, None).await?);
    }
    assigned_value::Entity::delete_many()
        .filter(assigned_value::Column::EntityKind.is_in(kinds.iter().copied()))
        .filter(assigned_value::Column::TypeId.eq(type_id))
        .filter(assigned_value::Column::AttributeId.is_in(attribute_ids.to_vec()))
        .exec(txn)
        .await?;
    reindex_all(txn, &touched.into_iter().collect::<Vec<_>>()).await
}

/// Products whose search text mentions values of `attribute_id` (or only `value_id`).
async fn products_using(
    txn: &DatabaseTransaction,
    attribute_id: i32,
    value_id: Option<i32>,
) -> Result<Vec<i32>, DbErr> {
    let mut q = assigned_value::Entity::find()
        .select_only()
        .column(assigned_value::Column::EntityKind)
        .column(assigned_value::Column::EntityId)
        .filter(assigned_value::Column::AttributeId.eq(attribute_id))
        .distinct();
    if let Some(v) = value_id {
        q = q.filter(assigned_value::Column::ValueId.eq(v));
    }
    let rows: Vec<(String, i32)> = q.into_tuple().all(txn).await?;
    let mut products: BTreeSet<i32> = BTreeSet::new();
    let mut variants = Vec::new();
    for (kind, id) in rows {
        if kind == "product" {
            products.insert(id);
        } else {
            variants.push(id);
        }
    }
    if !variants.is_empty() {
        let owners: Vec<i32> = product_variant::Entity::find()
            .select_only()
            .column(product_variant::Column::ProductId)
            .filter(product_variant::Column::Id.is_in(variants))
            .into_tuple()
            .all(txn)
            .await?;
        products.extend(owners);
    }
    Ok(products.into_iter().collect())
}

async fn reindex_all(txn: &DatabaseTransaction, products: &[i32]) -> Result<(), DbErr> {
    for p in products {
        search::reindex(txn, *p).await?;
    }
    Ok(())
}

async fn delete_translations(
    txn: &DatabaseTransaction,
    kind: &str,
    ids: Vec<i32>,
) -> Result<(), DbErr> {
    translation::Entity::delete_many()
        .filter(translation::Column::EntityKind.eq(kind))
        .filter(translation::Column::EntityId.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// A new predefined value of `a` at the end of its choices.
async fn add_value(
    txn: &DatabaseTransaction,
    a: &attribute::Model,
    f: &ValueFields,
    field: &str,
) -> Result<attribute_value::Model, WriteError> {
    if !CHOICE_TYPES.contains(&a.input_type.as_str()) {
        return Err(WriteError::one(
            field,
            Code::Invalid,
            format!(
                "Values cannot be used with input type {}.",
                a.input_type.to_lowercase()
            ),
        ));
    }
    let name = required_name(&f.name)
        .map_err(|_| WriteError::one(field, Code::Required, "The value name is required."))?;
    let slug = slugify(&name);
    if slug.is_empty() {
        return Err(WriteError::one(field, Code::Invalid, "Enter a valid name."));
    }
    value_slug_free(txn, a.id, &slug, None, field).await?;
    let last = attribute_value::Entity::find()
        .filter(attribute_value::Column::AttributeId.eq(a.id))
        .order_by_desc(attribute_value::Column::SortOrder)
        .one(txn)
        .await?
        .map_or(-1, |v| v.sort_order);
    let f = f.clone();
    new_value(txn, a.id, &name, &slug, last + 1, move |am| {
        am.value = Set(f.value);
        am.file_url = Set(f.file_url);
        am.content_type = Set(f.content_type);
        am.external_reference = Set(f.external_reference);
    })
    .await
    .map_err(unique_on("name"))
}

/// `ALREADY_EXISTS` when another value of the attribute has `slug`.
async fn value_slug_free(
    txn: &DatabaseTransaction,
    attribute_id: i32,
    slug: &str,
    except: Option<i32>,
    field: &str,
) -> Result<(), WriteError> {
    let mut q = attribute_value::Entity::find()
        .filter(attribute_value::Column::AttributeId.eq(attribute_id))
        .filter(attribute_value::Column::Slug.eq(slug));
    if let Some(id) = except {
        q = q.filter(attribute_value::Column::Id.ne(id));
    }
    if q.one(txn).await?.is_some() {
        return Err(WriteError::one(
            field,
            Code::AlreadyExists,
            "Attribute value with this name already exists.",
        ));
    }
    Ok(())
}

impl CatalogWriter {
    /// Changes a product type; given attribute lists replace the current ones.
    pub async fn product_type_update(
        &self,
        id: i32,
        f: ProductTypeChanges,
    ) -> Result<product_type::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = Self::find::<product_type::Entity>(&txn, id, "id", "ProductType").await?;
        let mut am = pt.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<product_type::Entity, _>(
                &txn,
                product_type::Column::Slug,
                f.slug.as_deref(),
                &pt.name,
                Some(id),
            )
            .await?);
        }
        if let Some(gift) = f.gift_card {
            am.kind = Set(if gift { "GIFT_CARD" } else { "NORMAL" }.to_owned());
        }
        if let Some(v) = f.has_variants {
            am.has_variants = Set(v);
        }
        if let Some(v) = f.is_shipping_required {
            am.is_shipping_required = Set(v);
        }
        if let Some(v) = f.is_digital {
            am.is_digital = Set(v);
        }
        if let Some(class) = f.tax_class_id {
            Self::find::<tax_class::Entity>(&txn, class, "taxClass", "TaxClass").await?;
            am.tax_class_id = Set(Some(class));
        }
        if let Some(w) = f.weight_grams {
            am.weight_grams = Set(Some(w));
        }
        let pt = am.update(&txn).await.map_err(unique_on("slug"))?;
        if let Some(ids) = &f.product_attributes {
            set_type_attributes(&txn, id, false, ids).await?;
        }
        if let Some(ids) = &f.variant_attributes {
            set_type_attributes(&txn, id, true, ids).await?;
        }
        txn.commit().await?;
        Ok(pt)
    }

    /// Deletes product types with every product of those types (as Saleor does).
    pub async fn product_types_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<product_type::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted = Vec::new();
        for id in ids {
            let pt = Self::find::<product_type::Entity>(&txn, *id, "id", "ProductType").await?;
            let products: Vec<i32> = product::Entity::find()
                .select_only()
                .column(product::Column::Id)
                .filter(product::Column::ProductTypeId.eq(*id))
                .into_tuple()
                .all(&txn)
                .await?;
            for p in products {
                delete_product_in(&txn, p).await?;
            }
            type_attribute::Entity::delete_many()
                .filter(type_attribute::Column::OwnerKind.is_in(["product", "variant"]))
                .filter(type_attribute::Column::OwnerId.eq(*id))
                .exec(&txn)
                .await?;
            product_type::Entity::delete_by_id(*id).exec(&txn).await?;
            deleted.push(pt);
        }
        txn.commit().await?;
        Ok(deleted)
    }

    /// Assigns attributes to a product type (`productAttributeAssign`).
    pub async fn product_attributes_assign(
        &self,
        type_id: i32,
        ops: &[AttributeAssignment],
    ) -> Result<product_type::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = Self::find::<product_type::Entity>(&txn, type_id, "productTypeId", "ProductType")
            .await?;
        let current = type_attribute::Entity::find()
            .filter(type_attribute::Column::OwnerKind.is_in(["product", "variant"]))
            .filter(type_attribute::Column::OwnerId.eq(type_id))
            .all(&txn)
            .await?;
        let mut seen = BTreeSet::new();
        for op in ops {
            let a = product_attribute(&txn, op.attribute_id, "operations").await?;
            if !seen.insert(a.id) {
                return Err(WriteError::one(
                    "operations",
                    Code::DuplicatedInputItem,
                    "The attribute is given more than once.",
                ));
            }
            if current.iter().any(|c| c.attribute_id == a.id) {
                return Err(WriteError::one(
                    "operations",
                    Code::AttributeAlreadyAssigned,
                    format!("{} is already assigned to {}.", a.slug, pt.name),
                ));
            }
            let selection = op.variant_selection.unwrap_or(false);
            if selection
                && (!op.variant || !VARIANT_SELECTION_TYPES.contains(&a.input_type.as_str()))
            {
                return Err(WriteError::one(
                    "operations",
                    Code::AttributeVariantsDisabled,
                    format!("{} cannot be used for variant selection.", a.slug),
                ));
            }
            let kind = owner_kind(op.variant);
            let next = current
                .iter()
                .filter(|c| c.owner_kind == kind)
                .map(|c| c.sort_order + 1)
                .max()
                .unwrap_or(0);
            type_attribute::ActiveModel {
                owner_kind: Set(kind.to_owned()),
                owner_id: Set(type_id),
                attribute_id: Set(a.id),
                variant_selection: Set(selection),
                sort_order: Set(next + seen.len() as i32 - 1),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(pt)
    }

    /// Removes attributes from a product type; products keep no values for them.
    pub async fn product_attributes_unassign(
        &self,
        type_id: i32,
        attribute_ids: &[i32],
    ) -> Result<product_type::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = Self::find::<product_type::Entity>(&txn, type_id, "productTypeId", "ProductType")
            .await?;
        type_attribute::Entity::delete_many()
            .filter(type_attribute::Column::OwnerKind.is_in(["product", "variant"]))
            .filter(type_attribute::Column::OwnerId.eq(type_id))
            .filter(type_attribute::Column::AttributeId.is_in(attribute_ids.to_vec()))
            .exec(&txn)
            .await?;
        drop_values(&txn, type_id, &["product", "variant"], attribute_ids).await?;
        txn.commit().await?;
        Ok(pt)
    }

    /// Changes an attribute, adding and removing predefined values.
    pub async fn attribute_update(
        &self,
        id: i32,
        f: AttributeChanges,
    ) -> Result<attribute::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a = Self::find::<attribute::Entity>(&txn, id, "id", "Attribute").await?;
        let mut am = a.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<attribute::Entity, _>(
                &txn,
                attribute::Column::Slug,
                f.slug.as_deref(),
                &a.name,
                Some(id),
            )
            .await?);
        }
        if let Some(v) = f.value_required {
            am.value_required = Set(v);
        }
        if let Some(v) = f.visible_in_storefront {
            am.visible_in_storefront = Set(v);
        }
        if let Some(r) = &f.external_reference {
            let taken = attribute::Entity::find()
                .filter(attribute::Column::ExternalReference.eq(r.clone()))
                .filter(attribute::Column::Id.ne(id))
                .one(&txn)
                .await?;
            if taken.is_some() {
                return Err(WriteError::one(
                    "externalReference",
                    Code::Unique,
                    "Attribute with this External reference already exists.",
                ));
            }
            am.external_reference = Set(Some(r.clone()));
        }
        let a = am.update(&txn).await.map_err(unique_on("slug"))?;
        let mut touched = BTreeSet::new();
        for v in &f.remove_values {
            let value = attribute_value::Entity::find_by_id(*v)
                .one(&txn)
                .await?
                .filter(|v| v.attribute_id == id);
            if value.is_none() {
                return Err(WriteError::one(
                    "removeValues",
                    Code::Invalid,
                    "Value does not belong to this attribute.",
                ));
            }
            touched.extend(products_using(&txn, id, Some(*v)).await?);
            attribute_value::Entity::delete_by_id(*v).exec(&txn).await?;
        }
        delete_translations(&txn, "attribute_value", f.remove_values.clone()).await?;
        for v in &f.add_values {
            add_value(&txn, &a, v, "addValues").await?;
        }
        reindex_all(&txn, &touched.into_iter().collect::<Vec<_>>()).await?;
        txn.commit().await?;
        Ok(a)
    }

    /// Deletes attributes with their values; products lose those values.
    pub async fn attributes_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<attribute::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted = Vec::new();
        let mut touched = BTreeSet::new();
        for id in ids {
            let a = Self::find::<attribute::Entity>(&txn, *id, "id", "Attribute").await?;
            touched.extend(products_using(&txn, *id, None).await?);
            let values: Vec<i32> = attribute_value::Entity::find()
                .select_only()
                .column(attribute_value::Column::Id)
                .filter(attribute_value::Column::AttributeId.eq(*id))
                .into_tuple()
                .all(&txn)
                .await?;
            delete_translations(&txn, "attribute_value", values).await?;
            delete_translations(&txn, "attribute", vec![*id]).await?;
            // Values, type assignments and assigned values go by foreign-key cascade.
            attribute::Entity::delete_by_id(*id).exec(&txn).await?;
            deleted.push(a);
        }
        reindex_all(&txn, &touched.into_iter().collect::<Vec<_>>()).await?;
        txn.commit().await?;
        Ok(deleted)
    }

    /// Adds a predefined value to a choice attribute.
    pub async fn attribute_value_create(
        &self,
        attribute_id: i32,
        f: ValueFields,
    ) -> Result<(attribute::Model, attribute_value::Model), WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let a =
            Self::find::<attribute::Entity>(&txn, attribute_id, "attribute", "Attribute").await?;
        let v = add_value(&txn, &a, &f, "name").await?;
        txn.commit().await?;
        Ok((a, v))
    }

    /// Changes a predefined value; a new name renames its slug too.
    pub async fn attribute_value_update(
        &self,
        id: i32,
        f: ValueFields,
    ) -> Result<(attribute::Model, attribute_value::Model), WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let v = Self::find::<attribute_value::Entity>(&txn, id, "id", "AttributeValue").await?;
        let a = Self::find::<attribute::Entity>(&txn, v.attribute_id, "id", "Attribute").await?;
        let mut am = v.clone().into_active_model();
        if let Some(name) = &f.name {
            let name = required_name(&Some(name.clone()))?;
            let slug = slugify(&name);
            if slug.is_empty() {
                return Err(WriteError::one(
                    "name",
                    Code::Invalid,
                    "Enter a valid name.",
                ));
            }
            value_slug_free(&txn, a.id, &slug, Some(id), "name").await?;
            am.name = Set(name);
            am.slug = Set(slug);
        }
        if let Some(value) = &f.value {
            am.value = Set(Some(value.clone()));
        }
        if let Some(url) = &f.file_url {
            am.file_url = Set(Some(url.clone()));
        }
        if let Some(ct) = &f.content_type {
            am.content_type = Set(Some(ct.clone()));
        }
        if let Some(r) = &f.external_reference {
            am.external_reference = Set(Some(r.clone()));
        }
        let v = am
            .update(&txn)
            .await
            .map_err(unique_on("externalReference"))?;
        let touched = products_using(&txn, a.id, Some(id)).await?;
        reindex_all(&txn, &touched).await?;
        txn.commit().await?;
        Ok((a, v))
    }

    /// Deletes a predefined value; products lose it.
    pub async fn attribute_value_delete(
        &self,
        id: i32,
    ) -> Result<(attribute::Model, attribute_value::Model), WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let v = Self::find::<attribute_value::Entity>(&txn, id, "id", "AttributeValue").await?;
        let a = Self::find::<attribute::Entity>(&txn, v.attribute_id, "id", "Attribute").await?;
        let touched = products_using(&txn, a.id, Some(id)).await?;
        delete_translations(&txn, "attribute_value", vec![id]).await?;
        attribute_value::Entity::delete_by_id(id).exec(&txn).await?;
        reindex_all(&txn, &touched).await?;
        txn.commit().await?;
        Ok((a, v))
    }
}
