//! The dataloader registry: every domain's loaders, built once per process, in the schema's
//! data. Resolvers reach any loader through [`loaders`]; a node of another domain is loaded
//! through its owner's loader (a channel through `catalog.channels`, an ordered variant
//! through `variants`).

use std::sync::Arc;

use async_graphql::{Context, Result, dataloader::DataLoader};

use crate::account::loaders::AccountLoaders;
use crate::catalog::{api::variant_nodes::OrderedVariantLoader, loaders::CatalogLoaders};
use crate::content::loaders::ContentLoaders;
use crate::core::loaders::loader;
use crate::order::loaders::OrderLoaders;
use crate::payment::loaders::PaymentLoaders;
use crate::state::AppState;

/// Every dataloader, by owning domain.
pub struct Loaders {
    pub account: AccountLoaders,
    /// Also used by the catalog's services, which hold the same instance.
    pub catalog: Arc<CatalogLoaders>,
    /// Also used by the content writer, which holds the same instance.
    pub content: Arc<ContentLoaders>,
    /// Variant nodes of order and checkout lines, each priced in its line's channel.
    pub variants: DataLoader<OrderedVariantLoader>,
    pub order: OrderLoaders,
    pub payment: PaymentLoaders,
}

impl Loaders {
    pub fn new(state: &AppState) -> Self {
        let db = &state.db.conn;
        Self {
            account: AccountLoaders::new(db),
            catalog: state.catalog.loaders.clone(),
            content: state.content.loaders.clone(),
            variants: loader(OrderedVariantLoader::new(db)),
            order: OrderLoaders::new(db),
            payment: PaymentLoaders::new(db),
        }
    }
}

/// The registry of the schema serving this request.
pub fn loaders<'a>(ctx: &'a Context<'_>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
}
