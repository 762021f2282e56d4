//! GraphQL: `Page`, `PageType`, `Menu`, `MenuItem` and their root queries.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entities::{menu_item, page};

pub use super::page_type::PageTypeNode;
use super::queries::{PageSortField, PageSortingInput};
use super::service::{self, MenuLookup, MenuTree, PageFilter, PageSort};
use crate::catalog::api::attributes::{self, AssignedAttribute, Group, SelectedAttribute};
use crate::catalog::api::category::{CategoryNode, CollectionNode, read_error, viewer};
use crate::catalog::api::common::{JsonString, PositiveInt, requested_language, translation};
use crate::catalog::api::inputs::{PageFilterInput, PageWhereInput};
use crate::catalog::api::products::{ASSIGNED_PATHS, SELECTED_PATHS};
use crate::catalog::loaders::kind;
use crate::catalog::read::Viewer;
use crate::core::{
    connection::{self, Countable, OrderDirection, Page, PageArgs, TotalCount},
    country::LanguageCodeEnum,
    error::{ErrorCode, error},
    id,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;
use crate::translation_type;

countable_names!(PageNames, "Page");

translation_type!(
    PageTranslation,
    "PageTranslation",
    "Page translation.",
    page
);
translation_type!(
    MenuItemTranslation,
    "MenuItemTranslation",
    "Menu item translation.",
    name
);

/// A static page that can be manually added by a shop operator through the dashboard.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Page")]
pub struct PageNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: page::Model,
}

impl From<page::Model> for PageNode {
    fn from(model: page::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for PageNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

impl PageNode {
    /// The page's attributes: every attribute of its type, with the page's values.
    async fn attribute_groups(&self, ctx: &Context<'_>, selected: bool) -> Result<Vec<Group>> {
        let language = requested_language(
            ctx,
            if selected {
                SELECTED_PATHS
            } else {
                ASSIGNED_PATHS
            },
        );
        let (_, req) = parts(ctx)?;
        let rows = crate::loaders::loaders(ctx)?
            .catalog
            .assigned
            .load_one((kind::PAGE, self.model.id, language))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        let types = crate::loaders::loaders(ctx)?
            .catalog
            .type_attributes
            .load_one((kind::PAGE, self.model.page_type_id))
            .await
            .map_err(|e| req.internal(e))?
            .unwrap_or_default();
        Ok(attributes::complete(&rows, &types, req.is_staff_or_app()))
    }
}

#[ComplexObject]
impl PageNode {
    #[graphql(complexity = 0)]
    /// The ID of the page.
    async fn id(&self) -> ID {
        id::encode("Page", self.model.id)
    }
    /// Get a single attribute attached to page by attribute slug.
    async fn assigned_attribute(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> Result<Option<AssignedAttribute>> {
        Ok(attributes::assigned_by_slug(
            self.attribute_groups(ctx, false).await?,
            &slug,
        ))
    }
    /// List of attributes assigned to this page.
    async fn assigned_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(PositiveInt(100))")] limit: Option<PositiveInt>,
    ) -> Result<Vec<AssignedAttribute>> {
        Ok(attributes::assigned(
            self.attribute_groups(ctx, false).await?,
            limit.map_or(100, |l| l.0) as usize,
        ))
    }
    #[graphql(complexity = 0)]
    async fn seo_title(&self) -> Option<&str> {
        self.model.seo_title.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn seo_description(&self) -> Option<&str> {
        self.model.seo_description.as_deref()
    }
    #[graphql(complexity = 0)]
    async fn title(&self) -> &str {
        &self.model.title
    }
    #[graphql(complexity = 0)]
    /// Content of the page (Editor.js JSON).
    async fn content(&self) -> Option<JsonString> {
        self.model.content.clone().map(JsonString)
    }
    #[graphql(complexity = 0)]
    /// The page publication date.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.model.published_at
    }
    #[graphql(complexity = 0)]
    /// Determines if the page is published.
    async fn is_published(&self) -> bool {
        self.model.is_published
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// Determines the type of page.
    async fn page_type(&self, ctx: &Context<'_>) -> Result<PageTypeNode> {
        let (_, req) = parts(ctx)?;
        crate::loaders::loaders(ctx)?
            .catalog
            .page_types
            .load_one(self.model.page_type_id)
            .await
            .map_err(|e| req.internal(e))?
            .map(PageTypeNode::from)
            .ok_or_else(|| req.internal("page without page type"))
    }
    #[graphql(complexity = 0)]
    async fn created(&self) -> DateTime<Utc> {
        self.model.created_at
    }
    /// Returns translated page fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<PageTranslation>> {
        Ok(translation(ctx, kind::PAGE, self.model.id, language_code)
            .await?
            .map(PageTranslation))
    }
    /// List of attributes assigned to this page.
    #[graphql(deprecation = "Use `assignedAttributes` field instead.")]
    async fn attributes(&self, ctx: &Context<'_>) -> Result<Vec<SelectedAttribute>> {
        Ok(attributes::selected(
            self.attribute_groups(ctx, true).await?,
        ))
    }
    /// Get a single attribute attached to page by attribute slug.
    #[graphql(deprecation = "Use `assignedAttribute` field instead.")]
    async fn attribute(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of the attribute")] slug: String,
    ) -> Result<Option<SelectedAttribute>> {
        Ok(attributes::selected_by_slug(
            self.attribute_groups(ctx, true).await?,
            &slug,
        ))
    }
    /// Content of the page.
    ///
    /// Rich text format. For reference see https://editorjs.io/
    #[graphql(complexity = 0, deprecation = "Use the `content` field instead.")]
    async fn content_json(&self) -> JsonString {
        JsonString(
            self.model
                .content
                .clone()
                .unwrap_or_else(|| serde_json::json!({})),
        )
    }
    /// The page publication date.
    #[graphql(
        complexity = 0,
        deprecation = "Use the `publishedAt` field to fetch the publication date."
    )]
    async fn publication_date(&self) -> Option<crate::core::scalars::Date> {
        self.model
            .published_at
            .map(|d| crate::core::scalars::Date(d.date_naive()))
    }
}

/// Represents a single menu - an object that is used to help navigate through the store.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Menu")]
pub struct MenuNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub tree: Arc<MenuTree>,
    #[graphql(skip)]
    pub viewer: Arc<Viewer>,
}

impl MenuNode {
    /// A menu node over a loaded tree.
    pub fn new(tree: Arc<MenuTree>, viewer: Arc<Viewer>) -> Self {
        Self {
            meta: MetadataFields::new(&tree.menu.metadata, &tree.menu.private_metadata),
            tree,
            viewer,
        }
    }
}

impl HasMetadata for MenuNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl MenuNode {
    #[graphql(complexity = 0)]
    /// The ID of the menu.
    async fn id(&self) -> ID {
        id::encode("Menu", self.tree.menu.id)
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.tree.menu.name
    }
    #[graphql(complexity = 0)]
    async fn slug(&self) -> &str {
        &self.tree.menu.slug
    }
    /// Top-level items of the menu.
    async fn items(&self) -> Option<Vec<MenuItemNode>> {
        Some(
            self.tree
                .children(None)
                .into_iter()
                .map(|item| MenuItemNode::new(item, self.tree.clone(), self.viewer.clone()))
                .collect(),
        )
    }
}

/// Represents a single item of the related menu. Can store categories, collection or pages.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "MenuItem")]
pub struct MenuItemNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub item: menu_item::Model,
    #[graphql(skip)]
    pub tree: Arc<MenuTree>,
    #[graphql(skip)]
    pub viewer: Arc<Viewer>,
}

impl MenuItemNode {
    /// A menu item node within its menu's tree.
    pub fn new(item: menu_item::Model, tree: Arc<MenuTree>, viewer: Arc<Viewer>) -> Self {
        Self {
            meta: MetadataFields::new(&item.metadata, &item.private_metadata),
            item,
            tree,
            viewer,
        }
    }
}

impl HasMetadata for MenuItemNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl MenuItemNode {
    #[graphql(complexity = 0)]
    /// The ID of the menu item.
    async fn id(&self) -> ID {
        id::encode("MenuItem", self.item.id)
    }
    #[graphql(complexity = 0)]
    async fn name(&self) -> &str {
        &self.item.name
    }
    /// The menu the item belongs to.
    async fn menu(&self) -> MenuNode {
        MenuNode {
            meta: MetadataFields::new(&self.tree.menu.metadata, &self.tree.menu.private_metadata),
            tree: self.tree.clone(),
            viewer: self.viewer.clone(),
        }
    }
    /// The parent item.
    async fn parent(&self) -> Option<MenuItemNode> {
        let parent = self.item.parent_id?;
        self.tree
            .items
            .iter()
            .find(|i| i.id == parent)
            .cloned()
            .map(|i| MenuItemNode::new(i, self.tree.clone(), self.viewer.clone()))
    }
    /// The linked category.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<CategoryNode>> {
        let Some(pk) = self.item.category_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .categories
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(CategoryNode::from))
    }
    /// The linked collection.
    async fn collection(&self, ctx: &Context<'_>) -> Result<Option<CollectionNode>> {
        let Some(pk) = self.item.collection_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .collections
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(|c| CollectionNode::new(c, Some(self.viewer.clone()))))
    }
    /// The linked page (published pages only for anonymous callers).
    async fn page(&self, ctx: &Context<'_>) -> Result<Option<PageNode>> {
        let Some(pk) = self.item.page_id else {
            return Ok(None);
        };
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .pages
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .filter(|p| self.viewer.staff || p.is_published)
            .map(PageNode::from))
    }
    #[graphql(complexity = 0)]
    /// Level of the item in the menu tree (0 for top level).
    async fn level(&self) -> i32 {
        self.item.level
    }
    /// Items under this one.
    async fn children(&self) -> Option<Vec<MenuItemNode>> {
        Some(
            self.tree
                .children(Some(self.item.id))
                .into_iter()
                .map(|item| MenuItemNode::new(item, self.tree.clone(), self.viewer.clone()))
                .collect(),
        )
    }
    #[graphql(complexity = 0)]
    /// URL to the menu item.
    async fn url(&self) -> Option<&str> {
        self.item.url.as_deref()
    }
    /// Returns translated menu item fields for the given language code.
    async fn translation(
        &self,
        ctx: &Context<'_>,
        language_code: LanguageCodeEnum,
    ) -> Result<Option<MenuItemTranslation>> {
        Ok(
            translation(ctx, kind::MENU_ITEM, self.item.id, language_code)
                .await?
                .map(MenuItemTranslation),
        )
    }
}

/// Content queries: pages and menus.
#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// Look up a page by ID or slug. Unpublished pages are visible to staff only.
    async fn page(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        slug_language_code: Option<LanguageCodeEnum>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
    ) -> Result<Option<PageNode>> {
        let _ = channel;
        if usize::from(id.is_some()) + usize::from(slug.is_some()) != 1 {
            return Err(error(
                ErrorCode::InvalidInput,
                "Exactly one of 'id' or 'slug' must be specified.",
            ));
        }
        let pk = id.map(|i| id::decode::<i32>(&i, "Page")).transpose()?;
        let (state, req) = parts(ctx)?;
        let found = service::page_one(
            &state.db.conn,
            pk,
            slug.as_deref(),
            slug_language_code.map(|l| l.code()),
            req.is_staff_or_app(),
        )
        .await
        .map_err(|e| req.internal(e))?;
        Ok(found.map(PageNode::from))
    }

    /// List of the shop's pages.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn pages(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "+ Use `where` and `search` instead.")] filter: Option<
            PageFilterInput,
        >,
        #[graphql(desc = "Sort pages.")] sort_by: Option<PageSortingInput>,
        search: Option<String>,
        #[graphql(name = "where")] where_: Option<PageWhereInput>,
        channel: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<PageNode, PageNames>>> {
        let _ = channel;
        if search.is_some() {
            return Err(error(
                ErrorCode::InvalidInput,
                "Searching pages is not supported yet.",
            ));
        }
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "pages",
        )?;
        let mut f = PageFilter::default();
        for sub in [
            filter
                .as_ref()
                .map(PageFilterInput::to_filter)
                .transpose()?,
            where_.as_ref().map(PageWhereInput::to_filter).transpose()?,
        ]
        .into_iter()
        .flatten()
        {
            f.ids = sub.ids.or(f.ids);
            f.slugs = sub.slugs.or(f.slugs);
            f.page_type_ids = sub.page_type_ids.or(f.page_type_ids);
        }
        let (state, req) = parts(ctx)?;
        let staff = req.is_staff_or_app();
        let db = state.db.conn.clone();
        let sort = match sort_by.as_ref().map(|s| s.field) {
            None | Some(PageSortField::Slug) => PageSort::Slug,
            Some(PageSortField::Title) => PageSort::Title,
            Some(PageSortField::CreatedAt | PageSortField::CreationDate) => PageSort::CreatedAt,
            Some(_) => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Sorting pages by visibility, publication date or rank is not supported yet; sort by TITLE, SLUG or CREATED_AT.",
                ));
            }
        };
        let descending = sort_by.is_some_and(|s| s.direction == OrderDirection::Desc);
        let result = service::pages_page(&db, &f, staff, (sort, descending), &page)
            .await
            .map_err(|e| read_error(req, e))?;
        let total = TotalCount::lazy(move || {
            let (db, f) = (db.clone(), f.clone());
            async move { service::pages_count(&db, &f, staff).await }
        });
        Ok(Some(connection::build(
            result.map(PageNode::from),
            total,
            move |n: &PageNode| service::page_key(&n.model, sort),
        )))
    }

    /// Look up a navigation menu by ID, name or slug.
    async fn menu(
        &self,
        ctx: &Context<'_>,
        channel: Option<String>,
        id: Option<ID>,
        name: Option<String>,
        slug: Option<String>,
    ) -> Result<Option<MenuNode>> {
        let lookup = match (id, name, slug) {
            (Some(i), None, None) => MenuLookup::Id(id::decode::<i32>(&i, "Menu")?),
            (None, Some(n), None) => MenuLookup::Name(n),
            (None, None, Some(s)) => MenuLookup::Slug(s),
            _ => {
                return Err(error(
                    ErrorCode::InvalidInput,
                    "Exactly one of 'id', 'name' or 'slug' must be specified.",
                ));
            }
        };
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let (state, req) = parts(ctx)?;
        let tree = service::menu_tree(&state.db.conn, &lookup)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(tree.map(|tree| MenuNode {
            meta: MetadataFields::new(&tree.menu.metadata, &tree.menu.private_metadata),
            tree: Arc::new(tree),
            viewer,
        }))
    }
}
