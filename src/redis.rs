//! The optional Redis connection (`REDIS_URL`): cross-instance event fan-out and shared
//! rate limits use it. Connected at start-up so a wrong URL fails fast; the connection
//! manager reconnects by itself after a Redis restart.

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
        Ok(redis)
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
