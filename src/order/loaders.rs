//! The order domain's dataloaders: lines, fulfilments (and their lines) and events of many
//! orders in one statement each, so a page of orders costs the same whatever its size.

use async_graphql::dataloader::DataLoader;
use entities::{fulfillment, fulfillment_line, order_event, order_line, shop_order};
use sea_orm::DatabaseConnection;

use crate::core::loaders::{ChildrenLoader, RowLoader, loader};

/// Every order dataloader, shared by all requests.
pub struct OrderLoaders {
    /// Orders (drafts included) by ID; callers apply the visibility rules.
    pub orders: DataLoader<RowLoader<shop_order::Entity, String>>,
    /// Lines by order ID, in the order they were added.
    pub lines: DataLoader<ChildrenLoader<order_line::Entity, String>>,
    /// Fulfilments by order ID, in creation order.
    pub fulfillments: DataLoader<ChildrenLoader<fulfillment::Entity, String>>,
    /// Fulfilment lines by fulfilment ID.
    pub fulfillment_lines: DataLoader<ChildrenLoader<fulfillment_line::Entity, i32>>,
    /// Events by order ID, oldest first.
    pub events: DataLoader<ChildrenLoader<order_event::Entity, String>>,
}

impl OrderLoaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            orders: loader(RowLoader::new(
                db,
                shop_order::Column::Id,
                |o: &shop_order::Model| o.id.clone(),
            )),
            lines: loader(ChildrenLoader::new(
                db,
                order_line::Column::OrderId,
                order_line::Column::Id,
                |l: &order_line::Model| Some(l.order_id.clone()),
            )),
            fulfillments: loader(ChildrenLoader::new(
                db,
                fulfillment::Column::OrderId,
                fulfillment::Column::FulfillmentOrder,
                |f: &fulfillment::Model| Some(f.order_id.clone()),
            )),
            fulfillment_lines: loader(ChildrenLoader::new(
                db,
                fulfillment_line::Column::FulfillmentId,
                fulfillment_line::Column::Id,
                |l: &fulfillment_line::Model| Some(l.fulfillment_id),
            )),
            events: loader(ChildrenLoader::new(
                db,
                order_event::Column::OrderId,
                order_event::Column::Id,
                |e: &order_event::Model| Some(e.order_id.clone()),
            )),
        }
    }
}
