//! Database migrations. The same migrations run on SQLite (embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000050_outbox;
mod m20261122_000100_accounts;
mod m20261122_000150_webhooks;
mod m20261122_000200_catalog;
mod m20261122_000300_checkout;
mod m20261122_000310_shipping;
mod m20261122_000320_orders;
mod m20261122_000330_vouchers;
mod m20261122_000340_order_workflow;
mod m20261122_000400_marketing;
mod m20261122_000420_sales_analytics;
mod m20261122_000500_payments;
mod m20261201_000600_taxes;
mod m20261201_000610_product_media_files;
mod m20261202_000700_voucher_kinds;
mod m20261202_000710_promotions;
mod m20261202_000720_click_and_collect;
mod m20261202_000800_public_data_version;
mod m20261205_000900_product_rating;
mod m20261206_001000_shop_settings;

/// All migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000050_outbox::Migration),
            Box::new(m20261122_000100_accounts::Migration),
            Box::new(m20261122_000150_webhooks::Migration),
            Box::new(m20261122_000200_catalog::Migration),
            Box::new(m20261122_000400_marketing::Migration),
            Box::new(m20261122_000300_checkout::Migration),
            Box::new(m20261122_000310_shipping::Migration),
            Box::new(m20261122_000320_orders::Migration),
            Box::new(m20261122_000330_vouchers::Migration),
            Box::new(m20261122_000340_order_workflow::Migration),
            Box::new(m20261122_000420_sales_analytics::Migration),
            Box::new(m20261122_000500_payments::Migration),
            Box::new(m20261201_000600_taxes::Migration),
            Box::new(m20261201_000610_product_media_files::Migration),
            Box::new(m20261202_000700_voucher_kinds::Migration),
            Box::new(m20261202_000710_promotions::Migration),
            Box::new(m20261202_000720_click_and_collect::Migration),
            Box::new(m20261202_000800_public_data_version::Migration),
            Box::new(m20261205_000900_product_rating::Migration),
            Box::new(m20261206_001000_shop_settings::Migration),
        ]
    }
}
