//! Credentials encrypted at rest: XChaCha20-Poly1305 under a key from the environment.
//!
//! The store only ever holds sealed bytes. Each credential is sealed with its source as
//! associated data, so sealed bytes copied onto another source do not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The environment variable holding the base64 of 32 random bytes.
pub const SECRET_KEY_ENV: &str = "OMDOMME_SECRET_KEY";

const NONCE_BYTES: usize = 24;
/// Sealed bytes start with this, so a future scheme can be told apart.
const VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "{SECRET_KEY_ENV} must be the base64 of 32 random bytes (make one with `omdomme sources key`): {0}"
    )]
    BadKey(String),
    #[error(
        "the stored credential does not open with this {SECRET_KEY_ENV}: the key changed, or the credential belongs to another source; set it again"
    )]
    WrongKey,
}

/// The key credentials are sealed with. Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct SecretKey(XChaCha20Poly1305);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    pub fn from_base64(text: &str) -> Result<SecretKey, SecretError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| SecretError::BadKey(e.to_string()))?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey(format!("it has {} bytes", bytes.len())));
        }
        XChaCha20Poly1305::new_from_slice(&bytes)
            .map(SecretKey)
            .map_err(|e| SecretError::BadKey(e.to_string()))
    }

    /// A fresh random key, as the base64 text to put in [`SECRET_KEY_ENV`].
    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    }

    /// Encrypts `secret` for the source named by `context` (e.g. `acme/mastodon:social`).
    pub fn seal(&self, secret: &Secret, context: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: secret.expose().as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption fails only for messages beyond 256 GiB.
        let ciphertext = self
            .0
            .encrypt(XNonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut sealed = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Secret, SecretError> {
        if sealed.len() < 1 + NONCE_BYTES || sealed[0] != VERSION {
            return Err(SecretError::WrongKey);
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_BYTES);
        let payload = Payload {
            msg: ciphertext,
            aad: context.as_bytes(),
        };
        let plain = self
            .0
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| SecretError::WrongKey)
    }
}

/// A credential in memory: a token, an app password, or a JSON bundle of several. Its
/// `Debug` and `Display` never show it, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_bound_to_key_and_source() {
        let key = SecretKey::from_base64(&SecretKey::generate_base64()).expect("key");
        let token = Secret::new("tok-123");
        let sealed = key.seal(&token, "acme/x:search");
        assert!(!sealed.windows(7).any(|w| w == b"tok-123"));
        assert_eq!(key.open(&sealed, "acme/x:search"), Ok(token.clone()));
        assert_eq!(
            key.open(&sealed, "acme/x:other"),
            Err(SecretError::WrongKey)
        );
        let other = SecretKey::from_base64(&SecretKey::generate_base64()).expect("key");
        assert_eq!(
            other.open(&sealed, "acme/x:search"),
            Err(SecretError::WrongKey)
        );
        assert_eq!(
            key.open(&sealed[..10], "acme/x:search"),
            Err(SecretError::WrongKey)
        );
        assert_eq!(format!("{token:?} {token}"), "Secret(..) ***");
    }

    #[test]
    fn bad_keys_are_named() {
        assert!(matches!(
            SecretKey::from_base64("not base64!"),
            Err(SecretError::BadKey(_))
        ));
        let short = SecretKey::from_base64("AAAA").err().map(|e| e.to_string());
        assert!(short.unwrap_or_default().contains("3 bytes"));
    }
}
