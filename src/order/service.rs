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

/// Whether `reader` may see `order`: staff with `MANAGE_ORDERS` every order, anyone else
/// every order but drafts, by its ID. As in Saleor, the ID (a random UUID, handed only to
/// the buyer) is the capability: the storefront reads the order on its confirmation page
/// without the shopper's token. Only `Order.user` stays with the owner and staff.
fn can_read(order: &shop_order::Model, reader: Reader) -> bool {
    reader.manage || order.status != "DRAFT"
}

/// Whether `reader` is the order's customer or staff with `MANAGE_ORDERS`.
pub fn owner_or_staff(order: &shop_order::Model, reader: Reader) -> bool {
    reader.manage || (order.user_id.is_some() && order.user_id == reader.user_id)
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
