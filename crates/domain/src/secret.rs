//! Secrets that must reach their owner once (a new API key in its create response) but never a
//! log: the value serialises as a plain string and its `Debug` hides it. Secrets that stay on
//! the server (session tokens, signing keys, generated passwords) are `secrecy::SecretString`.

use serde::{Deserialize, Serialize};

/// A secret shown to its owner once, in the response that created it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ShownOnce(String);

impl ShownOnce {
    /// Wraps a secret just made.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, to show or send.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ShownOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShownOnce(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_once_secret_serialises_plainly_but_never_debug_prints() {
        let key = ShownOnce::new("mc_test_0123456789".into());
        assert_eq!(serde_json::to_value(&key).unwrap(), "mc_test_0123456789");
        assert!(!format!("{key:?}").contains("0123"));
        assert_eq!(key.expose(), "mc_test_0123456789");
    }
}
