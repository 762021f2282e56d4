//! Pages, page types and menus: lookups, lists and menu trees. No GraphQL types here.

use std::collections::HashMap;

use chrono::Utc;
use entities::{menu, menu_item, page, page_type};
use sea_orm::{
    ColumnTrait, Condition, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
};

use crate::catalog::read::ReadError;
use crate::catalog::search::metadata_matches;
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

/// Order of a pages list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PageSort {
    #[default]
    Slug,
    Title,
    CreatedAt,
}

/// Cursor key of a page in `sort` order (then by ID).
pub fn page_key(p: &page::Model, sort: PageSort) -> Vec<KeyPart> {
    let first = match sort {
        PageSort::Slug => KeyPart::Str(p.slug.clone()),
        PageSort::Title => KeyPart::Str(p.title.clone()),
        PageSort::CreatedAt => KeyPart::Time(p.created_at),
    };
    vec![first, KeyPart::Int(i64::from(p.id))]
}

/// One page of pages visible to the caller (`staff` sees unpublished ones), in `sort`
/// order.
pub async fn pages_page(
    db: &DatabaseConnection,
    filter: &PageFilter,
    staff: bool,
    (sort, descending): (PageSort, bool),
    page: &Page,
) -> Result<PageResult<page::Model>, ReadError> {
    let select = page::Entity::find().filter(page_cond(filter, staff));
    let key = SortKey {
        columns: vec![
            match sort {
                PageSort::Slug => page::Column::Slug,
                PageSort::Title => page::Column::Title,
                PageSort::CreatedAt => page::Column::CreatedAt,
            },
            page::Column::Id,
        ],
        descending,
    };
    let sample = match sort {
        PageSort::Slug | PageSort::Title => KeyPart::Str(String::new()),
        PageSort::CreatedAt => KeyPart::Time(Utc::now()),
    };
    page.check_kinds(&[sample, KeyPart::Int(0)])
        .map_err(|_| ReadError::BadCursor)?;
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

/// The trees of `menus` (one statement, whatever their number), in the same order.
async fn with_items(
    db: &DatabaseConnection,
    menus: Vec<menu::Model>,
) -> Result<Vec<MenuTree>, DbErr> {
    if menus.is_empty() {
        return Ok(Vec::new());
    }
    let mut items: HashMap<i32, Vec<menu_item::Model>> = HashMap::new();
    for item in menu_item::Entity::find()
        .filter(menu_item::Column::MenuId.is_in(menus.iter().map(|m| m.id)))
        .order_by_asc(menu_item::Column::SortOrder)
        .order_by_asc(menu_item::Column::Id)
        .all(db)
        .await?
    {
        items.entry(item.menu_id).or_default().push(item);
    }
    Ok(menus
        .into_iter()
        .map(|menu| {
            let items = items.remove(&menu.id).unwrap_or_default();
            MenuTree { menu, items }
        })
        .collect())
}

/// A menu tree per menu ID for `menu_ids` (two statements, whatever their number).
pub async fn menu_trees(
    db: &DatabaseConnection,
    menu_ids: Vec<i32>,
) -> Result<HashMap<i32, MenuTree>, DbErr> {
    if menu_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let menus = menu::Entity::find()
        .filter(menu::Column::Id.is_in(menu_ids))
        .all(db)
        .await?;
    Ok(with_items(db, menus)
        .await?
        .into_iter()
        .map(|t| (t.menu.id, t))
        .collect())
}

/// A menu item and its menu's tree.
pub async fn menu_item_one(
    db: &DatabaseConnection,
    id: i32,
) -> Result<Option<(menu_item::Model, MenuTree)>, DbErr> {
    let Some(item) = menu_item::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let tree = menu_tree(db, &MenuLookup::Id(item.menu_id)).await?;
    Ok(tree.map(|t| (item, t)))
}

/// `lower(column) LIKE %q%` over any of `columns`.
fn contains<C: ColumnTrait>(q: &str, columns: &[C]) -> Condition {
    let like = format!("%{}%", q.trim().to_lowercase());
    columns.iter().fold(Condition::any(), |c, col| {
        c.add(Expr::expr(Func::lower(Expr::col(*col))).like(like.clone()))
    })
}

/// Metadata items an object must have: key and, if given, value.
pub type MetadataMatch = Vec<(String, Option<String>)>;

fn metadata_cond(backend: DatabaseBackend, table: &str, items: &MetadataMatch) -> Condition {
    items.iter().fold(Condition::all(), |c, (key, value)| {
        c.add(metadata_matches(backend, table, key, value.as_deref()))
    })
}

/// Page type filters (`pageTypes`).
#[derive(Clone, Debug, Default)]
pub struct PageTypeFilter {
    pub search: Option<String>,
    pub slugs: Option<Vec<String>>,
}

/// Page types matching `filter`.
pub fn page_types_select(filter: &PageTypeFilter) -> Select<page_type::Entity> {
    let mut cond = Condition::all();
    if let Some(q) = filter.search.as_deref().filter(|q| !q.trim().is_empty()) {
        cond = cond.add(contains(
            q,
            &[page_type::Column::Name, page_type::Column::Slug],
        ));
    }
    if let Some(slugs) = &filter.slugs {
        cond = cond.add(page_type::Column::Slug.is_in(slugs.clone()));
    }
    page_type::Entity::find().filter(cond)
}

/// Menu filters (`menus`).
#[derive(Clone, Debug, Default)]
pub struct MenuFilter {
    pub search: Option<String>,
    pub slugs: Option<Vec<String>>,
    pub metadata: MetadataMatch,
}

/// Order of `menus`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MenuSort {
    #[default]
    Name,
    ItemsCount,
}

fn menus_select(backend: DatabaseBackend, filter: &MenuFilter) -> Select<menu::Entity> {
    let mut cond = Condition::all();
    if let Some(q) = filter.search.as_deref().filter(|q| !q.trim().is_empty()) {
        cond = cond.add(contains(q, &[menu::Column::Name, menu::Column::Slug]));
    }
    if let Some(slugs) = &filter.slugs {
        cond = cond.add(menu::Column::Slug.is_in(slugs.clone()));
    }
    cond = cond.add(metadata_cond(backend, "menu", &filter.metadata));
    menu::Entity::find().filter(cond)
}

/// The number of items of the menu in the current row.
fn items_count() -> SimpleExpr {
    Expr::cust("(SELECT COUNT(*) FROM menu_item WHERE menu_item.menu_id = menu.id)")
}

/// Cursor key of a menu in `sort` order.
pub fn menu_key(tree: &MenuTree, sort: MenuSort) -> Vec<KeyPart> {
    let first = match sort {
        MenuSort::Name => KeyPart::Str(tree.menu.name.clone()),
        MenuSort::ItemsCount => KeyPart::Int(tree.items.len() as i64),
    };
    vec![first, KeyPart::Int(i64::from(tree.menu.id))]
}

/// One page of menus (with their items) in `sort` order: a keyset over the sort value and
/// the ID, so any page costs what the first does (two statements).
pub async fn menus_page(
    db: &DatabaseConnection,
    filter: &MenuFilter,
    sort: MenuSort,
    descending: bool,
    page: &Page,
) -> Result<PageResult<MenuTree>, ReadError> {
    let sample = match sort {
        MenuSort::Name => [KeyPart::Str(String::new()), KeyPart::Int(0)],
        MenuSort::ItemsCount => [KeyPart::Int(0), KeyPart::Int(0)],
    };
    page.check_kinds(&sample)
        .map_err(|_| ReadError::BadCursor)?;
    let first = match sort {
        MenuSort::Name => Expr::col((menu::Entity, menu::Column::Name)),
        MenuSort::ItemsCount => items_count(),
    };
    let key = || Expr::tuple([first.clone(), Expr::col((menu::Entity, menu::Column::Id))]);
    let bound = |parts: &[KeyPart]| {
        Expr::tuple(
            parts
                .iter()
                .cloned()
                .map(|p| Expr::val(sea_orm::Value::from(p))),
        )
    };
    let mut select = menus_select(db.get_database_backend(), filter);
    if let Some(after) = &page.after {
        select = select.filter(if descending {
            key().lt(bound(after))
        } else {
            key().gt(bound(after))
        });
    }
    if let Some(before) = &page.before {
        select = select.filter(if descending {
            key().gt(bound(before))
        } else {
            key().lt(bound(before))
        });
    }
    let order = if descending == page.backward {
        Order::Asc
    } else {
        Order::Desc
    };
    let mut rows = select
        .order_by(first.clone(), order.clone())
        .order_by(menu::Column::Id, order)
        .limit(page.limit + 1)
        .all(db)
        .await
        .map_err(ReadError::Db)?;
    let has_more = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    if page.backward {
        rows.reverse();
    }
    Ok(PageResult {
        items: with_items(db, rows).await.map_err(ReadError::Db)?,
        has_next_page: if page.backward {
            page.before.is_some()
        } else {
            has_more
        },
        has_previous_page: if page.backward {
            has_more
        } else {
            page.after.is_some()
        },
    })
}

/// Number of menus matching `filter`.
pub async fn menus_count(db: &DatabaseConnection, filter: &MenuFilter) -> Result<u64, DbErr> {
    menus_select(db.get_database_backend(), filter)
        .count(db)
        .await
}

/// Menu item filters (`menuItems`).
#[derive(Clone, Debug, Default)]
pub struct MenuItemFilter {
    pub search: Option<String>,
    pub metadata: MetadataMatch,
}

/// Menu items (of any level) matching `filter`.
pub fn menu_items_select(
    backend: DatabaseBackend,
    filter: &MenuItemFilter,
) -> Select<menu_item::Entity> {
    let mut cond = Condition::all();
    if let Some(q) = filter.search.as_deref().filter(|q| !q.trim().is_empty()) {
        cond = cond.add(contains(q, &[menu_item::Column::Name]));
    }
    cond = cond.add(metadata_cond(backend, "menu_item", &filter.metadata));
    menu_item::Entity::find().filter(cond)
}

/// Cursor key of a menu item (ordered by name, id).
pub fn menu_item_key(item: &menu_item::Model) -> Vec<KeyPart> {
    vec![
        KeyPart::Str(item.name.clone()),
        KeyPart::Int(i64::from(item.id)),
    ]
}

/// One page of menu items by name, with the trees of their menus (four statements).
pub async fn menu_items_page(
    db: &DatabaseConnection,
    filter: &MenuItemFilter,
    descending: bool,
    page: &Page,
) -> Result<(PageResult<menu_item::Model>, HashMap<i32, MenuTree>), ReadError> {
    let key = SortKey {
        columns: vec![menu_item::Column::Name, menu_item::Column::Id],
        descending,
    };
    let rows: PageResult<menu_item::Model> = fetch_page(
        db,
        menu_items_select(db.get_database_backend(), filter),
        &key,
        page,
    )
    .await
    .map_err(|e| match e {
        PageError::BadCursor => ReadError::BadCursor,
        PageError::Db(e) => ReadError::Db(e),
    })?;
    let mut menus: Vec<i32> = rows.items.iter().map(|i| i.menu_id).collect();
    menus.sort_unstable();
    menus.dedup();
    let trees = menu_trees(db, menus).await.map_err(ReadError::Db)?;
    Ok((rows, trees))
}
