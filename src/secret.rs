//! The master key that encrypts secrets at rest (gateway credentials, webhook keys,
//! signing keys). From `BIZGRAPH_SECRET_KEY`; on the embedded SQLite default it is generated
//! once and stored beside the database file (mode 0600).

use std::path::{Path, PathBuf};

use rand::{Rng, distr::Alphanumeric};
use sha2::{Digest, Sha256};

/// 32 bytes derived from the configured master key.
pub struct MasterKey([u8; 32]);

/// Why no master key is available.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("BIZGRAPH_SECRET_KEY must be set when the database is not the embedded SQLite file")]
    Required,
    #[error("BIZGRAPH_SECRET_KEY must be at least 32 characters long")]
    TooShort,
    #[error("cannot read or write the key file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl MasterKey {
    /// Derives the key from its text form (at least 32 characters).
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        if text.trim().len() < 32 {
            return Err(KeyError::TooShort);
        }
        Ok(Self(Sha256::digest(text.trim().as_bytes()).into()))
    }

    /// A random key that lives only in memory (in-memory SQLite databases and tests).
    pub fn ephemeral() -> Self {
        Self(rand::rng().random())
    }

    /// The configured key, or for a SQLite database file the key stored beside it (created
    /// on first start), or an ephemeral key for an in-memory database.
    pub fn load(configured: Option<&str>, database_url: &str) -> Result<Self, KeyError> {
        if let Some(text) = configured {
            return Self::from_text(text);
        }
        match sqlite_file(database_url) {
            Some(None) => Ok(Self::ephemeral()),
            Some(Some(db_file)) => {
                let mut path = db_file.into_os_string();
                path.push(".key");
                Self::load_or_create(Path::new(&path))
            }
            None => Err(KeyError::Required),
        }
    }

    fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let file_error = |source| KeyError::File {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text: String = rand::rng()
                    .sample_iter(&Alphanumeric)
                    .take(48)
                    .map(char::from)
                    .collect();
                write_private(path, &text).map_err(file_error)?;
                tracing::info!(path = %path.display(), "generated a master key for the embedded database");
                Self::from_text(&text)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    /// The raw key bytes.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Encrypts `plaintext` with AES-256-GCM under this key, binding it to `context` (e.g.
    /// the row's purpose and id) so a ciphertext cannot be moved to another row. Returns
    /// base64 of nonce ‖ ciphertext ‖ tag.
    pub fn encrypt(&self, plaintext: &[u8], context: &[u8]) -> Result<String, CryptoError> {
        use base64::Engine;
        use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let key =
            LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).map_err(|_| CryptoError)?);
        let nonce_bytes: [u8; 12] = rand::rng().random();
        let mut buffer = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(context),
            &mut buffer,
        )
        .map_err(|_| CryptoError)?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buffer);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    /// Decrypts the output of [`MasterKey::encrypt`] made with the same key and context.
    pub fn decrypt(&self, encoded: &str, context: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use base64::Engine;
        use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| CryptoError)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError)?;
        let key =
            LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).map_err(|_| CryptoError)?);
        let mut buffer = sealed.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context), &mut buffer)
            .map_err(|_| CryptoError)?;
        Ok(plain.to_vec())
    }
}

/// A secret could not be encrypted or decrypted (wrong master key, or tampered data).
#[derive(Debug, thiserror::Error)]
#[error("cannot encrypt or decrypt a secret (wrong master key or corrupted data)")]
pub struct CryptoError;

/// Writes `text` to a new file readable and writable by its owner only (fails if it exists).
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// For a SQLite URL: `Some(Some(file))` for a file database, `Some(None)` for an in-memory
/// one. `None` for other databases.
pub(crate) fn sqlite_file(url: &str) -> Option<Option<PathBuf>> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return Some(None);
    }
    Some(Some(PathBuf::from(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_file("sqlite://bizgraph.db?mode=rwc"),
            Some(Some(PathBuf::from("bizgraph.db")))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), Some(None));
        assert_eq!(sqlite_file("postgres://x/y"), None);
        assert!(matches!(
            MasterKey::load(None, "postgres://x/y"),
            Err(KeyError::Required)
        ));
        assert!(matches!(
            MasterKey::from_text("short"),
            Err(KeyError::TooShort)
        ));
    }

    #[test]
    fn encrypt_round_trip() {
        let key = MasterKey::ephemeral();
        let sealed = key.encrypt(b"secret", b"ctx").unwrap_or_default();
        assert_eq!(
            key.decrypt(&sealed, b"ctx").ok().as_deref(),
            Some(&b"secret"[..])
        );
        assert!(key.decrypt(&sealed, b"other").is_err());
        assert!(MasterKey::ephemeral().decrypt(&sealed, b"ctx").is_err());
        assert!(key.decrypt("garbage", b"ctx").is_err());
    }

    #[test]
    fn generated_key_is_persisted() {
        let dir = tempfile::tempdir().ok();
        let Some(dir) = dir else { return };
        let url = format!("sqlite://{}/x.db?mode=rwc", dir.path().display());
        let a = MasterKey::load(None, &url).ok().map(|k| *k.bytes());
        let b = MasterKey::load(None, &url).ok().map(|k| *k.bytes());
        assert!(a.is_some());
        assert_eq!(a, b);
    }
}
