//! GraphQL surface of the catalog.

pub mod attributes;
pub mod bulk_mutations;
pub mod category;
pub mod common;
pub mod inputs;
pub mod listings;
pub mod mutations;
pub mod products;
pub mod query;
pub mod translate_mutations;
pub mod type_mutations;
pub mod type_query;
pub mod variant_nodes;
pub mod warehouses;

pub use mutations::CatalogMutation;
pub use query::CatalogQuery;

use std::sync::Arc;

use entities::{attribute, collection, menu_item, page, page_type, product_type};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use crate::catalog::read::{ProductLookup, ProductReader, Viewer, variants_where};
use crate::content::api::{MenuItemNode, MenuNode, PageNode, PageTypeNode};
use crate::content::service::{MenuLookup, menu_tree};
use crate::metadata::{api::ObjectWithMetadata, service::MetadataOwner};

/// The object a metadata mutation changed, as staff see it (for the payload's `item`).
pub async fn metadata_item(
    db: &DatabaseConnection,
    owner: MetadataOwner,
    pk: i32,
) -> Result<Option<ObjectWithMetadata>, DbErr> {
    let staff = Arc::new(Viewer {
        channel: None,
        staff: true,
        tax: Default::default(),
    });
    Ok(match owner {
        MetadataOwner::Channel
        | MetadataOwner::User
        | MetadataOwner::Address
        | MetadataOwner::App
        | MetadataOwner::Voucher => None,
        MetadataOwner::Product => ProductReader::new(db.clone())
            .one(&staff, &ProductLookup::Id(pk), None)
            .await?
            .map(|r| ObjectWithMetadata::Product(products::ProductNode::new(r, staff))),
        MetadataOwner::ProductVariant => {
            use sea_orm::sea_query::{Alias, Expr, ExprTrait};
            let cond = Expr::col((Alias::new("v"), entities::product_variant::Column::Id)).eq(pk);
            let Some(row) = variants_where(db, -1, cond).await?.into_iter().next() else {
                return Ok(None);
            };
            ProductReader::new(db.clone())
                .one(&staff, &ProductLookup::Id(row.variant.product_id), None)
                .await?
                .map(|p| {
                    ObjectWithMetadata::ProductVariant(products::VariantNode::new(
                        row,
                        Arc::new(p),
                        staff,
                    ))
                })
        }
        MetadataOwner::ProductType => product_type::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::ProductType(m.into())),
        MetadataOwner::Attribute => attribute::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::Attribute(m.into())),
        MetadataOwner::Category => entities::category::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::Category(m.into())),
        MetadataOwner::Collection => collection::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::Collection(category::CollectionNode::new(m, None))),
        MetadataOwner::Page => page::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::Page(PageNode::from(m))),
        MetadataOwner::PageType => page_type::Entity::find_by_id(pk)
            .one(db)
            .await?
            .map(|m| ObjectWithMetadata::PageType(PageTypeNode::from(m))),
        MetadataOwner::Menu => menu_tree(db, &MenuLookup::Id(pk))
            .await?
            .map(|t| ObjectWithMetadata::Menu(MenuNode::new(Arc::new(t), staff))),
        MetadataOwner::MenuItem => {
            let Some(item) = menu_item::Entity::find_by_id(pk).one(db).await? else {
                return Ok(None);
            };
            menu_tree(db, &MenuLookup::Id(item.menu_id))
                .await?
                .map(|t| ObjectWithMetadata::MenuItem(MenuItemNode::new(item, Arc::new(t), staff)))
        }
    })
}
