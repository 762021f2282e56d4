//! RS256 JSON Web Tokens: the signing keys (generated on first start, stored encrypted),
//! signing and verification with `ring` (constant-time), and the public JWKS.
//!
//! The `rsa` crate is used only to generate a key pair; every private-key operation goes
//! through `ring` (RUSTSEC-2023-0071 concerns `rsa`'s non-constant-time decryption/signing).

use std::sync::{Arc, RwLock};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64URL};
use chrono::{Duration, Utc};
use entities::jwt_signing_key;
use ring::{
    rand::SystemRandom,
    signature::{self, RsaKeyPair, RsaPublicKeyComponents},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Map, Value as Json, json};

use crate::secret::MasterKey;

/// Why a token was rejected (mapped to Saleor's errors by the callers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url segments of JSON.
    #[error("Error decoding signature.")]
    Decode,
    /// The signature does not verify, the algorithm is not RS256 or the key is unknown.
    #[error("Signature verification failed.")]
    Signature,
    /// `exp` is in the past.
    #[error("Signature has expired")]
    Expired,
    /// Verified, but the claims are not acceptable here (issuer, type, owner, revoked…).
    #[error("{0}")]
    Invalid(String),
}

/// The public half of a key: what verification and the JWKS need.
#[derive(Clone)]
struct PublicKey {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
}

struct Keys {
    signing_kid: String,
    signing: Arc<RsaKeyPair>,
    public: Vec<PublicKey>,
}

/// The JWT signing keys of this deployment. Cheap to share (`Arc`).
pub struct KeyStore {
    keys: RwLock<Keys>,
    rng: SystemRandom,
}

/// Failure to load or create keys at start-up.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    #[error(
        "cannot decrypt the JWT signing key: is BIZGRAPH_SECRET_KEY the one it was created with?"
    )]
    Decrypt,
    #[error("invalid stored JWT key: {0}")]
    Key(String),
}

fn context(kid: &str) -> Vec<u8> {
    format!("jwt_signing_key:{kid}").into_bytes()
}

impl KeyStore {
    /// Loads the current signing key and every key still valid for verification (retired
    /// less than `retention` ago); generates and stores a key pair when there is none.
    pub async fn load_or_create(
        db: &DatabaseConnection,
        master_key: &MasterKey,
        retention: std::time::Duration,
    ) -> Result<Self, KeyStoreError> {
        let mut rows = Self::rows(db, retention).await?;
        if !rows.iter().any(|r| r.retired_at.is_none()) {
            Self::generate(db, master_key).await?;
            rows = Self::rows(db, retention).await?;
        }
        let keys = Self::build(&rows, master_key)?;
        Ok(Self {
            keys: RwLock::new(keys),
            rng: SystemRandom::new(),
        })
    }

    /// Creates a new signing key and retires the previous ones (they stay published until
    /// their tokens have expired). Other instances pick the new key up when they restart or
    /// first meet a token signed with it.
    pub async fn rotate(
        &self,
        db: &DatabaseConnection,
        master_key: &MasterKey,
        retention: std::time::Duration,
    ) -> Result<(), KeyStoreError> {
        let new_kid = Self::generate(db, master_key).await?;
        jwt_signing_key::Entity::update_many()
            .col_expr(
                jwt_signing_key::Column::RetiredAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(jwt_signing_key::Column::RetiredAt.is_null())
            .filter(jwt_signing_key::Column::Kid.ne(new_kid))
            .exec(db)
            .await?;
        self.reload(db, master_key, retention).await
    }

    /// Re-reads the keys from the database.
    pub async fn reload(
        &self,
        db: &DatabaseConnection,
        master_key: &MasterKey,
        retention: std::time::Duration,
    ) -> Result<(), KeyStoreError> {
        let rows = Self::rows(db, retention).await?;
        let keys = Self::build(&rows, master_key)?;
        if let Ok(mut guard) = self.keys.write() {
            *guard = keys;
        }
        Ok(())
    }

    async fn rows(
        db: &DatabaseConnection,
        retention: std::time::Duration,
    ) -> Result<Vec<jwt_signing_key::Model>, sea_orm::DbErr> {
        let cutoff = Utc::now() - Duration::from_std(retention).unwrap_or(Duration::days(30));
        jwt_signing_key::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(jwt_signing_key::Column::RetiredAt.is_null())
                    .add(jwt_signing_key::Column::RetiredAt.gt(cutoff)),
            )
            .order_by_desc(jwt_signing_key::Column::Id)
            .all(db)
            .await
    }

    fn build(
        rows: &[jwt_signing_key::Model],
        master_key: &MasterKey,
    ) -> Result<Keys, KeyStoreError> {
        // The newest unretired key signs (two instances racing on first start may both have
        // created one; both verify).
        let current = rows
            .iter()
            .find(|r| r.retired_at.is_none())
            .ok_or_else(|| KeyStoreError::Key("no active key".into()))?;
        let der = master_key
            .decrypt(&current.private_key_encrypted, &context(&current.kid))
            .map_err(|_| KeyStoreError::Decrypt)?;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| KeyStoreError::Key(e.to_string()))?;
        let mut public = Vec::with_capacity(rows.len());
        for row in rows {
            let n = B64URL
                .decode(&row.public_n)
                .map_err(|e| KeyStoreError::Key(e.to_string()))?;
            let e = B64URL
                .decode(&row.public_e)
                .map_err(|e| KeyStoreError::Key(e.to_string()))?;
            public.push(PublicKey {
                kid: row.kid.clone(),
                n,
                e,
            });
        }
        Ok(Keys {
            signing_kid: current.kid.clone(),
            signing: Arc::new(pair),
            public,
        })
    }

    /// Generates a 2048-bit RSA key pair and stores it (private key encrypted).
    async fn generate(
        db: &DatabaseConnection,
        master_key: &MasterKey,
    ) -> Result<String, KeyStoreError> {
        let der = tokio::task::spawn_blocking(generate_pkcs8)
            .await
            .map_err(|e| KeyStoreError::Key(e.to_string()))??;
        let pair = RsaKeyPair::from_pkcs8(&der).map_err(|e| KeyStoreError::Key(e.to_string()))?;
        let components: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        let (modulus, exponent) = (components.n, components.e);
        let kid = uuid::Uuid::new_v4().simple().to_string();
        let sealed = master_key
            .encrypt(&der, &context(&kid))
            .map_err(|_| KeyStoreError::Decrypt)?;
        jwt_signing_key::ActiveModel {
            kid: Set(kid.clone()),
            private_key_encrypted: Set(sealed),
            public_n: Set(B64URL.encode(modulus)),
            public_e: Set(B64URL.encode(exponent)),
            created_at: Set(Utc::now()),
            retired_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        tracing::info!(kid, "generated a JWT signing key");
        Ok(kid)
    }

    /// Signs `claims` as a compact RS256 JWS with the current key's `kid` in the header.
    pub fn sign(&self, claims: &Json) -> Result<String, JwtError> {
        let (kid, pair) = {
            let keys = self.keys.read().map_err(|_| JwtError::Signature)?;
            (keys.signing_kid.clone(), keys.signing.clone())
        };
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        let signing_input = format!(
            "{}.{}",
            B64URL.encode(header.to_string()),
            B64URL.encode(claims.to_string())
        );
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &self.rng,
            signing_input.as_bytes(),
            &mut sig,
        )
        .map_err(|_| JwtError::Signature)?;
        Ok(format!("{signing_input}.{}", B64URL.encode(sig)))
    }

    /// Signs `payload` as a detached JWS with an unencoded payload (RFC 7797: header
    /// `{"alg":"RS256","kid":…,"b64":false,"crit":["b64"]}`), returned as
    /// `header..signature` — the form of Saleor's `Saleor-Signature` webhook header.
    pub fn sign_detached(&self, payload: &[u8]) -> Result<String, JwtError> {
        let (kid, pair) = {
            let keys = self.keys.read().map_err(|_| JwtError::Signature)?;
            (keys.signing_kid.clone(), keys.signing.clone())
        };
        let header = B64URL
            .encode(json!({"alg": "RS256", "kid": kid, "b64": false, "crit": ["b64"]}).to_string());
        let mut signing_input = Vec::with_capacity(header.len() + 1 + payload.len());
        signing_input.extend_from_slice(header.as_bytes());
        signing_input.push(b'.');
        signing_input.extend_from_slice(payload);
        let mut sig = vec![0u8; pair.public().modulus_len()];
        pair.sign(
            &signature::RSA_PKCS1_SHA256,
            &self.rng,
            &signing_input,
            &mut sig,
        )
        .map_err(|_| JwtError::Signature)?;
        Ok(format!("{header}..{}", B64URL.encode(sig)))
    }

    /// Verifies the token's header (`alg` must be RS256, `kid` one of ours), its signature
    /// and its `exp`, and returns its claims. Issuer, type and revocation are the caller's.
    pub fn verify(&self, token: &str) -> Result<Map<String, Json>, JwtError> {
        let mut parts = token.trim().split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Decode);
        };
        let header: Map<String, Json> = decode_json(h)?;
        let claims: Map<String, Json> = decode_json(p)?;
        let sig = B64URL.decode(s).map_err(|_| JwtError::Decode)?;
        if header.get("alg").and_then(Json::as_str) != Some("RS256") {
            return Err(JwtError::Signature);
        }
        let kid = header.get("kid").and_then(Json::as_str);
        let key = {
            let keys = self.keys.read().map_err(|_| JwtError::Signature)?;
            match kid {
                Some(kid) => keys.public.iter().find(|k| k.kid == kid).cloned(),
                None => None,
            }
        }
        .ok_or(JwtError::Signature)?;
        let signing_input = &token.trim()[..h.len() + 1 + p.len()];
        RsaPublicKeyComponents {
            n: &key.n,
            e: &key.e,
        }
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            signing_input.as_bytes(),
            &sig,
        )
        .map_err(|_| JwtError::Signature)?;
        let exp = claims
            .get("exp")
            .and_then(Json::as_i64)
            .ok_or_else(|| JwtError::Invalid("Token has no expiry.".into()))?;
        if exp <= Utc::now().timestamp() {
            return Err(JwtError::Expired);
        }
        Ok(claims)
    }

    /// Whether `kid` is one of the keys this instance knows.
    pub fn knows(&self, kid: &str) -> bool {
        self.keys
            .read()
            .map(|k| k.public.iter().any(|p| p.kid == kid))
            .unwrap_or(false)
    }

    /// The public keys as a JSON Web Key Set (RFC 7517).
    pub fn jwks(&self) -> Json {
        let keys = match self.keys.read() {
            Ok(keys) => keys
                .public
                .iter()
                .map(|k| {
                    json!({
                        "kty": "RSA",
                        "use": "sig",
                        "alg": "RS256",
                        "kid": k.kid,
                        "n": B64URL.encode(&k.n),
                        "e": B64URL.encode(&k.e),
                    })
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        json!({ "keys": keys })
    }
}

/// The `kid` of a token's header, without verifying anything.
pub fn unverified_kid(token: &str) -> Option<String> {
    let header: Map<String, Json> = decode_json(token.split('.').next()?).ok()?;
    header.get("kid").and_then(Json::as_str).map(str::to_owned)
}

fn decode_json(segment: &str) -> Result<Map<String, Json>, JwtError> {
    let bytes = B64URL.decode(segment).map_err(|_| JwtError::Decode)?;
    serde_json::from_slice(&bytes).map_err(|_| JwtError::Decode)
}

fn generate_pkcs8() -> Result<Vec<u8>, KeyStoreError> {
    use rsa::pkcs8::EncodePrivateKey;
    let mut rng = rsa::rand_core::OsRng;
    let key =
        rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| KeyStoreError::Key(e.to_string()))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| KeyStoreError::Key(e.to_string()))?;
    Ok(der.as_bytes().to_vec())
}
