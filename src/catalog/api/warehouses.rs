//! GraphQL: Saleor's `Warehouse` type, the `warehouse`/`warehouses` staff queries and the
//! `createWarehouse`/`updateWarehouse`/`deleteWarehouse` mutations (MANAGE_PRODUCTS).
//! Click-and-collect surfaces here too: `Checkout.availableCollectionPoints` and the
//! `Warehouse` member of `DeliveryMethod` return these nodes.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entities::{channel_warehouse, warehouse};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use super::mutations::{decode, payload, split, try_input, try_write};
use crate::account::api::{AddressInput, AddressNode};
use crate::catalog::warehouse::{self as service, WarehouseFields};
use crate::catalog::write::{Code, FieldError};
use crate::core::{
    connection::{self, KeyPart, OrderDirection, PageArgs, SortKey},
    id,
    permissions::Permission,
};
use crate::countable_names;
use crate::metadata::api::{HasMetadata, MetadataFields};
use crate::state::parts;

/// Saleor's `WarehouseClickAndCollectOptionEnum`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WarehouseClickAndCollectOptionEnum {
    Disabled,
    Local,
    All,
}

impl WarehouseClickAndCollectOptionEnum {
    fn stored(self) -> &'static str {
        match self {
            Self::Disabled => service::DISABLED,
            Self::Local => service::LOCAL,
            Self::All => service::ALL,
        }
    }

    fn of(stored: &str) -> Self {
        match stored {
            service::LOCAL => Self::Local,
            service::ALL => Self::All,
            _ => Self::Disabled,
        }
    }
}

/// Represents warehouse.
#[derive(SimpleObject, Clone)]
#[graphql(complex, name = "Warehouse")]
pub struct WarehouseNode {
    #[graphql(flatten)]
    meta: MetadataFields,
    #[graphql(skip)]
    pub model: warehouse::Model,
}

impl From<warehouse::Model> for WarehouseNode {
    fn from(model: warehouse::Model) -> Self {
        Self {
            meta: MetadataFields::new(&model.metadata, &model.private_metadata),
            model,
        }
    }
}

impl HasMetadata for WarehouseNode {
    fn metadata_fields(&self) -> &MetadataFields {
        &self.meta
    }
}

#[ComplexObject]
impl WarehouseNode {
    /// The ID of the warehouse.
    async fn id(&self) -> ID {
        id::encode("Warehouse", self.model.id)
    }
    /// Warehouse name.
    async fn name(&self) -> &str {
        &self.model.name
    }
    /// Warehouse slug.
    async fn slug(&self) -> &str {
        &self.model.slug
    }
    /// Warehouse email.
    async fn email(&self) -> &str {
        &self.model.email
    }
    /// Determine if the warehouse is private.
    async fn is_private(&self) -> bool {
        self.model.is_private
    }
    /// Address of the warehouse.
    async fn address(&self) -> AddressNode {
        AddressNode::new(service::address_of(&self.model), None)
    }
    /// Warehouse company name.
    #[graphql(deprecation = "Use `Address.companyName` instead.")]
    async fn company_name(&self) -> &str {
        &self.model.company_name
    }
    /// Click and collect options: local, all or disabled.
    async fn click_and_collect_option(&self) -> WarehouseClickAndCollectOptionEnum {
        WarehouseClickAndCollectOptionEnum::of(&self.model.click_and_collect_option)
    }
    /// External ID of this warehouse.
    async fn external_reference(&self) -> Option<&str> {
        self.model.external_reference.as_deref()
    }
}

countable_names!(WarehouseNames, "Warehouse");

/// Saleor's `WarehouseCountableConnection`.
pub type Warehouses = connection::Countable<WarehouseNode, WarehouseNames>;

/// Filters of `warehouses`.
#[derive(InputObject, Default)]
pub struct WarehouseFilterInput {
    pub click_and_collect_option: Option<WarehouseClickAndCollectOptionEnum>,
    pub search: Option<String>,
    pub ids: Option<Vec<ID>>,
    pub is_private: Option<bool>,
    pub channels: Option<Vec<ID>>,
    pub slugs: Option<Vec<String>>,
}

/// Saleor's `WarehouseSortField`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WarehouseSortField {
    /// Sort warehouses by name.
    Name,
}

/// Saleor's `WarehouseSortingInput`.
#[derive(InputObject)]
pub struct WarehouseSortingInput {
    /// Specifies the direction in which to sort warehouses.
    pub direction: OrderDirection,
    /// Sort warehouses by the selected field.
    pub field: WarehouseSortField,
}

/// Warehouse queries.
#[derive(Default)]
pub struct WarehouseQuery;

const READERS: [Permission; 3] = [
    Permission::ManageProducts,
    Permission::ManageOrders,
    Permission::ManageShipping,
];

#[Object]
impl WarehouseQuery {
    /// Look up a warehouse by ID.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS, MANAGE_SHIPPING.
    async fn warehouse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a warehouse.")] id: Option<ID>,
        #[graphql(desc = "External ID of a warehouse.")] external_reference: Option<String>,
    ) -> Result<Option<WarehouseNode>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&READERS)?;
        let select = match (id, external_reference) {
            (Some(id), None) => warehouse::Entity::find_by_id(id::decode::<i32>(&id, "Warehouse")?),
            (None, Some(r)) => {
                warehouse::Entity::find().filter(warehouse::Column::ExternalReference.eq(r))
            }
            _ => {
                return Err(crate::core::error::error(
                    crate::core::error::ErrorCode::InvalidInput,
                    "Argument 'id' or 'external_reference' must be specified, exactly one of them.",
                ));
            }
        };
        Ok(select
            .one(&state.db.conn)
            .await
            .map_err(|e| req.internal(e))?
            .map(WarehouseNode::from))
    }

    /// List of warehouses.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS, MANAGE_ORDERS, MANAGE_SHIPPING.
    #[allow(clippy::too_many_arguments)]
    async fn warehouses(
        &self,
        ctx: &Context<'_>,
        filter: Option<WarehouseFilterInput>,
        sort_by: Option<WarehouseSortingInput>,
        before: Option<String>,
        after: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Option<Warehouses>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&READERS)?;
        let select = warehouse::Entity::find().filter(condition(filter.unwrap_or_default())?);
        let key = SortKey {
            columns: vec![warehouse::Column::Name, warehouse::Column::Id],
            descending: sort_by.is_some_and(|s| s.direction == OrderDirection::Desc),
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
                select,
                key,
                (args, "warehouses"),
                WarehouseNode::from,
                |n| {
                    vec![
                        KeyPart::Str(n.model.name.clone()),
                        KeyPart::Int(i64::from(n.model.id)),
                    ]
                },
            )
            .await?,
        ))
    }
}

/// The SQL condition of a `warehouses` filter.
fn condition(f: WarehouseFilterInput) -> Result<Condition> {
    let mut cond = Condition::all();
    if let Some(option) = f.click_and_collect_option {
        cond = cond.add(warehouse::Column::ClickAndCollectOption.eq(option.stored()));
    }
    if let Some(p) = f.is_private {
        cond = cond.add(warehouse::Column::IsPrivate.eq(p));
    }
    if let Some(ids) = f.ids {
        let ids = ids
            .iter()
            .map(|i| id::decode::<i32>(i, "Warehouse"))
            .collect::<Result<Vec<_>>>()?;
        cond = cond.add(warehouse::Column::Id.is_in(ids));
    }
    if let Some(slugs) = f.slugs {
        cond = cond.add(warehouse::Column::Slug.is_in(slugs));
    }
    if let Some(channels) = f.channels {
        let channels = channels
            .iter()
            .map(|i| id::decode::<i32>(i, "Channel"))
            .collect::<Result<Vec<_>>>()?;
        let linked = channel_warehouse::Entity::find()
            .select_only()
            .column(channel_warehouse::Column::WarehouseId)
            .filter(channel_warehouse::Column::ChannelId.is_in(channels))
            .into_query();
        cond = cond.add(warehouse::Column::Id.in_subquery(linked));
    }
    if let Some(q) = f.search.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = format!("%{}%", q.to_lowercase());
        let lower = |c: warehouse::Column| {
            use sea_orm::sea_query::{Expr, ExprTrait, Func};
            Expr::expr(Func::lower(Expr::col(c))).like(like.clone())
        };
        cond = cond.add(
            Condition::any()
                .add(lower(warehouse::Column::Name))
                .add(lower(warehouse::Column::Email))
                .add(lower(warehouse::Column::CompanyName))
                .add(lower(warehouse::Column::City))
                .add(lower(warehouse::Column::Country)),
        );
    }
    Ok(cond)
}

/// Saleor's `WarehouseErrorCode`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WarehouseErrorCode {
    AlreadyExists,
    GraphqlError,
    Invalid,
    NotFound,
    Required,
    Unique,
}

impl From<Code> for WarehouseErrorCode {
    fn from(c: Code) -> Self {
        match c {
            Code::AlreadyExists => Self::AlreadyExists,
            Code::GraphqlError => Self::GraphqlError,
            Code::NotFound => Self::NotFound,
            Code::Required => Self::Required,
            Code::Unique => Self::Unique,
            _ => Self::Invalid,
        }
    }
}

/// Saleor's `WarehouseError`.
#[derive(SimpleObject, Clone, Debug)]
pub struct WarehouseError {
    /// Name of a field that caused the error.
    pub field: Option<String>,
    /// The error message.
    pub message: Option<String>,
    /// The error code.
    pub code: WarehouseErrorCode,
    /// List of shipping zones IDs which causes the error.
    pub shipping_zones: Option<Vec<ID>>,
}

impl From<FieldError> for WarehouseError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            message: Some(e.message),
            code: e.code.into(),
            shipping_zones: None,
        }
    }
}

payload!(WarehouseCreate, WarehouseError, warehouse_errors, { warehouse: Option<WarehouseNode> });
payload!(WarehouseUpdate, WarehouseError, warehouse_errors, { warehouse: Option<WarehouseNode> });
payload!(WarehouseDelete, WarehouseError, warehouse_errors, { warehouse: Option<WarehouseNode> });

/// Fields of a new warehouse.
#[derive(InputObject)]
pub struct WarehouseCreateInput {
    /// Warehouse slug.
    pub slug: Option<String>,
    /// The email address of the warehouse.
    pub email: Option<String>,
    /// External ID of the warehouse.
    pub external_reference: Option<String>,
    /// Warehouse name.
    pub name: String,
    /// Address of the warehouse.
    pub address: AddressInput,
    /// Shipping zones supported by the warehouse.
    #[graphql(deprecation = "Providing the zone ids will raise a ValidationError.")]
    pub shipping_zones: Option<Vec<ID>>,
}

/// Fields of a warehouse to update.
#[derive(InputObject)]
pub struct WarehouseUpdateInput {
    /// Warehouse slug.
    pub slug: Option<String>,
    /// The email address of the warehouse.
    pub email: Option<String>,
    /// External ID of the warehouse.
    pub external_reference: Option<String>,
    /// Warehouse name.
    pub name: Option<String>,
    /// Address of the warehouse.
    pub address: Option<AddressInput>,
    /// Click and collect options: local, all or disabled.
    pub click_and_collect_option: Option<WarehouseClickAndCollectOptionEnum>,
    /// Visibility of warehouse stocks.
    pub is_private: Option<bool>,
}

/// Warehouse mutations (MANAGE_PRODUCTS).
#[derive(Default)]
pub struct WarehouseMutation;

#[Object]
impl WarehouseMutation {
    /// Creates a new warehouse.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn create_warehouse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Fields required to create warehouse.")] input: WarehouseCreateInput,
    ) -> Result<Option<WarehouseCreate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        if input.shipping_zones.as_ref().is_some_and(|z| !z.is_empty()) {
            try_input!(
                WarehouseCreate,
                Err(vec![FieldError::new(
                    "shippingZones",
                    Code::Invalid,
                    "The shippingZones input field is deprecated. Use WarehouseShippingZoneAssign mutation",
                )])
            );
        }
        let fields = WarehouseFields {
            name: Some(input.name),
            slug: input.slug,
            email: input.email,
            external_reference: input.external_reference,
            address: Some(input.address.into()),
            ..Default::default()
        };
        let w = try_write!(
            WarehouseCreate,
            req,
            state.catalog.writer.warehouse_create(fields)
        );
        Ok(Some(WarehouseCreate {
            warehouse: Some(w.into()),
            ..Default::default()
        }))
    }

    /// Updates given warehouse.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn update_warehouse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a warehouse to update.")] id: Option<ID>,
        #[graphql(desc = "External reference of a warehouse.")] external_reference: Option<String>,
        #[graphql(desc = "Fields required to update warehouse.")] input: WarehouseUpdateInput,
    ) -> Result<Option<WarehouseUpdate>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = match (&id, &external_reference) {
            (Some(id), None) => try_input!(WarehouseUpdate, decode(id, "Warehouse", "id")),
            (None, Some(r)) => {
                let found = warehouse::Entity::find()
                    .filter(warehouse::Column::ExternalReference.eq(r.as_str()))
                    .one(&state.db.conn)
                    .await
                    .map_err(|e| req.internal(e))?;
                try_input!(
                    WarehouseUpdate,
                    found.map(|w| w.id).ok_or_else(|| vec![FieldError::new(
                        "externalReference",
                        Code::NotFound,
                        format!("Couldn't resolve to a node: {r}"),
                    )])
                )
            }
            _ => try_input!(
                WarehouseUpdate,
                Err(vec![FieldError::new(
                    "id",
                    Code::GraphqlError,
                    "Argument 'id' or 'external_reference' must be specified, exactly one of them.",
                )])
            ),
        };
        let fields = WarehouseFields {
            name: input.name,
            slug: input.slug,
            email: input.email,
            external_reference: input.external_reference,
            address: input.address.map(Into::into),
            click_and_collect_option: input.click_and_collect_option.map(|o| o.stored()),
            is_private: input.is_private,
        };
        let w = try_write!(
            WarehouseUpdate,
            req,
            state.catalog.writer.warehouse_update(pk, fields)
        );
        Ok(Some(WarehouseUpdate {
            warehouse: Some(w.into()),
            ..Default::default()
        }))
    }

    /// Deletes selected warehouse.
    ///
    /// Requires one of the following permissions: MANAGE_PRODUCTS.
    async fn delete_warehouse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "ID of a warehouse to delete.")] id: ID,
    ) -> Result<Option<WarehouseDelete>> {
        let (state, req) = parts(ctx)?;
        req.require_any(&[Permission::ManageProducts])?;
        let pk = try_input!(WarehouseDelete, decode(&id, "Warehouse", "id"));
        let w = try_write!(
            WarehouseDelete,
            req,
            state.catalog.writer.warehouse_delete(pk)
        );
        Ok(Some(WarehouseDelete {
            warehouse: Some(w.into()),
            ..Default::default()
        }))
    }
}
