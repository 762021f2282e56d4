#!/usr/bin/env python3
"""Generates the catalog migration and SeaORM entities from one table spec, so the two never
drift. Run from the repository root: `python3 scripts/gen_catalog_schema.py`."""

META = [("metadata", "json"), ("private_metadata", "json")]

# (table, doc, columns, unique indexes, plain indexes)
# column: (name, type[, fk target table, on delete])
TABLES = [
    ("product_type", "Product types: what kind of product, which attributes it carries.", [
        ("name", "str"), ("slug", "str!"), ("kind", "str"), ("has_variants", "bool"),
        ("is_shipping_required", "bool"), ("is_digital", "bool"), ("weight_grams", "int?"),
    ] + META, [], []),
    ("attribute", "Attributes (Saleor input types: DROPDOWN, MULTISELECT, PLAIN_TEXT, ...).", [
        ("name", "str"), ("slug", "str!"), ("input_type", "str"), ("attribute_type", "str"),
        ("entity_type", "str?"), ("unit", "str?"), ("value_required", "bool"),
        ("visible_in_storefront", "bool"), ("external_reference", "str?"),
    ] + META, [], []),
    ("attribute_value", "Values of an attribute (choices, or per-object values of text/numeric/boolean/... attributes).", [
        ("attribute_id", "int", "attribute", "Cascade"), ("name", "str"), ("slug", "str"),
        ("value", "str?"), ("plain_text", "text?"), ("rich_text", "json?"), ("boolean", "bool?"),
        ("date_time", "ts?"), ("file_url", "str?"), ("content_type", "str?"), ("reference", "str?"),
        ("sort_order", "int"), ("external_reference", "str?"),
    ], [("attribute_id", "slug")], []),
    ("type_attribute", "Attributes assigned to a product type (`owner_kind` product/variant) or page type (page).", [
        ("owner_kind", "str"), ("owner_id", "int"), ("attribute_id", "int", "attribute", "Cascade"),
        ("variant_selection", "bool"), ("sort_order", "int"),
    ], [("owner_kind", "owner_id", "attribute_id")], []),
    ("assigned_value", "Attribute values assigned to a product, variant or page (`entity_kind`); `type_id` is its product or page type.", [
        ("entity_kind", "str"), ("entity_id", "int"), ("type_id", "int"), ("attribute_id", "int", "attribute", "Cascade"),
        ("value_id", "int", "attribute_value", "Cascade"), ("sort_order", "int"),
    ], [("entity_kind", "entity_id", "value_id")], [("entity_kind", "entity_id")]),
    ("category", "Categories: a tree through `parent_id`.", [
        ("name", "str"), ("slug", "str!"), ("description", "json?"), ("parent_id", "int?", "category", "Cascade"),
        ("level", "int"), ("seo_title", "str?"), ("seo_description", "str?"),
        ("background_image_url", "str?"), ("background_image_alt", "str?"), ("updated_at", "ts"),
    ] + META, [], [("parent_id",)]),
    ("collection", "Collections: curated product groups.", [
        ("name", "str"), ("slug", "str!"), ("description", "json?"), ("seo_title", "str?"),
        ("seo_description", "str?"), ("background_image_url", "str?"), ("background_image_alt", "str?"),
    ] + META, [], []),
    ("collection_channel_listing", "Publication of a collection in a channel.", [
        ("collection_id", "int", "collection", "Cascade"), ("channel_id", "int", "channel", "Cascade"),
        ("is_published", "bool"), ("published_at", "ts?"),
    ], [("collection_id", "channel_id")], []),
    ("collection_product", "Products in a collection.", [
        ("collection_id", "int", "collection", "Cascade"), ("product_id", "int", "product", "Cascade"),
        ("sort_order", "int"),
    ], [("collection_id", "product_id")], [("product_id",)]),
    ("product", "Products. `search_document` is the text indexed for search (FTS5 / tsvector).", [
        ("product_type_id", "int", "product_type", "Restrict"), ("category_id", "int?", "category", "SetNull"),
        ("name", "str"), ("slug", "str!"), ("description", "json?"), ("seo_title", "str?"),
        ("seo_description", "str?"), ("weight_grams", "int?"), ("external_reference", "str?!"),
        ("search_document", "text"), ("created_at", "ts"), ("updated_at", "ts"),
    ] + META, [], [("category_id",), ("name", "id"), ("created_at", "id"), ("updated_at", "id")]),
    ("product_channel_listing", "A product in a channel. `min_price`/`max_price` (minor units) are the variant price range, maintained on write.", [
        ("product_id", "int", "product", "Cascade"), ("channel_id", "int", "channel", "Cascade"),
        ("is_published", "bool"), ("published_at", "ts?"), ("visible_in_listings", "bool"),
        ("available_for_purchase_at", "ts?"), ("currency", "str"), ("min_price", "big?"), ("max_price", "big?"),
    ], [("product_id", "channel_id")], [("channel_id", "min_price", "product_id")]),
    ("product_variant", "Product variants (the purchasable unit).", [
        ("product_id", "int", "product", "Cascade"), ("name", "str"), ("sku", "str?!"),
        ("track_inventory", "bool"), ("quantity_limit_per_customer", "int?"), ("weight_grams", "int?"),
        ("sort_order", "int"), ("external_reference", "str?"), ("created_at", "ts"), ("updated_at", "ts"),
    ] + META, [], [("product_id", "sort_order")]),
    ("variant_channel_listing", "A variant's price in a channel, in minor units of the channel currency.", [
        ("variant_id", "int", "product_variant", "Cascade"), ("channel_id", "int", "channel", "Cascade"),
        ("currency", "str"), ("price_amount", "big?"), ("cost_price_amount", "big?"),
    ], [("variant_id", "channel_id")], []),
    ("warehouse", "Warehouses holding stock.", [
        ("name", "str"), ("slug", "str!"), ("email", "str"), ("is_private", "bool"),
        ("click_and_collect_option", "str"), ("company_name", "str"), ("street_address_1", "str"),
        ("city", "str"), ("postal_code", "str"), ("country", "str"),
    ] + META, [], []),
    ("channel_warehouse", "Which warehouses serve a channel.", [
        ("channel_id", "int", "channel", "Cascade"), ("warehouse_id", "int", "warehouse", "Cascade"),
        ("sort_order", "int"),
    ], [("channel_id", "warehouse_id")], []),
    ("stock", "Stock of a variant in a warehouse.", [
        ("warehouse_id", "int", "warehouse", "Cascade"), ("variant_id", "int", "product_variant", "Cascade"),
        ("quantity", "int"), ("quantity_allocated", "int"),
    ], [("variant_id", "warehouse_id")], []),
    ("product_media", "Product images and videos (by URL).", [
        ("product_id", "int", "product", "Cascade"), ("sort_order", "int"), ("image_url", "str"),
        ("alt", "str"), ("media_type", "str"), ("external_url", "str?"), ("oembed_data", "json"),
    ] + META, [], [("product_id", "sort_order")]),
    ("variant_media", "Media shown for a variant.", [
        ("variant_id", "int", "product_variant", "Cascade"), ("media_id", "int", "product_media", "Cascade"),
    ], [("variant_id", "media_id")], []),
    ("translation", "Translations of any translatable object (`entity_kind`: product, variant, category, collection, attribute, attribute_value, page, menu_item). Pages keep title in `name` and content in `description`.", [
        ("entity_kind", "str"), ("entity_id", "int"), ("language_code", "str"), ("name", "str?"),
        ("slug", "str?"), ("description", "json?"), ("seo_title", "str?"), ("seo_description", "str?"),
        ("plain_text", "text?"),
    ], [("entity_kind", "entity_id", "language_code")], [("entity_kind", "language_code", "slug")]),
    ("page_type", "Page types.", [("name", "str"), ("slug", "str!")] + META, [], []),
    ("page", "Content pages.", [
        ("page_type_id", "int", "page_type", "Restrict"), ("title", "str"), ("slug", "str!"),
        ("content", "json?"), ("seo_title", "str?"), ("seo_description", "str?"), ("is_published", "bool"),
        ("published_at", "ts?"), ("created_at", "ts"),
    ] + META, [], []),
    ("menu", "Navigation menus (`navbar`, `footer`).", [("name", "str"), ("slug", "str!")] + META, [], []),
    ("menu_item", "Menu items: a tree per menu, linking a category, collection, page or URL.", [
        ("menu_id", "int", "menu", "Cascade"), ("parent_id", "int?", "menu_item", "Cascade"), ("name", "str"),
        ("url", "str?"), ("category_id", "int?", "category", "Cascade"), ("collection_id", "int?", "collection", "Cascade"),
        ("page_id", "int?", "page", "Cascade"), ("sort_order", "int"), ("level", "int"),
    ] + META, [], [("menu_id", "sort_order")]),
]

# Tables must be created after their FK targets: collection_product refers to product.
ORDER = ["product_type", "attribute", "attribute_value", "type_attribute", "assigned_value", "category",
         "collection", "collection_channel_listing", "product", "collection_product", "product_channel_listing",
         "product_variant", "variant_channel_listing", "warehouse", "channel_warehouse", "stock",
         "product_media", "variant_media", "translation", "page_type", "page", "menu", "menu_item"]

def camel(s):
    return "".join(p.capitalize() for p in s.split("_"))

def base(t):
    return t.rstrip("?!").rstrip("?")

def col_fn(name, ty):
    null = "?" in ty
    uniq = ty.endswith("!")
    b = ty.replace("?", "").replace("!", "")
    f = {"str": "string", "text": "text", "int": "integer", "big": "big_integer", "bool": "boolean",
         "json": "json_binary", "ts": "timestamp_with_time_zone"}[b]
    if null:
        f += "_null"
    expr = f'{f}(a("{name}"))'
    if uniq:
        expr += ".unique_key()"
    return expr

def rust_ty(ty):
    null = "?" in ty
    b = ty.replace("?", "").replace("!", "")
    r = {"str": "String", "text": "String", "int": "i32", "big": "i64", "bool": "bool",
         "json": "Json", "ts": "DateTimeUtc"}[b]
    if b == "text":
        r = "String"
    return f"Option<{r}>" if null else r

spec = {t[0]: t for t in TABLES}
out = []
out.append('''//! Catalog and content tables: product types, attributes, categories, collections, products,
//! variants, channel listings, warehouses, stock, media, translations, pages and menus; plus
//! product search (SQLite FTS5 table / PostgreSQL tsvector column with a GIN index).
//!
//! Generated by `scripts/gen_catalog_schema.py` (together with the entities); edit the spec there.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {''')
for tname in ORDER:
    t, doc, cols, uniqs, idxs = spec[tname]
    out.append(f'        // {doc}')
    out.append(f'        manager.create_table(Table::create().table(a("{t}")).col(pk_auto(a("id")))')
    for c in cols:
        out.append(f'            .col({col_fn(c[0], c[1])})')
    for c in cols:
        if len(c) > 2:
            out.append(f'            .foreign_key(ForeignKey::create().from(a("{t}"), a("{c[0]}")).to(a("{c[2]}"), a("id")).on_delete(ForeignKeyAction::{c[3]}))')
    out.append('            .to_owned()).await?;')
    for i, u in enumerate(uniqs):
        cs = "".join(f'.col(a("{c}"))' for c in u)
        out.append(f'        manager.create_index(Index::create().name("uq_{t}_{i}").table(a("{t}")){cs}.unique().to_owned()).await?;')
    for i, u in enumerate(idxs):
        cs = "".join(f'.col(a("{c}"))' for c in u)
        out.append(f'        manager.create_index(Index::create().name("ix_{t}_{i}").table(a("{t}")){cs}.to_owned()).await?;')
    # index every FK column not leading an index already
    for c in cols:
        if len(c) > 2:
            lead = [u[0] for u in uniqs] + [u[0] for u in idxs]
            if c[0] not in lead:
                out.append(f'        manager.create_index(Index::create().name("ix_{t}_{c[0]}").table(a("{t}")).col(a("{c[0]}")).to_owned()).await?;')
out.append('''        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE product ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector").await?;
                db.execute_unprepared("CREATE INDEX ix_product_search ON product USING GIN (search_vector)").await?;
            }
            _ => {
                db.execute_unprepared("CREATE VIRTUAL TABLE product_search USING fts5(document, tokenize = 'unicode61 remove_diacritics 2')").await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            manager.get_connection().execute_unprepared("DROP TABLE IF EXISTS product_search").await?;
        }
        for table in [''')
for tname in reversed(ORDER):
    out.append(f'            "{tname}",')
out.append('''        ] {
            manager.drop_table(Table::drop().table(a(table)).to_owned()).await?;
        }
        Ok(())
    }
}''')
open("migration/src/m20261122_000200_catalog.rs", "w").write("\n".join(out) + "\n")

mods = []
for tname in ORDER:
    t, doc, cols, uniqs, idxs = spec[tname]
    lines = [f"//! {doc}", "", "use sea_orm::entity::prelude::*;", "",
             "#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]",
             f'#[sea_orm(table_name = "{t}")]', "pub struct Model {",
             "    #[sea_orm(primary_key)]", "    pub id: i32,"]
    for c in cols:
        ty = c[1]
        b = ty.replace("?", "").replace("!", "")
        attrs = []
        if b == "text":
            attrs.append('column_type = "Text"')
        if ty.endswith("!"):
            attrs.append("unique")
        if attrs:
            lines.append(f"    #[sea_orm({', '.join(attrs)})]")
        lines.append(f"    pub {c[0]}: {rust_ty(ty)},")
    lines += ["}", "", "#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]", "pub enum Relation {}", "",
              "impl ActiveModelBehavior for ActiveModel {}", ""]
    open(f"entities/src/{t}.rs", "w").write("\n".join(lines))
    mods.append(t)
print("\n".join(f"pub mod {m};" for m in mods))
