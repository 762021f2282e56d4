//! The optional Redis connection (`REDIS_URL`): cross-instance event fan-out and shared
//! rate limits use it. Connected at start-up so a wrong URL fails fast; the connection
//! manager reconnects by itself after a Redis restart. `rediss://` connects over TLS,
//! verifying the server against the system's roots (or the file in `SSL_CERT_FILE`).

use std::time::Duration;

use redis::aio::ConnectionManager;

/// A shared, auto-reconnecting Redis connection. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    pub manager: ConnectionManager,
    url: String,
}

impl Redis {
    /// Connects to `url` and checks it answers.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("invalid REDIS_URL: {e}"))?;
        // Few retries at start-up so a wrong URL fails fast; later reconnects keep retrying.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(5)));
        let manager = tokio::time::timeout(
            Duration::from_secs(10),
            client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| anyhow::anyhow!("Redis at REDIS_URL did not answer within 10 s"))?
        .map_err(|e| anyhow::anyhow!("cannot connect to Redis at REDIS_URL: {e}"))?;
        let redis = Self {
            manager,
            url: url.to_owned(),
        };
        redis.ping().await?;
        redis.check_version().await?;
        Ok(redis)
    }

    /// Refuses servers older than [`MIN_VERSION`]: the rate limiter needs `EXPIRE … NX`
    /// (Redis 7), and on older servers every call would fail.
    async fn check_version(&self) -> anyhow::Result<()> {
        let mut conn = self.manager.clone();
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query_async(&mut conn)
            .await?;
        let version = server_version(&info)
            .ok_or_else(|| anyhow::anyhow!("cannot read the Redis server version"))?;
        if version < MIN_VERSION {
            anyhow::bail!(
                "Redis {}.{} or newer is required (found {}.{}.{}): the rate limiter uses EXPIRE … NX",
                MIN_VERSION.0,
                MIN_VERSION.1,
                version.0,
                version.1,
                version.2
            );
        }
        Ok(())
    }

    /// Round-trips a PING.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let mut conn = self.manager.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    /// A new client for connections that cannot be shared (pub/sub subscribers).
    pub fn client(&self) -> redis::RedisResult<redis::Client> {
        redis::Client::open(self.url.as_str())
    }
}

/// The oldest Redis server accepted (major, minor).
pub const MIN_VERSION: (u32, u32, u32) = (7, 0, 0);

/// `redis_version` from the `INFO server` text, as (major, minor, patch).
fn server_version(info: &str) -> Option<(u32, u32, u32)> {
    let value = info
        .lines()
        .find_map(|line| line.trim().strip_prefix("redis_version:"))?;
    let mut parts = value.trim().split('.').map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_server_version() {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\n";
        assert_eq!(server_version(info), Some((7, 0, 15)));
        assert!(server_version(info).is_some_and(|v| v >= MIN_VERSION));
        let old = "# Server\r\nredis_version:6.2.14\r\n";
        assert!(server_version(old).is_some_and(|v| v < MIN_VERSION));
        assert_eq!(server_version("redis_version:8\n"), Some((8, 0, 0)));
        assert_eq!(server_version("# Server\n"), None);
    }
}
