//! Account rules and transactions: sign-in and tokens, registration and confirmation, the
//! customer's own account, addresses, passwords, email change and deletion. No GraphQL
//! types here; resolvers in `api.rs` call these functions and shape the payloads.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::{Duration as StdDuration, Instant},
};

use chrono::{Duration, Utc};
use entities::{
    account_address as address, account_token, account_user as user, permission_group, shop,
    user_permission_group,
};
use rand::{Rng, distr::Alphanumeric};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, sea_query::Expr,
};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::{
    address_rules,
    error::{AccountError, AccountErrorCode as Code, AccountResult, AddressTypeEnum, Failure},
    jwt::{JwtError, KeyStore},
    password::{self, PasswordProblem},
    ratelimit::{Action, RateLimiter},
};
use crate::{
    channel::{ChannelError, ChannelService},
    config::Config,
    core::{
        context::{AuthApp, AuthUser},
        id,
        permissions::Permission,
    },
    events::{EventType, NewEvent, outbox},
    secret::MasterKey,
};

/// Claim `owner` of every token we issue, as Saleor.
pub const JWT_OWNER: &str = "saleor";
/// Name of the httpOnly cookie carrying the refresh token, as Saleor.
pub const REFRESH_COOKIE: &str = "refreshToken";

/// Purposes of one-time account tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    ConfirmAccount,
    SetPassword,
    ChangeEmail,
    DeleteAccount,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmAccount => "confirm_account",
            Self::SetPassword => "set_password",
            Self::ChangeEmail => "change_email",
            Self::DeleteAccount => "delete_account",
        }
    }
}

/// Tokens issued at sign-in.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub access: String,
    pub refresh: String,
    pub csrf: String,
    pub user: user::Model,
}

/// Fields of a new customer account.
#[derive(Clone, Debug, Default)]
pub struct RegisterData {
    pub email: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub redirect_url: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub channel: Option<String>,
}

/// Result of `accountRegister`: the user as built from the input (never revealing whether
/// the email was already taken) and whether confirmation is required.
#[derive(Clone, Debug)]
pub struct Registered {
    pub draft: user::Model,
    pub requires_confirmation: bool,
}

/// Changes to the customer's own account.
#[derive(Clone, Debug, Default)]
pub struct AccountChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub language_code: Option<String>,
    pub metadata: Option<Vec<(String, String)>>,
    pub default_billing_address: Option<AddressData>,
    pub default_shipping_address: Option<AddressData>,
}

/// Address fields as given by the client; `None` means "not given".
#[derive(Clone, Debug, Default)]
pub struct AddressData {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company_name: Option<String>,
    pub street_address_1: Option<String>,
    pub street_address_2: Option<String>,
    pub city: Option<String>,
    pub city_area: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub country_area: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Vec<(String, String)>>,
    pub skip_validation: bool,
}

/// Saleor's limit of addresses per user.
const MAX_ADDRESSES: u64 = 100;

/// Account rules over the database.
#[derive(Clone)]
pub struct AccountService {
    db: DatabaseConnection,
    config: Arc<Config>,
    keys: Arc<KeyStore>,
    master_key: Arc<MasterKey>,
    limiter: Arc<RateLimiter>,
    channels: ChannelService,
    last_reload: Arc<Mutex<Option<Instant>>>,
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A random URL-safe secret of `len` characters.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Constant-time equality of two strings.
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Normalises and validates an email address (lower case, trimmed).
pub fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then_some(email)
}

pub(crate) fn invalid_email(field: &str) -> AccountError {
    AccountError::one(Some(field), Code::Invalid, "Enter a valid email address.")
}

fn password_failure(field: &str, problem: PasswordProblem) -> AccountError {
    let code = match problem {
        PasswordProblem::TooShort => Code::PasswordTooShort,
        PasswordProblem::TooSimilar => Code::PasswordTooSimilar,
        PasswordProblem::TooCommon => Code::PasswordTooCommon,
        PasswordProblem::EntirelyNumeric => Code::PasswordEntirelyNumeric,
    };
    AccountError::one(Some(field), code, problem.message())
}

/// Validates a redirect URL: absolute http(s) with a host.
pub(crate) fn check_redirect_url(url: &str, field: &str) -> AccountResult<()> {
    let ok = ["http://", "https://"].iter().any(|scheme| {
        url.len() <= 2048
            && url
                .get(..scheme.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(scheme))
            && url[scheme.len()..]
                .split(['/', '?', '#'])
                .next()
                .is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace))
    });
    if ok {
        Ok(())
    } else {
        Err(AccountError::one(
            Some(field),
            Code::Invalid,
            format!("{url} is not a valid URL."),
        ))
    }
}

/// `redirect_url` with `email` and `token` appended as query parameters.
pub(crate) fn link(redirect_url: &str, params: &[(&str, &str)]) -> String {
    let mut url = redirect_url.to_owned();
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        url.push(sep);
        url.push_str(k);
        url.push('=');
        url.push_str(&percent_encode(v));
        sep = '&';
    }
    url
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) fn metadata_json(items: &[(String, String)], base: &Json) -> AccountResult<Json> {
    let mut map = base.as_object().cloned().unwrap_or_default();
    for (k, v) in items {
        if k.trim().is_empty() {
            return Err(AccountError::one(
                Some("metadata"),
                Code::Required,
                "Metadata key cannot be empty.",
            ));
        }
        map.insert(k.clone(), Json::String(v.clone()));
    }
    Ok(Json::Object(map))
}

pub(crate) fn language(code: Option<&str>) -> AccountResult<String> {
    match code {
        None => Ok("en".to_owned()),
        Some(c) => crate::core::country::LanguageCodeEnum::parse(c)
            .map(|l| l.code().to_lowercase().replace('_', "-"))
            .ok_or_else(|| {
                AccountError::one(
                    Some("languageCode"),
                    Code::Invalid,
                    "Invalid language code.",
                )
            }),
    }
}

/// Records an account event about the user in `payload["user"]` (outbox, same transaction).
pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    event_type: EventType,
    payload: Json,
) -> Result<(), sea_orm::DbErr> {
    let user_pk = payload["user"]["id"]
        .as_str()
        .and_then(id::split)
        .map(|(_, pk)| pk)
        .unwrap_or_default();
    let mut event = NewEvent::new(event_type, "User", user_pk);
    event.payload = payload;
    outbox::push(conn, event).await.map(|_| ())
}

pub(crate) fn user_json(u: &user::Model) -> Json {
    json!({
        "id": id::encode("User", u.id).to_string(),
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "is_staff": u.is_staff,
        "is_active": u.is_active,
        "language_code": u.language_code,
    })
}

impl AccountService {
    /// Wires the service.
    pub fn new(
        db: DatabaseConnection,
        config: Arc<Config>,
        keys: Arc<KeyStore>,
        master_key: Arc<MasterKey>,
        limiter: Arc<RateLimiter>,
        channels: ChannelService,
    ) -> Self {
        Self {
            db,
            config,
            keys,
            master_key,
            limiter,
            channels,
            last_reload: Arc::new(Mutex::new(None)),
        }
    }

    /// The JWT keys (for the JWKS endpoint).
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// The database connection.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    fn retention(&self) -> StdDuration {
        StdDuration::from_secs(
            self.config
                .refresh_token_ttl_secs
                .max(self.config.access_token_ttl_secs),
        )
    }

    // ---------------------------------------------------------------- tokens

    fn claims(&self, u: &user::Model, kind: &str, ttl: u64, extra: &[(&str, Json)]) -> Json {
        let now = Utc::now().timestamp();
        let mut claims = json!({
            "iat": now,
            "owner": JWT_OWNER,
            "iss": self.config.graphql_url(),
            "exp": now + i64::try_from(ttl).unwrap_or(i64::MAX / 2),
            "token": u.jwt_token_key,
            "email": u.email,
            "type": kind,
            "user_id": id::encode("User", u.id).to_string(),
            "is_staff": u.is_staff,
        });
        if let Some(map) = claims.as_object_mut() {
            for (k, v) in extra {
                map.insert((*k).to_owned(), v.clone());
            }
        }
        claims
    }

    fn sign(&self, claims: &Json) -> AccountResult<String> {
        self.keys
            .sign(claims)
            .map_err(|e| AccountError::Internal(format!("cannot sign a token: {e}")))
    }

    /// An access token for `u`.
    pub fn access_token(&self, u: &user::Model, audience: Option<&str>) -> AccountResult<String> {
        let mut extra = Vec::new();
        if let Some(aud) = audience {
            extra.push(("aud", json!(format!("custom:{aud}"))));
        }
        self.sign(&self.claims(u, "access", self.config.access_token_ttl_secs, &extra))
    }

    fn sign_in_tokens(&self, u: user::Model, audience: Option<&str>) -> AccountResult<SignIn> {
        let csrf = random_token(64);
        let mut extra = vec![("csrfToken", json!(csrf))];
        if let Some(aud) = audience {
            extra.push(("aud", json!(format!("custom:{aud}"))));
        }
        let refresh =
            self.sign(&self.claims(&u, "refresh", self.config.refresh_token_ttl_secs, &extra))?;
        Ok(SignIn {
            access: self.access_token(&u, audience)?,
            refresh,
            csrf,
            user: u,
        })
    }

    /// Verifies a JWT of ours: signature, `alg`, `kid`, expiry and issuer. A token signed
    /// with a key this instance does not know yet (rotated elsewhere) triggers one reload
    /// of the keys at most every 30 seconds.
    pub async fn decode(&self, token: &str) -> Result<Map<String, Json>, JwtError> {
        let claims = match self.keys.verify(token) {
            Err(JwtError::Signature) => {
                let unknown =
                    super::jwt::unverified_kid(token).is_some_and(|kid| !self.keys.knows(&kid));
                if unknown && self.may_reload() {
                    let _ = self
                        .keys
                        .reload(&self.db, &self.master_key, self.retention())
                        .await;
                    self.keys.verify(token)?
                } else {
                    return Err(JwtError::Signature);
                }
            }
            other => other?,
        };
        if claims.get("iss").and_then(Json::as_str) != Some(self.config.graphql_url().as_str()) {
            return Err(JwtError::Invalid("Invalid token issuer.".into()));
        }
        if claims.get("owner").and_then(Json::as_str) != Some(JWT_OWNER) {
            return Err(JwtError::Invalid("Invalid token owner.".into()));
        }
        Ok(claims)
    }

    fn may_reload(&self) -> bool {
        let Ok(mut last) = self.last_reload.lock() else {
            return false;
        };
        let now = Instant::now();
        if last.is_some_and(|t| now.duration_since(t) < StdDuration::from_secs(30)) {
            return false;
        }
        *last = Some(now);
        true
    }

    /// The active user a token's claims name, if its token key still matches (revocation).
    async fn user_from_claims(&self, claims: &Map<String, Json>) -> Result<user::Model, JwtError> {
        let revoked = || {
            JwtError::Invalid("Invalid token. Create new one by using tokenCreate mutation.".into())
        };
        let pk = claims
            .get("user_id")
            .and_then(Json::as_str)
            .and_then(id::split)
            .filter(|(t, _)| t == "User")
            .and_then(|(_, pk)| pk.parse::<i32>().ok())
            .ok_or_else(revoked)?;
        let found = user::Entity::find_by_id(pk)
            .one(&self.db)
            .await
            .map_err(|e| JwtError::Invalid(format!("database: {e}")))?;
        let u = found.ok_or_else(revoked)?;
        let key = claims
            .get("token")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if !ct_eq(key, &u.jwt_token_key) {
            return Err(revoked());
        }
        if !u.is_active {
            return Err(JwtError::Invalid("User is inactive.".into()));
        }
        Ok(u)
    }

    /// Authenticates an access token for a request.
    pub async fn authenticate_access(&self, token: &str) -> Result<AuthUser, JwtError> {
        let claims = self.decode(token).await?;
        if claims.get("type").and_then(Json::as_str) != Some("access") {
            return Err(JwtError::Invalid("Invalid token type.".into()));
        }
        let u = self.user_from_claims(&claims).await?;
        let permissions = if u.is_staff {
            self.permissions_of(u.id)
                .await
                .map_err(|e| JwtError::Invalid(format!("database: {e}")))?
        } else {
            BTreeSet::new()
        };
        Ok(AuthUser {
            id: u.id,
            email: u.email,
            is_staff: u.is_staff,
            permissions,
        })
    }

    /// Authenticates an app token (opaque, stored hashed).
    pub async fn authenticate_app(&self, token: &str) -> AccountResult<Option<AuthApp>> {
        let hash = sha256_hex(token.as_bytes());
        Ok(super::revalidation::app_by_token_hash(&self.db, &hash).await?)
    }

    /// The union of the permissions of `user_id`'s groups.
    pub async fn permissions_of(
        &self,
        user_id: i32,
    ) -> Result<BTreeSet<Permission>, sea_orm::DbErr> {
        let groups = self.groups_of(user_id).await?;
        Ok(groups
            .iter()
            .flat_map(|g| parse_permissions(&g.permissions))
            .collect())
    }

    /// The permission groups `user_id` belongs to.
    pub async fn groups_of(
        &self,
        user_id: i32,
    ) -> Result<Vec<permission_group::Model>, sea_orm::DbErr> {
        let rows = user_permission_group::Entity::find()
            .filter(user_permission_group::Column::UserId.eq(user_id))
            .find_also_related(permission_group::Entity)
            .all(&self.db)
            .await?;
        let mut groups: Vec<_> = rows.into_iter().filter_map(|(_, g)| g).collect();
        groups.sort_by_key(|g| g.id);
        Ok(groups)
    }

    /// `tokenCreate`: checks the credentials and issues tokens. Unknown emails and wrong
    /// passwords give the same error after the same work (an argon2 verification).
    pub async fn login(
        &self,
        email: &str,
        password_text: &str,
        ip: Option<&str>,
        audience: Option<&str>,
    ) -> AccountResult<SignIn> {
        let normalized = email.trim().to_lowercase();
        if !self
            .limiter
            .allow(Action::Login, ip, Some(&normalized))
            .await
        {
            return Err(AccountError::one(
                Some("email"),
                Code::LoginAttemptDelayed,
                "Too many sign-in attempts. Try again later.",
            ));
        }
        let found = user::Entity::find()
            .filter(user::Column::Email.eq(normalized))
            .one(&self.db)
            .await?;
        let stored = found
            .as_ref()
            .and_then(|u| u.password_hash.clone())
            .unwrap_or_else(|| password::dummy_hash().to_owned());
        let candidate = password_text.to_owned();
        let matches = tokio::task::spawn_blocking(move || password::verify(&candidate, &stored))
            .await
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        let invalid = || {
            AccountError::one(
                Some("email"),
                Code::InvalidCredentials,
                "Please, enter valid credentials",
            )
        };
        let u = match found {
            Some(u) if matches && u.password_hash.is_some() => u,
            _ => return Err(invalid()),
        };
        if !u.is_active {
            return Err(AccountError::one(
                Some("email"),
                Code::Inactive,
                "Account inactive.",
            ));
        }
        if !u.is_confirmed {
            let shop = self.shop().await?;
            if shop.enable_account_confirmation_by_email && !shop.allow_login_without_confirmation {
                return Err(AccountError::one(
                    Some("email"),
                    Code::AccountNotConfirmed,
                    "Account needs to be confirmed via email.",
                ));
            }
        }
        let mut active: user::ActiveModel = u.into();
        active.last_login = Set(Some(Utc::now()));
        let u = active.update(&self.db).await?;
        self.sign_in_tokens(u, audience)
    }

    /// `tokenRefresh`: a new access token from a refresh token given as the argument, or
    /// from the cookie together with the matching CSRF token.
    pub async fn refresh(
        &self,
        argument: Option<&str>,
        cookie: Option<&str>,
        csrf: Option<&str>,
    ) -> AccountResult<(String, user::Model)> {
        let (token, from_cookie) = match (argument.filter(|t| !t.is_empty()), cookie) {
            (Some(t), _) => (t, false),
            (None, Some(c)) if !c.is_empty() => (c, true),
            _ => {
                return Err(AccountError::one(
                    Some("refreshToken"),
                    Code::JwtMissingToken,
                    "Missing refreshToken",
                ));
            }
        };
        let claims = self
            .decode(token)
            .await
            .map_err(|e| jwt_failure("refreshToken", &e))?;
        if claims.get("type").and_then(Json::as_str) != Some("refresh") {
            return Err(AccountError::one(
                Some("refreshToken"),
                Code::JwtInvalidToken,
                "Incorrect type of token. Provided token is not a refresh token.",
            ));
        }
        if from_cookie {
            let expected = claims
                .get("csrfToken")
                .and_then(Json::as_str)
                .unwrap_or_default();
            if !csrf.is_some_and(|given| !expected.is_empty() && ct_eq(given, expected)) {
                return Err(AccountError::one(
                    Some("csrfToken"),
                    Code::JwtInvalidCsrfToken,
                    "Invalid csrf token",
                ));
            }
        }
        let u = self
            .user_from_claims(&claims)
            .await
            .map_err(|e| jwt_failure("refreshToken", &e))?;
        let audience = claims
            .get("aud")
            .and_then(Json::as_str)
            .and_then(|a| a.strip_prefix("custom:"))
            .map(str::to_owned);
        Ok((self.access_token(&u, audience.as_deref())?, u))
    }

    /// `tokenVerify`: the user and claims of a valid token.
    pub async fn verify(&self, token: &str) -> AccountResult<(user::Model, Map<String, Json>)> {
        let claims = self
            .decode(token)
            .await
            .map_err(|e| jwt_failure("token", &e))?;
        let u = self
            .user_from_claims(&claims)
            .await
            .map_err(|e| jwt_failure("token", &e))?;
        Ok((u, claims))
    }

    /// `tokensDeactivateAll`: rotates the user's token key, revoking every token.
    pub async fn deactivate_all(&self, user_id: i32) -> AccountResult<()> {
        self.rotate_token_key(&self.db, user_id).await
    }

    async fn rotate_token_key<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
    ) -> AccountResult<()> {
        user::Entity::update_many()
            .col_expr(user::Column::JwtTokenKey, Expr::value(random_token(32)))
            .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(user::Column::Id.eq(user_id))
            .exec(conn)
            .await?;
        Ok(())
    }

    // ---------------------------------------------------------------- reading

    /// The shop row (settings).
    pub async fn shop(&self) -> AccountResult<shop::Model> {
        shop::Entity::find()
            .order_by_asc(shop::Column::Id)
            .one(&self.db)
            .await?
            .ok_or_else(|| AccountError::Internal("the shop is not initialised".into()))
    }

    /// A user by primary key.
    pub async fn user(&self, pk: i32) -> AccountResult<Option<user::Model>> {
        Ok(user::Entity::find_by_id(pk).one(&self.db).await?)
    }

    /// A user by email (case-insensitive).
    pub async fn user_by_email(&self, email: &str) -> AccountResult<Option<user::Model>> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.db)
            .await?)
    }

    /// A user's addresses, oldest first.
    pub async fn addresses(&self, user_id: i32) -> AccountResult<Vec<address::Model>> {
        Ok(address::Entity::find()
            .filter(address::Column::UserId.eq(user_id))
            .order_by_asc(address::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// An address by primary key.
    pub async fn address(&self, pk: i32) -> AccountResult<Option<address::Model>> {
        Ok(address::Entity::find_by_id(pk).one(&self.db).await?)
    }

    // ---------------------------------------------------------------- one-time tokens

    pub(crate) async fn issue_token<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
        purpose: Purpose,
        payload: Json,
    ) -> AccountResult<String> {
        let token = random_token(48);
        let now = Utc::now();
        account_token::ActiveModel {
            user_id: Set(user_id),
            purpose: Set(purpose.as_str().to_owned()),
            token_hash: Set(sha256_hex(token.as_bytes())),
            payload: Set(payload),
            expires_at: Set(now
                + Duration::seconds(
                    i64::try_from(self.config.account_token_ttl_secs).unwrap_or(86_400),
                )),
            used_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        Ok(token)
    }

    /// Consumes a one-time token: it must exist for `purpose`, belong to `user_id` (when
    /// given), be unexpired and unused; it is marked used atomically (single use).
    async fn consume_token<C: ConnectionTrait>(
        &self,
        conn: &C,
        token: &str,
        purpose: Purpose,
        user_id: Option<i32>,
        field: &str,
    ) -> AccountResult<account_token::Model> {
        let invalid = || AccountError::one(Some(field), Code::Invalid, "Invalid or expired token.");
        let row = account_token::Entity::find()
            .filter(account_token::Column::TokenHash.eq(sha256_hex(token.trim().as_bytes())))
            .filter(account_token::Column::Purpose.eq(purpose.as_str()))
            .one(conn)
            .await?
            .ok_or_else(invalid)?;
        let now = Utc::now();
        if row.used_at.is_some()
            || row.expires_at <= now
            || user_id.is_some_and(|u| u != row.user_id)
        {
            return Err(invalid());
        }
        let updated = account_token::Entity::update_many()
            .col_expr(account_token::Column::UsedAt, Expr::value(now))
            .filter(account_token::Column::Id.eq(row.id))
            .filter(account_token::Column::UsedAt.is_null())
            .exec(conn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(invalid());
        }
        Ok(row)
    }

    async fn invalidate_tokens<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
        purpose: Purpose,
    ) -> AccountResult<()> {
        account_token::Entity::update_many()
            .col_expr(account_token::Column::UsedAt, Expr::value(Utc::now()))
            .filter(account_token::Column::UserId.eq(user_id))
            .filter(account_token::Column::Purpose.eq(purpose.as_str()))
            .filter(account_token::Column::UsedAt.is_null())
            .exec(conn)
            .await?;
        Ok(())
    }

    pub(crate) fn log_link(&self, what: &str, url: &str) {
        if self.config.dev {
            tracing::info!(url, "development mode: {what} link");
        }
    }

    /// Resolves the channel used for notifications, with Saleor's account error codes.
    pub(crate) async fn notification_channel(
        &self,
        slug: Option<&str>,
        required: bool,
    ) -> AccountResult<Option<String>> {
        match self.channels.resolve(slug, false).await {
            Ok(c) => Ok(Some(c.slug)),
            Err(ChannelError::Db(e)) => Err(e.into()),
            Err(ChannelError::NotFound(s)) => Err(AccountError::one(
                Some("channel"),
                Code::NotFound,
                format!("Channel with '{s}' slug does not exist."),
            )),
            Err(ChannelError::Inactive(s)) => Err(AccountError::one(
                Some("channel"),
                Code::ChannelInactive,
                format!("Channel with '{s}' is inactive."),
            )),
            Err(ChannelError::SlugRequired) if required => Err(AccountError::one(
                Some("channel"),
                Code::MissingChannelSlug,
                "You need to provide channel slug.",
            )),
            Err(ChannelError::SlugRequired) => Ok(None),
        }
    }

    // ---------------------------------------------------------------- registration

    /// `accountRegister`. An email that is already registered gives the same answer as a
    /// new one (no enumeration); nothing is changed for it.
    pub async fn register(
        &self,
        data: RegisterData,
        ip: Option<&str>,
    ) -> AccountResult<Registered> {
        let email = normalize_email(&data.email).ok_or_else(|| invalid_email("email"))?;
        if !self.limiter.allow(Action::Register, ip, Some(&email)).await {
            return Err(AccountError::one(
                None,
                Code::Invalid,
                "Too many registration attempts. Try again later.",
            ));
        }
        let first_name = data.first_name.clone().unwrap_or_default();
        let last_name = data.last_name.clone().unwrap_or_default();
        password::validate(&data.password, &[&email, &first_name, &last_name])
            .map_err(|p| password_failure("password", p))?;
        let language_code = language(data.language_code.as_deref())?;
        let metadata = metadata_json(&data.metadata, &json!({}))?;
        let shop = self.shop().await?;
        let confirm = shop.enable_account_confirmation_by_email;
        let mut channel = None;
        if confirm {
            let url = data.redirect_url.as_deref().ok_or_else(|| {
                AccountError::one(
                    Some("redirectUrl"),
                    Code::Required,
                    "This field is required.",
                )
            })?;
            check_redirect_url(url, "redirectUrl")?;
            channel = self
                .notification_channel(data.channel.as_deref(), true)
                .await?;
        }
        let pw = data.password.clone();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| AccountError::Internal(e.to_string()))?
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        let now = Utc::now();
        let draft = user::Model {
            id: 0,
            email: email.clone(),
            password_hash: None,
            first_name,
            last_name,
            is_staff: false,
            is_active: true,
            is_confirmed: !confirm,
            jwt_token_key: String::new(),
            language_code,
            note: None,
            metadata,
            private_metadata: json!({}),
            date_joined: now,
            updated_at: now,
            last_login: None,
            default_shipping_address_id: None,
            default_billing_address_id: None,
            external_reference: None,
        };
        let txn = crate::db::begin_write(&self.db).await?;
        let exists = user::Entity::find()
            .filter(user::Column::Email.eq(email.clone()))
            .count(&txn)
            .await?
            > 0;
        if !exists {
            let mut active: user::ActiveModel = draft.clone().into();
            active.id = sea_orm::ActiveValue::NotSet;
            active.password_hash = Set(Some(hash));
            active.jwt_token_key = Set(random_token(32));
            let created = match active.insert(&txn).await {
                Ok(u) => u,
                // A concurrent registration of the same email won the race: same answer.
                Err(e) if is_unique_violation(&e) => {
                    return Ok(Registered {
                        draft,
                        requires_confirmation: confirm,
                    });
                }
                Err(e) => return Err(e.into()),
            };
            record(
                &txn,
                EventType::CustomerCreated,
                json!({ "user": user_json(&created) }),
            )
            .await?;
            if confirm {
                let token = self
                    .issue_token(&txn, created.id, Purpose::ConfirmAccount, json!({}))
                    .await?;
                let url = link(
                    data.redirect_url.as_deref().unwrap_or_default(),
                    &[("email", &created.email), ("token", &token)],
                );
                record(
                    &txn,
                    EventType::AccountConfirmationRequested,
                    json!({
                        "user": user_json(&created),
                        "token": token,
                        "confirm_url": url,
                        "redirect_url": data.redirect_url,
                        "channel_slug": channel,
                    }),
                )
                .await?;
                self.log_link("account confirmation", &url);
            }
        }
        txn.commit().await?;
        Ok(Registered {
            draft,
            requires_confirmation: confirm,
        })
    }

    /// `confirmAccount`.
    pub async fn confirm_account(&self, email: &str, token: &str) -> AccountResult<user::Model> {
        let not_found = || AccountError::not_found("email", "User with this email doesn't exist");
        let email = normalize_email(email).ok_or_else(not_found)?;
        let txn = crate::db::begin_write(&self.db).await?;
        let u = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AccountError::one(Some("token"), Code::Invalid, "Invalid or expired token.")
            })?;
        self.consume_token(&txn, token, Purpose::ConfirmAccount, Some(u.id), "token")
            .await?;
        let mut active: user::ActiveModel = u.into();
        active.is_confirmed = Set(true);
        active.is_active = Set(true);
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        record(
            &txn,
            EventType::AccountConfirmed,
            json!({ "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok(u)
    }

    // ---------------------------------------------------------------- own account

    /// `accountUpdate`.
    pub async fn update_account(
        &self,
        user_id: i32,
        changes: AccountChanges,
    ) -> AccountResult<user::Model> {
        let language_code = match &changes.language_code {
            Some(code) => Some(language(Some(code))?),
            None => None,
        };
        let billing = changes
            .default_billing_address
            .as_ref()
            .map(|a| {
                validate_address(
                    a,
                    None,
                    Some(AddressTypeEnum::Billing),
                    "defaultBillingAddress",
                )
            })
            .transpose()?;
        let shipping = changes
            .default_shipping_address
            .as_ref()
            .map(|a| {
                validate_address(
                    a,
                    None,
                    Some(AddressTypeEnum::Shipping),
                    "defaultShippingAddress",
                )
            })
            .transpose()?;
        let txn = crate::db::begin_write(&self.db).await?;
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let metadata = match &changes.metadata {
            Some(items) => Some(metadata_json(items, &u.metadata)?),
            None => None,
        };
        let mut active: user::ActiveModel = u.clone().into();
        if let Some(v) = changes.first_name {
            active.first_name = Set(v.trim().to_owned());
        }
        if let Some(v) = changes.last_name {
            active.last_name = Set(v.trim().to_owned());
        }
        if let Some(v) = language_code {
            active.language_code = Set(v);
        }
        if let Some(v) = metadata {
            active.metadata = Set(v);
        }
        if let Some(a) = billing {
            let row = self.insert_address(&txn, user_id, a).await?;
            active.default_billing_address_id = Set(Some(row.id));
        }
        if let Some(a) = shipping {
            let row = self.insert_address(&txn, user_id, a).await?;
            active.default_shipping_address_id = Set(Some(row.id));
        }
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        record(
            &txn,
            EventType::CustomerUpdated,
            json!({ "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok(u)
    }

    pub(crate) async fn insert_address<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
        a: ValidAddress,
    ) -> AccountResult<address::Model> {
        let count = address::Entity::find()
            .filter(address::Column::UserId.eq(user_id))
            .count(conn)
            .await?;
        if count >= MAX_ADDRESSES {
            return Err(AccountError::one(
                None,
                Code::Invalid,
                format!("A user can have at most {MAX_ADDRESSES} addresses."),
            ));
        }
        Ok(address::ActiveModel {
            user_id: Set(user_id),
            first_name: Set(a.first_name),
            last_name: Set(a.last_name),
            company_name: Set(a.company_name),
            street_address_1: Set(a.street_address_1),
            street_address_2: Set(a.street_address_2),
            city: Set(a.city),
            city_area: Set(a.city_area),
            postal_code: Set(a.postal_code),
            country: Set(a.country),
            country_area: Set(a.country_area),
            phone: Set(a.phone),
            metadata: Set(a.metadata),
            private_metadata: Set(json!({})),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(conn)
        .await?)
    }

    /// `accountAddressCreate` (and staff `addressCreate`): adds an address, optionally as
    /// the default of `kind`.
    pub async fn create_address(
        &self,
        user_id: i32,
        data: &AddressData,
        kind: Option<AddressTypeEnum>,
    ) -> AccountResult<(address::Model, user::Model)> {
        let valid = validate_address(data, None, None, "input")?;
        let txn = crate::db::begin_write(&self.db).await?;
        let row = self.insert_address(&txn, user_id, valid).await?;
        let mut u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        if let Some(kind) = kind {
            u = set_default(&txn, u, row.id, kind).await?;
        }
        record(
            &txn,
            EventType::AddressCreated,
            json!({ "address_id": row.id, "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok((row, u))
    }

    async fn owned_address<C: ConnectionTrait>(
        &self,
        conn: &C,
        user_id: i32,
        address_id: i32,
        gid: &str,
    ) -> AccountResult<address::Model> {
        address::Entity::find_by_id(address_id)
            .filter(address::Column::UserId.eq(user_id))
            .one(conn)
            .await?
            .ok_or_else(|| {
                AccountError::not_found("id", format!("Couldn't resolve to a node: {gid}"))
            })
    }

    /// `accountAddressUpdate`: only the owner's addresses; given fields replace stored ones
    /// and the result is validated as a whole.
    pub async fn update_address(
        &self,
        user_id: i32,
        address_id: i32,
        gid: &str,
        data: &AddressData,
    ) -> AccountResult<(address::Model, user::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let current = self.owned_address(&txn, user_id, address_id, gid).await?;
        let valid = validate_address(data, Some(&current), None, "input")?;
        let mut active: address::ActiveModel = current.into();
        active.first_name = Set(valid.first_name);
        active.last_name = Set(valid.last_name);
        active.company_name = Set(valid.company_name);
        active.street_address_1 = Set(valid.street_address_1);
        active.street_address_2 = Set(valid.street_address_2);
        active.city = Set(valid.city);
        active.city_area = Set(valid.city_area);
        active.postal_code = Set(valid.postal_code);
        active.country = Set(valid.country);
        active.country_area = Set(valid.country_area);
        active.phone = Set(valid.phone);
        active.metadata = Set(valid.metadata);
        let row = active.update(&txn).await?;
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        record(
            &txn,
            EventType::AddressUpdated,
            json!({ "address_id": row.id, "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok((row, u))
    }

    /// `accountAddressDelete`: only the owner's addresses; clears defaults pointing at it.
    pub async fn delete_address(
        &self,
        user_id: i32,
        address_id: i32,
        gid: &str,
    ) -> AccountResult<(address::Model, user::Model)> {
        let txn = crate::db::begin_write(&self.db).await?;
        let row = self.owned_address(&txn, user_id, address_id, gid).await?;
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let mut active: user::ActiveModel = u.clone().into();
        if u.default_billing_address_id == Some(row.id) {
            active.default_billing_address_id = Set(None);
        }
        if u.default_shipping_address_id == Some(row.id) {
            active.default_shipping_address_id = Set(None);
        }
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        address::Entity::delete_by_id(row.id).exec(&txn).await?;
        record(
            &txn,
            EventType::AddressDeleted,
            json!({ "address_id": row.id, "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok((row, u))
    }

    /// `accountSetDefaultAddress`.
    pub async fn set_default_address(
        &self,
        user_id: i32,
        address_id: i32,
        kind: AddressTypeEnum,
    ) -> AccountResult<user::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        address::Entity::find_by_id(address_id)
            .filter(address::Column::UserId.eq(user_id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AccountError::one(
                    Some("id"),
                    Code::Invalid,
                    "The address doesn't belong to that user.",
                )
            })?;
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let u = set_default(&txn, u, address_id, kind).await?;
        record(
            &txn,
            EventType::CustomerUpdated,
            json!({ "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok(u)
    }

    // ---------------------------------------------------------------- passwords

    async fn hash_password(&self, password_text: &str) -> AccountResult<String> {
        let pw = password_text.to_owned();
        tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|e| AccountError::Internal(e.to_string()))?
            .map_err(|e| AccountError::Internal(e.to_string()))
    }

    async fn check_password(&self, u: &user::Model, password_text: &str) -> AccountResult<bool> {
        let stored = u
            .password_hash
            .clone()
            .unwrap_or_else(|| password::dummy_hash().to_owned());
        let has = u.password_hash.is_some();
        let pw = password_text.to_owned();
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &stored))
            .await
            .map_err(|e| AccountError::Internal(e.to_string()))?;
        Ok(ok && has)
    }

    /// `passwordChange`: checks the old password, sets the new one and revokes every
    /// existing token (the caller signs in again).
    pub async fn change_password(
        &self,
        user_id: i32,
        old: Option<&str>,
        new: &str,
    ) -> AccountResult<user::Model> {
        let u = self
            .user(user_id)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        if u.password_hash.is_some() {
            let ok = match old {
                Some(old) => self.check_password(&u, old).await?,
                None => false,
            };
            if !ok {
                return Err(AccountError::one(
                    Some("oldPassword"),
                    Code::InvalidPassword,
                    "Old password isn't valid.",
                ));
            }
        }
        password::validate(new, &[&u.email, &u.first_name, &u.last_name])
            .map_err(|p| password_failure("newPassword", p))?;
        let hash = self.hash_password(new).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        let mut active: user::ActiveModel = u.into();
        active.password_hash = Set(Some(hash));
        active.jwt_token_key = Set(random_token(32));
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        self.invalidate_tokens(&txn, u.id, Purpose::SetPassword)
            .await?;
        txn.commit().await?;
        Ok(u)
    }

    /// `requestPasswordReset`. Unknown or inactive emails get the same (empty) answer as
    /// known ones: no enumeration.
    pub async fn request_password_reset(
        &self,
        email: &str,
        redirect_url: &str,
        channel: Option<&str>,
        ip: Option<&str>,
    ) -> AccountResult<()> {
        check_redirect_url(redirect_url, "redirectUrl")?;
        let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
        if !self
            .limiter
            .allow(Action::PasswordReset, ip, Some(&email))
            .await
        {
            return Err(AccountError::one(
                Some("email"),
                Code::PasswordResetAlreadyRequested,
                "Password reset already requested. Please wait before requesting another one.",
            ));
        }
        let channel = self.notification_channel(channel, false).await?;
        let Some(u) = self.user_by_email(&email).await?.filter(|u| u.is_active) else {
            return Ok(());
        };
        let txn = crate::db::begin_write(&self.db).await?;
        let token = self
            .issue_token(&txn, u.id, Purpose::SetPassword, json!({}))
            .await?;
        let url = link(redirect_url, &[("email", &u.email), ("token", &token)]);
        let event = if u.is_staff {
            EventType::StaffSetPasswordRequested
        } else {
            EventType::AccountSetPasswordRequested
        };
        record(
            &txn,
            event,
            json!({
                "user": user_json(&u),
                "token": token,
                "reset_url": url,
                "redirect_url": redirect_url,
                "channel_slug": channel,
            }),
        )
        .await?;
        txn.commit().await?;
        self.log_link("password reset", &url);
        Ok(())
    }

    /// `setPassword`: consumes a reset token, sets the password, confirms the email (the
    /// user proved they read it), revokes old tokens and signs in.
    pub async fn set_password(&self, email: &str, token: &str, new: &str) -> AccountResult<SignIn> {
        let invalid =
            || AccountError::one(Some("token"), Code::Invalid, "Invalid or expired token.");
        let email = normalize_email(email).ok_or_else(|| invalid_email("email"))?;
        let u = self.user_by_email(&email).await?.ok_or_else(invalid)?;
        password::validate(new, &[&u.email, &u.first_name, &u.last_name])
            .map_err(|p| password_failure("password", p))?;
        let hash = self.hash_password(new).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        self.consume_token(&txn, token, Purpose::SetPassword, Some(u.id), "token")
            .await?;
        let mut active: user::ActiveModel = u.into();
        active.password_hash = Set(Some(hash));
        active.jwt_token_key = Set(random_token(32));
        active.is_confirmed = Set(true);
        active.last_login = Set(Some(Utc::now()));
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        self.invalidate_tokens(&txn, u.id, Purpose::SetPassword)
            .await?;
        txn.commit().await?;
        if !u.is_active {
            return Err(AccountError::one(
                Some("email"),
                Code::Inactive,
                "Account inactive.",
            ));
        }
        self.sign_in_tokens(u, None)
    }

    // ---------------------------------------------------------------- email change, deletion

    /// `requestEmailChange`.
    pub async fn request_email_change(
        &self,
        user_id: i32,
        password_text: &str,
        new_email: &str,
        redirect_url: &str,
        channel: Option<&str>,
    ) -> AccountResult<user::Model> {
        let u = self
            .user(user_id)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        if !self.check_password(&u, password_text).await? {
            return Err(AccountError::one(
                Some("password"),
                Code::InvalidCredentials,
                "Password isn't valid.",
            ));
        }
        let new_email = normalize_email(new_email).ok_or_else(|| invalid_email("newEmail"))?;
        check_redirect_url(redirect_url, "redirectUrl")?;
        if self.user_by_email(&new_email).await?.is_some() {
            return Err(AccountError::one(
                Some("newEmail"),
                Code::Unique,
                "Email is used by other user.",
            ));
        }
        let channel = self.notification_channel(channel, true).await?;
        let txn = crate::db::begin_write(&self.db).await?;
        self.invalidate_tokens(&txn, u.id, Purpose::ChangeEmail)
            .await?;
        let token = self
            .issue_token(
                &txn,
                u.id,
                Purpose::ChangeEmail,
                json!({ "new_email": new_email }),
            )
            .await?;
        let url = link(redirect_url, &[("token", &token)]);
        record(
            &txn,
            EventType::AccountChangeEmailRequested,
            json!({
                "user": user_json(&u),
                "new_email": new_email,
                "token": token,
                "confirm_url": url,
                "redirect_url": redirect_url,
                "channel_slug": channel,
            }),
        )
        .await?;
        txn.commit().await?;
        self.log_link("email change", &url);
        Ok(u)
    }

    /// `confirmEmailChange`.
    pub async fn confirm_email_change(
        &self,
        user_id: i32,
        token: &str,
    ) -> AccountResult<user::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let row = self
            .consume_token(&txn, token, Purpose::ChangeEmail, Some(user_id), "token")
            .await?;
        let new_email = row
            .payload
            .get("new_email")
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                AccountError::one(Some("token"), Code::Invalid, "Invalid or expired token.")
            })?;
        let taken = user::Entity::find()
            .filter(user::Column::Email.eq(new_email.clone()))
            .count(&txn)
            .await?
            > 0;
        if taken {
            return Err(AccountError::one(
                Some("newEmail"),
                Code::Unique,
                "Email is used by other user.",
            ));
        }
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let old_email = u.email.clone();
        let mut active: user::ActiveModel = u.into();
        active.email = Set(new_email);
        active.updated_at = Set(Utc::now());
        let u = active.update(&txn).await?;
        record(
            &txn,
            EventType::AccountEmailChanged,
            json!({ "user": user_json(&u), "old_email": old_email, "new_email": u.email }),
        )
        .await?;
        txn.commit().await?;
        Ok(u)
    }

    /// `accountRequestDeletion`.
    pub async fn request_deletion(
        &self,
        user_id: i32,
        redirect_url: &str,
        channel: Option<&str>,
    ) -> AccountResult<()> {
        check_redirect_url(redirect_url, "redirectUrl")?;
        let channel = self.notification_channel(channel, true).await?;
        let u = self
            .user(user_id)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        let txn = crate::db::begin_write(&self.db).await?;
        let token = self
            .issue_token(&txn, u.id, Purpose::DeleteAccount, json!({}))
            .await?;
        let url = link(redirect_url, &[("token", &token)]);
        record(
            &txn,
            EventType::AccountDeleteRequested,
            json!({
                "user": user_json(&u),
                "token": token,
                "delete_url": url,
                "redirect_url": redirect_url,
                "channel_slug": channel,
            }),
        )
        .await?;
        txn.commit().await?;
        self.log_link("account deletion", &url);
        Ok(())
    }

    /// `accountDelete`: consumes the deletion token and deletes the account. Staff accounts
    /// cannot delete themselves this way.
    pub async fn delete_account(&self, user_id: i32, token: &str) -> AccountResult<user::Model> {
        let txn = crate::db::begin_write(&self.db).await?;
        let u = user::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .ok_or_else(|| AccountError::not_found("id", "User not found."))?;
        if u.is_staff {
            return Err(AccountError::one(
                Some("id"),
                Code::DeleteStaffAccount,
                "Cannot delete a staff account.",
            ));
        }
        self.consume_token(&txn, token, Purpose::DeleteAccount, Some(user_id), "token")
            .await?;
        user::Entity::delete_by_id(u.id).exec(&txn).await?;
        record(
            &txn,
            EventType::AccountDeleted,
            json!({ "user": user_json(&u) }),
        )
        .await?;
        txn.commit().await?;
        Ok(u)
    }
}

pub(crate) async fn set_default<C: ConnectionTrait>(
    conn: &C,
    u: user::Model,
    address_id: i32,
    kind: AddressTypeEnum,
) -> AccountResult<user::Model> {
    let mut active: user::ActiveModel = u.into();
    match kind {
        AddressTypeEnum::Billing => active.default_billing_address_id = Set(Some(address_id)),
        AddressTypeEnum::Shipping => active.default_shipping_address_id = Set(Some(address_id)),
    }
    active.updated_at = Set(Utc::now());
    Ok(active.update(conn).await?)
}

/// Parses a stored JSON array of permission codes, skipping unknown ones.
pub fn parse_permissions(stored: &Json) -> BTreeSet<Permission> {
    stored
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .filter_map(Json::as_str)
                .filter_map(Permission::parse)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

fn jwt_failure(field: &str, e: &JwtError) -> AccountError {
    let code = match e {
        JwtError::Expired => Code::JwtSignatureExpired,
        JwtError::Decode => Code::JwtDecodeError,
        JwtError::Signature | JwtError::Invalid(_) => Code::JwtInvalidToken,
    };
    AccountError::one(Some(field), code, e.to_string())
}

/// A validated, normalised address ready to store.
#[derive(Clone, Debug)]
pub struct ValidAddress {
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub street_address_1: String,
    pub street_address_2: String,
    pub city: String,
    pub city_area: String,
    pub postal_code: String,
    pub country: String,
    pub country_area: String,
    pub phone: String,
    pub metadata: Json,
}

/// Validates an address against its country's rules (required fields, postal code,
/// country area), merging `data` over `current` when updating. Failures name the GraphQL
/// input fields; `kind` is reported as `addressType`.
pub fn validate_address(
    data: &AddressData,
    current: Option<&address::Model>,
    kind: Option<AddressTypeEnum>,
    _input_field: &str,
) -> AccountResult<ValidAddress> {
    let pick = |given: &Option<String>, stored: Option<&String>| -> String {
        given
            .as_deref()
            .map(str::trim)
            .map(str::to_owned)
            .or_else(|| stored.cloned())
            .unwrap_or_default()
    };
    let mut a = ValidAddress {
        first_name: pick(&data.first_name, current.map(|c| &c.first_name)),
        last_name: pick(&data.last_name, current.map(|c| &c.last_name)),
        company_name: pick(&data.company_name, current.map(|c| &c.company_name)),
        street_address_1: pick(&data.street_address_1, current.map(|c| &c.street_address_1)),
        street_address_2: pick(&data.street_address_2, current.map(|c| &c.street_address_2)),
        city: pick(&data.city, current.map(|c| &c.city)),
        city_area: pick(&data.city_area, current.map(|c| &c.city_area)),
        postal_code: pick(&data.postal_code, current.map(|c| &c.postal_code)),
        country: pick(&data.country, current.map(|c| &c.country)).to_uppercase(),
        country_area: pick(&data.country_area, current.map(|c| &c.country_area)),
        phone: pick(&data.phone, current.map(|c| &c.phone)),
        metadata: current
            .map(|c| c.metadata.clone())
            .unwrap_or_else(|| json!({})),
    };
    if let Some(items) = &data.metadata {
        a.metadata = metadata_json(items, &a.metadata)?;
    }
    let mut failures = Vec::new();
    let mut fail = |field: &str, code: Code, message: &str| {
        failures.push(Failure {
            field: Some(field.to_owned()),
            code,
            message: message.to_owned(),
            address_type: kind,
            params: Default::default(),
        });
    };
    for (field, value, max) in [
        ("firstName", &a.first_name, 256),
        ("lastName", &a.last_name, 256),
        ("companyName", &a.company_name, 256),
        ("streetAddress1", &a.street_address_1, 256),
        ("streetAddress2", &a.street_address_2, 256),
        ("city", &a.city, 256),
        ("cityArea", &a.city_area, 128),
        ("postalCode", &a.postal_code, 20),
        ("countryArea", &a.country_area, 128),
    ] {
        if value.chars().count() > max {
            fail(
                field,
                Code::Invalid,
                &format!("Ensure this value has at most {max} characters."),
            );
        }
    }
    if !a.phone.is_empty() {
        let compact: String = a.phone.chars().filter(|c| !" -().".contains(*c)).collect();
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        if !compact.starts_with('+')
            || digits.len() < 6
            || digits.len() > 15
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            fail(
                "phone",
                Code::Invalid,
                "The phone number must be in international format, e.g. +14155552671.",
            );
        } else {
            a.phone = compact;
        }
    }
    if a.country.is_empty() {
        fail("country", Code::Required, "This field is required.");
    } else if crate::core::country::CountryCode::parse(&a.country).is_none() {
        fail("country", Code::Invalid, "Invalid country code.");
    } else if !data.skip_validation {
        let rules = address_rules::rules(&a.country);
        for required in rules.required {
            let (field, value) = match *required {
                "street_address" => ("streetAddress1", &a.street_address_1),
                "city" => ("city", &a.city),
                "country_area" => ("countryArea", &a.country_area),
                "postal_code" => ("postalCode", &a.postal_code),
                _ => continue,
            };
            if value.is_empty() {
                fail(field, Code::Required, "This field is required.");
            }
        }
        if !a.postal_code.is_empty() {
            if rules.postal_code_matches(&a.postal_code) {
                if rules.upper.contains(&"postal_code") {
                    a.postal_code = a.postal_code.to_uppercase();
                }
            } else {
                fail(
                    "postalCode",
                    Code::Invalid,
                    "This value is not valid for the address.",
                );
            }
        }
        if !a.country_area.is_empty() {
            match rules.normalize_area(&a.country_area) {
                Some(code) => a.country_area = code,
                None => fail(
                    "countryArea",
                    Code::Invalid,
                    "This value is not valid for the address.",
                ),
            }
        }
        if rules.upper.contains(&"city") {
            a.city = a.city.to_uppercase();
        }
    }
    if failures.is_empty() {
        Ok(a)
    } else {
        Err(AccountError::Invalid(failures))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Jo@Example.COM ").as_deref(),
            Some("jo@example.com")
        );
        for bad in [
            "", "a", "a@b", "@x.io", "a@@x.io", "a b@x.io", "a@x..io", "a@-x.io", ".a@x.io",
        ] {
            assert!(normalize_email(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn links_and_compare() {
        assert_eq!(
            link("https://s.io/r?x=1", &[("token", "a b")]),
            "https://s.io/r?x=1&token=a%20b"
        );
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
        assert!(check_redirect_url("https://shop.example.com/reset", "r").is_ok());
        assert!(check_redirect_url("javascript:alert(1)", "r").is_err());
    }

    #[test]
    fn address_rules_apply() {
        let data = AddressData {
            street_address_1: Some("1 Main St".into()),
            city: Some("San Francisco".into()),
            postal_code: Some("9410".into()),
            country: Some("US".into()),
            ..Default::default()
        };
        let Err(AccountError::Invalid(failures)) = validate_address(&data, None, None, "input")
        else {
            panic!("expected failures");
        };
        let fields: Vec<_> = failures.iter().filter_map(|f| f.field.as_deref()).collect();
        assert!(fields.contains(&"postalCode") && fields.contains(&"countryArea"));
        let ok = AddressData {
            postal_code: Some("94103".into()),
            country_area: Some("california".into()),
            ..data
        };
        let valid = validate_address(&ok, None, None, "input").ok();
        assert_eq!(valid.as_ref().map(|a| a.country_area.as_str()), Some("CA"));
        assert_eq!(
            valid.as_ref().map(|a| a.city.as_str()),
            Some("SAN FRANCISCO")
        );
    }
}
