//! Default data on an empty database: the shop, two channels and the first staff user with
//! every permission (in a "Full Access" group) — nothing else. The demo store is loaded only
//! when asked for ([`load_demo`]).

use std::io::IsTerminal;

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
    /// Where the generated password went, when it was generated (it is never stored in
    /// clear in the database).
    pub generated_password: Option<GeneratedPassword>,
}

/// A generated first-admin password: shown once on the terminal, or, when the server's
/// output is not a terminal (a container, a service manager), written to a file readable by
/// its owner only, so it never lands in collected logs.
#[derive(Debug)]
pub enum GeneratedPassword {
    /// For the caller to print once to the terminal.
    Terminal(String),
    /// Written to this file (mode 0600).
    File(std::path::PathBuf),
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
    let password_file =
        (generated && !std::io::stderr().is_terminal()).then(|| password_file(config));
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
            // Saleor's default: an order must be paid (the demo allows unpaid orders).
            allow_unpaid_orders: Set(false),
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
    // Written before the commit: if the file can't be written, nothing is created and the
    // next start generates a new password.
    let generated_password = match password_file {
        Some(path) => {
            let text =
                format!("First staff user: {admin_email}\nGenerated password: {admin_password}\n");
            crate::secret::write_private(&path, &text).map_err(|e| {
                anyhow::anyhow!(
                    "cannot write the generated admin password to {}: {e} (remove the file, or set BIZGRAPH_ADMIN_PASSWORD)",
                    path.display()
                )
            })?;
            Some(GeneratedPassword::File(path))
        }
        None => generated.then_some(GeneratedPassword::Terminal(admin_password)),
    };
    txn.commit().await?;
    Ok(Some(Created {
        admin_email,
        generated_password,
    }))
}

/// Where a generated admin password is written when the output is not a terminal: next to
/// the SQLite file, else in the working directory; absolute, so the log says exactly where.
fn password_file(config: &Config) -> std::path::PathBuf {
    let path = match crate::secret::sqlite_file(&config.database_url()) {
        Some(Some(file)) => {
            let mut name = file.into_os_string();
            name.push(".admin-password");
            std::path::PathBuf::from(name)
        }
        _ => std::path::PathBuf::from("bizgraph-admin-password.txt"),
    };
    std::path::absolute(&path).unwrap_or(path)
}

/// Loads the demo store, each part only where it is missing (so it is safe to repeat):
/// the catalog, shipping zones, vouchers, a catalogue promotion, tax rates, and the `dummy`
/// payment gateway active in every channel with unpaid orders allowed. Returns what it
/// loaded, for the log.
pub async fn load_demo(db: &DatabaseConnection) -> anyhow::Result<Vec<&'static str>> {
    use crate::{catalog, discount, payment, shipping, tax};
    let mut loaded = Vec::new();
    if catalog::seed::demo(db).await? {
        loaded.push("the demo catalog");
    }
    if shipping::seed_demo(db).await? {
        loaded.push("the demo shipping zones");
    }
    if discount::seed_demo(db).await? {
        loaded.push("the demo vouchers WELCOME10, FREESHIP, TSHIRTS20");
    }
    if discount::promotion::seed_demo(db).await? {
        loaded.push("the demo promotion");
    }
    if payment::service::seed_demo(db).await? {
        loaded.push("the dummy payment gateway (every channel; unpaid orders allowed)");
    }
    if tax::service::seed_demo(db).await? {
        loaded.push("the demo tax rates");
    }
    Ok(loaded)
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}
