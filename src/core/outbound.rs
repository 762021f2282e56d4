//! Outbound HTTP for every URL the server fetches on behalf of a user (webhook targets;
//! app manifests and token targets go through here too), safe against SSRF:
//!
//! - the address check runs on the address the client connects to: the client's DNS
//!   resolver refuses hosts that resolve to any private, loopback, link-local or otherwise
//!   special-purpose address ([`forbidden`]), so a DNS answer that changes between a
//!   check and the connection (DNS rebinding) cannot reach them; IP-literal hosts, which
//!   never reach a resolver, are checked before sending;
//! - redirects are not followed, proxies from the environment are not used (a proxy would
//!   resolve the target itself);
//! - response bodies are read only up to a limit ([`OutboundClient::read_body`]);
//! - every request has a timeout.
//!
//! The resolver is injectable ([`Outbound::new`]) so tests can control DNS answers;
//! `BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS=true` lifts the address rules (development).

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
};

use crate::config::Config;

/// Why an outbound request was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("Enter a valid http or https URL.")]
    InvalidUrl,
    #[error(transparent)]
    Forbidden(#[from] ForbiddenAddress),
    #[error("The host {0} cannot be resolved.")]
    Unresolvable(String),
    /// The request failed (connection, timeout, TLS...): the message names every cause.
    #[error("{0}")]
    Transport(String),
}

impl OutboundError {
    /// Classifies a client error: a refusal by our resolver stays [`Self::Forbidden`].
    pub fn from_reqwest(err: &reqwest::Error) -> Self {
        let mut messages = vec![err.to_string()];
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            if let Some(forbidden) = cause.downcast_ref::<ForbiddenAddress>() {
                return Self::Forbidden(forbidden.clone());
            }
            let text = cause.to_string();
            if !messages.iter().any(|m| m.contains(&text)) {
                messages.push(text);
            }
            source = cause.source();
        }
        if err.is_timeout() && !messages.iter().any(|m| m.contains("timed out")) {
            messages.push("timed out".to_owned());
        }
        Self::Transport(messages.join(": "))
    }
}

/// A host refused because it is (or resolves to) a forbidden address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "Refused to connect to {host}: {address} is a private, loopback or otherwise internal address."
)]
pub struct ForbiddenAddress {
    pub host: String,
    pub address: IpAddr,
}

/// Whether `ip` must never be connected to on a user's behalf: anything but a public
/// unicast address.
pub fn forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0 // "this network" 0.0.0.0/8
        || a == 10 // private 10/8
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private 172.16/12
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments 192.0.0.0/24
        || (a == 192 && b == 0 && c == 2) // documentation TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168) // private 192.168/16
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
        || (a == 198 && b == 51 && c == 100) // documentation TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // documentation TEST-NET-3
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

/// IPv6: only global unicast (2000::/3) is allowed, less its special-purpose blocks. This
/// refuses `::`, `::1`, IPv4-compatible `::/96`, IPv4-mapped `::ffff:0:0/96`, NAT64
/// `64:ff9b::/96` and `64:ff9b:1::/48`, discard `100::/64`, ULA `fc00::/7`, link-local
/// `fe80::/10`, site-local `fec0::/10` and multicast `ff00::/8` (all outside 2000::/3).
fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let global_unicast = (s[0] & 0xe000) == 0x2000;
    !global_unicast
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments 2001::/23 (Teredo 2001::/32)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
        || s[0] == 0x2002 // 6to4 2002::/16
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation 3fff::/20
}

/// The URL shape every outbound target must have: absolute http(s) with a host and no
/// credentials.
pub fn parse_url(url: &str) -> Result<Url, OutboundError> {
    let parsed = Url::parse(url.trim()).map_err(|_| OutboundError::InvalidUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(OutboundError::InvalidUrl);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(OutboundError::InvalidUrl);
    }
    Ok(parsed)
}

/// The literal address of `url`'s host, if it is one (these never reach a resolver).
fn literal_host(url: &Url) -> Option<IpAddr> {
    // The URL parser normalises IPv4 hosts (`127.1`, `0x7f000001`) to dotted form and
    // brackets IPv6 ones; a domain name never parses as an address.
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The system resolver (`getaddrinfo` through tokio).
#[derive(Debug, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A resolver that refuses (fails the connection) when any address of the host is
/// forbidden, unless private targets are allowed.
struct GuardedResolver {
    inner: Arc<dyn Resolve>,
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let lookup = self.inner.resolve(name);
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = lookup.await?.collect();
            if addrs.is_empty() {
                return Err(Box::new(OutboundError::Unresolvable(host)) as _);
            }
            if !allow_private && let Some(bad) = addrs.iter().find(|a| forbidden(a.ip())) {
                return Err(Box::new(ForbiddenAddress {
                    host,
                    address: bad.ip(),
                }) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Builds outbound clients and checks target URLs, all with the same resolver and rules.
#[derive(Clone)]
pub struct Outbound {
    resolver: Arc<dyn Resolve>,
    allow_private: bool,
    max_response_bytes: usize,
}

impl Outbound {
    /// Rules with an explicit resolver (tests inject one that they control).
    pub fn new(resolver: Arc<dyn Resolve>, allow_private: bool, max_response_bytes: usize) -> Self {
        Self {
            resolver,
            allow_private,
            max_response_bytes,
        }
    }

    /// The configured rules, with `resolver` or else the system's.
    pub fn from_config(config: &Config, resolver: Option<Arc<dyn Resolve>>) -> Self {
        Self::new(
            resolver.unwrap_or_else(|| Arc::new(SystemResolver)),
            config.webhook_allow_private_targets,
            usize::try_from(config.outbound_max_response_bytes).unwrap_or(usize::MAX),
        )
    }

    /// Whether private targets are allowed (development).
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Checks `url` when it is saved: its shape, and that its host is (or resolves to)
    /// allowed addresses only. The connection is checked again when it is made.
    pub async fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        let parsed = parse_url(url)?;
        if self.allow_private {
            return Ok(parsed);
        }
        let host = parsed.host_str().unwrap_or_default().to_owned();
        if let Some(ip) = literal_host(&parsed) {
            return check_address(&host, ip).map(|()| parsed);
        }
        let name = Name::from_str(&host).map_err(|_| OutboundError::InvalidUrl)?;
        let guarded = GuardedResolver {
            inner: self.resolver.clone(),
            allow_private: false,
        };
        match guarded.resolve(name).await {
            Ok(_) => Ok(parsed),
            Err(e) => match e.downcast::<ForbiddenAddress>() {
                Ok(forbidden) => Err(OutboundError::Forbidden(*forbidden)),
                Err(_) => Err(OutboundError::Unresolvable(host)),
            },
        }
    }

    /// A client that connects only to allowed addresses, follows no redirect, uses no
    /// proxy and gives up after `timeout`.
    pub fn client(
        &self,
        timeout: Duration,
        user_agent: &str,
    ) -> Result<OutboundClient, OutboundError> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                inner: self.resolver.clone(),
                allow_private: self.allow_private,
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .user_agent(user_agent)
            .build()
            .map_err(|e| OutboundError::from_reqwest(&e))?;
        Ok(OutboundClient {
            http,
            allow_private: self.allow_private,
            max_response_bytes: self.max_response_bytes,
        })
    }
}

fn check_address(host: &str, ip: IpAddr) -> Result<(), OutboundError> {
    if forbidden(ip) {
        Err(ForbiddenAddress {
            host: host.to_owned(),
            address: ip,
        }
        .into())
    } else {
        Ok(())
    }
}

/// A response body read up to the limit.
#[derive(Debug)]
pub struct LimitedBody {
    pub bytes: Vec<u8>,
    /// The target sent more than the limit (the rest was never read).
    pub truncated: bool,
}

impl LimitedBody {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// An HTTP client built by [`Outbound::client`].
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    allow_private: bool,
    max_response_bytes: usize,
}

impl OutboundClient {
    /// Starts a request; send it with [`Self::execute`], never through the builder.
    pub fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        self.http.request(method, url)
    }

    /// Sends `request` after checking an IP-literal host (hostnames are checked by the
    /// resolver when the connection is made).
    pub async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, OutboundError> {
        if !self.allow_private
            && let Some(ip) = literal_host(request.url())
        {
            check_address(request.url().host_str().unwrap_or_default(), ip)?;
        }
        // In a client span with `traceparent` when traces are exported.
        crate::telemetry::execute(&self.http, request)
            .await
            .map_err(|e| OutboundError::from_reqwest(&e))
    }

    /// Reads the body chunk by chunk and stops at the configured limit; what was read
    /// before an error (e.g. the timeout) is kept.
    pub async fn read_body(&self, mut response: reqwest::Response) -> LimitedBody {
        let limit = self.max_response_bytes;
        let mut bytes = Vec::new();
        let mut truncated = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = limit.saturating_sub(bytes.len());
                    if chunk.len() > room {
                        bytes.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(_) => {
                    truncated = true;
                    break;
                }
            }
        }
        LimitedBody { bytes, truncated }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or_else(|_| panic!("{text} is not an address"))
    }

    #[test]
    fn forbidden_ipv4() {
        for text in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.255",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden(ip(text)), "{text} must be forbidden");
        }
    }

    #[test]
    fn public_ipv4_is_allowed() {
        for text in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "126.255.255.255",
            "128.0.0.1",
            "169.253.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.0.3.1",
            "192.167.1.1",
            "192.169.1.1",
            "198.17.255.255",
            "198.20.0.1",
            "203.0.114.1",
            "223.255.255.254",
        ] {
            assert!(!forbidden(ip(text)), "{text} must be allowed");
        }
    }

    #[test]
    fn forbidden_ipv6() {
        for text in [
            "::",
            "::1",
            "::127.0.0.1",      // IPv4-compatible
            "::8.8.8.8",        // IPv4-compatible, even of a public address
            "::ffff:127.0.0.1", // IPv4-mapped
            "::ffff:10.0.0.1",
            "::ffff:8.8.8.8",
            "::ffff:0:127.0.0.1", // IPv4-translated
            "64:ff9b::7f00:1",    // NAT64 of 127.0.0.1
            "64:ff9b::808:808",   // NAT64 of a public address
            "64:ff9b:1::1",       // local-use NAT64
            "100::1",             // discard
            "2001::1",            // Teredo
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",      // benchmarking
            "2001:10::1",     // ORCHID
            "2001:db8::1",    // documentation
            "2002:7f00:1::1", // 6to4 of 127.0.0.1
            "2002:c0a8:101::1",
            "3fff::1", // documentation
            "3fff:fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1", // site-local
            "feff::1",
            "ff02::1",
            "ff05::2",
            "5f00::1", // outside global unicast
            "4000::1",
            "1::1",
        ] {
            assert!(forbidden(ip(text)), "{text} must be forbidden");
        }
    }

    #[test]
    fn public_ipv6_is_allowed() {
        for text in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2003::1",
            "2400:cb00::1",
            "3ffe::1",
            "3fff:1000::1",
        ] {
            assert!(!forbidden(ip(text)), "{text} must be allowed");
        }
    }

    #[test]
    fn url_shapes() {
        assert!(parse_url("https://example.com/hook").is_ok());
        assert!(parse_url(" http://example.com:8080/x?y=1 ").is_ok());
        for bad in [
            "ftp://example.com",
            "not a url",
            "http://user:pw@example.com",
            "http://user@example.com",
            "file:///etc/passwd",
            "gopher://example.com",
        ] {
            assert!(
                matches!(parse_url(bad), Err(OutboundError::InvalidUrl)),
                "{bad}"
            );
        }
    }

    /// Answers every name with fixed addresses.
    struct Fixed(Vec<IpAddr>);

    impl Resolve for Fixed {
        fn resolve(&self, _: Name) -> Resolving {
            let addrs: Vec<SocketAddr> = self.0.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            Box::pin(async move { Ok(Box::new(addrs.into_iter()) as Addrs) })
        }
    }

    fn outbound(answers: &[&str], allow_private: bool) -> Outbound {
        Outbound::new(
            Arc::new(Fixed(answers.iter().map(|a| ip(a)).collect())),
            allow_private,
            1024,
        )
    }

    #[tokio::test]
    async fn saved_urls_are_checked_with_the_resolver() {
        let public = outbound(&["93.184.216.34"], false);
        assert!(public.check_url("https://hooks.example/x").await.is_ok());
        let mixed = outbound(&["93.184.216.34", "10.0.0.1"], false);
        assert!(matches!(
            mixed.check_url("https://hooks.example/x").await,
            Err(OutboundError::Forbidden(ForbiddenAddress { address, .. })) if address == ip("10.0.0.1")
        ));
        let none = outbound(&[], false);
        assert!(matches!(
            none.check_url("https://hooks.example/x").await,
            Err(OutboundError::Unresolvable(_))
        ));
        assert!(
            outbound(&["127.0.0.1"], true)
                .check_url("https://hooks.example/x")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn literal_hosts_are_checked_without_the_resolver() {
        let rules = outbound(&["93.184.216.34"], false);
        for url in [
            "http://127.0.0.1:9/x",
            "http://127.1/x",
            "http://2130706433/x",
            "http://0x7f.1/x",
            "http://[::1]:9/x",
            "http://[::127.0.0.1]/x",
            "http://[::ffff:127.0.0.1]/x",
            "http://[64:ff9b::a00:1]/x",
            "http://[2002:7f00:1::]/x",
            "http://192.0.0.170/x",
            "http://0.0.0.0:9/x",
        ] {
            assert!(
                matches!(rules.check_url(url).await, Err(OutboundError::Forbidden(_))),
                "{url}"
            );
        }
        assert!(
            outbound(&[], true)
                .check_url("http://127.0.0.1:9/x")
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn connections_to_forbidden_addresses_are_refused() {
        let rules = outbound(&["127.0.0.1"], false);
        let client = rules
            .client(Duration::from_secs(2), "test")
            .unwrap_or_else(|e| panic!("{e}"));
        // The resolver answers loopback for a name: refused at connect time.
        let request = client
            .request(
                reqwest::Method::GET,
                Url::parse("http://rebind.example:9/x").unwrap_or_else(|e| panic!("{e}")),
            )
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let err = client.execute(request).await.err();
        assert!(
            matches!(&err, Some(OutboundError::Forbidden(f)) if f.address == ip("127.0.0.1")),
            "{err:?}"
        );
        // A literal is refused before sending.
        let request = client
            .request(
                reqwest::Method::GET,
                Url::parse("http://[::ffff:7f00:1]:9/x").unwrap_or_else(|e| panic!("{e}")),
            )
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            client.execute(request).await,
            Err(OutboundError::Forbidden(_))
        ));
    }
}
