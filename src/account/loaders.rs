//! Dataloaders for the account domain, so lists of users and groups cost a fixed number
//! of SQL statements whatever their length: user → addresses, user → permission groups,
//! group → members, group → channels (and all channels, for unrestricted groups). One set lives in the schema's data; they do not
//! cache (every load reads the database), they only batch.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::{DataLoader, Loader};
use entities::{
    account_address as address, account_user as user, channel, permission_group as group,
    permission_group_channel, user_permission_group as membership,
};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::core::loaders::{ChildrenLoader, RowLoader, loader};

/// Batches user → permission groups (by id).
pub struct GroupsByUser(DatabaseConnection);

impl Loader<i32> for GroupsByUser {
    type Value = Vec<group::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = membership::Entity::find()
            .filter(membership::Column::UserId.is_in(keys.iter().copied()))
            .find_also_related(group::Entity)
            .order_by_asc(membership::Column::GroupId)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, vec![])).collect();
        for (m, g) in rows {
            if let Some(g) = g {
                out.entry(m.user_id).or_default().push(g);
            }
        }
        Ok(out)
    }
}

/// Batches group → members (by user id).
pub struct MembersByGroup(DatabaseConnection);

impl Loader<i32> for MembersByGroup {
    type Value = Vec<user::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = membership::Entity::find()
            .filter(membership::Column::GroupId.is_in(keys.iter().copied()))
            .find_also_related(user::Entity)
            .order_by_asc(membership::Column::UserId)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, vec![])).collect();
        for (m, u) in rows {
            if let Some(u) = u {
                out.entry(m.group_id).or_default().push(u);
            }
        }
        Ok(out)
    }
}

/// Batches group → the channels it is restricted to (by slug).
pub struct ChannelsByGroup(DatabaseConnection);

impl Loader<i32> for ChannelsByGroup {
    type Value = Vec<channel::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = permission_group_channel::Entity::find()
            .filter(permission_group_channel::Column::GroupId.is_in(keys.iter().copied()))
            .find_also_related(channel::Entity)
            .order_by_asc(permission_group_channel::Column::ChannelId)
            .all(&self.0)
            .await?;
        let mut out: HashMap<i32, Self::Value> = keys.iter().map(|k| (*k, vec![])).collect();
        for (m, c) in rows {
            if let Some(c) = c {
                out.entry(m.group_id).or_default().push(c);
            }
        }
        for list in out.values_mut() {
            list.sort_by(|a, b| a.slug.cmp(&b.slug));
        }
        Ok(out)
    }
}

/// Every channel (key `()`), by slug: the accessible channels of unrestricted groups.
pub struct AllChannels(DatabaseConnection);

impl Loader<()> for AllChannels {
    type Value = Vec<channel::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, _keys: &[()]) -> Result<HashMap<(), Self::Value>, Self::Error> {
        let rows = channel::Entity::find()
            .order_by_asc(channel::Column::Slug)
            .all(&self.0)
            .await?;
        Ok(HashMap::from([((), rows)]))
    }
}

/// The account domain's dataloaders.
pub struct AccountLoaders {
    /// Users by ID (for nodes of other domains: an order's customer).
    pub users: DataLoader<RowLoader<user::Entity, i32>>,
    /// Addresses by user ID, oldest first.
    pub addresses: DataLoader<ChildrenLoader<address::Entity, i32>>,
    pub groups: DataLoader<GroupsByUser>,
    pub members: DataLoader<MembersByGroup>,
    pub channels: DataLoader<ChannelsByGroup>,
    pub all_channels: DataLoader<AllChannels>,
}

impl AccountLoaders {
    /// Loaders over `db`, batching on the tokio runtime.
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            users: loader(RowLoader::new(db, user::Column::Id, |u: &user::Model| u.id)),
            addresses: loader(ChildrenLoader::new(
                db,
                address::Column::UserId,
                address::Column::Id,
                |a: &address::Model| Some(a.user_id),
            )),
            groups: loader(GroupsByUser(db.clone())),
            members: loader(MembersByGroup(db.clone())),
            channels: loader(ChannelsByGroup(db.clone())),
            all_channels: loader(AllChannels(db.clone())),
        }
    }
}
