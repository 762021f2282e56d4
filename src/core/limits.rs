//! Query limits (depth, cost, aliases) as an async-graphql extension, and the query cost
//! reported in `extensions.cost` like Saleor (`requestedQueryCost`, `maximumAvailable`).

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use async_graphql::{
    ServerError, ServerResult, ValidationResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
};

use super::error::{ErrorCode, server_error, with_code};

/// Request data marking a read-only request (HTTP GET): mutations are refused.
#[derive(Clone, Copy, Debug)]
pub struct ReadOnlyRequest;

/// Configured maxima; a request over any of them is rejected before execution.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_cost: usize,
    pub max_aliases: usize,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: *self,
            cost: AtomicUsize::new(usize::MAX),
        })
    }
}

struct LimitsExtension {
    limits: QueryLimits,
    /// The validated query's cost; `usize::MAX` until validation ran.
    cost: AtomicUsize,
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, ErrorCode::ParseFailed))?;
        if ctx.data_opt::<ReadOnlyRequest>().is_some()
            && doc
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            return Err(server_error(
                ErrorCode::BadRequest,
                "Only queries can be sent with GET; send mutations and subscriptions with POST.",
            ));
        }
        let aliases = count_aliases(&doc);
        if aliases > self.limits.max_aliases {
            return Err(server_error(
                ErrorCode::TooManyAliases,
                format!(
                    "The query uses {aliases} aliases; the maximum is {}.",
                    self.limits.max_aliases
                ),
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| with_code(e, ErrorCode::ValidationFailed))
                .collect::<Vec<_>>()
        })?;
        if result.depth > self.limits.max_depth {
            return Err(vec![server_error(
                ErrorCode::QueryTooDeep,
                format!(
                    "The query is nested {} levels deep; the maximum is {}.",
                    result.depth, self.limits.max_depth
                ),
            )]);
        }
        self.cost.store(result.complexity, Ordering::Relaxed);
        if result.complexity > self.limits.max_cost {
            return Err(vec![server_error(
                ErrorCode::QueryTooComplex,
                format!(
                    "The query exceeds the maximum cost of {} points. Requested query cost: {}.",
                    self.limits.max_cost, result.complexity
                ),
            )]);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        let response = next.run(ctx, operation_name).await;
        let cost = self.cost.load(Ordering::Relaxed);
        if cost == usize::MAX {
            return response;
        }
        let mut value = async_graphql::indexmap::IndexMap::new();
        value.insert(
            async_graphql::Name::new("requestedQueryCost"),
            Value::from(cost as u64),
        );
        value.insert(
            async_graphql::Name::new("maximumAvailable"),
            Value::from(self.limits.max_cost as u64),
        );
        response.extension("cost", Value::Object(value))
    }
}

/// Counts aliased fields across every operation and fragment of a document.
fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|sel| match &sel.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::InlineFragment(frag) => walk(&frag.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let fragments: usize = doc
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node))
        .sum();
    operations + fragments
}
