//! Staff order lists: `orders` (placed orders) and `draftOrders`, with Saleor's `filter`,
//! `where`, `search`, `channel` and `sortBy` arguments, as keyset pages.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entities::{account_user, channel, shop_order};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select,
    sea_query::{Expr, ExprTrait, Func, Query as SqlQuery},
};

use crate::catalog::api::inputs::{GlobalIdFilterInput, StringFilterInput};
use crate::core::connection::{
    self, Countable, KeyPart, OrderDirection, Page, PageArgs, SortKey, TotalCount,
};
use crate::core::scalars::{DateRangeInput, DateTimeRangeInput, IntRangeInput};
use crate::core::{id, permissions::Permission};
use crate::state::parts;

use super::api::{OrderNames, OrderNode, OrderStatus};

/// Saleor's `OrderSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderSortField {
    /// Sort orders by number.
    Number,
    /// Sort orders by rank. Note: This option is available only with the `search` filter.
    Rank,
    /// Sort orders by creation date.
    CreationDate,
    /// Sort orders by creation date.
    CreatedAt,
    /// Sort orders by last modified at.
    LastModifiedAt,
    /// Sort orders by customer.
    Customer,
    /// Sort orders by payment.
    Payment,
    /// Sort orders by fulfillment status.
    FulfillmentStatus,
    /// Sort orders by status.
    Status,
}

/// Saleor's `OrderSortingInput`.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct OrderSortingInput {
    /// Specifies the direction in which to sort orders.
    pub direction: OrderDirection,
    /// Sort orders by the selected field.
    pub field: OrderSortField,
}

/// Saleor's `OrderStatusFilter`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderStatusFilter {
    ReadyToFulfill,
    ReadyToCapture,
    Unfulfilled,
    Unconfirmed,
    PartiallyFulfilled,
    Fulfilled,
    Canceled,
}

/// Saleor's `OrderFilterInput` (the fields we support).
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderFilterInput {
    pub status: Option<Vec<OrderStatusFilter>>,
    pub customer: Option<String>,
    pub created: Option<DateRangeInput>,
    pub search: Option<String>,
    pub channels: Option<Vec<ID>>,
    pub updated_at: Option<DateTimeRangeInput>,
    pub ids: Option<Vec<ID>>,
    pub numbers: Option<Vec<String>>,
}

/// Saleor's `OrderDraftFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderDraftFilterInput {
    pub customer: Option<String>,
    pub created: Option<DateRangeInput>,
    pub search: Option<String>,
    pub channels: Option<Vec<ID>>,
}

/// Saleor's `IntFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IntFilterInput {
    pub eq: Option<i32>,
    pub one_of: Option<Vec<i32>>,
    pub range: Option<IntRangeInput>,
}

/// Saleor's `OrderStatusEnumFilterInput`.
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderStatusEnumFilterInput {
    pub eq: Option<OrderStatus>,
    pub one_of: Option<Vec<OrderStatus>>,
}

/// Saleor's `OrderWhereInput` (the fields we support).
#[derive(InputObject, Clone, Debug, Default)]
pub struct OrderWhereInput {
    pub ids: Option<Vec<ID>>,
    pub number: Option<IntFilterInput>,
    pub channel_id: Option<GlobalIdFilterInput>,
    pub created_at: Option<DateTimeRangeInput>,
    pub updated_at: Option<DateTimeRangeInput>,
    pub user: Option<GlobalIdFilterInput>,
    pub user_email: Option<StringFilterInput>,
    pub status: Option<OrderStatusEnumFilterInput>,
    #[graphql(name = "AND")]
    pub and: Option<Vec<OrderWhereInput>>,
    #[graphql(name = "OR")]
    pub or: Option<Vec<OrderWhereInput>>,
}

/// Saleor's `DraftOrderWhereInput` (the fields we support).
#[derive(InputObject, Clone, Debug, Default)]
pub struct DraftOrderWhereInput {
    pub ids: Option<Vec<ID>>,
    pub number: Option<IntFilterInput>,
    pub channel_id: Option<GlobalIdFilterInput>,
    pub created_at: Option<DateTimeRangeInput>,
    pub updated_at: Option<DateTimeRangeInput>,
    pub user: Option<GlobalIdFilterInput>,
    pub user_email: Option<StringFilterInput>,
}

fn status_name(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Draft => "DRAFT",
        OrderStatus::Unconfirmed => "UNCONFIRMED",
        OrderStatus::Unfulfilled => "UNFULFILLED",
        OrderStatus::PartiallyFulfilled => "PARTIALLY_FULFILLED",
        OrderStatus::PartiallyReturned => "PARTIALLY_RETURNED",
        OrderStatus::Returned => "RETURNED",
        OrderStatus::Fulfilled => "FULFILLED",
        OrderStatus::Canceled => "CANCELED",
        OrderStatus::Expired => "EXPIRED",
    }
}

fn order_ids(ids: &[ID]) -> Result<Vec<String>> {
    ids.iter()
        .map(|i| Ok(id::decode::<uuid::Uuid>(i, "Order")?.to_string()))
        .collect()
}

fn pks(ids: &[ID], t: &str) -> Result<Vec<i32>> {
    ids.iter().map(|i| id::decode::<i32>(i, t)).collect()
}

fn global(f: &GlobalIdFilterInput, t: &str) -> Result<Vec<i32>> {
    let mut out: Vec<i32> = Vec::new();
    if let Some(eq) = &f.eq {
        out.push(id::decode::<i32>(eq, t)?);
    }
    out.extend(pks(f.one_of.as_deref().unwrap_or_default(), t)?);
    Ok(out)
}

fn lower_like(col: shop_order::Column, needle: &str) -> sea_orm::sea_query::SimpleExpr {
    let pattern = format!("%{}%", needle.to_lowercase().replace(['%', '_', '\\'], ""));
    Expr::expr(Func::lower(Expr::col(col))).like(pattern)
}

/// Orders whose number, email or customer's name matches `q`.
fn search(q: &str) -> Condition {
    let q = q.trim();
    let mut c = Condition::any().add(lower_like(shop_order::Column::UserEmail, q));
    if let Ok(n) = q.trim_start_matches('#').parse::<i64>() {
        c = c.add(shop_order::Column::Number.eq(n));
    }
    customer_names(c, q)
}

fn customer_names(c: Condition, q: &str) -> Condition {
    let pattern = format!("%{}%", q.to_lowercase().replace(['%', '_', '\\'], ""));
    let users = SqlQuery::select()
        .column(account_user::Column::Id)
        .from(account_user::Entity)
        .cond_where(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(account_user::Column::FirstName)))
                        .like(pattern.clone()),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(account_user::Column::LastName)))
                        .like(pattern.clone()),
                )
                .add(Expr::expr(Func::lower(Expr::col(account_user::Column::Email))).like(pattern)),
        )
        .to_owned();
    c.add(shop_order::Column::UserId.in_subquery(users))
}

fn created(c: Condition, r: &DateRangeInput) -> Condition {
    let (from, to) = r.bounds();
    let mut c = c;
    if let Some(f) = from {
        c = c.add(shop_order::Column::CreatedAt.gte(f));
    }
    if let Some(t) = to {
        c = c.add(shop_order::Column::CreatedAt.lte(t));
    }
    c
}

fn time_range(c: Condition, col: shop_order::Column, r: &DateTimeRangeInput) -> Condition {
    let mut c = c;
    if let Some(f) = r.gte {
        c = c.add(col.gte(f));
    }
    if let Some(t) = r.lte {
        c = c.add(col.lte(t));
    }
    c
}

fn channels(c: Condition, ids: &[ID]) -> Result<Condition> {
    Ok(c.add(shop_order::Column::ChannelId.is_in(pks(ids, "Channel")?)))
}

fn filter_condition(f: &OrderFilterInput) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(statuses) = &f.status {
        let mut any = Condition::any();
        for s in statuses {
            any = match s {
                OrderStatusFilter::ReadyToFulfill | OrderStatusFilter::ReadyToCapture => any
                    .add(shop_order::Column::Status.is_in(["UNFULFILLED", "PARTIALLY_FULFILLED"])),
                OrderStatusFilter::Unfulfilled => {
                    any.add(shop_order::Column::Status.eq("UNFULFILLED"))
                }
                OrderStatusFilter::Unconfirmed => {
                    any.add(shop_order::Column::Status.eq("UNCONFIRMED"))
                }
                OrderStatusFilter::PartiallyFulfilled => {
                    any.add(shop_order::Column::Status.eq("PARTIALLY_FULFILLED"))
                }
                OrderStatusFilter::Fulfilled => any.add(shop_order::Column::Status.eq("FULFILLED")),
                OrderStatusFilter::Canceled => any.add(shop_order::Column::Status.eq("CANCELED")),
            };
        }
        if !statuses.is_empty() {
            c = c.add(any);
        }
    }
    if let Some(q) = f.customer.as_deref().filter(|q| !q.trim().is_empty()) {
        c = c.add(customer_names(
            Condition::any().add(lower_like(shop_order::Column::UserEmail, q.trim())),
            q.trim(),
        ));
    }
    if let Some(q) = f.search.as_deref().filter(|q| !q.trim().is_empty()) {
        c = c.add(search(q));
    }
    if let Some(r) = &f.created {
        c = created(c, r);
    }
    if let Some(r) = &f.updated_at {
        c = time_range(c, shop_order::Column::UpdatedAt, r);
    }
    if let Some(ids) = &f.channels {
        c = channels(c, ids)?;
    }
    if let Some(ids) = &f.ids {
        c = c.add(shop_order::Column::Id.is_in(order_ids(ids)?));
    }
    if let Some(numbers) = &f.numbers {
        let ns: Vec<i64> = numbers
            .iter()
            .filter_map(|n| n.trim().parse().ok())
            .collect();
        c = c.add(shop_order::Column::Number.is_in(ns));
    }
    Ok(c)
}

fn int_filter(c: Condition, col: shop_order::Column, f: &IntFilterInput) -> Condition {
    let mut c = c;
    if let Some(eq) = f.eq {
        c = c.add(col.eq(eq));
    }
    if let Some(one_of) = &f.one_of {
        c = c.add(col.is_in(one_of.clone()));
    }
    if let Some(r) = &f.range {
        if let Some(g) = r.gte {
            c = c.add(col.gte(g));
        }
        if let Some(l) = r.lte {
            c = c.add(col.lte(l));
        }
    }
    c
}

fn where_condition(w: &OrderWhereInput) -> Result<Condition> {
    let mut c = common_where(
        w.ids.as_deref(),
        w.number.as_ref(),
        w.channel_id.as_ref(),
        w.created_at.as_ref(),
        w.updated_at.as_ref(),
        w.user.as_ref(),
        w.user_email.as_ref(),
    )?;
    if let Some(s) = &w.status {
        let mut names: Vec<&str> = s.eq.iter().map(|s| status_name(*s)).collect();
        names.extend(s.one_of.iter().flatten().map(|s| status_name(*s)));
        c = c.add(shop_order::Column::Status.is_in(names));
    }
    if let Some(and) = &w.and {
        for sub in and {
            c = c.add(where_condition(sub)?);
        }
    }
    if let Some(or) = &w.or {
        let mut any = Condition::any();
        for sub in or {
            any = any.add(where_condition(sub)?);
        }
        c = c.add(any);
    }
    Ok(c)
}

fn common_where(
    ids: Option<&[ID]>,
    number: Option<&IntFilterInput>,
    channel_id: Option<&GlobalIdFilterInput>,
    created_at: Option<&DateTimeRangeInput>,
    updated_at: Option<&DateTimeRangeInput>,
    user: Option<&GlobalIdFilterInput>,
    user_email: Option<&StringFilterInput>,
) -> Result<Condition> {
    let mut c = Condition::all();
    if let Some(ids) = ids {
        c = c.add(shop_order::Column::Id.is_in(order_ids(ids)?));
    }
    if let Some(n) = number {
        c = int_filter(c, shop_order::Column::Number, n);
    }
    if let Some(f) = channel_id {
        c = c.add(shop_order::Column::ChannelId.is_in(global(f, "Channel")?));
    }
    if let Some(r) = created_at {
        c = time_range(c, shop_order::Column::CreatedAt, r);
    }
    if let Some(r) = updated_at {
        c = time_range(c, shop_order::Column::UpdatedAt, r);
    }
    if let Some(f) = user {
        c = c.add(shop_order::Column::UserId.is_in(global(f, "User")?));
    }
    if let Some(f) = user_email {
        let emails: Vec<String> = f.values().iter().map(|e| e.to_lowercase()).collect();
        c = c.add(shop_order::Column::UserEmail.is_in(emails));
    }
    Ok(c)
}

fn sort_key(sort: Option<OrderSortingInput>) -> (SortKey<shop_order::Column>, OrderSortField) {
    use shop_order::Column as C;
    let (field, descending) = match sort {
        Some(s) => (s.field, s.direction == OrderDirection::Desc),
        None => (OrderSortField::Number, true),
    };
    let columns = match field {
        OrderSortField::CreationDate | OrderSortField::CreatedAt => vec![C::CreatedAt, C::Number],
        OrderSortField::LastModifiedAt => vec![C::UpdatedAt, C::Number],
        OrderSortField::Customer => vec![C::UserEmail, C::Number],
        OrderSortField::FulfillmentStatus | OrderSortField::Status => vec![C::Status, C::Number],
        OrderSortField::Number | OrderSortField::Rank | OrderSortField::Payment => vec![C::Number],
    };
    (
        SortKey {
            columns,
            descending,
        },
        field,
    )
}

fn key_of(field: OrderSortField, o: &shop_order::Model) -> Vec<KeyPart> {
    let n = KeyPart::Int(o.number);
    match field {
        OrderSortField::CreationDate | OrderSortField::CreatedAt => {
            vec![KeyPart::Time(o.created_at), n]
        }
        OrderSortField::LastModifiedAt => vec![KeyPart::Time(o.updated_at), n],
        OrderSortField::Customer => vec![KeyPart::Str(o.user_email.clone()), n],
        OrderSortField::FulfillmentStatus | OrderSortField::Status => {
            vec![KeyPart::Str(o.status.clone()), n]
        }
        _ => vec![n],
    }
}

async fn page_of(
    ctx: &Context<'_>,
    cond: Condition,
    sort: Option<OrderSortingInput>,
    args: PageArgs,
    field_name: &str,
) -> Result<Countable<OrderNode, OrderNames>> {
    let (state, req) = parts(ctx)?;
    let page = Page::parse(&args, field_name)?;
    let db = state.db.conn.clone();
    let select =
        move || -> Select<shop_order::Entity> { shop_order::Entity::find().filter(cond.clone()) };
    let (key, field) = sort_key(sort);
    let result = connection::fetch_page(&db, select(), &key, &page)
        .await
        .map_err(|e| e.into_error(req))?;
    let total = TotalCount::lazy(move || {
        let (db, q) = (db.clone(), select());
        async move { q.count(&db).await }
    });
    Ok(connection::build(
        result.map(OrderNode::new),
        total,
        move |o: &OrderNode| key_of(field, &o.model),
    ))
}

/// Staff order lists.
#[derive(Default)]
pub struct OrderListQuery;

#[Object]
impl OrderListQuery {
    /// List of orders. Requires one of the following permissions: MANAGE_ORDERS.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Sort orders.")] sort_by: Option<OrderSortingInput>,
        #[graphql(desc = "Filtering options for orders.")] filter: Option<OrderFilterInput>,
        #[graphql(desc = "Where filtering options for orders.")] r#where: Option<OrderWhereInput>,
        #[graphql(desc = "Slug of a channel for which the data should be returned.")]
        channel: Option<String>,
        #[graphql(desc = "Search orders.")] search: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<OrderNode, OrderNames>>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageOrders])?;
        let mut cond = Condition::all().add(shop_order::Column::Status.ne("DRAFT"));
        if let Some(f) = &filter {
            cond = cond.add(filter_condition(f)?);
        }
        if let Some(w) = &r#where {
            cond = cond.add(where_condition(w)?);
        }
        if let Some(q) = search.as_deref().filter(|q| !q.trim().is_empty()) {
            cond = cond.add(search_cond(q));
        }
        if let Some(slug) = channel {
            let ch = channel::Entity::find()
                .filter(channel::Column::Slug.eq(slug))
                .select_only()
                .column(channel::Column::Id)
                .into_tuple::<i32>()
                .one(&state.db.conn)
                .await
                .map_err(|e| req.internal(e))?;
            cond = cond.add(shop_order::Column::ChannelId.eq(ch.unwrap_or(-1)));
        }
        page_of(
            ctx,
            cond,
            sort_by,
            PageArgs {
                first,
                last,
                after,
                before,
            },
            "orders",
        )
        .await
        .map(Some)
    }

    /// List of draft orders. Requires one of the following permissions: MANAGE_ORDERS.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "connection::cost(first, last, child_complexity)")]
    async fn draft_orders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Sort draft orders.")] sort_by: Option<OrderSortingInput>,
        #[graphql(desc = "Filtering options for draft orders.")] filter: Option<
            OrderDraftFilterInput,
        >,
        #[graphql(desc = "Where filtering options for draft orders.")] r#where: Option<
            DraftOrderWhereInput,
        >,
        #[graphql(desc = "Search draft orders.")] search: Option<String>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Countable<OrderNode, OrderNames>>> {
        let (_, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageOrders])?;
        let mut cond = Condition::all().add(shop_order::Column::Status.eq("DRAFT"));
        if let Some(f) = &filter {
            let as_order = OrderFilterInput {
                customer: f.customer.clone(),
                created: f.created,
                search: f.search.clone(),
                channels: f.channels.clone(),
                ..Default::default()
            };
            cond = cond.add(filter_condition(&as_order)?);
        }
        if let Some(w) = &r#where {
            cond = cond.add(common_where(
                w.ids.as_deref(),
                w.number.as_ref(),
                w.channel_id.as_ref(),
                w.created_at.as_ref(),
                w.updated_at.as_ref(),
                w.user.as_ref(),
                w.user_email.as_ref(),
            )?);
        }
        if let Some(q) = search.as_deref().filter(|q| !q.trim().is_empty()) {
            cond = cond.add(search_cond(q));
        }
        page_of(
            ctx,
            cond,
            sort_by,
            PageArgs {
                first,
                last,
                after,
                before,
            },
            "draftOrders",
        )
        .await
        .map(Some)
    }
}

fn search_cond(q: &str) -> Condition {
    search(q)
}
