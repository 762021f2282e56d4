//! The GraphQL schema: every domain's queries and mutations merged, plus limits.

use async_graphql::{
    MergedObject, MergedSubscription, Schema, SchemaBuilder,
    extensions::apollo_persisted_queries::{ApolloPersistedQueries, LruCacheStorage},
};

use crate::{
    account::{
        api::{AccountMutation, AccountQuery},
        app_api::{AppMutation, AppQueryRoot},
        staff_api::{StaffMutation, StaffQuery},
    },
    catalog::api::{
        CatalogMutation, CatalogQuery,
        bulk_mutations::CatalogBulkMutation,
        listings::ListingQuery,
        translate_mutations::CatalogTranslateMutation,
        type_mutations::CatalogTypeMutation,
        type_query::CatalogTypeQuery,
        warehouses::{WarehouseMutation, WarehouseQuery},
    },
    channel::api::ChannelQuery,
    checkout::api::{CheckoutMutation, CheckoutQuery},
    config::Config,
    content::{
        admin_mutations::ContentAdminMutation, api::ContentQuery, mutations::ContentMutation,
        queries::ContentAdminQuery,
    },
    core::limits::QueryLimits,
    discount::api::{DiscountMutation, DiscountQuery},
    discount::promotion::api::{PromotionMutation, PromotionQuery},
    events::api::EventSubscription,
    marketing::api::{MarketingMutation, MarketingQuery},
    metadata::api::MetadataMutation,
    order::api::{OrderMutation, OrderQuery},
    order::draft_api::DraftOrderMutation,
    order::list::OrderListQuery,
    order::workflow_api::OrderWorkflowMutation,
    payment::api::{PaymentMutation, PaymentQuery},
    payment::channel_settings::ChannelSettingsMutation,
    shop::{api::ShopQuery, mutations::ShopMutation},
    state::AppState,
    tax::api::{TaxMutation, TaxQuery},
    webhook::{
        api::{WebhookMutation, WebhookQuery},
        testing::WebhookTestingMutation,
    },
};

/// Root query: every domain's queries.
#[derive(MergedObject, Default)]
pub struct Query(
    ShopQuery,
    ChannelQuery,
    AccountQuery,
    CatalogQuery,
    CatalogTypeQuery,
    ListingQuery,
    ContentQuery,
    ContentAdminQuery,
    WebhookQuery,
    StaffQuery,
    AppQueryRoot,
    MarketingQuery,
    CheckoutQuery,
    OrderQuery,
    PaymentQuery,
    OrderListQuery,
    TaxQuery,
    WarehouseQuery,
    DiscountQuery,
    PromotionQuery,
);

/// Root mutation: every domain's mutations.
#[derive(MergedObject, Default)]
pub struct Mutation(
    MetadataMutation,
    ShopMutation,
    AccountMutation,
    CatalogMutation,
    CatalogTypeMutation,
    CatalogTranslateMutation,
    CatalogBulkMutation,
    ContentMutation,
    ContentAdminMutation,
    WebhookMutation,
    WebhookTestingMutation,
    StaffMutation,
    AppMutation,
    MarketingMutation,
    CheckoutMutation,
    OrderMutation,
    PaymentMutation,
    ChannelSettingsMutation,
    OrderWorkflowMutation,
    DraftOrderMutation,
    TaxMutation,
    WarehouseMutation,
    DiscountMutation,
    PromotionMutation,
);

/// Root subscription: live events.
#[derive(MergedSubscription, Default)]
pub struct Subscription(EventSubscription);

/// The executable schema type.
pub type AppSchema = Schema<Query, Mutation, Subscription>;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
}

/// Builds the schema served by the API, with limits from `config`.
pub fn build(state: AppState) -> AppSchema {
    let config: &Config = &state.config;
    let limits = QueryLimits {
        max_depth: config.max_query_depth,
        max_cost: config.max_query_cost,
        max_aliases: config.max_aliases,
        max_nesting: config.max_nesting,
    };
    crate::telemetry::with_operation_spans(builder())
        // The parser's own recursion guard sits above the depth limit, so moderately deep
        // queries get the clearer depth error and absurd ones are cut off while parsing.
        .limit_recursive_depth(config.max_query_depth.saturating_mul(4).max(64))
        .extension(limits)
        .extension(ApolloPersistedQueries::new(LruCacheStorage::new(1024)))
        .data(crate::loaders::Loaders::new(&state))
        .data(crate::marketing::api::loaders::loaders(
            state.db.conn.clone(),
        ))
        .data(state)
        .finish()
}

/// The schema as SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
