//! Email normalization and validation for lead deduplication.
//!
//! Normalization is trim + lowercase. Plus-addressing (`ann+news@…`) is kept as written, so
//! `ann+news@example.com` and `ann@example.com` are two leads: the address owner chose to
//! tell them apart.

use super::types::{MResult, MarketingError};

/// Maximum length of an email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Trims and lowercases `raw`, then validates it: one `@`, a non-empty local part of
/// allowed characters, a domain with a dot, labels of letters, digits and hyphens.
pub fn normalize(raw: &str) -> MResult<String> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(MarketingError::required("email"));
    }
    if is_valid(&email) {
        Ok(email)
    } else {
        Err(MarketingError::invalid(
            "email",
            "Enter a valid email address.",
        ))
    }
}

fn is_valid(email: &str) -> bool {
    if email.len() > MAX_EMAIL_LEN {
        return false;
    }
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return false;
    }
    let local_ok = local.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{|}~.-".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    }) && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_whitespace() {
        assert_eq!(
            normalize("  Ann@Example.COM \n").ok().as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(
            normalize("Ann+News@example.com").ok().as_deref(),
            Some("ann+news@example.com")
        );
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "ann@",
            "ann@example",
            "ann@@example.com",
            "ann@exa mple.com",
            "a..b@example.com",
            ".a@example.com",
            "ann@-example.com",
            "ann@example.1",
            "ann@example..com",
            "ann <ann@example.com>",
        ] {
            assert!(normalize(bad).is_err(), "{bad:?} should be invalid");
        }
        assert!(normalize(&format!("{}@example.com", "a".repeat(65))).is_err());
    }
}
