//! Lines of a checkout: a variant and a quantity (prices come from the channel listing).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "checkout_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub checkout_token: String,
    pub variant_id: i32,
    pub quantity: i32,
    pub created_at: DateTimeUtc,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
