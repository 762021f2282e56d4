//! Write side of the dashboard's page screens: bulk page delete and publish, page type
//! updates, deletes and attribute assignment (menus: `menu_write`). Each runs in one
//! transaction: a bulk change naming an unknown object changes nothing.

use std::collections::BTreeSet;

use chrono::Utc;
use entities::{assigned_value, attribute, page, page_type, translation, type_attribute};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    PrimaryKeyTrait, QueryFilter, QuerySelect, Set,
};

use super::write::ContentWriter;
use crate::catalog::write::{
    CatalogWriter, Code, FieldError, WriteError, delete_assigned, free_slug, required_name,
    unique_on,
};

/// Changes to a page type; `None` or empty leaves a part as it is.
#[derive(Clone, Debug, Default)]
pub struct PageTypeChanges {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub add_attributes: Vec<i32>,
    pub remove_attributes: Vec<i32>,
}

/// A page type change rejected because of some attributes: the error and those attributes.
#[derive(Clone, Debug)]
pub struct AttributeIssue {
    pub error: FieldError,
    pub attributes: Vec<i32>,
}

/// The page type after a change, or what is wrong with the attributes it names.
pub type AttributeOutcome = Result<page_type::Model, Vec<AttributeIssue>>;

/// The rows with `ids` (each once, in the given order); `NOT_FOUND` on `id` for a missing one.
pub(super) async fn find_each<E>(
    txn: &DatabaseTransaction,
    ids: &[i32],
    what: &str,
) -> Result<Vec<E::Model>, WriteError>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
{
    let mut seen = BTreeSet::new();
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if seen.insert(*id) {
            found.push(CatalogWriter::find::<E>(txn, *id, "id", what).await?);
        }
    }
    Ok(found)
}

pub(super) async fn delete_translations(
    txn: &DatabaseTransaction,
    kind: &str,
    ids: Vec<i32>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    translation::Entity::delete_many()
        .filter(translation::Column::EntityKind.eq(kind))
        .filter(translation::Column::EntityId.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// Deletes pages with their attribute values and translations (menu items linking them go
/// with them, by the foreign key).
async fn delete_pages(txn: &DatabaseTransaction, ids: &[i32]) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    delete_assigned(txn, "page", ids).await?;
    delete_translations(txn, "page", ids.to_vec()).await?;
    page::Entity::delete_many()
        .filter(page::Column::Id.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// The attributes with `ids`; `NOT_FOUND` on `field` for a missing one, and an issue on
/// `field` listing those that are not page attributes.
async fn page_attributes(
    txn: &DatabaseTransaction,
    ids: &[i32],
    field: &str,
    message: &str,
) -> Result<Result<Vec<attribute::Model>, AttributeIssue>, WriteError> {
    let mut found = Vec::with_capacity(ids.len());
    for id in ids.iter().collect::<BTreeSet<_>>() {
        found.push(CatalogWriter::find::<attribute::Entity>(txn, *id, field, "Attribute").await?);
    }
    let invalid: Vec<i32> = found
        .iter()
        .filter(|a| a.attribute_type != "PAGE_TYPE")
        .map(|a| a.id)
        .collect();
    if invalid.is_empty() {
        Ok(Ok(found))
    } else {
        Ok(Err(AttributeIssue {
            error: FieldError::new(field, Code::Invalid, message),
            attributes: invalid,
        }))
    }
}

/// Attribute IDs assigned to page type `type_id`, in their order.
async fn assigned_to(txn: &DatabaseTransaction, type_id: i32) -> Result<Vec<(i32, i32)>, DbErr> {
    type_attribute::Entity::find()
        .select_only()
        .column(type_attribute::Column::AttributeId)
        .column(type_attribute::Column::SortOrder)
        .filter(type_attribute::Column::OwnerKind.eq("page"))
        .filter(type_attribute::Column::OwnerId.eq(type_id))
        .into_tuple()
        .all(txn)
        .await
}

/// Appends the attributes in `ids` not yet assigned to page type `type_id`.
async fn add_page_attributes(
    txn: &DatabaseTransaction,
    type_id: i32,
    ids: &[i32],
) -> Result<(), DbErr> {
    let current = assigned_to(txn, type_id).await?;
    let mut next = current.iter().map(|(_, s)| s + 1).max().unwrap_or(0);
    let mut seen: BTreeSet<i32> = current.iter().map(|(a, _)| *a).collect();
    for id in ids {
        if !seen.insert(*id) {
            continue;
        }
        type_attribute::ActiveModel {
            owner_kind: Set("page".into()),
            owner_id: Set(type_id),
            attribute_id: Set(*id),
            variant_selection: Set(false),
            sort_order: Set(next),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        next += 1;
    }
    Ok(())
}

/// Removes attributes from page type `type_id`; its pages lose their values for them.
async fn remove_page_attributes(
    txn: &DatabaseTransaction,
    type_id: i32,
    ids: &[i32],
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    type_attribute::Entity::delete_many()
        .filter(type_attribute::Column::OwnerKind.eq("page"))
        .filter(type_attribute::Column::OwnerId.eq(type_id))
        .filter(type_attribute::Column::AttributeId.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    assigned_value::Entity::delete_many()
        .filter(assigned_value::Column::EntityKind.eq("page"))
        .filter(assigned_value::Column::TypeId.eq(type_id))
        .filter(assigned_value::Column::AttributeId.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

impl ContentWriter {
    /// Deletes pages with their attribute values and translations.
    pub async fn pages_delete(&self, ids: &[i32]) -> Result<Vec<page::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pages = find_each::<page::Entity>(&txn, ids, "Page").await?;
        delete_pages(&txn, &pages.iter().map(|p| p.id).collect::<Vec<_>>()).await?;
        txn.commit().await?;
        Ok(pages)
    }

    /// Publishes or hides pages; a page published for the first time gets a publication
    /// date.
    pub async fn pages_publish(
        &self,
        ids: &[i32],
        published: bool,
    ) -> Result<Vec<page::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pages = find_each::<page::Entity>(&txn, ids, "Page").await?;
        let mut updated = Vec::with_capacity(pages.len());
        for p in pages {
            let first = published && p.published_at.is_none();
            let mut am = p.into_active_model();
            am.is_published = Set(published);
            if first {
                am.published_at = Set(Some(Utc::now()));
            }
            updated.push(am.update(&txn).await?);
        }
        txn.commit().await?;
        Ok(updated)
    }

    /// Changes a page type's name or slug and adds or removes page attributes (pages lose
    /// their values for removed ones).
    pub async fn page_type_update(
        &self,
        id: i32,
        f: PageTypeChanges,
    ) -> Result<AttributeOutcome, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = CatalogWriter::find::<page_type::Entity>(&txn, id, "id", "PageType").await?;
        let both: Vec<i32> = f
            .add_attributes
            .iter()
            .filter(|a| f.remove_attributes.contains(a))
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !both.is_empty() {
            return Ok(Err(vec![AttributeIssue {
                error: FieldError::new(
                    "attributes",
                    Code::DuplicatedInputItem,
                    "The same object cannot be in both lists for adding and removing items.",
                ),
                attributes: both,
            }]));
        }
        let mut issues = Vec::new();
        for (ids, field) in [
            (&f.add_attributes, "addAttributes"),
            (&f.remove_attributes, "removeAttributes"),
        ] {
            if let Err(issue) =
                page_attributes(&txn, ids, field, "Only page type attributes allowed.").await?
            {
                issues.push(issue);
            }
        }
        if !issues.is_empty() {
            return Ok(Err(issues));
        }
        let mut am = pt.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<page_type::Entity, _>(
                &txn,
                page_type::Column::Slug,
                f.slug.as_deref(),
                &pt.name,
                Some(id),
            )
            .await?);
        }
        let pt = am.update(&txn).await.map_err(unique_on("slug"))?;
        remove_page_attributes(&txn, id, &f.remove_attributes).await?;
        add_page_attributes(&txn, id, &f.add_attributes).await?;
        txn.commit().await?;
        Ok(Ok(pt))
    }

    /// Deletes page types with every page of those types (as Saleor does).
    pub async fn page_types_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<page_type::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let types = find_each::<page_type::Entity>(&txn, ids, "PageType").await?;
        let type_ids: Vec<i32> = types.iter().map(|t| t.id).collect();
        let pages: Vec<i32> = page::Entity::find()
            .select_only()
            .column(page::Column::Id)
            .filter(page::Column::PageTypeId.is_in(type_ids.clone()))
            .into_tuple()
            .all(&txn)
            .await?;
        delete_pages(&txn, &pages).await?;
        type_attribute::Entity::delete_many()
            .filter(type_attribute::Column::OwnerKind.eq("page"))
            .filter(type_attribute::Column::OwnerId.is_in(type_ids.clone()))
            .exec(&txn)
            .await?;
        page_type::Entity::delete_many()
            .filter(page_type::Column::Id.is_in(type_ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(types)
    }

    /// Assigns page attributes to a page type (`pageAttributeAssign`).
    pub async fn page_attributes_assign(
        &self,
        type_id: i32,
        attribute_ids: &[i32],
    ) -> Result<AttributeOutcome, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = CatalogWriter::find::<page_type::Entity>(&txn, type_id, "pageTypeId", "PageType")
            .await?;
        let mut issues = Vec::new();
        if let Err(issue) = page_attributes(
            &txn,
            attribute_ids,
            "attributeIds",
            "Only page attributes can be assigned.",
        )
        .await?
        {
            issues.push(issue);
        }
        let current: BTreeSet<i32> = assigned_to(&txn, type_id)
            .await?
            .into_iter()
            .map(|(a, _)| a)
            .collect();
        let already: Vec<i32> = attribute_ids
            .iter()
            .filter(|a| current.contains(a))
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !already.is_empty() {
            issues.push(AttributeIssue {
                error: FieldError::new(
                    "attributeIds",
                    Code::AttributeAlreadyAssigned,
                    "Some of the attributes have been already assigned to this page type.",
                ),
                attributes: already,
            });
        }
        if !issues.is_empty() {
            return Ok(Err(issues));
        }
        add_page_attributes(&txn, type_id, attribute_ids).await?;
        txn.commit().await?;
        Ok(Ok(pt))
    }

    /// Removes attributes from a page type; its pages lose their values for them.
    pub async fn page_attributes_unassign(
        &self,
        type_id: i32,
        attribute_ids: &[i32],
    ) -> Result<page_type::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let pt = CatalogWriter::find::<page_type::Entity>(&txn, type_id, "pageTypeId", "PageType")
            .await?;
        remove_page_attributes(&txn, type_id, attribute_ids).await?;
        txn.commit().await?;
        Ok(pt)
    }
}
