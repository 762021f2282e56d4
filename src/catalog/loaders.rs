//! Dataloaders: one batched query per relation, whatever the page size. They live for the
//! whole process (no cache, batching only), so concurrent requests share batches too.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{
    attribute, attribute_value, category, channel, collection, collection_channel_listing, page,
    page_type, product_channel_listing, product_media, product_type, stock, tax_class, translation,
    type_attribute, variant_channel_listing, warehouse,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, Statement,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query},
};

use super::read::{self, VariantRow, select_prefixed};
use crate::core::country::LanguageCodeEnum;

/// Loader errors are shared between the callers of one batch.
use crate::core::loaders::{LoadError, loader};

/// Kinds of objects with translations or attributes (`entity_kind` columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Product,
    Variant,
    Category,
    Collection,
    Attribute,
    AttributeValue,
    Page,
    MenuItem,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Variant => "variant",
            Self::Category => "category",
            Self::Collection => "collection",
            Self::Attribute => "attribute",
            Self::AttributeValue => "attribute_value",
            Self::Page => "page",
            Self::MenuItem => "menu_item",
        }
    }
}

/// Shorthands for [`Kind`] values.
pub mod kind {
    use super::Kind;
    pub const PRODUCT: Kind = Kind::Product;
    pub const VARIANT: Kind = Kind::Variant;
    pub const CATEGORY: Kind = Kind::Category;
    pub const COLLECTION: Kind = Kind::Collection;
    pub const ATTRIBUTE: Kind = Kind::Attribute;
    pub const ATTRIBUTE_VALUE: Kind = Kind::AttributeValue;
    pub const PAGE: Kind = Kind::Page;
    pub const MENU_ITEM: Kind = Kind::MenuItem;
}

/// The translation of one object into one language.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TranslationKey {
    pub kind: Kind,
    pub id: i32,
    pub language: LanguageCodeEnum,
}

/// Loads translations.
pub struct TranslationLoader(pub DatabaseConnection);

impl Loader<TranslationKey> for TranslationLoader {
    type Value = translation::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TranslationKey],
    ) -> Result<HashMap<TranslationKey, translation::Model>, LoadError> {
        let mut kinds: Vec<&str> = keys.iter().map(|k| k.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let mut langs: Vec<&str> = keys.iter().map(|k| k.language.code()).collect();
        langs.sort_unstable();
        langs.dedup();
        let mut ids: Vec<i32> = keys.iter().map(|k| k.id).collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = translation::Entity::find()
            .filter(translation::Column::EntityKind.is_in(kinds))
            .filter(translation::Column::LanguageCode.is_in(langs))
            .filter(translation::Column::EntityId.is_in(ids))
            .all(&self.0)
            .await?;
        let mut out = HashMap::new();
        for row in rows {
            if let Some(key) = keys.iter().find(|k| {
                k.kind.as_str() == row.entity_kind
                    && k.id == row.entity_id
                    && k.language.code() == row.language_code
            }) {
                out.insert(key.clone(), row);
            }
        }
        Ok(out)
    }
}

/// Variants of a product with their listing in a channel: `(channel_id, product_id)`.
pub struct VariantsLoader(pub DatabaseConnection);

impl Loader<(i32, i32)> for VariantsLoader {
    type Value = Vec<VariantRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(i32, i32)],
    ) -> Result<HashMap<(i32, i32), Vec<VariantRow>>, LoadError> {
        let mut by_channel: HashMap<i32, Vec<i32>> = HashMap::new();
        for (ch, p) in keys {
            by_channel.entry(*ch).or_default().push(*p);
        }
        let mut out: HashMap<(i32, i32), Vec<VariantRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        for (ch, products) in by_channel {
            for row in read::variants_of(&self.0, ch, &products).await? {
                out.entry((ch, row.variant.product_id))
                    .or_default()
                    .push(row);
            }
        }
        Ok(out)
    }
}

/// Collections of a product visible to a viewer: `((channel, staff), product_id)`.
pub struct ProductCollectionsLoader(pub DatabaseConnection);

impl Loader<(read::CollectionScope, i32)> for ProductCollectionsLoader {
    type Value = Vec<entities::collection::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(read::CollectionScope, i32)],
    ) -> Result<HashMap<(read::CollectionScope, i32), Self::Value>, LoadError> {
        let mut by_scope: HashMap<read::CollectionScope, Vec<i32>> = HashMap::new();
        for (scope, p) in keys {
            by_scope.entry(*scope).or_default().push(*p);
        }
        let mut out: HashMap<_, Self::Value> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for (scope, products) in by_scope {
            for (product, c) in read::collections_of_products(&self.0, scope, &products).await? {
                out.entry((scope, product)).or_default().push(c);
            }
        }
        Ok(out)
    }
}

/// A translation fetched together with its object: the language asked for and the
/// translation in it, if any.
pub type Prefetched = Option<(LanguageCodeEnum, Option<translation::Model>)>;

/// One assigned attribute value of a product, variant or page.
#[derive(Clone, Debug)]
pub struct AssignedRow {
    pub entity_id: i32,
    pub attribute: attribute::Model,
    pub value: attribute_value::Model,
    /// For variant attributes: whether the attribute is a variant selection attribute.
    pub variant_selection: bool,
    /// The attribute's translation, when the key named a language.
    pub attribute_translation: Prefetched,
    /// The value's translation, when the key named a language.
    pub value_translation: Prefetched,
}

/// Key of [`AssignedLoader`]: the object, and the language whose attribute and value
/// translations to fetch in the same statement (when the query asks for one).
pub type AssignedKey = (Kind, i32, Option<LanguageCodeEnum>);

/// Assigned attribute values, in the type's attribute order, with translations.
pub struct AssignedLoader(pub DatabaseConnection);

impl Loader<AssignedKey> for AssignedLoader {
    type Value = Vec<AssignedRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AssignedKey],
    ) -> Result<HashMap<AssignedKey, Vec<AssignedRow>>, LoadError> {
        let mut out: HashMap<AssignedKey, Vec<AssignedRow>> =
            keys.iter().map(|k| (*k, Vec::new())).collect();
        let mut groups: Vec<(Kind, Option<LanguageCodeEnum>)> =
            keys.iter().map(|k| (k.0, k.2)).collect();
        groups.sort_unstable_by_key(|(k, l)| (*k, l.map(LanguageCodeEnum::code)));
        groups.dedup();
        let backend = self.0.get_database_backend();
        for (kind, language) in groups {
            let ids: Vec<i32> = keys
                .iter()
                .filter(|k| k.0 == kind && k.2 == language)
                .map(|k| k.1)
                .collect();
            let (av, a, v, ta) = (
                Alias::new("av"),
                Alias::new("a"),
                Alias::new("v"),
                Alias::new("ta"),
            );
            let mut q = Query::select();
            q.from_as(entities::assigned_value::Entity, av.clone())
                .join_as(
                    JoinType::InnerJoin,
                    attribute::Entity,
                    a.clone(),
                    Expr::col((a.clone(), attribute::Column::Id))
                        .equals((av.clone(), entities::assigned_value::Column::AttributeId)),
                )
                .join_as(
                    JoinType::InnerJoin,
                    attribute_value::Entity,
                    v.clone(),
                    Expr::col((v.clone(), attribute_value::Column::Id))
                        .equals((av.clone(), entities::assigned_value::Column::ValueId)),
                )
                .join_as(
                    JoinType::LeftJoin,
                    entities::type_attribute::Entity,
                    ta.clone(),
                    Expr::cust(
                        "\"ta\".\"attribute_id\" = \"av\".\"attribute_id\" AND \"ta\".\"owner_kind\" = \"av\".\"entity_kind\" AND \"ta\".\"owner_id\" = \"av\".\"type_id\"",
                    ),
                )
                .expr_as(
                    Expr::col((av.clone(), entities::assigned_value::Column::EntityId)),
                    Alias::new("entity_id"),
                )
                .expr_as(
                    Expr::cust("COALESCE(\"ta\".\"variant_selection\", FALSE)"),
                    Alias::new("variant_selection"),
                );
            select_prefixed::<attribute::Column>(&mut q, a.clone(), "a_");
            select_prefixed::<attribute_value::Column>(&mut q, v.clone(), "v_");
            if let Some(lang) = language {
                for (alias, kind, column) in [
                    ("tra", "attribute", "attribute_id"),
                    ("trv", "attribute_value", "value_id"),
                ] {
                    q.join_as(
                        JoinType::LeftJoin,
                        translation::Entity,
                        Alias::new(alias),
                        read::cust(backend,
                            format!(
                                "\"{alias}\".\"entity_kind\" = '{kind}' AND \"{alias}\".\"entity_id\" = \"av\".\"{column}\" AND \"{alias}\".\"language_code\" = ?"
                            ),
                            [lang.code()],
                        ),
                    );
                    select_prefixed::<translation::Column>(
                        &mut q,
                        Alias::new(alias),
                        &format!("{alias}_"),
                    );
                }
            }
            q.and_where(
                Expr::col((av.clone(), entities::assigned_value::Column::EntityKind))
                    .eq(kind.as_str()),
            )
            .and_where(
                Expr::col((av.clone(), entities::assigned_value::Column::EntityId)).is_in(ids),
            )
            .order_by_expr(Expr::cust("COALESCE(\"ta\".\"sort_order\", 0)"), Order::Asc)
            .order_by(
                (av.clone(), entities::assigned_value::Column::AttributeId),
                Order::Asc,
            )
            .order_by(
                (av, entities::assigned_value::Column::SortOrder),
                Order::Asc,
            )
            .order_by((v, attribute_value::Column::Id), Order::Asc);
            for r in read::query_all(&self.0, &q).await? {
                let prefetched = |prefix: &str| -> Prefetched {
                    language.map(|l| {
                        (
                            l,
                            translation::Model::from_query_result_optional(&r, prefix)
                                .ok()
                                .flatten(),
                        )
                    })
                };
                let row = AssignedRow {
                    entity_id: r.try_get("", "entity_id")?,
                    attribute: attribute::Model::from_query_result(&r, "a_")?,
                    value: attribute_value::Model::from_query_result(&r, "v_")?,
                    variant_selection: r.try_get("", "variant_selection")?,
                    attribute_translation: prefetched("tra_"),
                    value_translation: prefetched("trv_"),
                };
                out.entry((kind, row.entity_id, language))
                    .or_default()
                    .push(row);
            }
        }
        Ok(out)
    }
}

/// Media of a product, in order.
pub struct MediaLoader(pub DatabaseConnection);

impl Loader<i32> for MediaLoader {
    type Value = Vec<product_media::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[i32],
    ) -> Result<HashMap<i32, Vec<product_media::Model>>, LoadError> {
        let rows = product_media::Entity::find()
            .filter(product_media::Column::ProductId.is_in(keys.to_vec()))
            .order_by_asc(product_media::Column::SortOrder)
            .order_by_asc(product_media::Column::Id)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Vec<product_media::Model>> = HashMap::new();
        for row in rows {
            out.entry(row.product_id).or_default().push(row);
        }
        Ok(out)
    }
}

/// Media assigned to a variant, in order.
pub struct VariantMediaLoader(pub DatabaseConnection);

impl Loader<i32> for VariantMediaLoader {
    type Value = Vec<product_media::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[i32],
    ) -> Result<HashMap<i32, Vec<product_media::Model>>, LoadError> {
        let (m, vm) = (Alias::new("m"), Alias::new("vm"));
        let mut q = Query::select();
        q.from_as(product_media::Entity, m.clone())
            .join_as(
                JoinType::InnerJoin,
                entities::variant_media::Entity,
                vm.clone(),
                Expr::col((vm.clone(), entities::variant_media::Column::MediaId))
                    .equals((m.clone(), product_media::Column::Id)),
            )
            .expr_as(
                Expr::col((vm.clone(), entities::variant_media::Column::VariantId)),
                Alias::new("variant_id"),
            );
        for col in <product_media::Column as sea_orm::Iterable>::iter() {
            q.expr_as(
                Expr::col((m.clone(), col)),
                Alias::new(format!("m_{}", sea_orm::IdenStatic::as_str(&col))),
            );
        }
        q.and_where(
            Expr::col((vm, entities::variant_media::Column::VariantId)).is_in(keys.to_vec()),
        )
        .order_by((m.clone(), product_media::Column::SortOrder), Order::Asc)
        .order_by((m, product_media::Column::Id), Order::Asc);
        let mut out: HashMap<i32, Vec<product_media::Model>> = HashMap::new();
        for r in read::query_all(&self.0, &q).await? {
            let variant: i32 = r.try_get("", "variant_id")?;
            out.entry(variant)
                .or_default()
                .push(product_media::Model::from_query_result(&r, "m_")?);
        }
        Ok(out)
    }
}

/// Sellable quantity of a variant in a channel's warehouses: `(channel_id, variant_id)`.
pub struct StockLoader(pub DatabaseConnection);

impl Loader<(i32, i32)> for StockLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[(i32, i32)]) -> Result<HashMap<(i32, i32), i64>, LoadError> {
        let backend = self.0.get_database_backend();
        let mut out = HashMap::new();
        let mut channels: Vec<i32> = keys.iter().map(|k| k.0).collect();
        channels.sort_unstable();
        channels.dedup();
        for ch in channels {
            let variants: Vec<i32> = keys.iter().filter(|k| k.0 == ch).map(|k| k.1).collect();
            let placeholders = (0..variants.len())
                .map(|i| placeholder(backend, i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT s.variant_id AS variant_id, CAST(SUM(CASE WHEN s.quantity > s.quantity_allocated THEN s.quantity - s.quantity_allocated ELSE 0 END) AS BIGINT) AS available \
                 FROM stock s JOIN channel_warehouse cw ON cw.warehouse_id = s.warehouse_id AND cw.channel_id = {} \
                 WHERE s.variant_id IN ({placeholders}) GROUP BY s.variant_id",
                placeholder(backend, 1)
            );
            let mut values: Vec<sea_orm::Value> = vec![ch.into()];
            values.extend(variants.iter().map(|v| sea_orm::Value::from(*v)));
            let rows = self
                .0
                .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
            for r in rows {
                let variant: i32 = r.try_get("", "variant_id")?;
                let available: i64 = r.try_get("", "available")?;
                out.insert((ch, variant), available);
            }
        }
        Ok(out)
    }
}

/// Attributes assigned to a product type (kind product or variant) or a page type (page), in
/// their order: `(kind, type_id)`.
pub struct TypeAttributesLoader(pub DatabaseConnection);

/// An attribute as assigned to a type.
pub type TypeAttribute = (type_attribute::Model, attribute::Model);

impl Loader<(Kind, i32)> for TypeAttributesLoader {
    type Value = Vec<TypeAttribute>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Kind, i32)],
    ) -> Result<HashMap<(Kind, i32), Vec<TypeAttribute>>, LoadError> {
        load_type_attributes(&self.0, keys).await
    }
}

/// The attributes of the `(kind, type_id)` types, in one statement.
pub async fn load_type_attributes(
    db: &DatabaseConnection,
    keys: &[(Kind, i32)],
) -> Result<HashMap<(Kind, i32), Vec<TypeAttribute>>, LoadError> {
    let mut kinds: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let owners: Vec<i32> = keys.iter().map(|k| k.1).collect();
    let (ta, a) = (Alias::new("ta"), Alias::new("a"));
    let mut q = Query::select();
    q.from_as(type_attribute::Entity, ta.clone()).join_as(
        JoinType::InnerJoin,
        attribute::Entity,
        a.clone(),
        Expr::col((a.clone(), attribute::Column::Id))
            .equals((ta.clone(), type_attribute::Column::AttributeId)),
    );
    select_prefixed::<type_attribute::Column>(&mut q, ta.clone(), "ta_");
    select_prefixed::<attribute::Column>(&mut q, a, "a_");
    q.and_where(Expr::col((ta.clone(), type_attribute::Column::OwnerKind)).is_in(kinds))
        .and_where(Expr::col((ta.clone(), type_attribute::Column::OwnerId)).is_in(owners))
        .order_by((ta.clone(), type_attribute::Column::SortOrder), Order::Asc)
        .order_by((ta, type_attribute::Column::Id), Order::Asc);
    let mut out: HashMap<(Kind, i32), Vec<TypeAttribute>> = HashMap::new();
    for r in read::query_all(db, &q).await? {
        let ta = type_attribute::Model::from_query_result(&r, "ta_")?;
        let a = attribute::Model::from_query_result(&r, "a_")?;
        if let Some(key) = keys
            .iter()
            .find(|k| k.0.as_str() == ta.owner_kind && k.1 == ta.owner_id)
        {
            out.entry(*key).or_default().push((ta, a));
        }
    }
    Ok(out)
}

/// A bind placeholder for `backend` (1-based `n`).
pub fn placeholder(backend: sea_orm::DatabaseBackend, n: usize) -> String {
    match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

macro_rules! by_id_loader {
    ($name:ident, $entity:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(DatabaseConnection);

        impl Loader<i32> for $name {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, $entity::Model>, LoadError> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(keys.to_vec()))
                    .all(&self.0)
                    .await?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

by_id_loader!(ProductTypeLoader, product_type, "Product types by ID.");
by_id_loader!(CategoryLoader, category, "Categories by ID.");
by_id_loader!(CollectionLoader, collection, "Collections by ID.");
by_id_loader!(PageTypeLoader, page_type, "Page types by ID.");
by_id_loader!(PageLoader, page, "Pages by ID.");
by_id_loader!(TaxClassLoader, tax_class, "Tax classes by ID.");
by_id_loader!(ChannelLoader, channel, "Channels by ID.");
by_id_loader!(WarehouseLoader, warehouse, "Warehouses by ID.");

macro_rules! by_parent_loader {
    ($name:ident, $entity:ident, $parent:ident, $field:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(DatabaseConnection);

        impl Loader<i32> for $name {
            type Value = Vec<$entity::Model>;
            type Error = LoadError;

            async fn load(
                &self,
                keys: &[i32],
            ) -> Result<HashMap<i32, Vec<$entity::Model>>, LoadError> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::$parent.is_in(keys.to_vec()))
                    .order_by_asc($entity::Column::Id)
                    .all(&self.0)
                    .await?;
                let mut out: HashMap<i32, Vec<$entity::Model>> = HashMap::new();
                for r in rows {
                    out.entry(r.$field).or_default().push(r);
                }
                Ok(out)
            }
        }
    };
}

by_parent_loader!(
    StocksLoader,
    stock,
    VariantId,
    variant_id,
    "Stock rows by variant ID."
);
by_parent_loader!(
    VariantListingsLoader,
    variant_channel_listing,
    VariantId,
    variant_id,
    "Channel listings by variant ID."
);
by_parent_loader!(
    ProductListingsLoader,
    product_channel_listing,
    ProductId,
    product_id,
    "Channel listings by product ID."
);
by_parent_loader!(
    CollectionListingsLoader,
    collection_channel_listing,
    CollectionId,
    collection_id,
    "Channel listings by collection ID."
);

/// Every catalog dataloader, shared by all requests.
pub struct CatalogLoaders {
    pub translations: DataLoader<TranslationLoader>,
    pub variants: DataLoader<VariantsLoader>,
    pub assigned: DataLoader<AssignedLoader>,
    pub media: DataLoader<MediaLoader>,
    pub variant_media: DataLoader<VariantMediaLoader>,
    pub stock: DataLoader<StockLoader>,
    pub type_attributes: DataLoader<TypeAttributesLoader>,
    pub product_types: DataLoader<ProductTypeLoader>,
    pub categories: DataLoader<CategoryLoader>,
    pub collections: DataLoader<CollectionLoader>,
    pub product_collections: DataLoader<ProductCollectionsLoader>,
    pub page_types: DataLoader<PageTypeLoader>,
    pub pages: DataLoader<PageLoader>,
    pub tax_classes: DataLoader<TaxClassLoader>,
    pub channels: DataLoader<ChannelLoader>,
    pub warehouses: DataLoader<WarehouseLoader>,
    pub stocks: DataLoader<StocksLoader>,
    pub variant_listings: DataLoader<VariantListingsLoader>,
    pub product_listings: DataLoader<ProductListingsLoader>,
    pub collection_listings: DataLoader<CollectionListingsLoader>,
    /// Tax contexts by `(channel, country)` for catalog pricing.
    pub taxes: DataLoader<crate::tax::service::TaxContextLoader>,
}

impl CatalogLoaders {
    /// Loaders over `db` (batching runs on tokio tasks).
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            translations: loader(TranslationLoader(db.clone())),
            variants: loader(VariantsLoader(db.clone())),
            assigned: loader(AssignedLoader(db.clone())),
            media: loader(MediaLoader(db.clone())),
            variant_media: loader(VariantMediaLoader(db.clone())),
            stock: loader(StockLoader(db.clone())),
            type_attributes: loader(TypeAttributesLoader(db.clone())),
            product_types: loader(ProductTypeLoader(db.clone())),
            categories: loader(CategoryLoader(db.clone())),
            collections: loader(CollectionLoader(db.clone())),
            product_collections: loader(ProductCollectionsLoader(db.clone())),
            page_types: loader(PageTypeLoader(db.clone())),
            pages: loader(PageLoader(db.clone())),
            tax_classes: loader(TaxClassLoader(db.clone())),
            channels: loader(ChannelLoader(db.clone())),
            warehouses: loader(WarehouseLoader(db.clone())),
            stocks: loader(StocksLoader(db.clone())),
            variant_listings: loader(VariantListingsLoader(db.clone())),
            product_listings: loader(ProductListingsLoader(db.clone())),
            collection_listings: loader(CollectionListingsLoader(db.clone())),
            taxes: loader(crate::tax::service::TaxContextLoader(db.clone())),
        }
    }
}
