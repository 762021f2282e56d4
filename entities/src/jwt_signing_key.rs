//! RSA keys signing JWTs. The private key (PKCS#8 DER) is encrypted with the master key;
//! retired keys stay published until the tokens they signed have expired.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jwt_signing_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Key id (`kid` in token headers and the JWKS).
    #[sea_orm(unique)]
    pub kid: String,
    /// base64 of nonce ‖ AES-256-GCM ciphertext of the PKCS#8 DER private key.
    pub private_key_encrypted: String,
    /// base64url modulus.
    pub public_n: String,
    /// base64url public exponent.
    pub public_e: String,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
