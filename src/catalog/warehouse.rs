//! Warehouses: staff management (Saleor's `createWarehouse`, `updateWarehouse`,
//! `deleteWarehouse`) and click-and-collect — which warehouses a checkout can be picked up
//! at, and which warehouses an order collected there allocates its stock from.

use std::collections::{BTreeMap, HashMap};

use entities::{
    account_address as address, allocation, channel_warehouse, product_variant, stock, warehouse,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::{Value as Json, json};

use super::write::{CatalogWriter, Code, FieldError, WriteError, free_slug, unique_on};
use crate::account::{
    error::AccountError,
    service::{AddressData, ValidAddress, validate_address},
};

/// Saleor's `WarehouseClickAndCollectOptionEnum` values, as stored.
pub const DISABLED: &str = "DISABLED";
/// Pick up only what this warehouse itself holds.
pub const LOCAL: &str = "LOCAL";
/// Pick up here whatever any warehouse of the channel holds.
pub const ALL: &str = "ALL";

/// Staff input for a warehouse; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct WarehouseFields {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub email: Option<String>,
    pub external_reference: Option<String>,
    pub address: Option<AddressData>,
    pub click_and_collect_option: Option<&'static str>,
    pub is_private: Option<bool>,
}

/// The warehouse's address as an address model (not in any address book: id 0).
pub fn address_of(w: &warehouse::Model) -> address::Model {
    address::Model {
        id: 0,
        user_id: 0,
        first_name: w.first_name.clone(),
        last_name: w.last_name.clone(),
        company_name: w.company_name.clone(),
        street_address_1: w.street_address_1.clone(),
        street_address_2: w.street_address_2.clone(),
        city: w.city.clone(),
        city_area: w.city_area.clone(),
        postal_code: w.postal_code.clone(),
        country: w.country.clone(),
        country_area: w.country_area.clone(),
        phone: w.phone.clone(),
        metadata: json!({}),
        private_metadata: json!({}),
        created_at: chrono::DateTime::<chrono::Utc>::MIN_UTC,
    }
}

/// The warehouse's address as a checkout/order address snapshot (where the order is
/// collected, as Saleor sets it).
pub fn address_snapshot(w: &warehouse::Model) -> Json {
    let a = address_of(w);
    crate::checkout::service::address_json(&ValidAddress {
        first_name: a.first_name,
        last_name: a.last_name,
        company_name: a.company_name,
        street_address_1: a.street_address_1,
        street_address_2: a.street_address_2,
        city: a.city,
        city_area: a.city_area,
        postal_code: a.postal_code,
        country: a.country,
        country_area: a.country_area,
        phone: a.phone,
        metadata: json!({}),
    })
}

/// Validates an address input (merged over `current`), failures under `address`.
fn valid_address(
    data: &AddressData,
    current: Option<&address::Model>,
) -> Result<ValidAddress, WriteError> {
    validate_address(data, current, None, "address").map_err(|e| match e {
        AccountError::Invalid(failures) => WriteError::Invalid(
            failures
                .into_iter()
                .map(|f| FieldError {
                    field: Some("address".to_owned()),
                    message: match &f.field {
                        Some(field) => format!("{field}: {}", f.message),
                        None => f.message,
                    },
                    code: if f.code == crate::account::error::AccountErrorCode::Required {
                        Code::Required
                    } else {
                        Code::Invalid
                    },
                    index: None,
                })
                .collect(),
        ),
        other => WriteError::Db(DbErr::Custom(other.to_string())),
    })
}

fn valid_email(email: Option<String>) -> Result<Option<String>, WriteError> {
    match email.as_deref().map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(String::new())),
        Some(e) => crate::account::service::normalize_email(e)
            .map(Some)
            .ok_or_else(|| WriteError::one("email", Code::Invalid, "Enter a valid email address.")),
    }
}

/// Saleor refuses local pickup from a private warehouse (its stock is not public).
fn check_option(option: &str, is_private: bool) -> Result<(), WriteError> {
    if option == LOCAL && is_private {
        return Err(WriteError::one(
            "clickAndCollectOption",
            Code::Invalid,
            "Local warehouse can be toggled only for non-private warehouse stocks",
        ));
    }
    Ok(())
}

fn set_address(am: &mut warehouse::ActiveModel, a: ValidAddress) {
    am.first_name = Set(a.first_name);
    am.last_name = Set(a.last_name);
    am.company_name = Set(a.company_name);
    am.street_address_1 = Set(a.street_address_1);
    am.street_address_2 = Set(a.street_address_2);
    am.city = Set(a.city);
    am.city_area = Set(a.city_area);
    am.postal_code = Set(a.postal_code);
    am.country = Set(a.country);
    am.country_area = Set(a.country_area);
    am.phone = Set(a.phone);
}

fn external_reference(given: Option<String>) -> Option<Option<String>> {
    given.map(|r| Some(r.trim().to_owned()).filter(|r| !r.is_empty()))
}

impl CatalogWriter {
    /// Creates a warehouse (public, click-and-collect disabled, as Saleor).
    pub async fn warehouse_create(
        &self,
        f: WarehouseFields,
    ) -> Result<warehouse::Model, WriteError> {
        let name = super::write::required_name(&f.name)?;
        let address = valid_address(&f.address.unwrap_or_default(), None)?;
        let email = valid_email(f.email)?.unwrap_or_default();
        let txn = crate::db::begin_write(self.db()).await?;
        let slug = free_slug::<warehouse::Entity, _>(
            &txn,
            warehouse::Column::Slug,
            f.slug.as_deref(),
            &name,
            None,
        )
        .await?;
        let mut am = warehouse::ActiveModel {
            name: Set(name),
            slug: Set(slug),
            email: Set(email),
            is_private: Set(false),
            click_and_collect_option: Set(DISABLED.to_owned()),
            external_reference: Set(external_reference(f.external_reference).flatten()),
            metadata: Set(json!({})),
            private_metadata: Set(json!({})),
            ..Default::default()
        };
        set_address(&mut am, address);
        let w = am.insert(&txn).await.map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(w)
    }

    /// Updates warehouse `id`.
    pub async fn warehouse_update(
        &self,
        id: i32,
        f: WarehouseFields,
    ) -> Result<warehouse::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let w = warehouse::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "the warehouse."))?;
        let option = f
            .click_and_collect_option
            .unwrap_or(w.click_and_collect_option.as_str())
            .to_owned();
        check_option(&option, f.is_private.unwrap_or(w.is_private))?;
        let address = f
            .address
            .as_ref()
            .map(|a| valid_address(a, Some(&address_of(&w))))
            .transpose()?;
        let email = valid_email(f.email)?;
        let mut am: warehouse::ActiveModel = w.clone().into();
        if f.name.is_some() {
            am.name = Set(super::write::required_name(&f.name)?);
        }
        if let Some(slug) = f.slug.as_deref() {
            am.slug = Set(free_slug::<warehouse::Entity, _>(
                &txn,
                warehouse::Column::Slug,
                Some(slug),
                &w.name,
                Some(id),
            )
            .await?);
        }
        if let Some(email) = email {
            am.email = Set(email);
        }
        if let Some(r) = external_reference(f.external_reference) {
            am.external_reference = Set(r);
        }
        if let Some(a) = address {
            set_address(&mut am, a);
        }
        am.click_and_collect_option = Set(option);
        if let Some(p) = f.is_private {
            am.is_private = Set(p);
        }
        let w = am.update(&txn).await.map_err(unique_on("slug"))?;
        txn.commit().await?;
        Ok(w)
    }

    /// Deletes warehouse `id` with its stock and channel links. Refused while its stock is
    /// allocated to orders (deleting it would silently un-allocate them).
    pub async fn warehouse_delete(&self, id: i32) -> Result<warehouse::Model, WriteError> {
        let txn = crate::db::begin_write(self.db()).await?;
        let w = warehouse::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| WriteError::not_found("id", "the warehouse."))?;
        let stock_ids: Vec<i32> = stock::Entity::find()
            .filter(stock::Column::WarehouseId.eq(id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let allocated = allocation::Entity::find()
            .filter(allocation::Column::StockId.is_in(stock_ids.clone()))
            .filter(allocation::Column::Quantity.gt(0))
            .one(&txn)
            .await?;
        if allocated.is_some() {
            return Err(WriteError::one(
                "id",
                Code::Invalid,
                "The warehouse holds stock allocated to orders; fulfil or cancel them first.",
            ));
        }
        allocation::Entity::delete_many()
            .filter(allocation::Column::StockId.is_in(stock_ids))
            .exec(&txn)
            .await?;
        stock::Entity::delete_many()
            .filter(stock::Column::WarehouseId.eq(id))
            .exec(&txn)
            .await?;
        channel_warehouse::Entity::delete_many()
            .filter(channel_warehouse::Column::WarehouseId.eq(id))
            .exec(&txn)
            .await?;
        crate::checkout::service::clear_collection_point(&txn, id).await?;
        warehouse::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        Ok(w)
    }
}

/// The warehouses of `channel_id`, in allocation order.
pub async fn channel_warehouses<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
) -> Result<Vec<i32>, DbErr> {
    Ok(channel_warehouse::Entity::find()
        .filter(channel_warehouse::Column::ChannelId.eq(channel_id))
        .order_by_asc(channel_warehouse::Column::SortOrder)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.warehouse_id)
        .collect())
}

/// The warehouses an order collected at `point` allocates from: the point itself for
/// `LOCAL`; the point first, then the channel's other warehouses for `ALL`.
pub fn allocation_order(point: &warehouse::Model, channel_warehouses: &[i32]) -> Vec<i32> {
    let mut out = vec![point.id];
    if point.click_and_collect_option == ALL {
        out.extend(channel_warehouses.iter().filter(|w| **w != point.id));
    }
    out
}

/// Warehouses of `channel_id` where `wanted` (variant → quantity) can be collected now:
/// `LOCAL` ones holding every tracked variant themselves, `ALL` ones when the channel's
/// warehouses together hold them. Empty for an empty cart. Four statements.
pub async fn collection_points<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
    wanted: &BTreeMap<i32, i32>,
) -> Result<Vec<warehouse::Model>, DbErr> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let in_channel = channel_warehouses(conn, channel_id).await?;
    let candidates = warehouse::Entity::find()
        .filter(warehouse::Column::Id.is_in(in_channel.clone()))
        .filter(warehouse::Column::ClickAndCollectOption.is_in([LOCAL, ALL]))
        .order_by_asc(warehouse::Column::Name)
        .order_by_asc(warehouse::Column::Id)
        .all(conn)
        .await?;
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let ids: Vec<i32> = wanted.keys().copied().collect();
    let tracked: Vec<i32> = product_variant::Entity::find()
        .filter(product_variant::Column::Id.is_in(ids.clone()))
        .filter(product_variant::Column::TrackInventory.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    // (variant, warehouse) → available quantity
    let mut free: HashMap<(i32, i32), i64> = HashMap::new();
    for s in stock::Entity::find()
        .filter(stock::Column::VariantId.is_in(tracked.clone()))
        .filter(stock::Column::WarehouseId.is_in(in_channel))
        .all(conn)
        .await?
    {
        *free.entry((s.variant_id, s.warehouse_id)).or_default() +=
            i64::from((s.quantity - s.quantity_allocated).max(0));
    }
    let covered = |variant: i32, warehouse: Option<i32>| {
        let need = i64::from(wanted.get(&variant).copied().unwrap_or(0));
        let have: i64 = free
            .iter()
            .filter(|((v, w), _)| *v == variant && warehouse.is_none_or(|only| only == *w))
            .map(|(_, q)| *q)
            .sum();
        have >= need
    };
    let everywhere = tracked.iter().all(|v| covered(*v, None));
    Ok(candidates
        .into_iter()
        .filter(|w| match w.click_and_collect_option.as_str() {
            LOCAL => tracked.iter().all(|v| covered(*v, Some(w.id))),
            _ => everywhere,
        })
        .collect())
}

/// Links warehouses `add` to channel `channel_id` (after its current ones, in the given
/// order) and unlinks `remove`. `Ok(Err(ids))` names the warehouses that do not exist.
pub async fn relink_channel<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
    add: &[i32],
    remove: &[i32],
) -> Result<Result<(), Vec<i32>>, DbErr> {
    let wanted: Vec<i32> = add.iter().chain(remove).copied().collect();
    let existing: Vec<i32> = warehouse::Entity::find()
        .filter(warehouse::Column::Id.is_in(wanted.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    let missing: Vec<i32> = wanted
        .into_iter()
        .filter(|id| !existing.contains(id))
        .collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    channel_warehouse::Entity::delete_many()
        .filter(channel_warehouse::Column::ChannelId.eq(channel_id))
        .filter(channel_warehouse::Column::WarehouseId.is_in(remove.to_vec()))
        .exec(conn)
        .await?;
    let links = channel_warehouse::Entity::find()
        .filter(channel_warehouse::Column::ChannelId.eq(channel_id))
        .all(conn)
        .await?;
    let mut next = links.iter().map(|l| l.sort_order + 1).max().unwrap_or(0);
    for id in add {
        if links.iter().any(|l| l.warehouse_id == *id) {
            continue;
        }
        channel_warehouse::ActiveModel {
            channel_id: Set(channel_id),
            warehouse_id: Set(*id),
            sort_order: Set(next),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        next += 1;
    }
    Ok(Ok(()))
}

/// The warehouses of `channel_id`, in allocation order.
pub async fn of_channel<C: ConnectionTrait>(
    conn: &C,
    channel_id: i32,
) -> Result<Vec<warehouse::Model>, DbErr> {
    let ids = channel_warehouses(conn, channel_id).await?;
    let mut found = warehouse::Entity::find()
        .filter(warehouse::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?;
    found.sort_by_key(|w| ids.iter().position(|i| *i == w.id));
    Ok(found)
}
