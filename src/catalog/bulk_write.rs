//! Write side of category and collection updates and of the catalog's (bulk) deletes. A bulk
//! delete runs in one transaction: an unknown ID fails it and nothing is deleted.

use entities::{category, collection, collection_product, product, product_variant, translation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};
use serde_json::json;

use super::search;
use super::seed::{refresh_price_ranges, refresh_prices};
use super::write::{
    CatalogWriter, CategoryFields, WriteError, delete_assigned, delete_product_in, free_slug, meta,
    required_name, unique_on,
};
use crate::core::id;

/// Products a catalogue promotion may match through `predicate`.
async fn promotion_products(
    txn: &DatabaseTransaction,
    predicate: serde_json::Value,
) -> Result<Vec<i32>, DbErr> {
    Ok(
        crate::discount::promotion::recalc::products_of(txn, &[&predicate])
            .await?
            .into_iter()
            .collect(),
    )
}

async fn delete_translations(txn: &DatabaseTransaction, kind: &str, id: i32) -> Result<(), DbErr> {
    translation::Entity::delete_many()
        .filter(translation::Column::EntityKind.eq(kind))
        .filter(translation::Column::EntityId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

impl CatalogWriter {
    /// Changes a category's fields; `None` leaves a field as it is.
    pub async fn category_update(
        &self,
        id: i32,
        f: CategoryFields,
    ) -> Result<category::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let c = Self::find::<category::Entity>(&txn, id, "id", "Category").await?;
        let mut am = c.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<category::Entity, _>(
                &txn,
                category::Column::Slug,
                f.slug.as_deref(),
                &c.name,
                Some(id),
            )
            .await?);
        }
        if let Some(d) = &f.description {
            am.description = Set(Some(d.clone()));
        }
        if let Some(t) = &f.seo_title {
            am.seo_title = Set(Some(t.clone()));
        }
        if let Some(t) = &f.seo_description {
            am.seo_description = Set(Some(t.clone()));
        }
        if let Some(alt) = &f.background_image_alt {
            am.background_image_alt = Set(Some(alt.clone()));
        }
        am.metadata = Set(meta(&f.metadata, &c.metadata)?);
        am.private_metadata = Set(meta(&f.private_metadata, &c.private_metadata)?);
        am.updated_at = Set(chrono::Utc::now());
        let c = am.update(&txn).await.map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(c)
    }

    /// Deletes categories with their subcategories; their products lose their category.
    pub async fn categories_delete(&self, ids: &[i32]) -> Result<Vec<category::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted = Vec::new();
        for id in ids {
            let c = Self::find::<category::Entity>(&txn, *id, "id", "Category").await?;
            let products = promotion_products(
                &txn,
                json!({"categoryPredicate": {"ids": [id::encode("Category", *id).to_string()]}}),
            )
            .await?;
            delete_translations(&txn, "category", *id).await?;
            category::Entity::delete_by_id(*id).exec(&txn).await?;
            refresh_prices(&txn, Some(&products)).await?;
            deleted.push(c);
        }
        txn.commit().await?;
        Ok(deleted)
    }

    /// Changes a collection's fields; `None` leaves a field as it is.
    pub async fn collection_update(
        &self,
        id: i32,
        f: CategoryFields,
    ) -> Result<collection::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let c = Self::find::<collection::Entity>(&txn, id, "id", "Collection").await?;
        let mut am = c.clone().into_active_model();
        if let Some(name) = &f.name {
            am.name = Set(required_name(&Some(name.clone()))?);
        }
        if f.slug.is_some() {
            am.slug = Set(free_slug::<collection::Entity, _>(
                &txn,
                collection::Column::Slug,
                f.slug.as_deref(),
                &c.name,
                Some(id),
            )
            .await?);
        }
        if let Some(d) = &f.description {
            am.description = Set(Some(d.clone()));
        }
        if let Some(t) = &f.seo_title {
            am.seo_title = Set(Some(t.clone()));
        }
        if let Some(t) = &f.seo_description {
            am.seo_description = Set(Some(t.clone()));
        }
        if let Some(alt) = &f.background_image_alt {
            am.background_image_alt = Set(Some(alt.clone()));
        }
        am.metadata = Set(meta(&f.metadata, &c.metadata)?);
        am.private_metadata = Set(meta(&f.private_metadata, &c.private_metadata)?);
        let c = am.update(&txn).await.map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(c)
    }

    /// Deletes collections; their products stay.
    pub async fn collections_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<collection::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted = Vec::new();
        for id in ids {
            let c = Self::find::<collection::Entity>(&txn, *id, "id", "Collection").await?;
            let products: Vec<i32> = collection_product::Entity::find()
                .select_only()
                .column(collection_product::Column::ProductId)
                .filter(collection_product::Column::CollectionId.eq(*id))
                .into_tuple()
                .all(&txn)
                .await?;
            delete_translations(&txn, "collection", *id).await?;
            collection::Entity::delete_by_id(*id).exec(&txn).await?;
            // Catalogue promotions may have matched the products through the collection.
            refresh_prices(&txn, Some(&products)).await?;
            deleted.push(c);
        }
        txn.commit().await?;
        Ok(deleted)
    }

    /// Deletes products with their variants, listings, media and stock.
    pub async fn products_delete(&self, ids: &[i32]) -> Result<Vec<product::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted = Vec::new();
        for id in ids {
            deleted.push(delete_product_in(&txn, *id).await?);
        }
        txn.commit().await?;
        Ok(deleted)
    }

    /// Deletes variants; their products' price ranges and search text follow.
    pub async fn variants_delete(
        &self,
        ids: &[i32],
    ) -> Result<Vec<product_variant::Model>, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let mut deleted: Vec<product_variant::Model> = Vec::new();
        for id in ids {
            let v =
                Self::find::<product_variant::Entity>(&txn, *id, "ids", "ProductVariant").await?;
            delete_assigned(&txn, "variant", &[*id]).await?;
            delete_translations(&txn, "variant", *id).await?;
            product_variant::Entity::delete_by_id(*id)
                .exec(&txn)
                .await?;
            deleted.push(v);
        }
        let mut products: Vec<i32> = deleted.iter().map(|v| v.product_id).collect();
        products.sort_unstable();
        products.dedup();
        for p in products {
            refresh_price_ranges(&txn, Some(p)).await?;
            search::reindex(&txn, p).await?;
        }
        txn.commit().await?;
        Ok(deleted)
    }
}
