//! Sealing a message for the task queue: XChaCha20-Poly1305 under a key derived from the server
//! secret, so a `tasks` row (and a database backup) never holds a one-time code or a sign-in
//! link in plaintext, and a changed row is refused rather than sent.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The purpose label the sealing key is derived with (never reused for another key).
const KEY_LABEL: &[u8] = b"mattercraft mail payloads v1";
/// Bound into every seal as associated data: a sealed value made for another purpose under the
/// same key would not open here.
const AAD: &[u8] = b"mattercraft SendMail v1";
/// The format's version, first in every sealed string.
const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    /// Not a sealed value of this format (wrong prefix, not hex, too short).
    #[error("the sealed message is malformed")]
    Malformed,
    /// Changed, or sealed under another key (e.g. the server secret was changed since).
    #[error("the sealed message does not open with this server's secret (changed, or sealed under another secret)")]
    Rejected,
}

/// Seals and opens with one key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").finish_non_exhaustive()
    }
}

impl Sealer {
    /// The sealer whose key is HMAC-SHA256(`secret`, purpose label).
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(KEY_LABEL);
        let key = mac.finalize().into_bytes();
        Self {
            cipher: XChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// `plaintext` sealed under a fresh random nonce, as `v1.<hex nonce‖ciphertext‖tag>`.
    pub fn seal(&self, plaintext: &[u8]) -> String {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: AAD,
                },
            )
            .expect("encryption fails only beyond 256 GiB; a mail is far smaller");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", hex::encode(out))
    }

    /// The plaintext of a value made by [`Sealer::seal`] with the same key.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, OpenError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|hex| hex::decode(hex).ok())
            .ok_or(OpenError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: AAD,
                },
            )
            .map_err(|_| OpenError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a server secret of at least thirty-two bytes";

    #[test]
    fn a_sealed_message_opens_with_the_same_secret_and_hides_its_text() {
        let sealer = Sealer::from_secret(SECRET);
        let text = b"Your code is 4F7Q-ZK2M; https://example.test/reset?t=secret";
        let sealed = sealer.seal(text);
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("4F7Q"), "{sealed}");
        assert!(!sealed.contains(&hex::encode(b"4F7Q")), "{sealed}");
        assert_eq!(sealer.open(&sealed).unwrap(), text);
        // Same plaintext, fresh nonce: two seals differ.
        assert_ne!(sealer.seal(text), sealed);
    }

    #[test]
    fn a_changed_byte_anywhere_is_refused() {
        let sealer = Sealer::from_secret(SECRET);
        let sealed = sealer.seal(b"one-time code 123456");
        let hex_part = &sealed[PREFIX.len()..];
        for at in [0, NONCE_LEN * 2, hex_part.len() - 1] {
            let mut chars: Vec<char> = hex_part.chars().collect();
            chars[at] = if chars[at] == '0' { '1' } else { '0' };
            let tampered = format!("{PREFIX}{}", chars.into_iter().collect::<String>());
            assert_eq!(
                sealer.open(&tampered),
                Err(OpenError::Rejected),
                "byte {at}"
            );
        }
        let truncated = &sealed[..sealed.len() - 2];
        assert_eq!(sealer.open(truncated), Err(OpenError::Rejected));
    }

    #[test]
    fn another_secret_or_a_malformed_value_does_not_open() {
        let sealed = Sealer::from_secret(SECRET).seal(b"hello");
        let other = Sealer::from_secret(b"another secret of thirty-two bytes or more");
        assert_eq!(other.open(&sealed), Err(OpenError::Rejected));
        let sealer = Sealer::from_secret(SECRET);
        for bad in ["", "v1.", "v1.zz", "v2.00", "v1.0011", "hello"] {
            assert!(sealer.open(bad).is_err(), "{bad:?}");
        }
        assert_eq!(sealer.open("v1.00"), Err(OpenError::Malformed));
    }
}
