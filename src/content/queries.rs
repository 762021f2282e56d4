//! GraphQL: the dashboard's content lists and lookups: `pageType(s)`, `menus`,
//! `menuItem(s)`, with Saleor's filters and sort fields.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entities::page_type;

use super::api::{MenuItemNode, MenuNode, PageTypeNode};
use super::service::{self, MenuFilter, MenuItemFilter, MenuSort, MetadataMatch, PageTypeFilter};
use crate::catalog::api::category::{read_error, viewer};
use crate::catalog::api::inputs::MetadataFilter;
use crate::core::{
    connection::{self, Countable, KeyPart, OrderDirection, Page, PageArgs, SortKey, TotalCount},
    id,
};
use crate::countable_names;
use crate::state::parts;

countable_names!(PageTypeNames, "PageType");
countable_names!(MenuNames, "Menu");
countable_names!(MenuItemNames, "MenuItem");

/// Saleor's `PageSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PageSortField {
    /// Sort pages by title.
    Title,
    /// Sort pages by slug.
    Slug,
    /// Sort pages by visibility.
    Visibility,
    /// Sort pages by creation date.
    #[graphql(deprecation = "Use `CREATED_AT` instead.")]
    CreationDate,
    /// Sort pages by publication date.
    #[graphql(deprecation = "Use `PUBLISHED_AT` instead.")]
    PublicationDate,
    /// Sort pages by publication date.
    PublishedAt,
    /// Sort pages by creation date.
    CreatedAt,
    /// Sort pages by rank. Note: This option is available only with the `search` filter.
    Rank,
}

/// Order of `pages`.
#[derive(InputObject, Clone, Debug)]
pub struct PageSortingInput {
    /// Specifies the direction in which to sort pages.
    pub direction: OrderDirection,
    /// Sort pages by the selected field.
    pub field: PageSortField,
}

/// Saleor's `PageTypeSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PageTypeSortField {
    /// Sort page types by name.
    Name,
    /// Sort page types by slug.
    Slug,
}

/// Order of `pageTypes`.
#[derive(InputObject, Clone, Debug)]
pub struct PageTypeSortingInput {
    /// Specifies the direction in which to sort page types.
    pub direction: OrderDirection,
    /// Sort page types by the selected field.
    pub field: PageTypeSortField,
}

/// Filter of `pageTypes`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PageTypeFilterInput {
    pub search: Option<String>,
    pub slugs: Option<Vec<String>>,
}

/// Saleor's `MenuSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MenuSortField {
    /// Sort menus by name.
    Name,
    /// Sort menus by items count.
    ItemsCount,
}

/// Order of `menus`.
#[derive(InputObject, Clone, Debug)]
pub struct MenuSortingInput {
    /// Specifies the direction in which to sort menus.
    pub direction: OrderDirection,
    /// Sort menus by the selected field.
    pub field: MenuSortField,
}

/// Filter of `menus`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MenuFilterInput {
    pub search: Option<String>,
    pub slug: Option<Vec<String>>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub slugs: Option<Vec<String>>,
}

/// Saleor's `MenuItemsSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MenuItemsSortField {
    /// Sort menu items by name.
    Name,
}

/// Order of `menuItems`.
#[derive(InputObject, Clone, Debug)]
pub struct MenuItemSortingInput {
    /// Specifies the direction in which to sort menu items.
    pub direction: OrderDirection,
    /// Sort menu items by the selected field.
    pub field: MenuItemsSortField,
}

/// Filter of `menuItems`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MenuItemFilterInput {
    pub search: Option<String>,
    pub metadata: Option<Vec<MetadataFilter>>,
}

fn metadata(items: Option<Vec<MetadataFilter>>) -> MetadataMatch {
    items
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.key, m.value))
        .collect()
}

/// Content lists and lookups of the dashboard (public, as in Saleor).
#[derive(Default)]
pub struct ContentAdminQuery;

#[Object]
impl ContentAdminQuery {
    /// Look up a page type by ID.
    async fn page_type(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the page type.")] id: ID,
    ) -> Result<Option<PageTypeNode>> {
        let pk = id::decode::<i32>(&id, "PageType")?;
        let (_, req) = parts(ctx)?;
        Ok(crate::loaders::loaders(ctx)?
            .catalog
            .page_types
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(Into::into))
    }

    /// List of the page types.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn page_types(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Sort page types.")] sort_by: Option<PageTypeSortingInput>,
        #[graphql(desc = "Filtering options for page types.")] filter: Option<PageTypeFilterInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<PageTypeNode, PageTypeNames>>> {
        let (state, req) = parts(ctx)?;
        let filter = filter.unwrap_or_default();
        let select = service::page_types_select(&PageTypeFilter {
            search: filter.search,
            slugs: filter.slugs,
        });
        let by_slug = sort_by
            .as_ref()
            .is_some_and(|s| s.field == PageTypeSortField::Slug);
        let key = SortKey {
            columns: vec![
                if by_slug {
                    page_type::Column::Slug
                } else {
                    page_type::Column::Name
                },
                page_type::Column::Id,
            ],
            descending: sort_by
                .as_ref()
                .is_some_and(|s| s.direction == OrderDirection::Desc),
        };
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        Ok(Some(
            connection::entity_connection(
                req,
                &state.db.conn,
                select,
                key,
                (args, "pageTypes"),
                PageTypeNode::from,
                move |n: &PageTypeNode| {
                    vec![
                        KeyPart::Str(if by_slug {
                            n.model.slug.clone()
                        } else {
                            n.model.name.clone()
                        }),
                        KeyPart::Int(i64::from(n.model.id)),
                    ]
                },
            )
            .await?,
        ))
    }

    /// List of the storefront's menus.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn menus(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
        #[graphql(desc = "Sort menus.")] sort_by: Option<MenuSortingInput>,
        #[graphql(desc = "Filtering options for menus.\n\n`slug`: Use `slugs` instead.")]
        filter: Option<MenuFilterInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<MenuNode, MenuNames>>> {
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "menus",
        )?;
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let (state, req) = parts(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = MenuFilter {
            search: f.search,
            slugs: match (f.slug, f.slugs) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                (a, b) => a.or(b),
            },
            metadata: metadata(f.metadata),
        };
        let sort = match sort_by.as_ref().map(|s| s.field) {
            Some(MenuSortField::ItemsCount) => MenuSort::ItemsCount,
            _ => MenuSort::Name,
        };
        let descending = sort_by.is_some_and(|s| s.direction == OrderDirection::Desc);
        let db = state.db.conn.clone();
        let result = service::menus_page(&db, &filter, sort, descending, &page)
            .await
            .map_err(|e| read_error(req, e))?;
        let total = TotalCount::lazy(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move { service::menus_count(&db, &filter).await }
        });
        Ok(Some(connection::build(
            result.map(|tree| MenuNode::new(Arc::new(tree), viewer.clone())),
            total,
            move |n: &MenuNode| service::menu_key(&n.tree, sort),
        )))
    }

    /// Look up a menu item by ID.
    async fn menu_item(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the menu item.")] id: ID,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
    ) -> Result<Option<MenuItemNode>> {
        let pk = id::decode::<i32>(&id, "MenuItem")?;
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let (state, req) = parts(ctx)?;
        let found = service::menu_item_one(&state.db.conn, pk)
            .await
            .map_err(|e| req.internal(e))?;
        Ok(found.map(|(item, tree)| MenuItemNode::new(item, Arc::new(tree), viewer)))
    }

    /// List of the storefronts's menu items.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn menu_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
        #[graphql(desc = "Sort menus items.")] sort_by: Option<MenuItemSortingInput>,
        #[graphql(desc = "Filtering options for menu items.")] filter: Option<MenuItemFilterInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<MenuItemNode, MenuItemNames>>> {
        let page = Page::parse(
            &PageArgs {
                first,
                last,
                after,
                before,
            },
            "menuItems",
        )?;
        let viewer = Arc::new(viewer(ctx, channel.as_deref()).await?);
        let (state, req) = parts(ctx)?;
        let f = filter.unwrap_or_default();
        let filter = MenuItemFilter {
            search: f.search,
            metadata: metadata(f.metadata),
        };
        let descending = sort_by.is_some_and(|s| s.direction == OrderDirection::Desc);
        let db = state.db.conn.clone();
        let (rows, trees) = service::menu_items_page(&db, &filter, descending, &page)
            .await
            .map_err(|e| read_error(req, e))?;
        let trees: std::collections::HashMap<i32, Arc<service::MenuTree>> =
            trees.into_iter().map(|(id, t)| (id, Arc::new(t))).collect();
        let mut nodes = Vec::with_capacity(rows.items.len());
        for item in rows.items {
            let Some(tree) = trees.get(&item.menu_id) else {
                return Err(req.internal("menu item without menu"));
            };
            nodes.push(MenuItemNode::new(item, tree.clone(), viewer.clone()));
        }
        let rows = connection::PageResult {
            items: nodes,
            has_next_page: rows.has_next_page,
            has_previous_page: rows.has_previous_page,
        };
        let total = TotalCount::lazy(move || {
            let (db, filter) = (db.clone(), filter.clone());
            async move {
                use sea_orm::PaginatorTrait;
                service::menu_items_select(db.get_database_backend(), &filter)
                    .count(&db)
                    .await
            }
        });
        Ok(Some(connection::build(rows, total, |n: &MenuItemNode| {
            service::menu_item_key(&n.item)
        })))
    }
}
