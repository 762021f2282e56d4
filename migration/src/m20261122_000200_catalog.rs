//! Catalog and content tables: product types, attributes, categories, collections, products,
//! variants, channel listings, warehouses, stock, media, translations, pages and menus; plus
//! product search (SQLite FTS5 table / PostgreSQL tsvector column with a GIN index).
//!
//! Written once from a table spec (the generator was retired: migrations are append-only, so
//! later tables and columns come in later migrations and the entities are edited by hand).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn a(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Product types: what kind of product, which attributes it carries.
        manager
            .create_table(
                Table::create()
                    .table(a("product_type"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(string(a("kind")))
                    .col(boolean(a("has_variants")))
                    .col(boolean(a("is_shipping_required")))
                    .col(boolean(a("is_digital")))
                    .col(integer_null(a("weight_grams")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Attributes (Saleor input types: DROPDOWN, MULTISELECT, PLAIN_TEXT, ...).
        manager
            .create_table(
                Table::create()
                    .table(a("attribute"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(string(a("input_type")))
                    .col(string(a("attribute_type")))
                    .col(string_null(a("entity_type")))
                    .col(string_null(a("unit")))
                    .col(boolean(a("value_required")))
                    .col(boolean(a("visible_in_storefront")))
                    .col(string_null(a("external_reference")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Values of an attribute (choices, or per-object values of text/numeric/boolean/... attributes).
        manager
            .create_table(
                Table::create()
                    .table(a("attribute_value"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("attribute_id")))
                    .col(string(a("name")))
                    .col(string(a("slug")))
                    .col(string_null(a("value")))
                    .col(text_null(a("plain_text")))
                    .col(json_binary_null(a("rich_text")))
                    .col(boolean_null(a("boolean")))
                    .col(timestamp_with_time_zone_null(a("date_time")))
                    .col(string_null(a("file_url")))
                    .col(string_null(a("content_type")))
                    .col(string_null(a("reference")))
                    .col(integer(a("sort_order")))
                    .col(string_null(a("external_reference")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("attribute_value"), a("attribute_id"))
                            .to(a("attribute"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_attribute_value_0")
                    .table(a("attribute_value"))
                    .col(a("attribute_id"))
                    .col(a("slug"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Attributes assigned to a product type (`owner_kind` product/variant) or page type (page).
        manager
            .create_table(
                Table::create()
                    .table(a("type_attribute"))
                    .col(pk_auto(a("id")))
                    .col(string(a("owner_kind")))
                    .col(integer(a("owner_id")))
                    .col(integer(a("attribute_id")))
                    .col(boolean(a("variant_selection")))
                    .col(integer(a("sort_order")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("type_attribute"), a("attribute_id"))
                            .to(a("attribute"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_type_attribute_0")
                    .table(a("type_attribute"))
                    .col(a("owner_kind"))
                    .col(a("owner_id"))
                    .col(a("attribute_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_type_attribute_attribute_id")
                    .table(a("type_attribute"))
                    .col(a("attribute_id"))
                    .to_owned(),
            )
            .await?;
        // Attribute values assigned to a product, variant or page (`entity_kind`); `type_id` is its product or page type.
        manager
            .create_table(
                Table::create()
                    .table(a("assigned_value"))
                    .col(pk_auto(a("id")))
                    .col(string(a("entity_kind")))
                    .col(integer(a("entity_id")))
                    .col(integer(a("type_id")))
                    .col(integer(a("attribute_id")))
                    .col(integer(a("value_id")))
                    .col(integer(a("sort_order")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("assigned_value"), a("attribute_id"))
                            .to(a("attribute"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("assigned_value"), a("value_id"))
                            .to(a("attribute_value"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_assigned_value_0")
                    .table(a("assigned_value"))
                    .col(a("entity_kind"))
                    .col(a("entity_id"))
                    .col(a("value_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assigned_value_0")
                    .table(a("assigned_value"))
                    .col(a("entity_kind"))
                    .col(a("entity_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assigned_value_attribute_id")
                    .table(a("assigned_value"))
                    .col(a("attribute_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_assigned_value_value_id")
                    .table(a("assigned_value"))
                    .col(a("value_id"))
                    .to_owned(),
            )
            .await?;
        // Categories: a tree through `parent_id`.
        manager
            .create_table(
                Table::create()
                    .table(a("category"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary_null(a("description")))
                    .col(integer_null(a("parent_id")))
                    .col(integer(a("level")))
                    .col(string_null(a("seo_title")))
                    .col(string_null(a("seo_description")))
                    .col(string_null(a("background_image_url")))
                    .col(string_null(a("background_image_alt")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("category"), a("parent_id"))
                            .to(a("category"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_category_0")
                    .table(a("category"))
                    .col(a("parent_id"))
                    .to_owned(),
            )
            .await?;
        // Collections: curated product groups.
        manager
            .create_table(
                Table::create()
                    .table(a("collection"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary_null(a("description")))
                    .col(string_null(a("seo_title")))
                    .col(string_null(a("seo_description")))
                    .col(string_null(a("background_image_url")))
                    .col(string_null(a("background_image_alt")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Publication of a collection in a channel.
        manager
            .create_table(
                Table::create()
                    .table(a("collection_channel_listing"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("collection_id")))
                    .col(integer(a("channel_id")))
                    .col(boolean(a("is_published")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("collection_channel_listing"), a("collection_id"))
                            .to(a("collection"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("collection_channel_listing"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_collection_channel_listing_0")
                    .table(a("collection_channel_listing"))
                    .col(a("collection_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_collection_channel_listing_channel_id")
                    .table(a("collection_channel_listing"))
                    .col(a("channel_id"))
                    .to_owned(),
            )
            .await?;
        // Products. `search_document` is the text indexed for search (FTS5 / tsvector).
        manager
            .create_table(
                Table::create()
                    .table(a("product"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("product_type_id")))
                    .col(integer_null(a("category_id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary_null(a("description")))
                    .col(string_null(a("seo_title")))
                    .col(string_null(a("seo_description")))
                    .col(integer_null(a("weight_grams")))
                    .col(string_null(a("external_reference")).unique_key())
                    .col(text(a("search_document")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product"), a("product_type_id"))
                            .to(a("product_type"), a("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product"), a("category_id"))
                            .to(a("category"), a("id"))
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_0")
                    .table(a("product"))
                    .col(a("category_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_1")
                    .table(a("product"))
                    .col(a("name"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_2")
                    .table(a("product"))
                    .col(a("created_at"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_3")
                    .table(a("product"))
                    .col(a("updated_at"))
                    .col(a("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_product_type_id")
                    .table(a("product"))
                    .col(a("product_type_id"))
                    .to_owned(),
            )
            .await?;
        // Products in a collection.
        manager
            .create_table(
                Table::create()
                    .table(a("collection_product"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("collection_id")))
                    .col(integer(a("product_id")))
                    .col(integer(a("sort_order")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("collection_product"), a("collection_id"))
                            .to(a("collection"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("collection_product"), a("product_id"))
                            .to(a("product"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_collection_product_0")
                    .table(a("collection_product"))
                    .col(a("collection_id"))
                    .col(a("product_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_collection_product_0")
                    .table(a("collection_product"))
                    .col(a("product_id"))
                    .to_owned(),
            )
            .await?;
        // A product in a channel. `min_price`/`max_price` (minor units) are the variant price range, maintained on write.
        manager
            .create_table(
                Table::create()
                    .table(a("product_channel_listing"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("product_id")))
                    .col(integer(a("channel_id")))
                    .col(boolean(a("is_published")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .col(boolean(a("visible_in_listings")))
                    .col(timestamp_with_time_zone_null(a(
                        "available_for_purchase_at",
                    )))
                    .col(string(a("currency")))
                    .col(big_integer_null(a("min_price")))
                    .col(big_integer_null(a("max_price")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product_channel_listing"), a("product_id"))
                            .to(a("product"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product_channel_listing"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_product_channel_listing_0")
                    .table(a("product_channel_listing"))
                    .col(a("product_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_channel_listing_0")
                    .table(a("product_channel_listing"))
                    .col(a("channel_id"))
                    .col(a("min_price"))
                    .col(a("product_id"))
                    .to_owned(),
            )
            .await?;
        // Product variants (the purchasable unit).
        manager
            .create_table(
                Table::create()
                    .table(a("product_variant"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("product_id")))
                    .col(string(a("name")))
                    .col(string_null(a("sku")).unique_key())
                    .col(boolean(a("track_inventory")))
                    .col(integer_null(a("quantity_limit_per_customer")))
                    .col(integer_null(a("weight_grams")))
                    .col(integer(a("sort_order")))
                    .col(string_null(a("external_reference")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(timestamp_with_time_zone(a("updated_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product_variant"), a("product_id"))
                            .to(a("product"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_variant_0")
                    .table(a("product_variant"))
                    .col(a("product_id"))
                    .col(a("sort_order"))
                    .to_owned(),
            )
            .await?;
        // A variant's price in a channel, in minor units of the channel currency.
        manager
            .create_table(
                Table::create()
                    .table(a("variant_channel_listing"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("variant_id")))
                    .col(integer(a("channel_id")))
                    .col(string(a("currency")))
                    .col(big_integer_null(a("price_amount")))
                    .col(big_integer_null(a("cost_price_amount")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("variant_channel_listing"), a("variant_id"))
                            .to(a("product_variant"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("variant_channel_listing"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_variant_channel_listing_0")
                    .table(a("variant_channel_listing"))
                    .col(a("variant_id"))
                    .col(a("channel_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_variant_channel_listing_channel_id")
                    .table(a("variant_channel_listing"))
                    .col(a("channel_id"))
                    .to_owned(),
            )
            .await?;
        // Warehouses holding stock.
        manager
            .create_table(
                Table::create()
                    .table(a("warehouse"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(string(a("email")))
                    .col(boolean(a("is_private")))
                    .col(string(a("click_and_collect_option")))
                    .col(string(a("company_name")))
                    .col(string(a("street_address_1")))
                    .col(string(a("city")))
                    .col(string(a("postal_code")))
                    .col(string(a("country")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Which warehouses serve a channel.
        manager
            .create_table(
                Table::create()
                    .table(a("channel_warehouse"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("channel_id")))
                    .col(integer(a("warehouse_id")))
                    .col(integer(a("sort_order")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("channel_warehouse"), a("channel_id"))
                            .to(a("channel"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("channel_warehouse"), a("warehouse_id"))
                            .to(a("warehouse"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_channel_warehouse_0")
                    .table(a("channel_warehouse"))
                    .col(a("channel_id"))
                    .col(a("warehouse_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_channel_warehouse_warehouse_id")
                    .table(a("channel_warehouse"))
                    .col(a("warehouse_id"))
                    .to_owned(),
            )
            .await?;
        // Stock of a variant in a warehouse.
        manager
            .create_table(
                Table::create()
                    .table(a("stock"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("warehouse_id")))
                    .col(integer(a("variant_id")))
                    .col(integer(a("quantity")))
                    .col(integer(a("quantity_allocated")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("stock"), a("warehouse_id"))
                            .to(a("warehouse"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("stock"), a("variant_id"))
                            .to(a("product_variant"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_stock_0")
                    .table(a("stock"))
                    .col(a("variant_id"))
                    .col(a("warehouse_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_stock_warehouse_id")
                    .table(a("stock"))
                    .col(a("warehouse_id"))
                    .to_owned(),
            )
            .await?;
        // Product images and videos (by URL).
        manager
            .create_table(
                Table::create()
                    .table(a("product_media"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("product_id")))
                    .col(integer(a("sort_order")))
                    .col(string(a("image_url")))
                    .col(string(a("alt")))
                    .col(string(a("media_type")))
                    .col(string_null(a("external_url")))
                    .col(json_binary(a("oembed_data")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("product_media"), a("product_id"))
                            .to(a("product"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_product_media_0")
                    .table(a("product_media"))
                    .col(a("product_id"))
                    .col(a("sort_order"))
                    .to_owned(),
            )
            .await?;
        // Media shown for a variant.
        manager
            .create_table(
                Table::create()
                    .table(a("variant_media"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("variant_id")))
                    .col(integer(a("media_id")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("variant_media"), a("variant_id"))
                            .to(a("product_variant"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("variant_media"), a("media_id"))
                            .to(a("product_media"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_variant_media_0")
                    .table(a("variant_media"))
                    .col(a("variant_id"))
                    .col(a("media_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_variant_media_media_id")
                    .table(a("variant_media"))
                    .col(a("media_id"))
                    .to_owned(),
            )
            .await?;
        // Translations of any translatable object (`entity_kind`: product, variant, category, collection, attribute, attribute_value, page, menu_item). Pages keep title in `name` and content in `description`.
        manager
            .create_table(
                Table::create()
                    .table(a("translation"))
                    .col(pk_auto(a("id")))
                    .col(string(a("entity_kind")))
                    .col(integer(a("entity_id")))
                    .col(string(a("language_code")))
                    .col(string_null(a("name")))
                    .col(string_null(a("slug")))
                    .col(json_binary_null(a("description")))
                    .col(string_null(a("seo_title")))
                    .col(string_null(a("seo_description")))
                    .col(text_null(a("plain_text")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_translation_0")
                    .table(a("translation"))
                    .col(a("entity_kind"))
                    .col(a("entity_id"))
                    .col(a("language_code"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_translation_0")
                    .table(a("translation"))
                    .col(a("entity_kind"))
                    .col(a("language_code"))
                    .col(a("slug"))
                    .to_owned(),
            )
            .await?;
        // Page types.
        manager
            .create_table(
                Table::create()
                    .table(a("page_type"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Content pages.
        manager
            .create_table(
                Table::create()
                    .table(a("page"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("page_type_id")))
                    .col(string(a("title")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary_null(a("content")))
                    .col(string_null(a("seo_title")))
                    .col(string_null(a("seo_description")))
                    .col(boolean(a("is_published")))
                    .col(timestamp_with_time_zone_null(a("published_at")))
                    .col(timestamp_with_time_zone(a("created_at")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("page"), a("page_type_id"))
                            .to(a("page_type"), a("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_page_page_type_id")
                    .table(a("page"))
                    .col(a("page_type_id"))
                    .to_owned(),
            )
            .await?;
        // Navigation menus (`navbar`, `footer`).
        manager
            .create_table(
                Table::create()
                    .table(a("menu"))
                    .col(pk_auto(a("id")))
                    .col(string(a("name")))
                    .col(string(a("slug")).unique_key())
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .to_owned(),
            )
            .await?;
        // Menu items: a tree per menu, linking a category, collection, page or URL.
        manager
            .create_table(
                Table::create()
                    .table(a("menu_item"))
                    .col(pk_auto(a("id")))
                    .col(integer(a("menu_id")))
                    .col(integer_null(a("parent_id")))
                    .col(string(a("name")))
                    .col(string_null(a("url")))
                    .col(integer_null(a("category_id")))
                    .col(integer_null(a("collection_id")))
                    .col(integer_null(a("page_id")))
                    .col(integer(a("sort_order")))
                    .col(integer(a("level")))
                    .col(json_binary(a("metadata")))
                    .col(json_binary(a("private_metadata")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("menu_item"), a("menu_id"))
                            .to(a("menu"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("menu_item"), a("parent_id"))
                            .to(a("menu_item"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("menu_item"), a("category_id"))
                            .to(a("category"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("menu_item"), a("collection_id"))
                            .to(a("collection"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(a("menu_item"), a("page_id"))
                            .to(a("page"), a("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_menu_item_0")
                    .table(a("menu_item"))
                    .col(a("menu_id"))
                    .col(a("sort_order"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_menu_item_parent_id")
                    .table(a("menu_item"))
                    .col(a("parent_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_menu_item_category_id")
                    .table(a("menu_item"))
                    .col(a("category_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_menu_item_collection_id")
                    .table(a("menu_item"))
                    .col(a("collection_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_menu_item_page_id")
                    .table(a("menu_item"))
                    .col(a("page_id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE product ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector").await?;
                db.execute_unprepared(
                    "CREATE INDEX ix_product_search ON product USING GIN (search_vector)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared("CREATE VIRTUAL TABLE product_search USING fts5(document, tokenize = 'unicode61 remove_diacritics 2')").await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE IF EXISTS product_search")
                .await?;
        }
        for table in [
            "menu_item",
            "menu",
            "page",
            "page_type",
            "translation",
            "variant_media",
            "product_media",
            "stock",
            "channel_warehouse",
            "warehouse",
            "variant_channel_listing",
            "product_variant",
            "product_channel_listing",
            "collection_product",
            "product",
            "collection_channel_listing",
            "collection",
            "category",
            "assigned_value",
            "type_attribute",
            "attribute_value",
            "attribute",
            "product_type",
        ] {
            manager
                .drop_table(Table::drop().table(a(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
