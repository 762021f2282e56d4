//! GraphQL: the dashboard's content mutations: page bulk delete and publish, page type
//! update, deletes and attribute assignment, menu and menu item updates, moves and bulk
//! deletes, with Saleor's inputs, payloads and errors. Bulk deletes are all or nothing.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::admin_write::{AttributeIssue, PageTypeChanges};
use super::api::{MenuItemNode, MenuNode, PageTypeNode};
use super::menu_write::ItemMove;
use super::mutations::{MenuError, MenuItemInput, PageError, link, menu_node, staff};
use super::service::{MenuLookup, menu_tree};
use super::write::MenuItemFields;
use crate::catalog::api::mutations::{decode, decode_all, payload, split, try_input, try_write};
use crate::catalog::write::{FieldError, WriteError};
use crate::core::{id, permissions::Permission};
use crate::state::parts;

const PAGES: [Permission; 1] = [Permission::ManagePages];
const PAGE_TYPES: [Permission; 1] = [Permission::ManagePageTypesAndAttributes];
const MENUS: [Permission; 1] = [Permission::ManageMenus];

/// Changes to a page type.
#[derive(InputObject, Clone, Debug, Default)]
pub struct PageTypeUpdateInput {
    /// Name of the page type.
    pub name: Option<String>,
    /// Page type slug.
    pub slug: Option<String>,
    /// List of attribute IDs to be assigned to the page type.
    pub add_attributes: Option<Vec<ID>>,
    /// List of attribute IDs to be assigned to the page type.
    pub remove_attributes: Option<Vec<ID>>,
}

/// Changes to a menu.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MenuInput {
    /// Name of the menu.
    pub name: Option<String>,
    /// Slug of the menu.
    pub slug: Option<String>,
}

/// One move of `menuItemMove`.
#[derive(InputObject, Clone, Debug)]
pub struct MenuItemMoveInput {
    /// The menu item ID to move.
    pub item_id: ID,
    /// ID of the parent menu. If empty, menu will be top level menu.
    pub parent_id: Option<ID>,
    /// The new relative sorting position of the item (from -inf to +inf). 1 moves the item
    /// one position forward, -1 moves the item one position backward, 0 leaves the item
    /// unchanged.
    pub sort_order: Option<i32>,
}

payload!(PageBulkDelete, PageError, page_errors, { count: i32 });
payload!(PageBulkPublish, PageError, page_errors, { count: i32 });
payload!(PageTypeUpdate, PageError, page_errors, { page_type: Option<PageTypeNode> });
payload!(PageTypeDelete, PageError, page_errors, { page_type: Option<PageTypeNode> });
payload!(PageTypeBulkDelete, PageError, page_errors, { count: i32 });
payload!(PageAttributeAssign, PageError, page_errors, { page_type: Option<PageTypeNode> });
payload!(PageAttributeUnassign, PageError, page_errors, { page_type: Option<PageTypeNode> });
payload!(MenuUpdate, MenuError, menu_errors, { menu: Option<MenuNode> });
payload!(MenuBulkDelete, MenuError, menu_errors, { count: i32 });
payload!(MenuItemUpdate, MenuError, menu_errors, { menu_item: Option<MenuItemNode> });
payload!(MenuItemMove, MenuError, menu_errors, { menu: Option<MenuNode> });
payload!(MenuItemBulkDelete, MenuError, menu_errors, { count: i32 });

/// Page errors naming the attributes at fault.
fn attribute_errors(issues: Vec<AttributeIssue>) -> Vec<PageError> {
    issues
        .into_iter()
        .map(|issue| PageError {
            attributes: Some(
                issue
                    .attributes
                    .iter()
                    .map(|a| id::encode("Attribute", *a))
                    .collect(),
            ),
            ..issue.error.into()
        })
        .collect()
}

fn optional_ids(
    ids: &Option<Vec<ID>>,
    type_name: &str,
    field: &str,
) -> Result<Vec<i32>, Vec<FieldError>> {
    decode_all(ids.as_deref().unwrap_or_default(), type_name, field)
}

/// The dashboard's content mutations (staff and apps).
#[derive(Default)]
pub struct ContentAdminMutation;

#[Object]
impl ContentAdminMutation {
    /// Deletes pages.
    ///
    /// Requires one of the following permissions: MANAGE_PAGES.
    async fn page_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of page IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<PageBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGES)?;
        let pks = try_input!(PageBulkDelete, decode_all(&ids, "Page", "ids"));
        let deleted = try_write!(PageBulkDelete, req, async {
            state
                .content
                .pages_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(PageBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Publish pages.
    ///
    /// Requires one of the following permissions: MANAGE_PAGES.
    async fn page_bulk_publish(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of page IDs to (un)publish.")] ids: Vec<ID>,
        #[graphql(desc = "Determine if pages will be published or not.")] is_published: bool,
    ) -> Result<Option<PageBulkPublish>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGES)?;
        let pks = try_input!(PageBulkPublish, decode_all(&ids, "Page", "ids"));
        let changed = try_write!(
            PageBulkPublish,
            req,
            state.content.pages_publish(&pks, is_published)
        );
        Ok(Some(PageBulkPublish {
            count: changed.len() as i32,
            ..Default::default()
        }))
    }

    /// Updates page type.
    ///
    /// Requires one of the following permissions: MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_type_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the page type to update.")] id: Option<ID>,
        #[graphql(desc = "Fields required to update page type.")] input: PageTypeUpdateInput,
    ) -> Result<Option<PageTypeUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_TYPES)?;
        let Some(id) = id else {
            return Ok(Some(PageTypeUpdate::failed(vec![FieldError::new(
                "id",
                crate::catalog::write::Code::Required,
                "This field is required.",
            )])));
        };
        let pk = try_input!(PageTypeUpdate, decode(&id, "PageType", "id"));
        let changes = PageTypeChanges {
            name: input.name,
            slug: input.slug,
            add_attributes: try_input!(
                PageTypeUpdate,
                optional_ids(&input.add_attributes, "Attribute", "addAttributes")
            ),
            remove_attributes: try_input!(
                PageTypeUpdate,
                optional_ids(&input.remove_attributes, "Attribute", "removeAttributes")
            ),
        };
        let outcome = try_write!(
            PageTypeUpdate,
            req,
            state.content.page_type_update(pk, changes)
        );
        Ok(Some(match outcome {
            Ok(pt) => PageTypeUpdate {
                page_type: Some(pt.into()),
                ..Default::default()
            },
            Err(issues) => {
                let errors = attribute_errors(issues);
                PageTypeUpdate {
                    page_errors: errors.clone(),
                    errors,
                    ..Default::default()
                }
            }
        }))
    }

    /// Deletes a page type and every page of that type.
    ///
    /// Requires one of the following permissions: MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_type_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the page type to delete.")] id: ID,
    ) -> Result<Option<PageTypeDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_TYPES)?;
        let pk = try_input!(PageTypeDelete, decode(&id, "PageType", "id"));
        let mut deleted = try_write!(PageTypeDelete, req, state.content.page_types_delete(&[pk]));
        Ok(Some(PageTypeDelete {
            page_type: deleted.pop().map(Into::into),
            ..Default::default()
        }))
    }

    /// Deletes page types and every page of those types.
    ///
    /// Requires one of the following permissions: MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_type_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of page type IDs to delete")] ids: Vec<ID>,
    ) -> Result<Option<PageTypeBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_TYPES)?;
        let pks = try_input!(PageTypeBulkDelete, decode_all(&ids, "PageType", "ids"));
        let deleted = try_write!(PageTypeBulkDelete, req, async {
            state
                .content
                .page_types_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(PageTypeBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Assign attributes to a given page type.
    ///
    /// Requires one of the following permissions: MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_attribute_assign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The IDs of the attributes to assign.")] attribute_ids: Vec<ID>,
        #[graphql(desc = "ID of the page type to assign the attributes into.")] page_type_id: ID,
    ) -> Result<Option<PageAttributeAssign>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_TYPES)?;
        let pk = try_input!(
            PageAttributeAssign,
            decode(&page_type_id, "PageType", "pageTypeId")
        );
        let attrs = try_input!(
            PageAttributeAssign,
            decode_all(&attribute_ids, "Attribute", "attributeIds")
        );
        let outcome = try_write!(
            PageAttributeAssign,
            req,
            state.content.page_attributes_assign(pk, &attrs)
        );
        Ok(Some(match outcome {
            Ok(pt) => PageAttributeAssign {
                page_type: Some(pt.into()),
                ..Default::default()
            },
            Err(issues) => {
                let errors = attribute_errors(issues);
                PageAttributeAssign {
                    page_errors: errors.clone(),
                    errors,
                    ..Default::default()
                }
            }
        }))
    }

    /// Unassign attributes from a given page type; its pages lose their values for them.
    ///
    /// Requires one of the following permissions: MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn page_attribute_unassign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The IDs of the attributes to unassign.")] attribute_ids: Vec<ID>,
        #[graphql(desc = "ID of the page type from which the attributes should be unassign.")]
        page_type_id: ID,
    ) -> Result<Option<PageAttributeUnassign>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_TYPES)?;
        let pk = try_input!(
            PageAttributeUnassign,
            decode(&page_type_id, "PageType", "pageTypeId")
        );
        let attrs = try_input!(
            PageAttributeUnassign,
            decode_all(&attribute_ids, "Attribute", "attributeIds")
        );
        let pt = try_write!(
            PageAttributeUnassign,
            req,
            state.content.page_attributes_unassign(pk, &attrs)
        );
        Ok(Some(PageAttributeUnassign {
            page_type: Some(pt.into()),
            ..Default::default()
        }))
    }

    /// Updates a menu.
    ///
    /// Requires one of the following permissions: MANAGE_MENUS.
    async fn menu_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a menu to update.")] id: ID,
        #[graphql(desc = "Fields required to update a menu.")] input: MenuInput,
    ) -> Result<Option<MenuUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&MENUS)?;
        let pk = try_input!(MenuUpdate, decode(&id, "Menu", "id"));
        let m = try_write!(
            MenuUpdate,
            req,
            state.content.menu_update(pk, input.name, input.slug)
        );
        Ok(Some(MenuUpdate {
            menu: menu_node(state, req, m.id).await?,
            ..Default::default()
        }))
    }

    /// Deletes menus.
    ///
    /// Requires one of the following permissions: MANAGE_MENUS.
    async fn menu_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of menu IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<MenuBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&MENUS)?;
        let pks = try_input!(MenuBulkDelete, decode_all(&ids, "Menu", "ids"));
        let deleted = try_write!(MenuBulkDelete, req, async {
            state
                .content
                .menus_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(MenuBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }

    /// Updates a menu item. Given a link (`url`, `category`, `collection` or `page`), the
    /// item links that one only.
    ///
    /// Requires one of the following permissions: MANAGE_MENUS.
    async fn menu_item_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a menu item to update.")] id: ID,
        #[graphql(
            desc = "Fields required to update a menu item. Only one of `url`, `category`, `page`, `collection` is allowed per item."
        )]
        input: MenuItemInput,
    ) -> Result<Option<MenuItemUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&MENUS)?;
        let pk = try_input!(MenuItemUpdate, decode(&id, "MenuItem", "id"));
        let (category_id, collection_id, page_id) = try_input!(
            MenuItemUpdate,
            link(
                input.category.as_ref(),
                input.collection.as_ref(),
                input.page.as_ref()
            )
        );
        let fields = MenuItemFields {
            name: input.name,
            url: input.url,
            category_id,
            collection_id,
            page_id,
        };
        let item = try_write!(
            MenuItemUpdate,
            req,
            state.content.menu_item_update(pk, fields)
        );
        let tree = menu_tree(&state.db.conn, &MenuLookup::Id(item.menu_id))
            .await
            .map_err(|e| req.internal(e))?;
        Ok(Some(MenuItemUpdate {
            menu_item: tree.map(|t| MenuItemNode::new(item, Arc::new(t), staff())),
            ..Default::default()
        }))
    }

    /// Moves items of menus.
    ///
    /// Requires one of the following permissions: MANAGE_MENUS.
    async fn menu_item_move(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of the menu.")] menu: ID,
        #[graphql(desc = "The menu position data.")] moves: Vec<MenuItemMoveInput>,
    ) -> Result<Option<MenuItemMove>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&MENUS)?;
        let menu_pk = try_input!(MenuItemMove, decode(&menu, "Menu", "menu"));
        let mut ops = Vec::with_capacity(moves.len());
        for m in &moves {
            ops.push(ItemMove {
                item_id: try_input!(MenuItemMove, decode(&m.item_id, "MenuItem", "item")),
                parent_id: try_input!(
                    MenuItemMove,
                    m.parent_id
                        .as_ref()
                        .map(|p| decode(p, "MenuItem", "parentId"))
                        .transpose()
                ),
                sort_order: m.sort_order.unwrap_or(0),
            });
        }
        let m = try_write!(
            MenuItemMove,
            req,
            state.content.menu_item_move(menu_pk, &ops)
        );
        Ok(Some(MenuItemMove {
            menu: menu_node(state, req, m.id).await?,
            ..Default::default()
        }))
    }

    /// Deletes menu items with the items under them.
    ///
    /// Requires one of the following permissions: MANAGE_MENUS.
    async fn menu_item_bulk_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "List of menu item IDs to delete.")] ids: Vec<ID>,
    ) -> Result<Option<MenuItemBulkDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&MENUS)?;
        let pks = try_input!(MenuItemBulkDelete, decode_all(&ids, "MenuItem", "ids"));
        let deleted = try_write!(MenuItemBulkDelete, req, async {
            state
                .content
                .menu_items_delete(&pks)
                .await
                .map_err(WriteError::on_ids)
        });
        Ok(Some(MenuItemBulkDelete {
            count: deleted.len() as i32,
            ..Default::default()
        }))
    }
}
