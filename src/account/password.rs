//! Password hashing with argon2id.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};

/// Hashes `password` with argon2id and a random salt (PHC string format).
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    use rand::Rng;
    let salt = SaltString::encode_b64(&rand::rng().random::<[u8; 16]>())?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks `password` against a stored hash; malformed hashes never match.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, compared against on unknown emails so that a login for a
/// missing account costs the same time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash(&uuid::Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Why a new password is refused (Saleor runs Django's four default validators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`MIN_LENGTH`] characters.
    TooShort,
    /// Too similar to the email or the name.
    TooSimilar,
    /// On the list of common passwords.
    TooCommon,
    /// Only digits.
    EntirelyNumeric,
}

impl PasswordProblem {
    /// Django's message for the problem.
    pub fn message(self) -> &'static str {
        match self {
            Self::TooShort => "This password is too short. It must contain at least 8 characters.",
            Self::TooSimilar => "The password is too similar to the email.",
            Self::TooCommon => "This password is too common.",
            Self::EntirelyNumeric => "This password is entirely numeric.",
        }
    }
}

/// Minimum password length, as Saleor.
pub const MIN_LENGTH: usize = 8;

/// Validates a new password against the user's attributes (email, names), in Django's
/// order: similarity, length, common, numeric.
pub fn validate(password: &str, attributes: &[&str]) -> Result<(), PasswordProblem> {
    let lower = password.to_lowercase();
    for attribute in attributes.iter().filter(|a| !a.trim().is_empty()) {
        let attribute = attribute.to_lowercase();
        let mut parts: Vec<&str> = attribute
            .split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .collect();
        parts.push(&attribute);
        if parts
            .iter()
            .any(|part| similarity(&lower, part) >= MAX_SIMILARITY)
        {
            return Err(PasswordProblem::TooSimilar);
        }
    }
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if COMMON.contains(&lower.trim()) {
        return Err(PasswordProblem::TooCommon);
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        return Err(PasswordProblem::EntirelyNumeric);
    }
    Ok(())
}

/// Django's `UserAttributeSimilarityValidator` default.
const MAX_SIMILARITY: f64 = 0.7;

/// Ratcliff/Obershelp similarity (Python's `SequenceMatcher.ratio()`): 2·M / T.
fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matching(&a, &b) as f64 / total as f64
}

fn matching(a: &[char], b: &[char]) -> usize {
    // Longest common substring, then recurse on both sides.
    let (mut best, mut best_i, mut best_j) = (0usize, 0usize, 0usize);
    let mut prev = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                row[j + 1] = prev[j] + 1;
                if row[j + 1] > best {
                    best = row[j + 1];
                    best_i = i + 1 - best;
                    best_j = j + 1 - best;
                }
            }
        }
        prev = row;
    }
    if best == 0 {
        return 0;
    }
    best + matching(&a[..best_i], &b[..best_j]) + matching(&a[best_i + best..], &b[best_j + best..])
}

/// The most common passwords (a short head of Django's list; lower case).
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "password1234",
    "passw0rd",
    "12345678",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "welcome123",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "1q2w3e4r",
    "1qaz2wsx",
    "zaq12wsx",
    "qazwsxedc",
    "trustno1",
    "superman",
    "batman123",
    "starwars",
    "whatever",
    "dragon123",
    "monkey123",
    "letmein1",
    "letmein123",
    "master123",
    "michael1",
    "jennifer",
    "jordan23",
    "liverpool",
    "chelsea1",
    "arsenal1",
    "computer",
    "internet",
    "samsung1",
    "charlie1",
    "corvette",
    "mercedes",
    "maverick",
    "hello123",
    "freedom1",
    "shadow12",
    "asdfghjk",
    "asdfasdf",
    "11111111",
    "00000000",
    "88888888",
    "87654321",
    "12341234",
    "11223344",
    "q1w2e3r4",
    "changeme",
    "administrator",
    "admin123",
    "admin1234",
    "root1234",
    "test1234",
    "testtest",
    "password!",
    "p@ssw0rd",
    "p@ssword",
    "iloveyou1",
    "secret123",
    "football1",
    "baseball1",
    "princess1",
    "sunshine1",
    "aaaaaaaa",
    "qwertyui",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let stored = hash("correct horse").unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored));
        assert!(!verify("wrong", &stored));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn validation() {
        assert_eq!(validate("short1", &[]), Err(PasswordProblem::TooShort));
        assert_eq!(
            validate("password123", &[]),
            Err(PasswordProblem::TooCommon)
        );
        assert_eq!(
            validate("9876543210123", &[]),
            Err(PasswordProblem::EntirelyNumeric)
        );
        assert_eq!(
            validate("johnsmith1", &["johnsmith@example.com"]),
            Err(PasswordProblem::TooSimilar)
        );
        assert_eq!(validate("Correct-Horse-7", &["john@example.com"]), Ok(()));
        assert!((similarity("abcd", "bcde") - 0.75).abs() < 1e-9);
    }
}
