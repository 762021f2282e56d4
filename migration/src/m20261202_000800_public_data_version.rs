//! A counter of changes to the data anonymous reads can see: `public_data_version` holds one
//! row whose `version` the database itself increments, in the writing transaction, through
//! triggers on every table except private ones (installed at start-up by the server, so
//! tables added later get them too). Response caching keys on it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Increments the version once per transaction that changed public rows. It runs as a
/// deferred constraint trigger, at commit, so the counter row is the last lock a writer
/// takes (no lock-order deadlock with other hot rows such as the order number) and is held
/// only while committing; a transaction-local setting skips every row after the first.
const PG_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION bizgraph_bump_public_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('bizgraph.public_data_bumped', true) IS DISTINCT FROM 'on' THEN
    UPDATE public_data_version SET version = version + 1 WHERE id = 1;
    PERFORM set_config('bizgraph.public_data_bumped', 'on', true);
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
