//! Fixed-window rate limits for abuse-prone account operations (sign-in, password reset,
//! registration), per client IP and per email. In memory by default; in Redis when
//! `REDIS_URL` is set, so every instance shares the counters.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use redis::aio::ConnectionManager;

/// A counter store: `hit` counts one attempt for `key` in the current window and returns
/// the number of attempts so far in that window.
#[async_trait::async_trait]
pub trait RateStore: Send + Sync {
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<u64>;
}

/// Counters in this process.
#[derive(Default)]
pub struct MemoryStore {
    windows: Mutex<HashMap<String, (Instant, u64)>>,
}

#[async_trait::async_trait]
impl RateStore for MemoryStore {
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<u64> {
        let now = Instant::now();
        let mut map = self
            .windows
            .lock()
            .map_err(|_| anyhow::anyhow!("rate limiter lock poisoned"))?;
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        Ok(entry.1)
    }
}

/// Counters in Redis (`INCR` + `EXPIRE` on first hit), shared by every instance.
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl RedisStore {
    /// Connects to `url`; keys are prefixed with `prefix`.
    pub async fn connect(url: &str, prefix: String) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client).await?;
        Ok(Self { conn, prefix })
    }
}

#[async_trait::async_trait]
impl RateStore for RedisStore {
    async fn hit(&self, key: &str, window: Duration) -> anyhow::Result<u64> {
        let mut conn = self.conn.clone();
        let key = format!("{}{key}", self.prefix);
        let (count,): (u64,) = redis::pipe()
            .atomic()
            .incr(&key, 1u64)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(window.as_secs().max(1))
            .arg("NX")
            .ignore()
            .query_async(&mut conn)
            .await?;
        Ok(count)
    }
}

/// The operations that are rate limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Login,
    PasswordReset,
    Register,
    LeadCapture,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::PasswordReset => "reset",
            Self::Register => "register",
            Self::LeadCapture => "lead",
        }
    }
}

/// Limits per IP and per email within a window.
pub struct RateLimiter {
    store: Box<dyn RateStore>,
    per_ip: u32,
    per_email: u32,
    window: Duration,
}

impl RateLimiter {
    /// A limiter over `store`; a limit of 0 disables that dimension.
    pub fn new(store: Box<dyn RateStore>, per_ip: u32, per_email: u32, window: Duration) -> Self {
        Self {
            store,
            per_ip,
            per_email,
            window,
        }
    }

    /// Counts an attempt and returns `false` when it exceeds a limit. A failing store
    /// (Redis down) lets the attempt through and logs the failure: availability of sign-in
    /// matters more than the limit.
    pub async fn allow(&self, action: Action, ip: Option<&str>, email: Option<&str>) -> bool {
        let window = self.window;
        let mut checks: Vec<(String, u32)> = Vec::with_capacity(2);
        if let (Some(ip), true) = (ip, self.per_ip > 0) {
            checks.push((format!("{}:ip:{ip}", action.name()), self.per_ip));
        }
        if let (Some(email), true) = (email, self.per_email > 0) {
            let digest =
                crate::account::service::sha256_hex(email.trim().to_lowercase().as_bytes());
            checks.push((format!("{}:email:{digest}", action.name()), self.per_email));
        }
        let mut allowed = true;
        for (key, limit) in checks {
            match self.store.hit(&key, window).await {
                Ok(count) if count > u64::from(limit) => allowed = false,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "rate limit store unavailable"),
            }
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_limits() {
        let limiter =
            RateLimiter::new(Box::<MemoryStore>::default(), 3, 2, Duration::from_secs(60));
        assert!(
            limiter
                .allow(Action::Login, Some("1.2.3.4"), Some("a@x.io"))
                .await
        );
        assert!(
            limiter
                .allow(Action::Login, Some("1.2.3.4"), Some("A@x.io"))
                .await
        );
        assert!(
            !limiter
                .allow(Action::Login, Some("1.2.3.5"), Some("a@x.io"))
                .await
        );
        assert!(
            limiter
                .allow(Action::Register, Some("1.2.3.4"), Some("a@x.io"))
                .await
        );
        // Third attempt from 1.2.3.4 is still within its limit of 3; the fourth is not.
        assert!(
            limiter
                .allow(Action::Login, Some("1.2.3.4"), Some("b@x.io"))
                .await
        );
        assert!(
            !limiter
                .allow(Action::Login, Some("1.2.3.4"), Some("c@x.io"))
                .await
        );
    }
}
