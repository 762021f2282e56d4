//! Target URL rules: http(s) only, and (unless allowed by configuration) never an address
//! in a private, loopback, link-local or otherwise internal range — checked when the
//! webhook is saved and again on every delivery, after DNS resolution (against SSRF and
//! DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a target URL is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("Enter a valid http or https URL.")]
    Invalid,
    #[error("The target URL resolves to a private or internal address, which is not allowed.")]
    Private,
    #[error("The target URL's host cannot be resolved.")]
    Unresolvable,
}

/// Checks the URL's shape: absolute http(s) with a host.
pub fn parse(url: &str) -> Result<reqwest::Url, TargetError> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| TargetError::Invalid)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(TargetError::Invalid);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(TargetError::Invalid);
    }
    Ok(parsed)
}

/// Resolves the URL's host and refuses internal addresses unless `allow_private`.
pub async fn check(url: &str, allow_private: bool) -> Result<reqwest::Url, TargetError> {
    let parsed = parse(url)?;
    if allow_private {
        return Ok(parsed);
    }
    let host = parsed.host_str().ok_or(TargetError::Invalid)?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| TargetError::Unresolvable)?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if addrs.iter().any(|ip| is_internal(*ip)) {
        return Err(TargetError::Private);
    }
    Ok(parsed)
}

/// Whether `ip` is not a public unicast address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(parse("https://example.com/hook").is_ok());
        assert_eq!(parse("ftp://example.com").err(), Some(TargetError::Invalid));
        assert_eq!(parse("not a url").err(), Some(TargetError::Invalid));
        assert_eq!(
            parse("http://user:pw@example.com").err(),
            Some(TargetError::Invalid)
        );
    }

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(
                is_internal(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{ip}"
            );
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(
                !is_internal(ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))),
                "{ip}"
            );
        }
    }

    #[tokio::test]
    async fn literal_private_addresses_are_refused_unless_allowed() {
        assert_eq!(
            check("http://127.0.0.1:9/x", false).await.err(),
            Some(TargetError::Private)
        );
        assert_eq!(
            check("http://[::1]:9/x", false).await.err(),
            Some(TargetError::Private)
        );
        assert!(check("http://127.0.0.1:9/x", true).await.is_ok());
    }
}
