//! Demo data: a realistic small catalog (categories, collections, ~60 products with
//! variants, attributes, images, prices in both channels, stock, translations, menus and
//! pages) for a fresh database, and bulk generation of large catalogs for benchmarks.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use entities::{
    assigned_value, attribute, attribute_value, category, channel, channel_warehouse, collection,
    collection_channel_listing, collection_product, menu, menu_item, page, page_type, product,
    product_channel_listing, product_media, product_type, product_variant, stock, translation,
    type_attribute, variant_channel_listing, warehouse,
};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    PaginatorTrait, QueryOrder, Set, TransactionTrait, sea_query::Query,
};
use serde_json::{Value as Json, json};

use super::search;

fn empty() -> Json {
    json!({})
}

/// An Editor.js document with one paragraph.
pub fn rich(text: &str) -> Json {
    json!({"time": 1_700_000_000_000_i64, "blocks": [{"id": "a1", "type": "paragraph", "data": {"text": text}}], "version": "2.24.3"})
}

/// Updates the denormalized price range of product listings from their variants' prices
/// (`product_id = None`: every product), after recomputing catalogue promotion discounts.
pub async fn refresh_price_ranges(
    db: &impl ConnectionTrait,
    product_id: Option<i32>,
) -> Result<(), DbErr> {
    match product_id {
        Some(id) => refresh_prices(db, Some(&[id])).await,
        None => refresh_prices(db, None).await,
    }
}

/// Recomputes the discounted prices of the variants of `products` (every product when
/// `None`; see `discount::promotion::recalc`) and their listings' undiscounted and
/// discounted price ranges.
pub async fn refresh_prices(
    db: &impl ConnectionTrait,
    products: Option<&[i32]>,
) -> Result<(), DbErr> {
    if products.is_some_and(<[i32]>::is_empty) {
        return Ok(());
    }
    crate::discount::promotion::recalc::apply(db, products).await?;
    let backend = db.get_database_backend();
    let agg = |f: &str, col: &str| {
        format!(
            "(SELECT {f}({col}) FROM variant_channel_listing vl JOIN product_variant v ON v.id = vl.variant_id \
             WHERE v.product_id = product_channel_listing.product_id AND vl.channel_id = product_channel_listing.channel_id)"
        )
    };
    let discounted = "COALESCE(vl.discounted_price_amount, vl.price_amount)";
    let mut sql = format!(
        "UPDATE product_channel_listing SET min_price = {}, max_price = {}, \
         discounted_min_price = {}, discounted_max_price = {}",
        agg("MIN", "vl.price_amount"),
        agg("MAX", "vl.price_amount"),
        agg("MIN", discounted),
        agg("MAX", discounted),
    );
    if let Some(ids) = products {
        // Integer ids only: nothing from input reaches the SQL as text.
        let ids: Vec<String> = ids.iter().map(i32::to_string).collect();
        sql.push_str(&format!(" WHERE product_id IN ({})", ids.join(",")));
    }
    db.execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await?;
    Ok(())
}

struct Ctx<'a> {
    txn: &'a DatabaseTransaction,
    channels: Vec<channel::Model>,
}

impl Ctx<'_> {
    async fn translate(
        &self,
        kind: &str,
        id: i32,
        lang: &str,
        name: Option<&str>,
        slug: Option<&str>,
    ) -> Result<(), DbErr> {
        translation::ActiveModel {
            entity_kind: Set(kind.to_owned()),
            entity_id: Set(id),
            language_code: Set(lang.to_owned()),
            name: Set(name.map(str::to_owned)),
            slug: Set(slug.map(str::to_owned)),
            description: Set(None),
            seo_title: Set(None),
            seo_description: Set(None),
            plain_text: Set(None),
            ..Default::default()
        }
        .insert(self.txn)
        .await
        .map(|_| ())
    }

    async fn attribute(
        &self,
        name: &str,
        slug: &str,
        input_type: &str,
        attribute_type: &str,
        choices: &[&str],
    ) -> Result<(attribute::Model, Vec<attribute_value::Model>), DbErr> {
        let attr = attribute::ActiveModel {
            name: Set(name.to_owned()),
            slug: Set(slug.to_owned()),
            input_type: Set(input_type.to_owned()),
            attribute_type: Set(attribute_type.to_owned()),
            entity_type: Set(None),
            unit: Set(None),
            value_required: Set(false),
            visible_in_storefront: Set(true),
            external_reference: Set(None),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(self.txn)
        .await?;
        let mut values = Vec::new();
        for (i, choice) in choices.iter().enumerate() {
            values.push(
                self.value(attr.id, choice, &slugify(choice), i as i32, None, None)
                    .await?,
            );
        }
        Ok((attr, values))
    }

    async fn value(
        &self,
        attribute_id: i32,
        name: &str,
        slug: &str,
        sort_order: i32,
        plain_text: Option<&str>,
        boolean: Option<bool>,
    ) -> Result<attribute_value::Model, DbErr> {
        attribute_value::ActiveModel {
            attribute_id: Set(attribute_id),
            name: Set(name.to_owned()),
            slug: Set(slug.to_owned()),
            value: Set(None),
            plain_text: Set(plain_text.map(str::to_owned)),
            rich_text: Set(None),
            boolean: Set(boolean),
            date_time: Set(None),
            file_url: Set(None),
            content_type: Set(None),
            reference: Set(None),
            sort_order: Set(sort_order),
            external_reference: Set(None),
            ..Default::default()
        }
        .insert(self.txn)
        .await
    }

    async fn assign(
        &self,
        kind: &str,
        entity_id: i32,
        type_id: i32,
        value: &attribute_value::Model,
    ) -> Result<(), DbErr> {
        assigned_value::ActiveModel {
            entity_kind: Set(kind.to_owned()),
            entity_id: Set(entity_id),
            type_id: Set(type_id),
            attribute_id: Set(value.attribute_id),
            value_id: Set(value.id),
            sort_order: Set(0),
            ..Default::default()
        }
        .insert(self.txn)
        .await
        .map(|_| ())
    }

    async fn type_attribute(
        &self,
        owner_kind: &str,
        owner_id: i32,
        attribute_id: i32,
        variant_selection: bool,
        sort_order: i32,
    ) -> Result<(), DbErr> {
        type_attribute::ActiveModel {
            owner_kind: Set(owner_kind.to_owned()),
            owner_id: Set(owner_id),
            attribute_id: Set(attribute_id),
            variant_selection: Set(variant_selection),
            sort_order: Set(sort_order),
            ..Default::default()
        }
        .insert(self.txn)
        .await
        .map(|_| ())
    }

    async fn category(
        &self,
        name: &str,
        parent: Option<&category::Model>,
        description: &str,
    ) -> Result<category::Model, DbErr> {
        let slug = slugify(name);
        category::ActiveModel {
            name: Set(name.to_owned()),
            slug: Set(slug.clone()),
            description: Set(Some(rich(description))),
            parent_id: Set(parent.map(|p| p.id)),
            level: Set(parent.map_or(0, |p| p.level + 1)),
            seo_title: Set(Some(name.to_owned())),
            seo_description: Set(Some(description.to_owned())),
            background_image_url: Set(Some(format!(
                "https://picsum.photos/seed/category-{slug}/1920/1080"
            ))),
            background_image_alt: Set(Some(name.to_owned())),
            updated_at: Set(Utc::now()),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(self.txn)
        .await
    }
}

/// Lower-case, dash-separated slug of `s`.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

struct Line {
    category: &'static str,
    product_type: &'static str,
    price_usd: i64,
    names: &'static [&'static str],
    variants: &'static [&'static str],
}

const LINES: &[Line] = &[
    Line {
        category: "T-shirts",
        product_type: "T-shirt",
        price_usd: 1999,
        names: &[
            "Monospace Tee",
            "Dash Force Tee",
            "Code Division Tee",
            "Polo Shirt",
            "Syntax Tee",
            "Compiler Tee",
            "Lambda Tee",
            "Pipeline Tee",
            "Kernel Tee",
            "Runtime Tee",
            "Borrow Checker Tee",
            "Async Tee",
        ],
        variants: &["S", "M", "L", "XL"],
    },
    Line {
        category: "Hoodies",
        product_type: "Hoodie",
        price_usd: 4900,
        names: &[
            "Blue Hoodie",
            "Black Hoodie",
            "Grey Hoodie",
            "Zip Hoodie",
            "Oversized Hoodie",
            "Fleece Hoodie",
            "Night Owl Hoodie",
            "Sunrise Hoodie",
        ],
        variants: &["S", "M", "L"],
    },
    Line {
        category: "Caps",
        product_type: "Cap",
        price_usd: 1500,
        names: &[
            "Dad Cap",
            "Snapback Cap",
            "Trucker Cap",
            "Beanie",
            "Bucket Hat",
            "Visor",
        ],
        variants: &["One size"],
    },
    Line {
        category: "Bags",
        product_type: "Bag",
        price_usd: 2900,
        names: &[
            "Tote Bag",
            "Backpack",
            "Messenger Bag",
            "Laptop Sleeve",
            "Duffel Bag",
            "Belt Bag",
        ],
        variants: &["One size"],
    },
    Line {
        category: "Juices",
        product_type: "Juice",
        price_usd: 399,
        names: &[
            "Apple Juice",
            "Orange Juice",
            "Banana Juice",
            "Carrot Juice",
            "Bean Juice",
            "Mango Juice",
            "Grape Juice",
            "Pineapple Juice",
            "Cherry Juice",
            "Lemonade",
        ],
        variants: &["330 ml", "1 l"],
    },
    Line {
        category: "Coffee",
        product_type: "Coffee",
        price_usd: 1299,
        names: &[
            "Colombian Roast",
            "Ethiopian Roast",
            "Espresso Blend",
            "Decaf Blend",
            "Kenyan Roast",
            "Guatemala Roast",
            "Cold Brew Pack",
            "House Blend",
        ],
        variants: &["250 g", "1 kg"],
    },
    Line {
        category: "Audiobooks",
        product_type: "Audiobook",
        price_usd: 999,
        names: &[
            "The Dash",
            "Async Adventures",
            "Memory Safety",
            "Fearless Concurrency",
            "The Rust Programming Language",
            "Zero Cost",
            "Traits and Tribulations",
            "Lifetimes",
            "Pattern Matching",
            "Unsafe at Any Speed",
        ],
        variants: &["MP3"],
    },
];

/// Loads the demo catalog unless the database already has products. Returns whether it did.
pub async fn demo(db: &DatabaseConnection) -> Result<bool, DbErr> {
    if product::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let channels = channel::Entity::find()
        .order_by_asc(channel::Column::Id)
        .all(db)
        .await?;
    let txn = db.begin().await?;
    let ctx = Ctx {
        txn: &txn,
        channels,
    };
    let now = Utc::now();

    // Warehouse serving every channel.
    let wh = warehouse::ActiveModel {
        name: Set("Europe Warehouse".into()),
        slug: Set("europe-warehouse".into()),
        email: Set("warehouse@example.com".into()),
        is_private: Set(true),
        click_and_collect_option: Set("DISABLED".into()),
        company_name: Set("Bizgraph Logistics".into()),
        street_address_1: Set("1 Warehouse Street".into()),
        city: Set("Berlin".into()),
        postal_code: Set("10115".into()),
        country: Set("DE".into()),
        metadata: Set(empty()),
        private_metadata: Set(empty()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // A shop where customers collect orders (click and collect): it holds no stock of its
    // own, goods come from the channel's warehouses (Saleor's `ALL` option).
    let store = warehouse::ActiveModel {
        name: Set("Berlin Store (pick up)".into()),
        slug: Set("berlin-store".into()),
        email: Set("store@example.com".into()),
        is_private: Set(false),
        click_and_collect_option: Set("ALL".into()),
        company_name: Set("Bizgraph Store".into()),
        street_address_1: Set("Friedrichstrasse 100".into()),
        city: Set("BERLIN".into()),
        postal_code: Set("10117".into()),
        country: Set("DE".into()),
        metadata: Set(empty()),
        private_metadata: Set(empty()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (i, ch) in ctx.channels.iter().enumerate() {
        for (w, order) in [(wh.id, i), (store.id, ctx.channels.len() + i)] {
            channel_warehouse::ActiveModel {
                channel_id: Set(ch.id),
                warehouse_id: Set(w),
                sort_order: Set(order as i32),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }

    // Attributes.
    let (size, size_values) = ctx
        .attribute(
            "Size",
            "size",
            "DROPDOWN",
            "PRODUCT_TYPE",
            &["S", "M", "L", "XL", "One size"],
        )
        .await?;
    let (volume, volume_values) = ctx
        .attribute(
            "Volume",
            "volume",
            "DROPDOWN",
            "PRODUCT_TYPE",
            &["330 ml", "1 l"],
        )
        .await?;
    let (pack, pack_values) = ctx
        .attribute(
            "Pack",
            "pack",
            "DROPDOWN",
            "PRODUCT_TYPE",
            &["250 g", "1 kg"],
        )
        .await?;
    let (format, format_values) = ctx
        .attribute("Format", "format", "DROPDOWN", "PRODUCT_TYPE", &["MP3"])
        .await?;
    let (material, _) = ctx
        .attribute("Material", "material", "PLAIN_TEXT", "PRODUCT_TYPE", &[])
        .await?;
    let (bestseller, _) = ctx
        .attribute("Bestseller", "bestseller", "BOOLEAN", "PRODUCT_TYPE", &[])
        .await?;
    let (color, color_values) = ctx
        .attribute(
            "Color",
            "color",
            "MULTISELECT",
            "PRODUCT_TYPE",
            &["Black", "White", "Blue", "Grey"],
        )
        .await?;
    let (abv, _) = ctx
        .attribute("Sugar content", "sugar", "NUMERIC", "PRODUCT_TYPE", &[])
        .await?;
    ctx.translate("attribute", size.id, "PL", Some("Rozmiar"), None)
        .await?;
    ctx.translate("attribute", color.id, "PL", Some("Kolor"), None)
        .await?;
    ctx.translate("attribute", material.id, "PL", Some("Materiał"), None)
        .await?;
    let variant_values: HashMap<String, attribute_value::Model> = size_values
        .iter()
        .chain(&volume_values)
        .chain(&pack_values)
        .chain(&format_values)
        .map(|v| (v.name.clone(), v.clone()))
        .collect();
    for v in &color_values {
        let pl = match v.name.as_str() {
            "Black" => "Czarny",
            "White" => "Biały",
            "Blue" => "Niebieski",
            _ => "Szary",
        };
        ctx.translate("attribute_value", v.id, "PL", Some(pl), None)
            .await?;
    }

    // Product types with their attributes.
    let mut types = HashMap::new();
    for line in LINES {
        if types.contains_key(line.product_type) {
            continue;
        }
        let pt = product_type::ActiveModel {
            name: Set(line.product_type.to_owned()),
            slug: Set(slugify(line.product_type)),
            kind: Set("NORMAL".into()),
            has_variants: Set(line.variants.len() > 1),
            is_shipping_required: Set(line.product_type != "Audiobook"),
            is_digital: Set(line.product_type == "Audiobook"),
            weight_grams: Set(None),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let variant_attr = match line.product_type {
            "Juice" => volume.id,
            "Coffee" => pack.id,
            "Audiobook" => format.id,
            _ => size.id,
        };
        ctx.type_attribute("variant", pt.id, variant_attr, true, 0)
            .await?;
        ctx.type_attribute("product", pt.id, bestseller.id, false, 0)
            .await?;
        ctx.type_attribute("product", pt.id, material.id, false, 1)
            .await?;
        ctx.type_attribute("product", pt.id, color.id, false, 2)
            .await?;
        ctx.type_attribute("product", pt.id, abv.id, false, 3)
            .await?;
        types.insert(line.product_type, pt);
    }

    // Categories.
    let apparel = ctx
        .category("Apparel", None, "Clothes for developers.")
        .await?;
    let accessories = ctx
        .category("Accessories", None, "Things to carry.")
        .await?;
    let groceries = ctx.category("Groceries", None, "Food and drinks.").await?;
    let mut cats = HashMap::new();
    for (name, parent) in [
        ("T-shirts", Some(&apparel)),
        ("Hoodies", Some(&apparel)),
        ("Caps", Some(&accessories)),
        ("Bags", Some(&accessories)),
        ("Juices", Some(&groceries)),
        ("Coffee", Some(&groceries)),
        ("Audiobooks", None),
    ] {
        let c = ctx
            .category(
                name,
                parent,
                &format!("Our {} selection.", name.to_lowercase()),
            )
            .await?;
        cats.insert(name, c);
    }
    ctx.translate("category", apparel.id, "PL", Some("Odzież"), Some("odziez"))
        .await?;
    if let Some(c) = cats.get("T-shirts") {
        ctx.translate("category", c.id, "PL", Some("Koszulki"), Some("koszulki"))
            .await?;
    }
    if let Some(c) = cats.get("Juices") {
        ctx.translate("category", c.id, "PL", Some("Soki"), Some("soki"))
            .await?;
    }

    // Collections.
    let mut colls = Vec::new();
    for (name, published) in [
        ("Featured Products", true),
        ("Summer Picks", true),
        ("Best Sellers", true),
        ("Hidden Deals", false),
    ] {
        let c = collection::ActiveModel {
            name: Set(name.to_owned()),
            slug: Set(slugify(name)),
            description: Set(Some(rich(&format!("{name} from our shop.")))),
            seo_title: Set(Some(name.to_owned())),
            seo_description: Set(Some(format!("{name} from our shop."))),
            background_image_url: Set(Some(format!(
                "https://picsum.photos/seed/collection-{}/1920/1080",
                slugify(name)
            ))),
            background_image_alt: Set(Some(name.to_owned())),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        for ch in &ctx.channels {
            collection_channel_listing::ActiveModel {
                collection_id: Set(c.id),
                channel_id: Set(ch.id),
                is_published: Set(published),
                published_at: Set(Some(now - Duration::days(30))),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        colls.push(c);
    }
    ctx.translate(
        "collection",
        colls[0].id,
        "PL",
        Some("Polecane produkty"),
        Some("polecane-produkty"),
    )
    .await?;

    // Products.
    let mut n = 0_i64;
    let mut product_ids = Vec::new();
    let mut collection_size: HashMap<i32, i32> = HashMap::new();
    for line in LINES {
        let pt = &types[line.product_type];
        let cat = &cats[line.category];
        for (i, name) in line.names.iter().enumerate() {
            n += 1;
            let slug = slugify(name);
            let created = now - Duration::days(90) + Duration::hours(n * 7);
            let description = format!(
                "{name}: a demo {} from the {} category.",
                line.product_type.to_lowercase(),
                line.category.to_lowercase()
            );
            let p = product::ActiveModel {
                product_type_id: Set(pt.id),
                category_id: Set(Some(cat.id)),
                name: Set((*name).to_owned()),
                slug: Set(slug.clone()),
                description: Set(Some(rich(&description))),
                seo_title: Set(Some((*name).to_owned())),
                seo_description: Set(Some(description.clone())),
                weight_grams: Set(Some(300)),
                external_reference: Set(Some(format!("demo-{n}"))),
                search_document: Set(String::new()),
                created_at: Set(created),
                updated_at: Set(created),
                metadata: Set(json!({"demo": "true"})),
                private_metadata: Set(empty()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            product_ids.push(p.id);
            // "Polo Shirt" is unpublished; "Visor" is hidden from listings.
            let published = *name != "Polo Shirt";
            let visible = *name != "Visor";
            let price = line.price_usd + (i as i64 % 4) * 100;
            for ch in &ctx.channels {
                product_channel_listing::ActiveModel {
                    product_id: Set(p.id),
                    channel_id: Set(ch.id),
                    is_published: Set(published),
                    published_at: Set(Some(created)),
                    visible_in_listings: Set(visible),
                    available_for_purchase_at: Set(Some(created)),
                    currency: Set(ch.currency_code.clone()),
                    min_price: Set(None),
                    max_price: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            // Two images per product, stored like uploads (served by `/media/` and
            // `/thumbnail/`, so the demo needs no internet).
            for m in 0..2 {
                let media = product_media::ActiveModel {
                    product_id: Set(p.id),
                    sort_order: Set(m),
                    image_url: Set(String::new()),
                    alt: Set(format!("{name} image {}", m + 1)),
                    media_type: Set("IMAGE".into()),
                    external_url: Set(None),
                    oembed_data: Set(empty()),
                    metadata: Set(empty()),
                    private_metadata: Set(empty()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                let image = crate::media::demo::image(n as usize * 2 + m as usize);
                let path = image.path(media.id);
                crate::media::insert_file(&txn, media.id, image).await?;
                let mut media: product_media::ActiveModel = media.into();
                media.image_url = Set(path);
                media.update(&txn).await?;
            }
            // Product attributes: bestseller on every third product, material text, colors.
            let b = ctx
                .value(
                    bestseller.id,
                    &format!("{name}: Yes"),
                    &format!("{}_{}", p.id, bestseller.id),
                    0,
                    None,
                    Some(i % 3 == 0),
                )
                .await?;
            ctx.assign("product", p.id, pt.id, &b).await?;
            let mat = match line.category {
                "T-shirts" | "Hoodies" => "100% organic cotton",
                "Caps" | "Bags" => "Recycled canvas",
                _ => "Not applicable",
            };
            let m = ctx
                .value(
                    material.id,
                    mat,
                    &format!("{}_{}", p.id, material.id),
                    0,
                    Some(mat),
                    None,
                )
                .await?;
            ctx.assign("product", p.id, pt.id, &m).await?;
            if matches!(line.category, "T-shirts" | "Hoodies" | "Caps" | "Bags") {
                for c in color_values.iter().skip(i % 3).take(2) {
                    ctx.assign("product", p.id, pt.id, c).await?;
                }
            }
            if line.category == "Juices" {
                let sugar = format!("{}", 5 + i);
                let s = ctx
                    .value(
                        abv.id,
                        &sugar,
                        &format!("{}_{}", p.id, abv.id),
                        0,
                        None,
                        None,
                    )
                    .await?;
                ctx.assign("product", p.id, pt.id, &s).await?;
            }
            if *name == "Monospace Tee" {
                ctx.translate(
                    "product",
                    p.id,
                    "PL",
                    Some("Koszulka Monospace"),
                    Some("koszulka-monospace"),
                )
                .await?;
                ctx.translate(
                    "product",
                    p.id,
                    "DE",
                    Some("Monospace T-Shirt"),
                    Some("monospace-t-shirt"),
                )
                .await?;
            }
            if *name == "Apple Juice" {
                ctx.translate(
                    "product",
                    p.id,
                    "PL",
                    Some("Sok jabłkowy"),
                    Some("sok-jablkowy"),
                )
                .await?;
            }
            // Collections: featured = first two of each line, summer = juices/caps, best
            // sellers = bestsellers, hidden deals = audiobooks.
            let mut in_colls = Vec::new();
            if i < 2 {
                in_colls.push(colls[0].id);
            }
            if matches!(line.category, "Juices" | "Caps") {
                in_colls.push(colls[1].id);
            }
            if i % 3 == 0 {
                in_colls.push(colls[2].id);
            }
            if line.category == "Audiobooks" {
                in_colls.push(colls[3].id);
            }
            for c in in_colls {
                // The product's position in the collection: demo collections keep the
                // order products were added in (as `collectionAddProducts` does).
                let position = collection_size.entry(c).or_insert(0);
                *position += 1;
                collection_product::ActiveModel {
                    collection_id: Set(c),
                    product_id: Set(p.id),
                    sort_order: Set(*position - 1),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
            // Variants with prices per channel and stock.
            for (vi, vname) in line.variants.iter().enumerate() {
                let sku = format!("{}-{}", slug.to_uppercase(), slugify(vname).to_uppercase());
                let v = product_variant::ActiveModel {
                    product_id: Set(p.id),
                    name: Set((*vname).to_owned()),
                    sku: Set(Some(sku)),
                    track_inventory: Set(line.category != "Audiobooks"),
                    quantity_limit_per_customer: Set(None),
                    weight_grams: Set(Some(300)),
                    sort_order: Set(vi as i32),
                    external_reference: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                    metadata: Set(empty()),
                    private_metadata: Set(empty()),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                let vprice = price + vi as i64 * 200;
                for ch in &ctx.channels {
                    // EUR prices are 90% of USD prices, rounded to whole cents.
                    let amount = if ch.currency_code == "EUR" {
                        vprice * 9 / 10
                    } else {
                        vprice
                    };
                    variant_channel_listing::ActiveModel {
                        variant_id: Set(v.id),
                        channel_id: Set(ch.id),
                        currency: Set(ch.currency_code.clone()),
                        price_amount: Set(Some(amount)),
                        cost_price_amount: Set(Some(amount / 2)),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                }
                // "Bean Juice" is out of stock.
                let quantity = if *name == "Bean Juice" {
                    0
                } else {
                    20 + (n as i32 % 7) * 10
                };
                stock::ActiveModel {
                    warehouse_id: Set(wh.id),
                    variant_id: Set(v.id),
                    quantity: Set(quantity),
                    quantity_allocated: Set(0),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                if let Some(value) = variant_values.get(*vname) {
                    ctx.assign("variant", v.id, pt.id, value).await?;
                }
            }
        }
    }
    refresh_price_ranges(&txn, None).await?;
    for id in &product_ids {
        search::reindex(&txn, *id).await?;
    }

    // Pages.
    let content_type = page_type::ActiveModel {
        name: Set("Content page".into()),
        slug: Set("content-page".into()),
        metadata: Set(empty()),
        private_metadata: Set(empty()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let (headline, _) = ctx
        .attribute("Headline", "headline", "PLAIN_TEXT", "PAGE_TYPE", &[])
        .await?;
    let (show_banner, _) = ctx
        .attribute("Show banner", "show-banner", "BOOLEAN", "PAGE_TYPE", &[])
        .await?;
    ctx.type_attribute("page", content_type.id, headline.id, false, 0)
        .await?;
    ctx.type_attribute("page", content_type.id, show_banner.id, false, 1)
        .await?;
    let mut pages = HashMap::new();
    for (title, published) in [
        ("About", true),
        ("FAQ", true),
        ("Shipping and Returns", true),
        ("Home Hero", true),
        ("Draft Page", false),
    ] {
        let slug = slugify(title);
        let pg = page::ActiveModel {
            page_type_id: Set(content_type.id),
            title: Set(title.to_owned()),
            slug: Set(slug.clone()),
            content: Set(Some(rich(&format!("{title} of the Bizgraph demo shop.")))),
            seo_title: Set(Some(title.to_owned())),
            seo_description: Set(Some(format!("{title} of the Bizgraph demo shop."))),
            is_published: Set(published),
            published_at: Set(Some(now - Duration::days(10))),
            created_at: Set(now - Duration::days(10)),
            metadata: Set(empty()),
            private_metadata: Set(empty()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let text = format!("Welcome to {title}");
        let h = ctx
            .value(
                headline.id,
                &text,
                &format!("page-{}_{}", pg.id, headline.id),
                0,
                Some(&text),
                None,
            )
            .await?;
        ctx.assign("page", pg.id, content_type.id, &h).await?;
        let b = ctx
            .value(
                show_banner.id,
                "Yes",
                &format!("page-{}_{}", pg.id, show_banner.id),
                0,
                None,
                Some(slug == "home-hero"),
            )
            .await?;
        ctx.assign("page", pg.id, content_type.id, &b).await?;
        pages.insert(slug, pg);
    }
    if let Some(about) = pages.get("about") {
        translation::ActiveModel {
            entity_kind: Set("page".into()),
            entity_id: Set(about.id),
            language_code: Set("PL".into()),
            name: Set(Some("O nas".into())),
            slug: Set(Some("o-nas".into())),
            description: Set(Some(rich("O sklepie demo Bizgraph."))),
            seo_title: Set(Some("O nas".into())),
            seo_description: Set(None),
            plain_text: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }

    // Menus.
    let navbar = new_menu(&txn, "navbar").await?;
    let footer = new_menu(&txn, "footer").await?;
    let mut order = 0;
    for root in [&apparel, &accessories, &groceries] {
        let item = new_item(
            &txn,
            navbar.id,
            None,
            &root.name,
            order,
            0,
            Link::Category(root.id),
        )
        .await?;
        order += 1;
        let children: Vec<&category::Model> = cats
            .values()
            .filter(|c| c.parent_id == Some(root.id))
            .collect();
        let mut children = children;
        children.sort_by_key(|c| c.id);
        for (k, child) in children.into_iter().enumerate() {
            new_item(
                &txn,
                navbar.id,
                Some(item.id),
                &child.name,
                k as i32,
                1,
                Link::Category(child.id),
            )
            .await?;
        }
        if root.id == apparel.id {
            ctx.translate("menu_item", item.id, "PL", Some("Odzież"), None)
                .await?;
        }
    }
    new_item(
        &txn,
        navbar.id,
        None,
        "Best Sellers",
        order,
        0,
        Link::Collection(colls[2].id),
    )
    .await?;
    for (k, slug) in ["about", "faq", "shipping-and-returns"].iter().enumerate() {
        if let Some(pg) = pages.get(*slug) {
            new_item(
                &txn,
                footer.id,
                None,
                &pg.title,
                k as i32,
                0,
                Link::Page(pg.id),
            )
            .await?;
        }
    }
    new_item(
        &txn,
        footer.id,
        None,
        "Saleor",
        9,
        0,
        Link::Url("https://saleor.io/"),
    )
    .await?;
    txn.commit().await?;
    db.execute_unprepared("ANALYZE").await?;
    Ok(true)
}

enum Link<'a> {
    Category(i32),
    Collection(i32),
    Page(i32),
    Url(&'a str),
}

async fn new_menu(txn: &DatabaseTransaction, slug: &str) -> Result<menu::Model, DbErr> {
    menu::ActiveModel {
        name: Set(slug.to_owned()),
        slug: Set(slug.to_owned()),
        metadata: Set(empty()),
        private_metadata: Set(empty()),
        ..Default::default()
    }
    .insert(txn)
    .await
}

async fn new_item(
    txn: &DatabaseTransaction,
    menu_id: i32,
    parent: Option<i32>,
    name: &str,
    sort_order: i32,
    level: i32,
    link: Link<'_>,
) -> Result<menu_item::Model, DbErr> {
    let (mut category_id, mut collection_id, mut page_id, mut url) = (None, None, None, None);
    match link {
        Link::Category(id) => category_id = Some(id),
        Link::Collection(id) => collection_id = Some(id),
        Link::Page(id) => page_id = Some(id),
        Link::Url(u) => url = Some(u.to_owned()),
    }
    menu_item::ActiveModel {
        menu_id: Set(menu_id),
        parent_id: Set(parent),
        name: Set(name.to_owned()),
        url: Set(url),
        category_id: Set(category_id),
        collection_id: Set(collection_id),
        page_id: Set(page_id),
        sort_order: Set(sort_order),
        level: Set(level),
        metadata: Set(empty()),
        private_metadata: Set(empty()),
        ..Default::default()
    }
    .insert(txn)
    .await
}

/// Bulk-generates `count` products (two variants each, priced in every channel, stocked in
/// the first warehouse, one image, indexed for search) with multi-row inserts, in
/// transactions of `BATCH` products. Needs the demo catalog (types, categories, warehouse).
pub async fn bulk(
    db: &DatabaseConnection,
    count: u64,
    progress: impl Fn(u64),
) -> Result<(), DbErr> {
    const BATCH: u64 = 500;
    let channels = channel::Entity::find().all(db).await?;
    let Some(pt) = product_type::Entity::find()
        .order_by_asc(product_type::Column::Id)
        .one(db)
        .await?
    else {
        return Err(DbErr::Custom(
            "bulk generation needs the demo catalog (run `bizgraph seed` first)".into(),
        ));
    };
    let cats = category::Entity::find().all(db).await?;
    let Some(wh) = warehouse::Entity::find().one(db).await? else {
        return Err(DbErr::Custom("bulk generation needs a warehouse".into()));
    };
    let max_id = |table: &'static str| async move {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}"),
            ))
            .await?;
        let m: i32 = match row {
            Some(r) => r.try_get("", "m")?,
            None => 0,
        };
        Ok::<i32, DbErr>(m)
    };
    let mut next_product = max_id("product").await? + 1;
    let mut next_variant = max_id("product_variant").await? + 1;
    let now = Utc::now();
    let empty = json!({});
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let txn = db.begin().await?;
        let mut products = Query::insert();
        products.into_table(product::Entity).columns([
            product::Column::Id,
            product::Column::ProductTypeId,
            product::Column::CategoryId,
            product::Column::Name,
            product::Column::Slug,
            product::Column::Description,
            product::Column::SeoTitle,
            product::Column::SeoDescription,
            product::Column::WeightGrams,
            product::Column::ExternalReference,
            product::Column::SearchDocument,
            product::Column::CreatedAt,
            product::Column::UpdatedAt,
            product::Column::Metadata,
            product::Column::PrivateMetadata,
        ]);
        let mut listings = Query::insert();
        listings
            .into_table(product_channel_listing::Entity)
            .columns([
                product_channel_listing::Column::ProductId,
                product_channel_listing::Column::ChannelId,
                product_channel_listing::Column::IsPublished,
                product_channel_listing::Column::PublishedAt,
                product_channel_listing::Column::VisibleInListings,
                product_channel_listing::Column::AvailableForPurchaseAt,
                product_channel_listing::Column::Currency,
                product_channel_listing::Column::MinPrice,
                product_channel_listing::Column::MaxPrice,
            ]);
        let mut variants = Query::insert();
        variants.into_table(product_variant::Entity).columns([
            product_variant::Column::Id,
            product_variant::Column::ProductId,
            product_variant::Column::Name,
            product_variant::Column::Sku,
            product_variant::Column::TrackInventory,
            product_variant::Column::QuantityLimitPerCustomer,
            product_variant::Column::WeightGrams,
            product_variant::Column::SortOrder,
            product_variant::Column::ExternalReference,
            product_variant::Column::CreatedAt,
            product_variant::Column::UpdatedAt,
            product_variant::Column::Metadata,
            product_variant::Column::PrivateMetadata,
        ]);
        let mut vls = Query::insert();
        vls.into_table(variant_channel_listing::Entity).columns([
            variant_channel_listing::Column::VariantId,
            variant_channel_listing::Column::ChannelId,
            variant_channel_listing::Column::Currency,
            variant_channel_listing::Column::PriceAmount,
            variant_channel_listing::Column::CostPriceAmount,
        ]);
        let mut stocks = Query::insert();
        stocks.into_table(stock::Entity).columns([
            stock::Column::WarehouseId,
            stock::Column::VariantId,
            stock::Column::Quantity,
            stock::Column::QuantityAllocated,
        ]);
        let mut media = Query::insert();
        media.into_table(product_media::Entity).columns([
            product_media::Column::ProductId,
            product_media::Column::SortOrder,
            product_media::Column::ImageUrl,
            product_media::Column::Alt,
            product_media::Column::MediaType,
            product_media::Column::ExternalUrl,
            product_media::Column::OembedData,
            product_media::Column::Metadata,
            product_media::Column::PrivateMetadata,
        ]);
        for _ in 0..n {
            let id = next_product;
            next_product += 1;
            let name = format!("Bench Product {id}");
            let slug = format!("bench-product-{id}");
            let cat = cats.get(id as usize % cats.len().max(1)).map(|c| c.id);
            let created = now - Duration::seconds(i64::from(id));
            let base = 500 + i64::from(id % 9500);
            let doc = search::document(
                &name,
                &slug,
                None,
                &format!("BENCH-{id}-A BENCH-{id}-B"),
                "",
            );
            products
                .values([
                    id.into(),
                    pt.id.into(),
                    cat.into(),
                    name.clone().into(),
                    slug.clone().into(),
                    Option::<Json>::None.into(),
                    Some(name.clone()).into(),
                    Option::<String>::None.into(),
                    Some(250).into(),
                    Option::<String>::None.into(),
                    doc.into(),
                    created.into(),
                    created.into(),
                    empty.clone().into(),
                    empty.clone().into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            for ch in &channels {
                let scale = |p: i64| {
                    if ch.currency_code == "EUR" {
                        p * 9 / 10
                    } else {
                        p
                    }
                };
                listings
                    .values([
                        id.into(),
                        ch.id.into(),
                        true.into(),
                        Some(created).into(),
                        true.into(),
                        Some(created).into(),
                        ch.currency_code.clone().into(),
                        Some(scale(base)).into(),
                        Some(scale(base + 200)).into(),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            media
                .values([
                    id.into(),
                    0.into(),
                    format!("https://picsum.photos/seed/{slug}/1024/1024").into(),
                    name.clone().into(),
                    "IMAGE".into(),
                    Option::<String>::None.into(),
                    empty.clone().into(),
                    empty.clone().into(),
                    empty.clone().into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
            for (k, suffix) in ["A", "B"].iter().enumerate() {
                let vid = next_variant;
                next_variant += 1;
                variants
                    .values([
                        vid.into(),
                        id.into(),
                        (*suffix).into(),
                        Some(format!("BENCH-{id}-{suffix}")).into(),
                        true.into(),
                        Option::<i32>::None.into(),
                        Some(250).into(),
                        (k as i32).into(),
                        Option::<String>::None.into(),
                        created.into(),
                        created.into(),
                        empty.clone().into(),
                        empty.clone().into(),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                for ch in &channels {
                    let p = base + k as i64 * 200;
                    let p = if ch.currency_code == "EUR" {
                        p * 9 / 10
                    } else {
                        p
                    };
                    vls.values([
                        vid.into(),
                        ch.id.into(),
                        ch.currency_code.clone().into(),
                        Some(p).into(),
                        Some(p / 2).into(),
                    ])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
                }
                stocks
                    .values([wh.id.into(), vid.into(), 100.into(), 0.into()])
                    .map_err(|e| DbErr::Custom(e.to_string()))?;
            }
        }
        for stmt in [&products, &listings, &media, &variants, &vls, &stocks] {
            txn.execute(stmt).await?;
        }
        txn.commit().await?;
        done += n;
        progress(done);
    }
    search::reindex_all_from_documents(db).await?;
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // Without statistics SQLite drives listings from the channel index and sorts the
        // whole catalog; with them it walks the sort index and stops after one page.
        db.execute_unprepared("ANALYZE").await?;
    }
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        // Explicit IDs don't advance PostgreSQL sequences.
        for table in ["product", "product_variant"] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}
