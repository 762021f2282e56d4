//! GraphQL: staff mutations for pages, page types, menus and menu items.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::api::{MenuItemNode, MenuNode, PageNode, PageTypeNode};
use super::service::{MenuLookup, menu_tree};
use super::write::{MenuItemFields, PageFields};
use crate::catalog::api::common::JsonString;
use crate::catalog::api::mutations::{
    AttributeValueInput, SeoInput, TranslationError, attribute_values, decode, decode_all, payload,
    split, try_input, try_write,
};
use crate::catalog::read::Viewer;
use crate::catalog::write::{Code, FieldError, TranslationFields};
use crate::core::{country::LanguageCodeEnum, permissions::Permission};
use crate::state::AppState;
use crate::state::parts;

/// Saleor's page error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "PageErrorCode")]
pub enum PageErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
    DuplicatedInputItem,
    AttributeAlreadyAssigned,
}

/// Saleor's menu error codes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "MenuErrorCode")]
pub enum MenuErrorCode {
    CannotAssignNode,
    GraphqlError,
    Invalid,
    InvalidMenuItem,
    NoMenuItemProvided,
    NotFound,
    Required,
    TooManyMenuItems,
    Unique,
}

/// An error of a page mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: PageErrorCode,
    pub attributes: Option<Vec<ID>>,
    pub values: Option<Vec<ID>>,
}

/// An error of a menu mutation.
#[derive(SimpleObject, Clone, Debug)]
pub struct MenuError {
    pub field: Option<String>,
    pub message: Option<String>,
    pub code: MenuErrorCode,
}

impl From<FieldError> for PageError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: match e.code {
                Code::GraphqlError => PageErrorCode::GraphqlError,
                Code::NotFound => PageErrorCode::NotFound,
                Code::Required => PageErrorCode::Required,
                Code::Unique => PageErrorCode::Unique,
                Code::DuplicatedInputItem => PageErrorCode::DuplicatedInputItem,
                Code::AttributeAlreadyAssigned => PageErrorCode::AttributeAlreadyAssigned,
                _ => PageErrorCode::Invalid,
            },
            attributes: None,
            values: None,
        }
    }
}

impl From<FieldError> for MenuError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: match e.code {
                Code::CannotAssignNode => MenuErrorCode::CannotAssignNode,
                Code::TooManyMenuItems => MenuErrorCode::TooManyMenuItems,
                Code::GraphqlError => MenuErrorCode::GraphqlError,
                Code::NotFound => MenuErrorCode::NotFound,
                Code::Required => MenuErrorCode::Required,
                Code::Unique => MenuErrorCode::Unique,
                _ => MenuErrorCode::Invalid,
            },
        }
    }
}

/// Fields to create a page.
#[derive(InputObject, Clone, Debug)]
pub struct PageCreateInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub content: Option<JsonString>,
    pub attributes: Option<Vec<AttributeValueInput>>,
    pub is_published: Option<bool>,
    pub published_at: Option<DateTime<Utc>>,
    pub seo: Option<SeoInput>,
    pub page_type: ID,
}

/// Fields to update a page.
#[derive(InputObject, Clone, Debug)]
pub struct PageInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub content: Option<JsonString>,
    pub attributes: Option<Vec<AttributeValueInput>>,
    pub is_published: Option<bool>,
    pub published_at: Option<DateTime<Utc>>,
    pub seo: Option<SeoInput>,
}

/// Fields to create a page type.
#[derive(InputObject, Clone, Debug)]
pub struct PageTypeCreateInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub add_attributes: Option<Vec<ID>>,
}

/// A top-level item of a new menu.
#[derive(InputObject, Clone, Debug)]
pub struct MenuItemInput {
    pub name: Option<String>,
    pub url: Option<String>,
    pub category: Option<ID>,
    pub collection: Option<ID>,
    pub page: Option<ID>,
}

/// Fields to create a menu.
#[derive(InputObject, Clone, Debug)]
pub struct MenuCreateInput {
    pub name: String,
    pub slug: Option<String>,
    pub items: Option<Vec<MenuItemInput>>,
}

/// Fields to create a menu item.
#[derive(InputObject, Clone, Debug)]
pub struct MenuItemCreateInput {
    pub name: String,
    pub url: Option<String>,
    pub category: Option<ID>,
    pub collection: Option<ID>,
    pub page: Option<ID>,
    pub menu: ID,
    pub parent: Option<ID>,
}

/// Translated page fields.
#[derive(InputObject, Clone, Debug)]
pub struct PageTranslationInput {
    pub slug: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub title: Option<String>,
    pub content: Option<JsonString>,
}

/// A translated name.
#[derive(InputObject, Clone, Debug)]
pub struct NameTranslationInput {
    pub name: Option<String>,
}

payload!(PageCreate, PageError, page_errors, { page: Option<PageNode> });
payload!(PageUpdate, PageError, page_errors, { page: Option<PageNode> });
payload!(PageDelete, PageError, page_errors, { page: Option<PageNode> });
payload!(PageTypeCreate, PageError, page_errors, { page_type: Option<PageTypeNode> });
payload!(MenuCreate, MenuError, menu_errors, { menu: Option<MenuNode> });
payload!(MenuDelete, MenuError, menu_errors, { menu: Option<MenuNode> });
payload!(MenuItemCreate, MenuError, menu_errors, { menu_item: Option<MenuItemNode> });
payload!(MenuItemDelete, MenuError, menu_errors, { menu_item: Option<MenuItemNode> });
payload!(PageTranslate, TranslationError, translation_errors, {});
payload!(MenuItemTranslate, TranslationError, translation_errors, { menu_item: Option<MenuItemNode> });

pub(super) fn staff() -> Arc<Viewer> {
    Arc::new(Viewer {
        channel: None,
        staff: true,
        tax: Default::default(),
    })
}

fn page_fields(
    slug: Option<String>,
    title: Option<String>,
    content: Option<JsonString>,
    attributes: Option<Vec<AttributeValueInput>>,
    is_published: Option<bool>,
    published_at: Option<DateTime<Utc>>,
    seo: Option<SeoInput>,
) -> Result<PageFields, Vec<FieldError>> {
    Ok(PageFields {
        page_type_id: None,
        title,
        slug,
        content: content.map(|c| c.0),
        is_published,
        published_at,
        seo_title: seo.as_ref().and_then(|s| s.title.clone()),
        seo_description: seo.as_ref().and_then(|s| s.description.clone()),
        attributes: attribute_values(attributes.as_deref().unwrap_or_default())?,
    })
}

/// What a menu item links to: category, collection and page IDs.
pub(super) type Links = (Option<i32>, Option<i32>, Option<i32>);

pub(super) fn link(
    category: Option<&ID>,
    collection: Option<&ID>,
    page: Option<&ID>,
) -> Result<Links, Vec<FieldError>> {
    Ok((
        category
            .map(|c| decode(c, "Category", "category"))
            .transpose()?,
        collection
            .map(|c| decode(c, "Collection", "collection"))
            .transpose()?,
        page.map(|p| decode(p, "Page", "page")).transpose()?,
    ))
}

pub(super) async fn menu_node(
    state: &AppState,
    req: &crate::core::context::RequestCtx,
    id: i32,
) -> Result<Option<MenuNode>> {
    Ok(menu_tree(&state.db.conn, &MenuLookup::Id(id))
        .await
        .map_err(|e| req.internal(e))?
        .map(|t| MenuNode::new(Arc::new(t), staff())))
}

/// Content mutations (staff and apps).
#[derive(Default)]
pub struct ContentMutation;

#[Object]
impl ContentMutation {
    /// Creates a new page. Requires MANAGE_PAGES.
    async fn page_create(
        &self,
        ctx: &Context<'_>,
        input: PageCreateInput,
    ) -> Result<Option<PageCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManagePages])?;
        let mut fields = try_input!(
            PageCreate,
            page_fields(
                input.slug,
                input.title,
                input.content,
                input.attributes,
                input.is_published,
                input.published_at,
                input.seo
            )
        );
        fields.page_type_id = Some(try_input!(
            PageCreate,
            decode(&input.page_type, "PageType", "pageType")
        ));
        let p = try_write!(PageCreate, req, state.content.page_create(fields));
        Ok(Some(PageCreate {
            page: Some(p.into()),
            ..Default::default()
        }))
    }

    /// Updates an existing page. Requires MANAGE_PAGES.
    async fn page_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PageInput,
    ) -> Result<Option<PageUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManagePages])?;
        let pk = try_input!(PageUpdate, decode(&id, "Page", "id"));
        let fields = try_input!(
            PageUpdate,
            page_fields(
                input.slug,
                input.title,
                input.content,
                input.attributes,
                input.is_published,
                input.published_at,
                input.seo
            )
        );
        let p = try_write!(PageUpdate, req, state.content.page_update(pk, fields));
        Ok(Some(PageUpdate {
            page: Some(p.into()),
            ..Default::default()
        }))
    }

    /// Deletes a page. Requires MANAGE_PAGES.
    async fn page_delete(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PageDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManagePages])?;
        let pk = try_input!(PageDelete, decode(&id, "Page", "id"));
        let p = try_write!(PageDelete, req, state.content.page_delete(pk));
        Ok(Some(PageDelete {
            page: Some(p.into()),
            ..Default::default()
        }))
    }

    /// Creates a new page type. Requires MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_type_create(
        &self,
        ctx: &Context<'_>,
        input: PageTypeCreateInput,
    ) -> Result<Option<PageTypeCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManagePageTypesAndAttributes])?;
        let attributes = try_input!(
            PageTypeCreate,
            decode_all(
                input.add_attributes.as_deref().unwrap_or_default(),
                "Attribute",
                "addAttributes"
            )
        );
        let pt = try_write!(
            PageTypeCreate,
            req,
            state
                .content
                .page_type_create(input.name, input.slug, attributes)
        );
        Ok(Some(PageTypeCreate {
            page_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Creates a new menu. Requires MANAGE_MENUS.
    async fn menu_create(
        &self,
        ctx: &Context<'_>,
        input: MenuCreateInput,
    ) -> Result<Option<MenuCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageMenus])?;
        let mut items = Vec::new();
        for item in input.items.iter().flatten() {
            let (category_id, collection_id, page_id) = try_input!(
                MenuCreate,
                link(
                    item.category.as_ref(),
                    item.collection.as_ref(),
                    item.page.as_ref()
                )
            );
            items.push(MenuItemFields {
                name: item.name.clone(),
                url: item.url.clone(),
                category_id,
                collection_id,
                page_id,
            });
        }
        let m = try_write!(
            MenuCreate,
            req,
            state
                .content
                .menu_create(&input.name, input.slug.as_deref(), items)
        );
        Ok(Some(MenuCreate {
            menu: menu_node(state, req, m.id).await?,
            ..Default::default()
        }))
    }

    /// Deletes a menu. Requires MANAGE_MENUS.
    async fn menu_delete(&self, ctx: &Context<'_>, id: ID) -> Result<Option<MenuDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageMenus])?;
        let pk = try_input!(MenuDelete, decode(&id, "Menu", "id"));
        let node = menu_node(state, req, pk).await?;
        try_write!(MenuDelete, req, state.content.menu_delete(pk));
        Ok(Some(MenuDelete {
            menu: node,
            ..Default::default()
        }))
    }

    /// Creates a new menu item. Requires MANAGE_MENUS.
    async fn menu_item_create(
        &self,
        ctx: &Context<'_>,
        input: MenuItemCreateInput,
    ) -> Result<Option<MenuItemCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageMenus])?;
        let menu = try_input!(MenuItemCreate, decode(&input.menu, "Menu", "menu"));
        let parent = try_input!(
            MenuItemCreate,
            input
                .parent
                .as_ref()
                .map(|p| decode(p, "MenuItem", "parent"))
                .transpose()
        );
        let (category_id, collection_id, page_id) = try_input!(
            MenuItemCreate,
            link(
                input.category.as_ref(),
                input.collection.as_ref(),
                input.page.as_ref()
            )
        );
        let item = MenuItemFields {
            name: Some(input.name),
            url: input.url,
            category_id,
            collection_id,
            page_id,
        };
        let created = try_write!(
            MenuItemCreate,
            req,
            state.content.menu_item_create(menu, parent, item)
        );
        let tree = menu_tree(&state.db.conn, &MenuLookup::Id(menu))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(MenuItemCreate {
            menu_item: tree.map(|t| MenuItemNode::new(created, Arc::new(t), staff())),
            ..Default::default()
        }))
    }

    /// Deletes a menu item. Requires MANAGE_MENUS.
    async fn menu_item_delete(&self, ctx: &Context<'_>, id: ID) -> Result<Option<MenuItemDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageMenus])?;
        let pk = try_input!(MenuItemDelete, decode(&id, "MenuItem", "id"));
        let item = try_write!(MenuItemDelete, req, state.content.menu_item_delete(pk));
        let tree = menu_tree(&state.db.conn, &MenuLookup::Id(item.menu_id))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(MenuItemDelete {
            menu_item: tree.map(|t| MenuItemNode::new(item, Arc::new(t), staff())),
            ..Default::default()
        }))
    }

    /// Creates/updates translations for a page. Requires MANAGE_TRANSLATIONS.
    async fn page_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: PageTranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<PageTranslate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let pk = try_input!(PageTranslate, decode(&id, "Page", "id"));
        let found = super::service::page_one(&state.db.conn, Some(pk), None, None, true)
            .await
            .map_err(|e| req.internal(e))?;
        if found.is_none() {
            return Ok(Some(PageTranslate::failed(vec![FieldError::new(
                "id",
                Code::NotFound,
                "Page not found.",
            )])));
        }
        let fields = TranslationFields {
            name: input.title,
            slug: input.slug,
            description: input.content.map(|c| c.0),
            seo_title: input.seo_title,
            seo_description: input.seo_description,
        };
        try_write!(
            PageTranslate,
            req,
            state
                .catalog
                .writer
                .translate("page", pk, language_code.code(), fields)
        );
        Ok(Some(PageTranslate::default()))
    }

    /// Creates/updates translations for a menu item. Requires MANAGE_TRANSLATIONS.
    async fn menu_item_translate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NameTranslationInput,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<MenuItemTranslate>> {
        use sea_orm::EntityTrait;
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageTranslations])?;
        let pk = try_input!(MenuItemTranslate, decode(&id, "MenuItem", "id"));
        let Some(item) = entities::menu_item::Entity::find_by_id(pk)
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
        else {
            return Ok(Some(MenuItemTranslate::failed(vec![FieldError::new(
                "id",
                Code::NotFound,
                "Menu item not found.",
            )])));
        };
        let fields = TranslationFields {
            name: input.name,
            ..Default::default()
        };
        try_write!(
            MenuItemTranslate,
            req,
            state
                .catalog
                .writer
                .translate("menu_item", pk, language_code.code(), fields)
        );
        let tree = menu_tree(&state.db.conn, &MenuLookup::Id(item.menu_id))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(MenuItemTranslate {
            menu_item: tree.map(|t| MenuItemNode::new(item, Arc::new(t), staff())),
            ..Default::default()
        }))
    }
}
