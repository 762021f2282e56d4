//! Bulk data for the analytics benchmark (`bizgraph seed --orders N --leads N`): orders with
//! lines and marketing attribution, and leads, generated inside PostgreSQL with
//! `generate_series` in batches of 100,000 rows (one transaction each).
//!
//! Orders: spread over the last 365 days, alternating between the two default channels
//! (USD / EUR), one customer email per 5 orders, 1–3 lines of demo-catalog variants, 3%
//! canceled; every 5th order is attributed (first and last touch) to one of 20 generated
//! campaigns `bench-campaign-K`. Leads: `bench-lead-N@example.com`, spread over the stages,
//! five sources and the same campaigns. Totals are consistent with the lines.

use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, TransactionTrait,
};

const BATCH: u64 = 100_000;
const CAMPAIGNS: i64 = 20;

async fn scalar_i64(db: &DatabaseConnection, sql: &str) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no row: {sql}")))?;
    row.try_get::<i64>("", "v")
}

fn require_postgres(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        Ok(())
    } else {
        Err(DbErr::Custom(
            "bulk orders/leads generation needs PostgreSQL (set DATABASE_URL)".into(),
        ))
    }
}

/// Creates the benchmark campaigns (`bench-campaign-1..20`, two variants each) if missing;
/// returns the id of the first one (ids are consecutive).
async fn ensure_campaigns(db: &DatabaseConnection) -> Result<i64, DbErr> {
    db.execute_unprepared(&format!(
        "INSERT INTO campaign (name, channel_type, status, budget_amount, budget_currency, \
         utm_campaign, winner_criterion, metadata, private_metadata, created_at, updated_at) \
         SELECT 'Bench campaign ' || k, 'PAID_SEARCH', 'ACTIVE', '10000', \
         CASE WHEN k % 2 = 0 THEN 'USD' ELSE 'EUR' END, 'bench-campaign-' || k, \
         'CONVERSION_RATE', '{{}}', '{{}}', now(), now() FROM generate_series(1, {CAMPAIGNS}) k \
         ON CONFLICT (utm_campaign) DO NOTHING"
    ))
    .await?;
    db.execute_unprepared(
        "INSERT INTO campaign_variant (campaign_id, name, weight, created_at) \
         SELECT c.id, v.name, 50, now() FROM campaign c CROSS JOIN (VALUES ('A'), ('B')) v(name) \
         WHERE c.utm_campaign LIKE 'bench-campaign-%' ON CONFLICT DO NOTHING",
    )
    .await?;
    scalar_i64(
        db,
        "SELECT CAST(MIN(id) AS BIGINT) AS v FROM campaign WHERE utm_campaign LIKE 'bench-campaign-%'",
    )
    .await
}

/// Generates `count` orders (with lines and attribution); `progress(done)` after each batch.
pub async fn bulk_orders(
    db: &DatabaseConnection,
    count: u64,
    progress: impl Fn(u64),
) -> Result<(), DbErr> {
    require_postgres(db)?;
    let usd = scalar_i64(
        db,
        "SELECT CAST(id AS BIGINT) AS v FROM channel WHERE slug = 'default-channel'",
    )
    .await?;
    let eur = scalar_i64(
        db,
        "SELECT CAST(id AS BIGINT) AS v FROM channel WHERE slug = 'channel-eur'",
    )
    .await?;
    let variants = scalar_i64(db, "SELECT COUNT(*) AS v FROM product_variant").await?;
    if variants == 0 {
        return Err(DbErr::Custom(
            "bulk orders need the demo catalog (run `bizgraph seed` first)".into(),
        ));
    }
    let first_campaign = ensure_campaigns(db).await?;
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(BATCH);
        let txn = db.begin().await?;
        let base = {
            let row = txn
                .query_one_raw(Statement::from_string(
                    DatabaseBackend::Postgres,
                    "SELECT value AS v FROM order_counter WHERE name = 'order' FOR UPDATE",
                ))
                .await?
                .ok_or_else(|| DbErr::Custom("order_counter missing".into()))?;
            row.try_get::<i64>("", "v")?
        };
        // Orders: number = base + i; lines are derived from the number, so totals match.
        // Line k (1..=1 + number % 3): variant rn = (number * 7 + k * 13) % variants + 1,
        // quantity 1 + (number + k) % 2, unit price 500 + ((number + k) % 40) * 125.
        let line_sum = "(SELECT SUM((1 + (x.num + k) % 2) * (500 + ((x.num + k) % 40) * 125)) \
                        FROM generate_series(1, 1 + x.num % 3) k)";
        txn.execute_unprepared(&format!(
            "INSERT INTO shop_order (id, number, channel_id, user_id, user_email, status, \
             checkout_token, currency, shipping_address, billing_address, shipping_method_id, \
             shipping_method_name, shipping_price, subtotal, total, voucher_code, customer_note, \
             language_code, created_at, updated_at, metadata, private_metadata) \
             SELECT gen_random_uuid()::text, x.num, CASE WHEN x.num % 2 = 0 THEN {usd} ELSE {eur} END, \
             NULL, 'bench-customer-' || (x.num % {customers}) || '@example.com', \
             CASE WHEN x.num % 33 = 0 THEN 'CANCELED' ELSE 'UNFULFILLED' END, NULL, \
             CASE WHEN x.num % 2 = 0 THEN 'USD' ELSE 'EUR' END, NULL, NULL, NULL, 'Standard', 500, \
             {line_sum}, {line_sum} + 500, NULL, '', 'EN', x.at, x.at, '{{}}', '{{}}' \
             FROM (SELECT {base} + i AS num, now() - (((i * 7919) % 31536000) * interval '1 second') AS at \
                   FROM generate_series(1, {n}) i) x",
            customers = (count / 5).max(1),
        ))
        .await?;
        txn.execute_unprepared(&format!(
            "INSERT INTO order_line (order_id, variant_id, product_name, variant_name, product_sku, \
             quantity, currency, unit_price, undiscounted_unit_price, total_price) \
             SELECT o.id, v.id, v.pname, v.name, v.sku, 1 + (o.number + k) % 2, o.currency, \
             500 + ((o.number + k) % 40) * 125, 500 + ((o.number + k) % 40) * 125, \
             (1 + (o.number + k) % 2) * (500 + ((o.number + k) % 40) * 125) \
             FROM shop_order o CROSS JOIN LATERAL generate_series(1, 1 + o.number % 3) k \
             JOIN (SELECT pv.id, pv.name, pv.sku, p.name AS pname, \
                   row_number() OVER (ORDER BY pv.id) AS rn \
                   FROM product_variant pv JOIN product p ON p.id = pv.product_id) v \
               ON v.rn = (o.number * 7 + k * 13) % {variants} + 1 \
             WHERE o.number > {base} AND o.number <= {base} + {n}"
        ))
        .await?;
        txn.execute_unprepared(&format!(
            "INSERT INTO marketing_attribution (checkout_token, order_id, lead_id, campaign_id, \
             campaign_variant_id, visitor_id, touch, utm_source, utm_medium, utm_campaign, \
             utm_term, utm_content, channel_id, currency, order_total, ordered_at, lead_converted, \
             created_at, updated_at) \
             SELECT NULL, o.id, NULL, c.id, \
             (SELECT MIN(cv.id) + o.number % 2 FROM campaign_variant cv WHERE cv.campaign_id = c.id), \
             'bench-visitor-' || o.number, t.touch, 'google', 'cpc', c.utm_campaign, NULL, NULL, \
             o.channel_id, o.currency, o.total, o.created_at, t.touch = 'last' AND o.number % 10 = 0, \
             o.created_at, o.created_at \
             FROM shop_order o CROSS JOIN (VALUES ('first'), ('last')) t(touch) \
             JOIN campaign c ON c.id = {first_campaign} + \
               (CASE WHEN t.touch = 'first' THEN o.number / 5 ELSE o.number END) % {CAMPAIGNS} \
             WHERE o.number > {base} AND o.number <= {base} + {n} AND o.number % 5 = 0"
        ))
        .await?;
        txn.execute_unprepared(&format!(
            "UPDATE order_counter SET value = {base} + {n} WHERE name = 'order'"
        ))
        .await?;
        txn.commit().await?;
        done += n;
        progress(done);
    }
    db.execute_unprepared("ANALYZE shop_order; ANALYZE order_line; ANALYZE marketing_attribution")
        .await?;
    Ok(())
}

/// Generates `count` leads (`bench-lead-N@example.com`, continuing after existing ones).
pub async fn bulk_leads(
    db: &DatabaseConnection,
    count: u64,
    progress: impl Fn(u64),
) -> Result<(), DbErr> {
    require_postgres(db)?;
    let first_campaign = ensure_campaigns(db).await?;
    let start = scalar_i64(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) AS v FROM lead WHERE email LIKE 'bench-lead-%'",
    )
    .await?;
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(BATCH);
        let from = start + i64::try_from(done).unwrap_or(0);
        db.execute_unprepared(&format!(
            "INSERT INTO lead (email, first_name, source, first_utm_source, first_utm_campaign, \
             last_utm_source, last_utm_campaign, first_campaign_id, campaign_id, stage, score, \
             metadata, private_metadata, created_at, updated_at, last_activity_at) \
             SELECT 'bench-lead-' || i || '@example.com', 'Lead ' || i, \
             (ARRAY['landing', 'webinar', 'import', 'newsletter', NULL])[1 + i % 5], \
             'google', 'bench-campaign-' || (1 + i % {CAMPAIGNS}), 'google', \
             'bench-campaign-' || (1 + i % {CAMPAIGNS}), \
             CASE WHEN i % 3 = 0 THEN NULL ELSE {first_campaign} + i % {CAMPAIGNS} END, \
             CASE WHEN i % 3 = 0 THEN NULL ELSE {first_campaign} + (i / 3) % {CAMPAIGNS} END, \
             (ARRAY['SUBSCRIBER', 'LEAD', 'LEAD', 'LEAD', 'MARKETING_QUALIFIED', 'SALES_QUALIFIED', \
                    'OPPORTUNITY', 'CUSTOMER'])[1 + i % 8], i % 120, '{{}}', '{{}}', at, at, at \
             FROM (SELECT i, now() - (((i * 7919) % 31536000) * interval '1 second') AS at \
                   FROM generate_series(CAST({lo} AS BIGINT), {hi}) i) x \
             ON CONFLICT (email) DO NOTHING",
            lo = from + 1,
            hi = from + i64::try_from(n).unwrap_or(0),
        ))
        .await?;
        done += n;
        progress(done);
    }
    db.execute_unprepared("ANALYZE lead").await?;
    Ok(())
}
