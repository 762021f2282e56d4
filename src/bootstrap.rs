//! Default data on an empty database: the shop, two channels and the first staff user with
//! every permission (in a "Full Access" group).

use chrono::Utc;
use entities::{account_user, channel, permission_group, shop, user_permission_group};
use rand::{Rng, distr::Alphanumeric};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait};
use serde_json::json;

use crate::{account::password, config::Config, core::permissions::Permission};

/// What start-up created, so the caller can tell the operator.
#[derive(Debug)]
pub struct Created {
    pub admin_email: String,
    /// Set when the password was generated (it is shown once and never stored in clear).
    pub generated_password: Option<String>,
}

/// Creates the default data if the database has no shop yet. Returns `None` when the
/// database was already initialised.
pub async fn ensure_defaults(
    db: &DatabaseConnection,
    config: &Config,
) -> anyhow::Result<Option<Created>> {
    if shop::Entity::find().one(db).await?.is_some() {
        return Ok(None);
    }
    let admin_email = config
        .admin_email
        .clone()
        .unwrap_or_else(|| "admin@example.com".to_owned())
        .trim()
        .to_lowercase();
    let (admin_password, generated) = match &config.admin_password {
        Some(p) if !p.is_empty() => (p.clone(), false),
        _ => (random_password(), true),
    };
    let password_hash = password::hash(&admin_password)
        .map_err(|e| anyhow::anyhow!("cannot hash the admin password: {e}"))?;
    let now = Utc::now();
    let empty = json!({});
    let host = config
        .public_url()
        .split("://")
        .nth(1)
        .unwrap_or("localhost")
        .trim_end_matches('/')
        .to_owned();

    let txn = db.begin().await?;
    shop::ActiveModel {
        name: Set("Bizgraph Shop".to_owned()),
        description: Set(Some("A demo shop served by bizgraph.".to_owned())),
        default_country: Set("US".to_owned()),
        domain: Set(host),
        installation_id: Set(uuid::Uuid::new_v4().simple().to_string()),
        metadata: Set(empty.clone()),
        private_metadata: Set(empty.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (name, slug, currency, country) in [
        ("Default Channel", "default-channel", "USD", "US"),
        ("Channel-EUR", "channel-eur", "EUR", "DE"),
    ] {
        channel::ActiveModel {
            name: Set(name.to_owned()),
            slug: Set(slug.to_owned()),
            currency_code: Set(currency.to_owned()),
            default_country: Set(country.to_owned()),
            is_active: Set(true),
            metadata: Set(empty.clone()),
            private_metadata: Set(empty.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let all: Vec<&str> = Permission::ALL.iter().map(|p| p.code()).collect();
    let group = permission_group::ActiveModel {
        name: Set("Full Access".to_owned()),
        permissions: Set(json!(all)),
        restricted_access_to_channels: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let admin = account_user::ActiveModel {
        email: Set(admin_email.clone()),
        password_hash: Set(Some(password_hash)),
        first_name: Set(String::new()),
        last_name: Set(String::new()),
        is_staff: Set(true),
        is_active: Set(true),
        is_confirmed: Set(true),
        jwt_token_key: Set(random_password()),
        language_code: Set("en".to_owned()),
        note: Set(None),
        metadata: Set(empty.clone()),
        private_metadata: Set(empty),
        date_joined: Set(now),
        updated_at: Set(now),
        last_login: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    user_permission_group::ActiveModel {
        user_id: Set(admin.id),
        group_id: Set(group.id),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(Created {
        admin_email,
        generated_password: generated.then_some(admin_password),
    }))
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}
