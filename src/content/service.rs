//! Pages and menus: lookups, pages lists and menu trees. No GraphQL types here.

use chrono::Utc;
use entities::{menu, menu_item, page};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::catalog::read::ReadError;
use crate::core::connection::{KeyPart, Page, PageError, PageResult, SortKey, fetch_page};

/// Page filters.
#[derive(Clone, Debug, Default)]
pub struct PageFilter {
    pub ids: Option<Vec<i32>>,
    pub slugs: Option<Vec<String>>,
    pub page_type_ids: Option<Vec<i32>>,
}

fn page_cond(filter: &PageFilter, staff: bool) -> Condition {
    let mut cond = Condition::all();
    if !staff {
        cond = cond.add(page::Column::IsPublished.eq(true)).add(
            Condition::any()
                .add(page::Column::PublishedAt.is_null())
                .add(page::Column::PublishedAt.lte(Utc::now())),
        );
    }
    if let Some(ids) = &filter.ids {
        cond = cond.add(page::Column::Id.is_in(ids.clone()));
    }
    if let Some(slugs) = &filter.slugs {
        cond = cond.add(page::Column::Slug.is_in(slugs.clone()));
    }
    if let Some(types) = &filter.page_type_ids {
        cond = cond.add(page::Column::PageTypeId.is_in(types.clone()));
    }
    cond
}

/// Cursor key of a page (ordered by slug, id).
pub fn page_key(p: &page::Model) -> Vec<KeyPart> {
    vec![KeyPart::Str(p.slug.clone()), KeyPart::Int(i64::from(p.id))]
}

/// One page of pages visible to the caller (`staff` sees unpublished ones).
pub async fn pages_page(
    db: &DatabaseConnection,
    filter: &PageFilter,
    staff: bool,
    page: &Page,
) -> Result<PageResult<page::Model>, ReadError> {
    let select = page::Entity::find().filter(page_cond(filter, staff));
    let key = SortKey {
        columns: vec![page::Column::Slug, page::Column::Id],
        descending: false,
    };
    fetch_page(db, select, &key, page)
        .await
        .map_err(|e| match e {
            PageError::BadCursor => ReadError::BadCursor,
            PageError::Db(e) => ReadError::Db(e),
        })
}

/// Number of pages visible to the caller.
pub async fn pages_count(
    db: &DatabaseConnection,
    filter: &PageFilter,
    staff: bool,
) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    page::Entity::find()
        .filter(page_cond(filter, staff))
        .count(db)
        .await
}

/// One page by ID or slug (or translated slug in `language`).
pub async fn page_one(
    db: &DatabaseConnection,
    id: Option<i32>,
    slug: Option<&str>,
    language: Option<&str>,
    staff: bool,
) -> Result<Option<page::Model>, DbErr> {
    let mut q = page::Entity::find().filter(page_cond(&PageFilter::default(), staff));
    if let Some(id) = id {
        q = q.filter(page::Column::Id.eq(id));
    }
    if let Some(slug) = slug {
        q = match language {
            Some(lang) => q.filter(crate::catalog::read::cust(db.get_database_backend(),
                "id IN (SELECT entity_id FROM translation WHERE entity_kind = 'page' AND language_code = ? AND slug = ?)",
                [lang.to_owned(), slug.to_owned()],
            )),
            None => q.filter(page::Column::Slug.eq(slug)),
        };
    }
    q.one(db).await
}

/// A menu with all its items (every level), in order.
#[derive(Clone, Debug)]
pub struct MenuTree {
    pub menu: menu::Model,
    pub items: Vec<menu_item::Model>,
}

impl MenuTree {
    /// Items directly under `parent` (`None`: top level).
    pub fn children(&self, parent: Option<i32>) -> Vec<menu_item::Model> {
        self.items
            .iter()
            .filter(|i| i.parent_id == parent)
            .cloned()
            .collect()
    }
}

/// How to find a menu.
#[derive(Clone, Debug)]
pub enum MenuLookup {
    Id(i32),
    Slug(String),
    Name(String),
}

/// A menu and its items (two statements).
pub async fn menu_tree(
    db: &DatabaseConnection,
    lookup: &MenuLookup,
) -> Result<Option<MenuTree>, DbErr> {
    let q = menu::Entity::find();
    let q = match lookup {
        MenuLookup::Id(id) => q.filter(menu::Column::Id.eq(*id)),
        MenuLookup::Slug(s) => q.filter(menu::Column::Slug.eq(s.clone())),
        MenuLookup::Name(n) => q.filter(menu::Column::Name.eq(n.clone())),
    };
    let Some(menu) = q.one(db).await? else {
        return Ok(None);
    };
    let items = menu_item::Entity::find()
        .filter(menu_item::Column::MenuId.eq(menu.id))
        .order_by_asc(menu_item::Column::SortOrder)
        .order_by_asc(menu_item::Column::Id)
        .all(db)
        .await?;
    Ok(Some(MenuTree { menu, items }))
}
