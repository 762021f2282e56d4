//! Write side of content: pages, page types, menus and menu items (one transaction each).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use entities::{attribute, category, collection, menu, menu_item, page, page_type, type_attribute};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use super::loaders::ContentLoaders;
use crate::catalog::write::{
    AttributeValue, Code, FieldError, WriteError, assign_attributes, delete_assigned, free_slug,
    required_name, unique_on,
};

/// Fields of a page create or update (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct PageFields {
    pub page_type_id: Option<i32>,
    pub title: Option<String>,
    pub slug: Option<String>,
    pub content: Option<serde_json::Value>,
    pub is_published: Option<bool>,
    pub published_at: Option<DateTime<Utc>>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub attributes: Vec<AttributeValue>,
}

/// What a menu item links to.
#[derive(Clone, Debug, Default)]
pub struct MenuItemFields {
    pub name: Option<String>,
    pub url: Option<String>,
    pub category_id: Option<i32>,
    pub collection_id: Option<i32>,
    pub page_id: Option<i32>,
}

/// Applies staff changes to pages and menus, and holds the content dataloaders (the state
/// keeps one content service; like the catalog's, they batch without caching).
#[derive(Clone, Debug)]
pub struct ContentWriter {
    db: DatabaseConnection,
    pub loaders: Arc<ContentLoaders>,
}

impl ContentWriter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            loaders: Arc::new(ContentLoaders::new(&db)),
            db,
        }
    }

    /// The connection (for the other content write modules).
    pub(super) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Creates a page with its attributes.
    pub async fn page_create(&self, f: PageFields) -> Result<page::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let type_id = f.page_type_id.ok_or_else(|| {
            WriteError::one("pageType", Code::Required, "This field is required.")
        })?;
        if page_type::Entity::find_by_id(type_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(WriteError::not_found("pageType", "PageType"));
        }
        let title = required_name(&f.title)
            .map_err(|_| WriteError::one("title", Code::Required, "This field is required."))?;
        let slug =
            free_slug::<page::Entity, _>(&txn, page::Column::Slug, f.slug.as_deref(), &title, None)
                .await?;
        let published = f.is_published.unwrap_or(false);
        let p = page::ActiveModel {
            page_type_id: Set(type_id),
            title: Set(title),
            slug: Set(slug),
            content: Set(f.content.clone()),
            seo_title: Set(f.seo_title.clone()),
            seo_description: Set(f.seo_description.clone()),
            is_published: Set(published),
            published_at: Set(f.published_at.or_else(|| published.then(Utc::now))),
            created_at: Set(Utc::now()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        assign_attributes(&txn, "page", p.id, type_id, "page", &f.attributes).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Updates a page.
    pub async fn page_update(&self, id: i32, f: PageFields) -> Result<page::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = page::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "Page"))?;
        let mut am = p.clone().into_active_model();
        if let Some(t) = &f.title {
            am.title = Set(required_name(&Some(t.clone())).map_err(|_| {
                WriteError::one("title", Code::Required, "This field is required.")
            })?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<page::Entity, _>(
                &txn,
                page::Column::Slug,
                f.slug.as_deref(),
                &p.title,
                Some(p.id),
            )
            .await?);
        }
        if let Some(c) = f.content.clone() {
            am.content = Set(Some(c));
        }
        if let Some(v) = f.is_published {
            am.is_published = Set(v);
            if v && p.published_at.is_none() {
                am.published_at = Set(Some(Utc::now()));
            }
        }
        if let Some(at) = f.published_at {
            am.published_at = Set(Some(at));
        }
        if let Some(t) = f.seo_title.clone() {
            am.seo_title = Set(Some(t));
        }
        if let Some(t) = f.seo_description.clone() {
            am.seo_description = Set(Some(t));
        }
        let p = am.update(&txn).await.map_err(unique_on("slug"))?;
        assign_attributes(&txn, "page", p.id, p.page_type_id, "page", &f.attributes).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Deletes a page.
    pub async fn page_delete(&self, id: i32) -> Result<page::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let p = page::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "Page"))?;
        delete_assigned(&txn, "page", &[id]).await?;
        page::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(p)
    }

    /// Creates a page type with attributes.
    pub async fn page_type_create(
        &self,
        name: Option<String>,
        slug: Option<String>,
        attributes: Vec<i32>,
    ) -> Result<page_type::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let name = required_name(&name)?;
        let slug = free_slug::<page_type::Entity, _>(
            &txn,
            page_type::Column::Slug,
            slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let pt = page_type::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        for (i, a) in attributes.iter().enumerate() {
            let found = attribute::Entity::find_by_id(*a).one(&txn).await?;
            if found.is_none_or(|a| a.attribute_type != "PAGE_TYPE") {
                return Err(WriteError::one(
                    "addAttributes",
                    Code::Invalid,
                    "Only page attributes can be assigned.",
                ));
            }
            type_attribute::ActiveModel {
                owner_kind: Set("page".into()),
                owner_id: Set(pt.id),
                attribute_id: Set(*a),
                variant_selection: Set(false),
                sort_order: Set(i as i32),
                ..Default::default()
            }
            .insert(&txn)
            .await
            .map_err(|_| {
                WriteError::one(
                    "addAttributes",
                    Code::DuplicatedInputItem,
                    "Duplicated attribute.",
                )
            })?;
        }
        txn.commit().await?;
        Ok(pt)
    }

    /// Creates a menu with top-level items.
    pub async fn menu_create(
        &self,
        name: &str,
        slug: Option<&str>,
        items: Vec<MenuItemFields>,
    ) -> Result<menu::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let name = required_name(&Some(name.to_owned()))?;
        let slug =
            free_slug::<menu::Entity, _>(&txn, menu::Column::Slug, slug, &name, None).await?;
        let m = menu::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(unique_on("slug"))?;
        for (i, item) in items.into_iter().enumerate() {
            insert_item(&txn, m.id, None, item, i as i32).await?;
        }
        txn.commit().await?;
        Ok(m)
    }

    /// Deletes a menu and its items.
    pub async fn menu_delete(&self, id: i32) -> Result<menu::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let m = menu::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "Menu"))?;
        menu::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(m)
    }

    /// Adds an item to a menu (under `parent_id`).
    pub async fn menu_item_create(
        &self,
        menu_id: i32,
        parent_id: Option<i32>,
        item: MenuItemFields,
    ) -> Result<menu_item::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        if menu::Entity::find_by_id(menu_id).one(&txn).await?.is_none() {
            return Err(WriteError::not_found("menu", "Menu"));
        }
        let next = menu_item::Entity::find()
            .filter(menu_item::Column::MenuId.eq(menu_id))
            .order_by_desc(menu_item::Column::SortOrder)
            .one(&txn)
            .await?
            .map_or(0, |i| i.sort_order + 1);
        let created = insert_item(&txn, menu_id, parent_id, item, next).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// Deletes a menu item (and its children).
    pub async fn menu_item_delete(&self, id: i32) -> Result<menu_item::Model, WriteError> {
        let txn = crate::db::begin_write(&self.db).await?;
        let item = menu_item::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "MenuItem"))?;
        menu_item::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(item)
    }
}

/// Checks what a menu item links to: at most one target, a plausible URL, existing objects.
pub(super) async fn check_links(
    txn: &sea_orm::DatabaseTransaction,
    item: &MenuItemFields,
) -> Result<(), WriteError> {
    let links = usize::from(item.url.is_some())
        + usize::from(item.category_id.is_some())
        + usize::from(item.collection_id.is_some())
        + usize::from(item.page_id.is_some());
    if links > 1 {
        return Err(WriteError::Invalid(vec![FieldError {
            field: None,
            message: "More than one item provided.".into(),
            code: Code::TooManyMenuItems,
            index: None,
        }]));
    }
    if let Some(url) = &item.url
        && !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
    {
        return Err(WriteError::one("url", Code::Invalid, "Enter a valid URL."));
    }
    if let Some(c) = item.category_id
        && category::Entity::find_by_id(c).one(txn).await?.is_none()
    {
        return Err(WriteError::not_found("category", "Category"));
    }
    if let Some(c) = item.collection_id
        && collection::Entity::find_by_id(c).one(txn).await?.is_none()
    {
        return Err(WriteError::not_found("collection", "Collection"));
    }
    if let Some(p) = item.page_id
        && page::Entity::find_by_id(p).one(txn).await?.is_none()
    {
        return Err(WriteError::not_found("page", "Page"));
    }
    Ok(())
}

async fn insert_item(
    txn: &sea_orm::DatabaseTransaction,
    menu_id: i32,
    parent_id: Option<i32>,
    item: MenuItemFields,
    sort_order: i32,
) -> Result<menu_item::Model, WriteError> {
    let name = required_name(&item.name)?;
    check_links(txn, &item).await?;
    let level = match parent_id {
        Some(pid) => {
            let parent = menu_item::Entity::find_by_id(pid)
                .one(txn)
                .await?
                .filter(|p| p.menu_id == menu_id)
                .ok_or_else(|| WriteError::not_found("parent", "MenuItem"))?;
            parent.level + 1
        }
        None => 0,
    };
    Ok(menu_item::ActiveModel {
        menu_id: Set(menu_id),
        parent_id: Set(parent_id),
        name: Set(name),
        url: Set(item.url),
        category_id: Set(item.category_id),
        collection_id: Set(item.collection_id),
        page_id: Set(item.page_id),
        sort_order: Set(sort_order),
        level: Set(level),
        metadata: Set(json!({})),
        private_metadata: Set(json!({})),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}
