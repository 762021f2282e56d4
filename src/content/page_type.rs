//! GraphQL: `PageType`, with the attributes its pages take.

use async_graphql::{ComplexObject, Context, ID, Result, SimpleObject};
use entities::{attribute, page_type, type_attribute};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use crate::catalog::api::attributes::AttributeNode;
use crate::catalog::api::type_query::{
    self, AttributeFilterInput, AttributeNames, AttributeWhereInput,
};
use crate::catalog::loaders::kind;
use crate::core::{
    connection::{self, Countable, PageArgs},
    id,
    permissions::Permission,
};
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;

/// Who may see how a page type is used.
const PAGE_STAFF: [Permission; 2] = [
    Permission::ManagePages,
    Permission::ManagePageTypesAndAttributes,
];

/// Represents a type of page. It defines what attributes are available to pages of this type.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "PageType")]
pub struct PageTypeNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: page_type::Model,
}

impl From<page_type::Model> for PageTypeNode {
    fn from(model: page_type::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for PageTypeNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl PageTypeNode {
    #[graphql(complexity = 0)]
    /// The ID of the page type.
    async fn id(&self) -> ID {
        id::encode("PageType", self.model.id)
    }
    #[graphql(complexity = 0)]
    /// Name of the page type.
    async fn name(&self) -> &str {
        &self.model.name
    }
    #[graphql(complexity = 0)]
    /// Slug of the page type.
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// Page attributes of that page type.
    async fn attributes(&self, ctx: &Context<'_>) -> Result<Option<Vec<AttributeNode>>> {
        let attrs = type_query::type_attributes(ctx, kind::PAGE, self.model.id).await?;
        Ok(Some(attrs.into_iter().map(|(_, a)| a).collect()))
    }
    /// Attributes that can be assigned to the page type.
    ///
    /// Requires one of the following permissions: MANAGE_PAGES, MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn available_attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<
            AttributeFilterInput,
        >,
        #[graphql(name = "where")] where_: Option<AttributeWhereInput>,
        search: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<AttributeNode, AttributeNames>>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&PAGE_STAFF)?;
        let assigned = type_attribute::Entity::find()
            .select_only()
            .column(type_attribute::Column::AttributeId)
            .filter(type_attribute::Column::OwnerKind.eq("page"))
            .filter(type_attribute::Column::OwnerId.eq(self.model.id))
            .into_query();
        let cond = type_query::attribute_condition(
            state.db.conn.get_database_backend(),
            filter.as_ref(),
            where_.as_ref(),
            search.as_deref(),
        )?
        .add(attribute::Column::AttributeType.eq("PAGE_TYPE"))
        .add(attribute::Column::Id.not_in_subquery(assigned));
        type_query::attribute_connection(
            ctx,
            cond,
            None,
            "availableAttributes",
            PageArgs {
                first,
                last,
                after,
                before,
            },
        )
        .await
        .map(Some)
    }
    /// Whether page type has pages assigned.
    ///
    /// Requires one of the following permissions: MANAGE_PAGES, MANAGE_PAGE_TYPES_AND_ATTRIBUTES.
    async fn has_pages(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        let (_, req) = parts(ctx)?;
        req.require_any(&PAGE_STAFF)?;
        crate::loaders::loaders(ctx)?
            .content
            .has_pages
            .load_one(self.model.id)
            .await
            .map_err(|e| req.internal(e))
    }
}
