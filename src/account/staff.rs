//! Staff-side account rules: staff users, customers, permission groups and apps.

use entities::{account_user as user, user_permission_group};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{error::AccountResult, service::AccountService};

impl AccountService {
    /// Members of a permission group, by id.
    pub async fn group_members(&self, group_id: i32) -> AccountResult<Vec<user::Model>> {
        let rows = user_permission_group::Entity::find()
            .filter(user_permission_group::Column::GroupId.eq(group_id))
            .find_also_related(user::Entity)
            .order_by_asc(user_permission_group::Column::UserId)
            .all(self.db())
            .await?;
        Ok(rows.into_iter().filter_map(|(_, u)| u).collect())
    }
}
