//! GraphQL: staff catalog mutations.

use async_graphql::Object;

/// Catalog mutations.
#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    #[graphql(complexity = 0)]
    /// Placeholder.
    async fn catalog_noop(&self) -> bool {
        true
    }
}
