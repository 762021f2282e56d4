//! A counter of changes to the data anonymous reads can see: `public_data_version` holds one
//! row whose `version` the database itself increments, in the writing transaction, through
//! triggers on every table except private ones (installed at start-up by the server, so
//! tables added later get them too). Response caching keys on it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Increments the version once per statement that changed at least one row. The
/// triggers that call it expose the changed rows as the transition table `changed`.
const PG_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION bizgraph_bump_public_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed) THEN
    UPDATE public_data_version SET version = version + 1 WHERE id = 1;
  END IF;
  RETURN NULL;
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("public_data_version"))
                    .col(integer(Alias::new("id")).primary_key())
                    .col(big_integer(Alias::new("version")).default(0))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared("INSERT INTO public_data_version (id, version) VALUES (1, 0)")
            .await?;
        if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.execute_unprepared(PG_FUNCTION).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("public_data_version"))
                    .to_owned(),
            )
            .await
    }
}
