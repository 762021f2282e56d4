//! Attributes (Saleor input types: DROPDOWN, MULTISELECT, PLAIN_TEXT, ...).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attribute")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub input_type: String,
    pub attribute_type: String,
    pub entity_type: Option<String>,
    pub unit: Option<String>,
    pub value_required: bool,
    pub visible_in_storefront: bool,
    pub external_reference: Option<String>,
    pub metadata: Json,
    pub private_metadata: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
