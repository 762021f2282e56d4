//! Product search: SQLite FTS5 (`product_search`, rowid = product id) or PostgreSQL
//! full-text search (`product.search_vector`, GIN index). The indexed document (name,
//! description text, SKUs, attribute values) is rebuilt in the same transaction as every
//! write that changes it, so a product is findable the moment the write commits.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DbErr, Statement,
    sea_query::{Expr, SimpleExpr},
};
use serde_json::Value as Json;

/// Words of a search query, lower-cased, alphanumeric only (so no query syntax leaks in).
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect()
}

/// The condition "product `p` matches `text`" (every word as a prefix).
pub fn matches(backend: DatabaseBackend, text: &str) -> SimpleExpr {
    let words = tokens(text);
    if words.is_empty() {
        return Expr::cust("1 = 1");
    }
    match backend {
        DatabaseBackend::Postgres => {
            let query = words
                .iter()
                .map(|w| format!("{w}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            super::read::cust(
                backend,
                "\"p\".\"search_vector\" @@ to_tsquery('simple', ?)",
                [query],
            )
        }
        _ => {
            let query = words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" AND ");
            super::read::cust(
                backend,
                "\"p\".\"id\" IN (SELECT rowid FROM product_search WHERE product_search MATCH ?)",
                [query],
            )
        }
    }
}

/// The condition "metadata of `alias` has `key` (equal to `value` when given)".
pub fn metadata_matches(
    backend: DatabaseBackend,
    alias: &str,
    key: &str,
    value: Option<&str>,
) -> SimpleExpr {
    match (backend, value) {
        (DatabaseBackend::Postgres, Some(v)) => super::read::cust(
            backend,
            format!("\"{alias}\".\"metadata\" ->> ? = ?"),
            [key.to_owned(), v.to_owned()],
        ),
        (DatabaseBackend::Postgres, None) => super::read::cust(
            backend,
            format!("\"{alias}\".\"metadata\" ->> ? IS NOT NULL"),
            [key.to_owned()],
        ),
        (_, Some(v)) => super::read::cust(
            backend,
            format!("json_extract(\"{alias}\".\"metadata\", ?) = ?"),
            [json_path(key), v.to_owned()],
        ),
        (_, None) => super::read::cust(
            backend,
            format!("json_type(\"{alias}\".\"metadata\", ?) IS NOT NULL"),
            [json_path(key)],
        ),
    }
}

fn json_path(key: &str) -> String {
    format!("$.\"{}\"", key.replace('"', ""))
}

/// Plain text of an Editor.js description (`{"blocks": [{"data": {"text": ...}}]}`).
pub fn plain_text(description: Option<&Json>) -> String {
    let Some(blocks) = description
        .and_then(|d| d.get("blocks"))
        .and_then(Json::as_array)
    else {
        return String::new();
    };
    let mut out = String::new();
    for block in blocks {
        if let Some(text) = block.pointer("/data/text").and_then(Json::as_str) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&strip_tags(text));
        }
        if let Some(items) = block.pointer("/data/items").and_then(Json::as_array) {
            for item in items.iter().filter_map(Json::as_str) {
                out.push(' ');
                out.push_str(&strip_tags(item));
            }
        }
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}

/// Rebuilds the search document of `product_id` from the database (name, description,
/// SKUs, attribute values of the product and its variants) and updates the index.
pub async fn reindex(db: &impl ConnectionTrait, product_id: i32) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = "SELECT p.name AS name, p.slug AS slug, p.description AS description, \
         (SELECT COALESCE(STRING_AGG_PLACEHOLDER, '') FROM product_variant v WHERE v.product_id = p.id) AS skus, \
         (SELECT COALESCE(VALUES_AGG_PLACEHOLDER, '') FROM assigned_value av JOIN attribute_value val ON val.id = av.value_id \
            WHERE (av.entity_kind = 'product' AND av.entity_id = p.id) \
               OR (av.entity_kind = 'variant' AND av.entity_id IN (SELECT id FROM product_variant WHERE product_id = p.id))) AS attrs \
         FROM product p WHERE p.id = $1";
    let (skus, vals) = match backend {
        DatabaseBackend::Postgres => (
            "STRING_AGG(COALESCE(v.sku, '') || ' ' || v.name, ' ')",
            "STRING_AGG(val.name || ' ' || COALESCE(val.plain_text, ''), ' ')",
        ),
        _ => (
            "GROUP_CONCAT(COALESCE(v.sku, '') || ' ' || v.name, ' ')",
            "GROUP_CONCAT(val.name || ' ' || COALESCE(val.plain_text, ''), ' ')",
        ),
    };
    let mut sql = sql
        .replace("STRING_AGG_PLACEHOLDER", skus)
        .replace("VALUES_AGG_PLACEHOLDER", vals);
    if backend != DatabaseBackend::Postgres {
        sql = sql.replace("$1", "?");
    }
    let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [product_id.into()],
        ))
        .await?
    else {
        return Ok(());
    };
    let name: String = row.try_get("", "name")?;
    let slug: String = row.try_get("", "slug")?;
    let description: Option<Json> = row.try_get("", "description")?;
    let skus: Option<String> = row.try_get("", "skus")?;
    let attrs: Option<String> = row.try_get("", "attrs")?;
    let document = document(
        &name,
        &slug,
        description.as_ref(),
        skus.as_deref().unwrap_or(""),
        attrs.as_deref().unwrap_or(""),
    );
    write(db, product_id, &document).await
}

/// The indexed text of a product.
pub fn document(
    name: &str,
    slug: &str,
    description: Option<&Json>,
    skus: &str,
    attrs: &str,
) -> String {
    format!(
        "{name} {} {} {skus} {attrs}",
        slug.replace('-', " "),
        plain_text(description)
    )
}

/// Stores `document` as the search document of `product_id` and indexes it.
pub async fn write(
    db: &impl ConnectionTrait,
    product_id: i32,
    document: &str,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    match backend {
        DatabaseBackend::Postgres => {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE product SET search_document = $1, search_vector = to_tsvector('simple', $1) WHERE id = $2",
                [document.into(), product_id.into()],
            ))
            .await?;
        }
        _ => {
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE product SET search_document = ? WHERE id = ?",
                [document.into(), product_id.into()],
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "DELETE FROM product_search WHERE rowid = ?",
                [product_id.into()],
            ))
            .await?;
            db.execute_raw(Statement::from_sql_and_values(
                backend,
                "INSERT INTO product_search (rowid, document) VALUES (?, ?)",
                [product_id.into(), document.into()],
            ))
            .await?;
        }
    }
    Ok(())
}

/// Removes a deleted product from the index (PostgreSQL drops it with the row).
pub async fn remove(db: &impl ConnectionTrait, product_id: i32) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    if backend != DatabaseBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "DELETE FROM product_search WHERE rowid = ?",
            [product_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Indexes every product from its stored `search_document` (bulk seeding).
pub async fn reindex_all_from_documents(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            db.execute_unprepared(
                "UPDATE product SET search_vector = to_tsvector('simple', search_document)",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared("DELETE FROM product_search").await?;
            db.execute_unprepared(
                "INSERT INTO product_search (rowid, document) SELECT id, search_document FROM product",
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_strip_syntax() {
        assert_eq!(
            tokens("  Juice* OR \"x\" -y"),
            vec!["juice", "or", "x", "y"]
        );
        let desc = serde_json::json!({"blocks": [{"type": "paragraph", "data": {"text": "Fresh <b>apple</b> juice"}}]});
        assert_eq!(plain_text(Some(&desc)), "Fresh apple juice");
    }
}
