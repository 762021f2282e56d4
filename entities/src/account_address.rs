//! Customer addresses; a user's default shipping/billing address ids live on `account_user`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_address")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub user_id: i32,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub street_address_1: String,
    pub street_address_2: String,
    pub city: String,
    pub city_area: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    pub country_area: String,
    pub phone: String,
    pub metadata: Json,
    pub private_metadata: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::account_user::Entity",
        from = "Column::UserId",
        to = "super::account_user::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::account_user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
