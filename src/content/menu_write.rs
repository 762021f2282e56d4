//! Write side of the dashboard's menu screens: menu updates, menu item updates, moves
//! (parent and position, with cycle checks) and bulk deletes. Each runs in one transaction:
//! a bulk change naming an unknown object, or a rejected move, changes nothing.

use std::collections::{BTreeSet, HashMap};

use entities::{menu, menu_item};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};

use super::admin_write::{delete_translations, find_each};
use super::write::{ContentWriter, MenuItemFields, check_links};
use crate::catalog::write::{CatalogWriter, Code, WriteError, free_slug, required_name, unique_on};

/// One `menuItemMove` move.
#[derive(Clone, Copy, Debug)]
pub struct ItemMove {
    pub item_id: i32,
    /// The new parent (`None`: top level; like Saleor, an omitted parent means top level).
    pub parent_id: Option<i32>,
    /// Relative move among the item's siblings: 1 one position forward, -1 one back.
    pub sort_order: i32,
}

/// Whether `node` lies in the subtree under `ancestor` (following parents in `items`).
fn is_descendant(items: &HashMap<i32, menu_item::Model>, node: i32, ancestor: i32) -> bool {
    let mut current = items.get(&node).and_then(|i| i.parent_id);
    // A tree of n items is at most n deep; the bound also guards against a corrupt cycle.
    for _ in 0..items.len() {
        match current {
            Some(p) if p == ancestor => return true,
            Some(p) => current = items.get(&p).and_then(|i| i.parent_id),
            None => return false,
        }
    }
    false
}

/// IDs of the items under `parent` (`None`: top level), in display order.
fn siblings(items: &HashMap<i32, menu_item::Model>, parent: Option<i32>) -> Vec<i32> {
    let mut ids: Vec<(i32, i32)> = items
        .values()
        .filter(|i| i.parent_id == parent)
        .map(|i| (i.sort_order, i.id))
        .collect();
    ids.sort_unstable();
    ids.into_iter().map(|(_, id)| id).collect()
}

/// Recomputes every item's level from its parents.
fn relevel(items: &mut HashMap<i32, menu_item::Model>) {
    let levels: Vec<(i32, i32)> = items
        .keys()
        .map(|id| {
            let mut level = 0;
            let mut current = items.get(id).and_then(|i| i.parent_id);
            while let Some(p) = current {
                level += 1;
                if level as usize > items.len() {
                    break;
                }
                current = items.get(&p).and_then(|i| i.parent_id);
            }
            (*id, level)
        })
        .collect();
    for (id, level) in levels {
        if let Some(item) = items.get_mut(&id) {
            item.level = level;
        }
    }
}

/// Moves `id` by `delta` positions among its siblings and renumbers them.
fn shift(items: &mut HashMap<i32, menu_item::Model>, id: i32, delta: i32) {
    let Some(parent) = items.get(&id).map(|i| i.parent_id) else {
        return;
    };
    let mut order = siblings(items, parent);
    let Some(at) = order.iter().position(|s| *s == id) else {
        return;
    };
    let to = (at as i64 + i64::from(delta)).clamp(0, order.len() as i64 - 1) as usize;
    let moved = order.remove(at);
    order.insert(to, moved);
    for (i, s) in order.into_iter().enumerate() {
        if let Some(item) = items.get_mut(&s) {
            item.sort_order = i as i32;
        }
    }
}

impl ContentWriter {
    /// Renames a menu or changes its slug.
    pub async fn menu_update(
        &self,
        id: i32,
        name: Option<String>,
        slug: Option<String>,
    ) -> Result<menu::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let m = CatalogWriter::find::<menu::Entity>(&txn, id, "id", "Menu").await?;
        let mut am = m.clone().into_active_model();
        if let Some(name) = &name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if slug.is_some() {
            am.slug = Set(free_slug::<menu::Entity, _>(
                &txn,
                menu::Column::Slug,
                slug.as_deref(),
                &m.name,
                Some(id),
            )
            .await?);
        }
        let m = am.update(&txn).await.map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(m)
    }

    /// Deletes menus with their items.
    pub async fn menus_delete(&self, ids: &[i32]) -> Result<Vec<menu::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let menus = find_each::<menu::Entity>(&txn, ids, "Menu").await?;
        let menu_ids: Vec<i32> = menus.iter().map(|m| m.id).collect();
        let items: Vec<i32> = menu_item::Entity::find()
            .select_only()
            .column(menu_item::Column::Id)
            .filter(menu_item::Column::MenuId.is_in(menu_ids.clone()))
            .into_tuple()
            .all(&txn)
            .await?;
        delete_translations(&txn, "menu_item", items).await?;
        menu::Entity::delete_many()
            .filter(menu::Column::Id.is_in(menu_ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(menus)
    }

    /// Renames a menu item or changes what it links to: given any link, the item links
    /// that one only.
    pub async fn menu_item_update(
        &self,
        id: i32,
        f: MenuItemFields,
    ) -> Result<menu_item::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let item = CatalogWriter::find::<menu_item::Entity>(&txn, id, "id", "MenuItem").await?;
        let mut am = item.into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        let relinked = f.url.is_some()
            || f.category_id.is_some()
            || f.collection_id.is_some()
            || f.page_id.is_some();
        if relinked {
            check_links(&txn, &f).await?;
            am.url = Set(f.url);
            am.category_id = Set(f.category_id);
            am.collection_id = Set(f.collection_id);
            am.page_id = Set(f.page_id);
        }
        let item = am.update(&txn).await?;
        txn.commit().await?;
        Ok(item)
    }

    /// Deletes menu items with the items under them.
    pub async fn menu_items_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<menu_item::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let items = find_each::<menu_item::Entity>(&txn, ids, "MenuItem").await?;
        let menus: BTreeSet<i32> = items.iter().map(|i| i.menu_id).collect();
        let all: HashMap<i32, menu_item::Model> = menu_item::Entity::find()
            .filter(menu_item::Column::MenuId.is_in(menus))
            .all(&txn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let gone: Vec<i32> = all
            .keys()
            .copied()
            .filter(|id| ids.contains(id) || ids.iter().any(|a| is_descendant(&all, *id, *a)))
            .collect();
        delete_translations(&txn, "menu_item", gone).await?;
        menu_item::Entity::delete_many()
            .filter(menu_item::Column::Id.is_in(items.iter().map(|i| i.id).collect::<Vec<_>>()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(items)
    }

    /// Applies `moves` to the items of a menu, in order: a new parent (the item goes last
    /// under it, with its subtree), then a relative move among its siblings.
    pub async fn menu_item_move(
        &self,
        menu_id: i32,
        moves: &[ItemMove],
    ) -> Result<menu::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let m = CatalogWriter::find::<menu::Entity>(&txn, menu_id, "menu", "Menu").await?;
        let original: HashMap<i32, menu_item::Model> = menu_item::Entity::find()
            .filter(menu_item::Column::MenuId.eq(menu_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut items = original.clone();
        for mv in moves {
            if mv.parent_id == Some(mv.item_id) {
                return Err(WriteError::one(
                    "parentId",
                    Code::CannotAssignNode,
                    "Cannot assign a node to itself.",
                ));
            }
            let Some(item) = items.get(&mv.item_id) else {
                return Err(WriteError::not_found("item", "MenuItem"));
            };
            if item.parent_id != mv.parent_id {
                if let Some(parent) = mv.parent_id {
                    if !items.contains_key(&parent) {
                        return Err(WriteError::not_found("parentId", "MenuItem"));
                    }
                    if is_descendant(&items, parent, mv.item_id) {
                        return Err(WriteError::one(
                            "parentId",
                            Code::CannotAssignNode,
                            "Cannot assign a node as child of one of its descendants.",
                        ));
                    }
                }
                let last = siblings(&items, mv.parent_id)
                    .iter()
                    .filter_map(|s| items.get(s).map(|i| i.sort_order))
                    .max();
                if let Some(item) = items.get_mut(&mv.item_id) {
                    item.parent_id = mv.parent_id;
                    item.sort_order = last.map_or(0, |l| l + 1);
                }
                relevel(&mut items);
            }
            if mv.sort_order != 0 {
                shift(&mut items, mv.item_id, mv.sort_order);
            }
        }
        for (id, item) in &items {
            let Some(before) = original.get(id).filter(|b| *b != item) else {
                continue;
            };
            let mut am = before.clone().into_active_model();
            am.parent_id = Set(item.parent_id);
            am.sort_order = Set(item.sort_order);
            am.level = Set(item.level);
            am.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(m)
    }
}
