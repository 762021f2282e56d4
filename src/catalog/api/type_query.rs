//! GraphQL: the `productType(s)` and `attribute(s)` root queries, with Saleor's filters and
//! sort fields, and the connections and lists hanging off product types and attributes
//! (`productAttributes`, `variantAttributes`, `assignedVariantAttributes`, `choices`).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{attribute, attribute_value, product_type};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Func},
};

use super::attributes::{AttributeNode, AttributeValueNode};
use super::common::{
    AttributeInputTypeEnum, AttributeTypeEnum, ProductTypeKindEnum, VariantAttributeScope, loaders,
};
use super::inputs::{MetadataFilter, StringFilterInput};
use super::products::ProductTypeNode;
use crate::catalog::loaders::Kind;
use crate::catalog::search::metadata_matches;
use crate::catalog::type_write::CHOICE_TYPES;
use crate::core::{
    connection::{self, Countable, KeyPart, OrderDirection, PageArgs, SortKey},
    context::RequestCtx,
    error::{ErrorCode, error},
    id,
};
use crate::countable_names;
use crate::state::parts;

countable_names!(ProductTypeNames, "ProductType");
countable_names!(AttributeNames, "Attribute");
countable_names!(AttributeValueNames, "AttributeValue");

/// Saleor's deprecated `ProductTypeConfigurable` (it has no effect).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProductTypeConfigurable {
    Configurable,
    Simple,
}

/// Saleor's `ProductTypeEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProductTypeEnum {
    Digital,
    Shippable,
}

/// Filter of `productTypes`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct ProductTypeFilterInput {
    pub search: Option<String>,
    #[graphql(
        deprecation = "The field has no effect on the API behavior. This is a leftover from the past Simple/Configurable product distinction. Products can have multiple variants regardless of this setting."
    )]
    pub configurable: Option<ProductTypeConfigurable>,
    pub product_type: Option<ProductTypeEnum>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub kind: Option<ProductTypeKindEnum>,
    pub ids: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
}

/// Saleor's `ProductTypeSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProductTypeSortField {
    /// Sort products by name.
    Name,
    /// Sort products by type.
    #[graphql(
        deprecation = "DIGITAL will removed in Saleor 3.24.0. Use SHIPPING_REQUIRED instead."
    )]
    Digital,
    /// Sort products by shipping.
    ShippingRequired,
}

/// Order of `productTypes`.
#[derive(InputObject, Clone, Debug)]
pub struct ProductTypeSortingInput {
    /// Specifies the direction in which to sort product types.
    pub direction: OrderDirection,
    /// Sort product types by the selected field.
    pub field: ProductTypeSortField,
}

/// Saleor's `AttributeSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttributeSortField {
    /// Sort attributes by name
    Name,
    /// Sort attributes by slug
    Slug,
    /// Sort attributes by the value required flag
    ValueRequired,
    /// Sort attributes by the variant only flag
    IsVariantOnly,
    /// Sort attributes by visibility in the storefront
    VisibleInStorefront,
}

/// Order of `attributes`.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeSortingInput {
    /// Specifies the direction in which to sort attributes.
    pub direction: OrderDirection,
    /// Sort attributes by the selected field.
    pub field: AttributeSortField,
}

/// Filter of `attributes` (deprecated `filter` argument).
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeFilterInput {
    pub value_required: Option<bool>,
    pub visible_in_storefront: Option<bool>,
    pub metadata: Option<Vec<MetadataFilter>>,
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
    #[graphql(name = "type")]
    pub attribute_type: Option<AttributeTypeEnum>,
    pub slugs: Option<Vec<String>>,
}

/// Input type filter of attributes.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeInputTypeEnumFilterInput {
    pub eq: Option<AttributeInputTypeEnum>,
    pub one_of: Option<Vec<AttributeInputTypeEnum>>,
}

/// Attribute type filter of attributes.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeTypeEnumFilterInput {
    pub eq: Option<AttributeTypeEnum>,
    pub one_of: Option<Vec<AttributeTypeEnum>>,
}

/// Filter of `attributes` (`where` argument).
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeWhereInput {
    pub metadata: Option<Vec<MetadataFilter>>,
    pub ids: Option<Vec<ID>>,
    pub name: Option<StringFilterInput>,
    pub slug: Option<StringFilterInput>,
    pub with_choices: Option<bool>,
    pub input_type: Option<AttributeInputTypeEnumFilterInput>,
    #[graphql(name = "type")]
    pub attribute_type: Option<AttributeTypeEnumFilterInput>,
    pub value_required: Option<bool>,
    pub visible_in_storefront: Option<bool>,
    /// List of conditions that must be met.
    #[graphql(name = "AND")]
    pub and: Option<Vec<AttributeWhereInput>>,
    /// A list of conditions of which at least one must be met.
    #[graphql(name = "OR")]
    pub or: Option<Vec<AttributeWhereInput>>,
}

/// Saleor's `AttributeChoicesSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AttributeChoicesSortField {
    /// Sort attribute choice by name.
    Name,
    /// Sort attribute choice by slug.
    Slug,
}

/// Order of `Attribute.choices`.
#[derive(InputObject, Clone, Debug)]
pub struct AttributeChoicesSortingInput {
    /// Specifies the direction in which to sort attribute choices.
    pub direction: OrderDirection,
    /// Sort attribute choices by the selected field.
    pub field: AttributeChoicesSortField,
}

/// Filter of `Attribute.choices`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AttributeValueFilterInput {
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
}

/// An attribute assigned to a product type as a variant attribute.
#[derive(SimpleObject, Clone)]
pub struct AssignedVariantAttribute {
    /// Attribute assigned to variant.
    pub attribute: AttributeNode,
    /// Determines, whether assigned attribute is allowed for variant selection.
    pub variant_selection: bool,
}

fn decode_ids(ids: &[ID], type_name: &str) -> Result<Vec<i32>> {
    ids.iter()
        .map(|i| id::decode::<i32>(i, type_name))
        .collect()
}

/// `lower(column) LIKE %q%` over any of `columns`.
fn search<C: ColumnTrait>(q: &str, columns: &[C]) -> Condition {
    let like = format!("%{}%", q.trim().to_lowercase());
    columns.iter().fold(Condition::any(), |c, col| {
        c.add(Expr::expr(Func::lower(Expr::col(*col))).like(like.clone()))
    })
}

fn metadata(backend: sea_orm::DatabaseBackend, table: &str, items: &[MetadataFilter]) -> Condition {
    items.iter().fold(Condition::all(), |c, m| {
        c.add(metadata_matches(backend, table, &m.key, m.value.as_deref()))
    })
}

fn attribute_type_str(t: AttributeTypeEnum) -> &'static str {
    match t {
        AttributeTypeEnum::PageType => "PAGE_TYPE",
        AttributeTypeEnum::ProductType => "PRODUCT_TYPE",
        AttributeTypeEnum::CustomerType => "CUSTOMER_TYPE",
    }
}

fn product_type_condition(
    backend: sea_orm::DatabaseBackend,
    f: &ProductTypeFilterInput,
) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
        c = c.add(search(
            q,
            &[product_type::Column::Name, product_type::Column::Slug],
        ));
    }
    match f.product_type {
        Some(ProductTypeEnum::Digital) => c = c.add(product_type::Column::IsDigital.eq(true)),
        Some(ProductTypeEnum::Shippable) => {
            c = c.add(product_type::Column::IsShippingRequired.eq(true));
        }
        None => {}
    }
    if let Some(kind) = f.kind {
        let stored = match kind {
            ProductTypeKindEnum::GiftCard => "GIFT_CARD",
            ProductTypeKindEnum::Normal => "NORMAL",
        };
        c = c.add(product_type::Column::Kind.eq(stored));
    }
    if let Some(ids) = &f.ids {
        c = c.add(product_type::Column::Id.is_in(decode_ids(ids, "ProductType")?));
    }
    if let Some(slugs) = &f.slugs {
        c = c.add(product_type::Column::Slug.is_in(slugs.clone()));
    }
    if let Some(items) = &f.metadata {
        c = c.add(metadata(backend, "product_type", items));
    }
    Ok(c)
}

fn attribute_filter_condition(
    backend: sea_orm::DatabaseBackend,
    f: &AttributeFilterInput,
) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(v) = f.value_required {
        c = c.add(attribute::Column::ValueRequired.eq(v));
    }
    if let Some(v) = f.visible_in_storefront {
        c = c.add(attribute::Column::VisibleInStorefront.eq(v));
    }
    if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
        c = c.add(search(
            q,
            &[attribute::Column::Name, attribute::Column::Slug],
        ));
    }
    if let Some(ids) = &f.ids {
        c = c.add(attribute::Column::Id.is_in(decode_ids(ids, "Attribute")?));
    }
    if let Some(t) = f.attribute_type {
        c = c.add(attribute::Column::AttributeType.eq(attribute_type_str(t)));
    }
    if let Some(slugs) = &f.slugs {
        c = c.add(attribute::Column::Slug.is_in(slugs.clone()));
    }
    if let Some(items) = &f.metadata {
        c = c.add(metadata(backend, "attribute", items));
    }
    Ok(c)
}

fn attribute_where_condition(
    backend: sea_orm::DatabaseBackend,
    w: &AttributeWhereInput,
) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(items) = &w.metadata {
        c = c.add(metadata(backend, "attribute", items));
    }
    if let Some(ids) = &w.ids {
        c = c.add(attribute::Column::Id.is_in(decode_ids(ids, "Attribute")?));
    }
    if let Some(name) = &w.name {
        c = c.add(attribute::Column::Name.is_in(name.values()));
    }
    if let Some(slug) = &w.slug {
        c = c.add(attribute::Column::Slug.is_in(slug.values()));
    }
    if let Some(with) = w.with_choices {
        let choice = attribute::Column::InputType.is_in(CHOICE_TYPES);
        c = c.add(if with { choice } else { choice.not() });
    }
    if let Some(t) = &w.input_type {
        let types: Vec<&str> =
            t.eq.iter()
                .chain(t.one_of.iter().flatten())
                .map(|t| t.as_str())
                .collect();
        c = c.add(attribute::Column::InputType.is_in(types));
    }
    if let Some(t) = &w.attribute_type {
        let types: Vec<&str> =
            t.eq.iter()
                .chain(t.one_of.iter().flatten())
                .map(|t| attribute_type_str(*t))
                .collect();
        c = c.add(attribute::Column::AttributeType.is_in(types));
    }
    if let Some(v) = w.value_required {
        c = c.add(attribute::Column::ValueRequired.eq(v));
    }
    if let Some(v) = w.visible_in_storefront {
        c = c.add(attribute::Column::VisibleInStorefront.eq(v));
    }
    for sub in w.and.iter().flatten() {
        c = c.add(attribute_where_condition(backend, sub)?);
    }
    if let Some(any) = &w.or {
        let mut or = Condition::any();
        for sub in any {
            or = or.add(attribute_where_condition(backend, sub)?);
        }
        c = c.add(or);
    }
    Ok(c)
}

/// For viewers other than staff and apps, only attributes visible in the storefront (as
/// Saleor); no restriction otherwise.
fn storefront_only(req: &RequestCtx) -> Condition {
    let c = Condition::all();
    if req.is_staff_or_app() {
        c
    } else {
        c.add(attribute::Column::VisibleInStorefront.eq(true))
    }
}

/// Product type and attribute queries.
#[derive(Default)]
pub struct CatalogTypeQuery;

#[Object]
impl CatalogTypeQuery {
    /// Look up a product type by ID.
    async fn product_type(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ProductTypeNode>> {
        let pk = id::decode::<i32>(&id, "ProductType")?;
        let (_, req) = parts(ctx)?;
        Ok(loaders(ctx)?
            .product_types
            .load_one(pk)
            .await
            .map_err(|e| req.internal(e))?
            .map(Into::into))
    }

    /// List of the shop's product types.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn product_types(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProductTypeFilterInput>,
        sort_by: Option<ProductTypeSortingInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<ProductTypeNode, ProductTypeNames>>> {
        let (state, req) = parts(ctx)?;
        let backend = state.db.conn.get_database_backend();
        let cond = product_type_condition(backend, &filter.unwrap_or_default())?;
        let (sort, descending) = match &sort_by {
            Some(s) => (s.field, s.direction == OrderDirection::Desc),
            None => (ProductTypeSortField::Name, false),
        };
        // As Saleor: a flag first, then the name (and the ID, unique).
        use product_type::Column as T;
        let flag = match sort {
            ProductTypeSortField::Name => None,
            ProductTypeSortField::Digital => Some(T::IsDigital),
            ProductTypeSortField::ShippingRequired => Some(T::IsShippingRequired),
        };
        let key = SortKey {
            columns: flag.into_iter().chain([T::Name, T::Id]).collect(),
            descending,
        };
        let args = PageArgs {
            first,
            last,
            after,
            before,
        };
        Ok(Some(
            connection::entity_connection(
                req,
                &state.db.conn,
                product_type::Entity::find().filter(cond),
                key,
                (args, "productTypes"),
                ProductTypeNode::from,
                move |n| {
                    let m = &n.model;
                    let flag = match sort {
                        ProductTypeSortField::Name => None,
                        ProductTypeSortField::Digital => Some(m.is_digital),
                        ProductTypeSortField::ShippingRequired => Some(m.is_shipping_required),
                    };
                    flag.map(KeyPart::Bool)
                        .into_iter()
                        .chain([KeyPart::Str(m.name.clone()), KeyPart::Int(i64::from(m.id))])
                        .collect()
                },
            )
            .await?,
        ))
    }

    /// Look up an attribute by ID, slug or external reference.
    async fn attribute(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        external_reference: Option<String>,
    ) -> Result<Option<AttributeNode>> {
        let given = [id.is_some(), slug.is_some(), external_reference.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(error(
                ErrorCode::InvalidInput,
                "Exactly one of 'id', 'slug' or 'external_reference' must be specified.",
            ));
        }
        let cond = match (id, slug, external_reference) {
            (Some(i), _, _) => attribute::Column::Id.eq(id::decode::<i32>(&i, "Attribute")?),
            (_, Some(s), _) => attribute::Column::Slug.eq(s),
            (_, _, Some(r)) => attribute::Column::ExternalReference.eq(r),
            _ => return Ok(None),
        };
        let (state, req) = parts(ctx)?;
        Ok(attribute::Entity::find()
            .filter(cond)
            .filter(storefront_only(req))
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(Into::into))
    }

    /// List of the shop's attributes.
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn attributes(
        &self,
        ctx: &Context<'_>,
        #[graphql(deprecation = "Use `where` filter instead.")] filter: Option<
            AttributeFilterInput,
        >,
        #[graphql(name = "where")] where_: Option<AttributeWhereInput>,
        search: Option<String>,
        sort_by: Option<AttributeSortingInput>,
        channel: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<AttributeNode, AttributeNames>>> {
        // Attributes are not per channel; the argument is accepted as Saleor does.
        let _ = channel;
        let (state, req) = parts(ctx)?;
        let cond = attribute_condition(
            state.db.conn.get_database_backend(),
            filter.as_ref(),
            where_.as_ref(),
            search.as_deref(),
        )?
        .add(storefront_only(req));
        attribute_connection(
            ctx,
            cond,
            sort_by,
            "attributes",
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
}

/// Attributes matching `cond`, as a connection in `sort_by` order (slug by default).
pub async fn attribute_connection(
    ctx: &Context<'_>,
    cond: Condition,
    sort_by: Option<AttributeSortingInput>,
    field: &str,
    args: PageArgs,
) -> Result<Countable<AttributeNode, AttributeNames>> {
    let (state, req) = parts(ctx)?;
    let (sort, descending) = match &sort_by {
        None => (AttributeSortField::Slug, false),
        Some(s) => (s.field, s.direction == OrderDirection::Desc),
    };
    // As Saleor: a flag, then name and slug (unique). No attribute is variant-only here,
    // so that order is by name.
    use attribute::Column as A;
    let columns = match sort {
        AttributeSortField::Slug => vec![A::Slug, A::Id],
        AttributeSortField::Name | AttributeSortField::IsVariantOnly => vec![A::Name, A::Id],
        AttributeSortField::ValueRequired => vec![A::ValueRequired, A::Name, A::Slug],
        AttributeSortField::VisibleInStorefront => vec![A::VisibleInStorefront, A::Name, A::Slug],
    };
    let key = SortKey {
        columns,
        descending,
    };
    connection::entity_connection(
        req,
        &state.db.conn,
        attribute::Entity::find().filter(cond),
        key,
        (args, field),
        AttributeNode::from,
        move |n| {
            let m = &n.model;
            let id = KeyPart::Int(i64::from(m.id));
            let (name, slug) = (KeyPart::Str(m.name.clone()), KeyPart::Str(m.slug.clone()));
            match sort {
                AttributeSortField::Slug => vec![slug, id],
                AttributeSortField::Name | AttributeSortField::IsVariantOnly => vec![name, id],
                AttributeSortField::ValueRequired => {
                    vec![KeyPart::Bool(m.value_required), name, slug]
                }
                AttributeSortField::VisibleInStorefront => {
                    vec![KeyPart::Bool(m.visible_in_storefront), name, slug]
                }
            }
        },
    )
    .await
}

/// The condition of an attribute list's `filter`, `where` and `search` arguments.
pub fn attribute_condition(
    backend: sea_orm::DatabaseBackend,
    filter: Option<&AttributeFilterInput>,
    where_: Option<&AttributeWhereInput>,
    search_text: Option<&str>,
) -> Result<Condition> {
    let mut cond = Condition::all();
    if let Some(f) = filter {
        cond = cond.add(attribute_filter_condition(backend, f)?);
    }
    if let Some(w) = where_ {
        cond = cond.add(attribute_where_condition(backend, w)?);
    }
    if let Some(q) = search_text.filter(|q| !q.trim().is_empty()) {
        cond = cond.add(search(
            q,
            &[attribute::Column::Name, attribute::Column::Slug],
        ));
    }
    Ok(cond)
}

/// `ProductType.availableAttributes`: product attributes not assigned to `type_id`.
pub fn available_attributes_condition(
    backend: sea_orm::DatabaseBackend,
    type_id: i32,
    filter: Option<&AttributeFilterInput>,
    where_: Option<&AttributeWhereInput>,
    search_text: Option<&str>,
) -> Result<Condition> {
    use sea_orm::{QuerySelect, QueryTrait};
    let assigned = entities::type_attribute::Entity::find()
        .select_only()
        .column(entities::type_attribute::Column::AttributeId)
        .filter(entities::type_attribute::Column::OwnerKind.is_in(["product", "variant"]))
        .filter(entities::type_attribute::Column::OwnerId.eq(type_id))
        .into_query();
    Ok(attribute_condition(backend, filter, where_, search_text)?
        .add(attribute::Column::AttributeType.eq("PRODUCT_TYPE"))
        .add(attribute::Column::Id.not_in_subquery(assigned)))
}

/// Attributes of a type of `kind` (product or variant of a product type, page of a page
/// type), in their order.
pub async fn type_attributes(
    ctx: &Context<'_>,
    kind: Kind,
    type_id: i32,
) -> Result<Vec<(bool, AttributeNode)>> {
    let (_, req) = parts(ctx)?;
    Ok(loaders(ctx)?
        .type_attributes
        .load_one((kind, type_id))
        .await
        .map_err(|e| req.internal(e))?
        .unwrap_or_default()
        .into_iter()
        .map(|(ta, a)| (ta.variant_selection, a.into()))
        .collect())
}

/// Whether an assignment with `selection` belongs to `scope`.
pub fn in_scope(scope: Option<VariantAttributeScope>, selection: bool) -> bool {
    match scope.unwrap_or(VariantAttributeScope::All) {
        VariantAttributeScope::All => true,
        VariantAttributeScope::VariantSelection => selection,
        VariantAttributeScope::NotVariantSelection => !selection,
    }
}

/// `Attribute.choices`: the predefined values of a choice attribute; `None` for others.
#[allow(clippy::too_many_arguments)]
pub async fn choices(
    ctx: &Context<'_>,
    a: &attribute::Model,
    sort_by: Option<AttributeChoicesSortingInput>,
    filter: Option<AttributeValueFilterInput>,
    search_text: Option<String>,
    args: PageArgs,
) -> Result<Option<Countable<AttributeValueNode, AttributeValueNames>>> {
    if !CHOICE_TYPES.contains(&a.input_type.as_str()) {
        return Ok(None);
    }
    let (state, req) = parts(ctx)?;
    let mut cond = Condition::all().add(attribute_value::Column::AttributeId.eq(a.id));
    let f = filter.unwrap_or_default();
    for q in [f.search.as_deref(), search_text.as_deref()]
        .into_iter()
        .flatten()
        .filter(|q| !q.trim().is_empty())
    {
        cond = cond.add(search(
            q,
            &[attribute_value::Column::Name, attribute_value::Column::Slug],
        ));
    }
    if let Some(ids) = &f.ids {
        cond = cond.add(attribute_value::Column::Id.is_in(decode_ids(ids, "AttributeValue")?));
    }
    if let Some(slugs) = &f.slugs {
        cond = cond.add(attribute_value::Column::Slug.is_in(slugs.clone()));
    }
    let input_type = a.input_type.clone();
    let node = move |model| AttributeValueNode {
        model,
        input_type: input_type.clone(),
        prefetched: None,
    };
    let select = attribute_value::Entity::find().filter(cond);
    match sort_by {
        None => {
            let key = SortKey {
                columns: vec![
                    attribute_value::Column::SortOrder,
                    attribute_value::Column::Id,
                ],
                descending: false,
            };
            connection::entity_connection(
                req,
                &state.db.conn,
                select,
                key,
                (args, "choices"),
                node,
                |n: &AttributeValueNode| {
                    vec![
                        KeyPart::Int(i64::from(n.model.sort_order)),
                        KeyPart::Int(i64::from(n.model.id)),
                    ]
                },
            )
            .await
        }
        Some(s) => {
            let by_name = s.field == AttributeChoicesSortField::Name;
            let key = SortKey {
                columns: vec![
                    if by_name {
                        attribute_value::Column::Name
                    } else {
                        attribute_value::Column::Slug
                    },
                    attribute_value::Column::Id,
                ],
                descending: s.direction == OrderDirection::Desc,
            };
            connection::entity_connection(
                req,
                &state.db.conn,
                select,
                key,
                (args, "choices"),
                node,
                move |n: &AttributeValueNode| {
                    vec![
                        KeyPart::Str(if by_name {
                            n.model.name.clone()
                        } else {
                            n.model.slug.clone()
                        }),
                        KeyPart::Int(i64::from(n.model.id)),
                    ]
                },
            )
            .await
        }
    }
    .map(Some)
}
