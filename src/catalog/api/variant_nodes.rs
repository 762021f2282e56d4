//! `ProductVariant` nodes by ID, the one way other domains (checkout and order lines,
//! vouchers, stock events) get them: [`by_ids`] for a known viewer, and
//! [`OrderedVariantLoader`] for lines of many orders or checkouts at once, each in its own
//! channel.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entities::{channel, product_variant};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait},
};

use super::products::VariantNode;
use crate::catalog::read::{ProductReader, Viewer, variants_where};
use crate::core::loaders::LoadError;

/// Variant nodes of `ids` as `viewer` sees them (prices in its channel), by ID; variants
/// the viewer may not see are left out. Two statements whatever the number of variants.
pub async fn by_ids(
    db: &DatabaseConnection,
    products: &ProductReader,
    viewer: &Arc<Viewer>,
    ids: &[i32],
) -> Result<HashMap<i32, VariantNode>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let cond = Expr::col((Alias::new("v"), product_variant::Column::Id)).is_in(ids.to_vec());
    let rows = variants_where(db, viewer.channel_id(), cond).await?;
    let mut product_ids: Vec<i32> = rows.iter().map(|r| r.variant.product_id).collect();
    product_ids.sort_unstable();
    product_ids.dedup();
    let products: HashMap<i32, Arc<_>> = products
        .many(viewer, &product_ids)
        .await?
        .into_iter()
        .map(|p| (p.product.id, Arc::new(p)))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| r.visible(viewer))
        .filter_map(|r| {
            let product = products.get(&r.variant.product_id)?.clone();
            Some((r.variant.id, VariantNode::new(r, product, viewer.clone())))
        })
        .collect())
}

/// A variant as bought in a channel: `(channel_id, variant_id)`.
pub type OrderedVariant = (i32, i32);

/// Variant nodes of order and checkout lines, priced in each line's channel and shown as
/// staff see them (a line keeps its variant even when the product is later unpublished).
/// One statement for the channels plus two per distinct channel, whatever the number of
/// orders, checkouts or lines.
pub struct OrderedVariantLoader {
    db: DatabaseConnection,
    products: ProductReader,
}

impl OrderedVariantLoader {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            db: db.clone(),
            products: ProductReader::new(db.clone()),
        }
    }
}

impl Loader<OrderedVariant> for OrderedVariantLoader {
    type Value = VariantNode;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrderedVariant],
    ) -> Result<HashMap<OrderedVariant, VariantNode>, LoadError> {
        let mut by_channel: HashMap<i32, Vec<i32>> = HashMap::new();
        for (channel, variant) in keys {
            by_channel.entry(*channel).or_default().push(*variant);
        }
        let channels = channel::Entity::find()
            .filter(channel::Column::Id.is_in(by_channel.keys().copied().collect::<Vec<_>>()))
            .all(&self.db)
            .await?;
        let mut out = HashMap::new();
        for channel in channels {
            let channel_id = channel.id;
            let viewer = Arc::new(Viewer {
                channel: Some(channel),
                staff: true,
                tax: Default::default(),
            });
            let ids = &by_channel[&channel_id];
            for (variant, node) in by_ids(&self.db, &self.products, &viewer, ids).await? {
                out.insert((channel_id, variant), node);
            }
        }
        Ok(out)
    }
}
