//! Reads and changes the metadata columns of whichever table a global ID points at.

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, ModelTrait, PrimaryKeyToColumn,
    PrimaryKeyTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::Value as Json;

use crate::core::{
    id, metadata,
    mutation::{DomainResult, ErrorCode, FieldError},
    permissions::Permission,
};
use crate::events::{EventType, NewEvent, outbox};

/// Which of an object's two metadata maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Private,
}

/// Saleor's metadata error codes.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MetadataErrorCode {
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    NotUpdated,
}

impl ErrorCode for MetadataErrorCode {
    const GRAPHQL_ERROR: Self = Self::GraphqlError;
    const INVALID: Self = Self::Invalid;
    const NOT_FOUND: Self = Self::NotFound;
}

/// The result of a metadata change.
pub type MetadataResult<T> = DomainResult<T, MetadataErrorCode>;

/// The error for a global ID naming nothing whose metadata can be changed.
pub fn not_found(gid: &str) -> FieldError<MetadataErrorCode> {
    FieldError::not_found("id", format!("Couldn't resolve to a node: {gid}"))
}

/// The error for a metadata key that is empty.
pub fn empty_key() -> FieldError<MetadataErrorCode> {
    FieldError::new(
        "input",
        MetadataErrorCode::Required,
        "Metadata key cannot be empty.",
    )
}

/// The kinds of objects whose metadata can be changed through the generic mutations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataOwner {
    Channel,
    User,
    Address,
    Product,
    ProductVariant,
    ProductType,
    Attribute,
    Category,
    Collection,
    Page,
    PageType,
    Menu,
    MenuItem,
    App,
    Voucher,
}

impl MetadataOwner {
    /// The GraphQL type name of this kind (the inverse of [`Self::from_type_name`]).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Channel => "Channel",
            Self::User => "User",
            Self::Address => "Address",
            Self::Product => "Product",
            Self::ProductVariant => "ProductVariant",
            Self::ProductType => "ProductType",
            Self::Attribute => "Attribute",
            Self::Category => "Category",
            Self::Collection => "Collection",
            Self::Page => "Page",
            Self::PageType => "PageType",
            Self::Menu => "Menu",
            Self::MenuItem => "MenuItem",
            Self::App => "App",
            Self::Voucher => "Voucher",
        }
    }

    /// The owner kind for a global ID's type name, if that type has metadata.
    pub fn from_type_name(type_name: &str) -> Option<Self> {
        match type_name {
            "Channel" => Some(Self::Channel),
            "User" => Some(Self::User),
            "Address" => Some(Self::Address),
            "Product" => Some(Self::Product),
            "ProductVariant" => Some(Self::ProductVariant),
            "ProductType" => Some(Self::ProductType),
            "Attribute" => Some(Self::Attribute),
            "Category" => Some(Self::Category),
            "Collection" => Some(Self::Collection),
            "Page" => Some(Self::Page),
            "PageType" => Some(Self::PageType),
            "Menu" => Some(Self::Menu),
            "MenuItem" => Some(Self::MenuItem),
            "App" => Some(Self::App),
            "Voucher" => Some(Self::Voucher),
            _ => None,
        }
    }

    /// The event recorded when an object of this kind has its metadata changed, if any.
    pub fn event(self, pk: i32) -> Option<NewEvent> {
        match self {
            Self::Channel => Some(NewEvent::new(
                EventType::ChannelMetadataUpdated,
                "Channel",
                pk,
            )),
            Self::User => Some(NewEvent::new(
                EventType::CustomerMetadataUpdated,
                "User",
                pk,
            )),
            Self::Address | Self::App => None,
            _ => None,
        }
    }

    /// Permissions that allow changing this kind's metadata (any one of them).
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Self::Channel => &[Permission::ManageChannels],
            Self::User => &[Permission::ManageUsers, Permission::ManageStaff],
            Self::Address => &[Permission::ManageUsers],
            Self::Product | Self::ProductVariant | Self::Category | Self::Collection => {
                &[Permission::ManageProducts]
            }
            Self::ProductType | Self::Attribute => &[Permission::ManageProductTypesAndAttributes],
            Self::Page => &[Permission::ManagePages],
            Self::PageType => &[Permission::ManagePageTypesAndAttributes],
            Self::Menu | Self::MenuItem => &[Permission::ManageMenus],
            Self::App => &[Permission::ManageApps],
            Self::Voucher => &[Permission::ManageDiscounts],
        }
    }
}

/// Applies `change` to one metadata map of the object `pk` of kind `owner`, in a
/// transaction that locks the row and records the owner's metadata event with
/// `requestor`. Fails with `NOT_FOUND` when the row does not exist.
pub async fn modify(
    db: &DatabaseConnection,
    owner: MetadataOwner,
    pk: i32,
    visibility: Visibility,
    requestor: Option<String>,
    change: impl FnOnce(&Json) -> MetadataResult<Json>,
) -> MetadataResult<()> {
    use entities::{
        account_address, account_user, app, attribute, category, channel, collection, menu,
        menu_item, page, page_type, product, product_type, product_variant, voucher,
    };
    let event = owner.event(pk).map(|e| e.requestor(requestor));
    macro_rules! arm {
        ($entity:ident) => {{
            let column = match visibility {
                Visibility::Public => $entity::Column::Metadata,
                Visibility::Private => $entity::Column::PrivateMetadata,
            };
            modify_row::<$entity::Entity>(db, owner, pk, column, event, change).await
        }};
    }
    match owner {
        MetadataOwner::Channel => arm!(channel),
        MetadataOwner::User => arm!(account_user),
        MetadataOwner::Address => arm!(account_address),
        MetadataOwner::App => arm!(app),
        MetadataOwner::Voucher => arm!(voucher),
        MetadataOwner::Product => arm!(product),
        MetadataOwner::ProductVariant => arm!(product_variant),
        MetadataOwner::ProductType => arm!(product_type),
        MetadataOwner::Attribute => arm!(attribute),
        MetadataOwner::Category => arm!(category),
        MetadataOwner::Collection => arm!(collection),
        MetadataOwner::Page => arm!(page),
        MetadataOwner::PageType => arm!(page_type),
        MetadataOwner::Menu => arm!(menu),
        MetadataOwner::MenuItem => arm!(menu_item),
    }
}

async fn modify_row<E>(
    db: &DatabaseConnection,
    owner: MetadataOwner,
    pk: i32,
    column: E::Column,
    event: Option<NewEvent>,
    change: impl FnOnce(&Json) -> MetadataResult<Json>,
) -> MetadataResult<()>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<i32>,
{
    let missing = || not_found(&id::encode(owner.type_name(), pk).0);
    let pk_column = E::PrimaryKey::iter()
        .next()
        .ok_or_else(missing)?
        .into_column();
    // Read-then-write: take the write lock up front on SQLite (see `db::begin_write`).
    let txn = crate::db::begin_write(db).await?;
    let row = E::find_by_id(pk)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(missing)?;
    let current = match row.get(column) {
        sea_orm::Value::Json(Some(json)) => *json,
        _ => Json::Object(Default::default()),
    };
    let updated = change(&current)?;
    E::update_many()
        .col_expr(column, Expr::value(updated))
        .filter(pk_column.eq(pk))
        .exec(&txn)
        .await?;
    if let Some(event) = event {
        outbox::push(&txn, event).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The change that sets `items`.
pub fn set(items: &[metadata::MetadataInput]) -> impl FnOnce(&Json) -> MetadataResult<Json> + '_ {
    move |current| metadata::with_set(current, items).map_err(|_| empty_key().into())
}

/// The change that removes `keys`.
pub fn remove(keys: &[String]) -> impl FnOnce(&Json) -> MetadataResult<Json> + '_ {
    move |current| Ok(metadata::without(current, keys))
}
