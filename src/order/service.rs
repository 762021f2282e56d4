//! Order reads with ownership rules.

use entities::{order_line, shop_order};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Who reads orders.
#[derive(Clone, Copy, Debug)]
pub struct Reader {
    /// The signed-in user, if any.
    pub user_id: Option<i32>,
    /// Staff and apps with `MANAGE_ORDERS` see every order.
    pub manage: bool,
}

/// Whether `reader` may see `order`: staff with `MANAGE_ORDERS` every order; customers
/// their own (not drafts); anyone holding its ID a guest order (the ID's UUID is as secret
/// as Saleor's order token). Unlike Saleor, orders of a customer account are not shown to
/// anyone else, even redacted.
pub fn can_read(order: &shop_order::Model, reader: Reader) -> bool {
    if reader.manage {
        return true;
    }
    if order.status == "DRAFT" {
        return false;
    }
    match order.user_id {
        Some(owner) => reader.user_id == Some(owner),
        None => true,
    }
}

/// Whether `reader` sees the order's personal data unredacted: its owner or staff.
pub fn full_view(order: &shop_order::Model, reader: Reader) -> bool {
    reader.manage || (order.user_id.is_some() && order.user_id == reader.user_id)
}

/// Keeps the first character of `s` and replaces the rest with `...` (Saleor's style).
fn obfuscate(s: &str) -> String {
    match s.chars().next() {
        Some(c) => format!("{c}..."),
        None => String::new(),
    }
}

/// `j...@example.com` for `jane@example.com`.
pub fn obfuscate_email(email: &str) -> String {
    match email.split_once('@') {
        Some((user, domain)) => format!("{}@{domain}", obfuscate(user)),
        None => obfuscate(email),
    }
}

/// The address as `full` or redacted (names, company, street and phone obfuscated).
pub fn viewed_address(
    mut a: entities::account_address::Model,
    full: bool,
) -> entities::account_address::Model {
    if !full {
        a.first_name = obfuscate(&a.first_name);
        a.last_name = obfuscate(&a.last_name);
        a.company_name = obfuscate(&a.company_name);
        a.street_address_1 = obfuscate(&a.street_address_1);
        a.street_address_2 = obfuscate(&a.street_address_2);
        a.phone = obfuscate(&a.phone);
    }
    a
}

/// Order `id` if `reader` may see it.
pub async fn find(
    db: &DatabaseConnection,
    id: &str,
    reader: Reader,
) -> Result<Option<shop_order::Model>, DbErr> {
    Ok(shop_order::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .filter(|o| can_read(o, reader)))
}

/// Lines of `order_id`, in creation order.
pub async fn lines(
    db: &DatabaseConnection,
    order_id: &str,
) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Id)
        .all(db)
        .await
}
