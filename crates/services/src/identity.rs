//! Identity: who a request comes from, and how people and agents prove it.
//!
//! - [`keys`]: API keys, and turning one into a [`Caller`].
//! - [`connect`]: `POST /v1/connect` — a new email gets an account and a key at once; an
//!   existing one gets a key only with the code mailed to its address.
//! - [`accounts`]: browser sign-up, email verification, set-password and forgot-password
//!   links, sign-in, the connect switch.
//! - [`sessions`]: browser sessions with idle and absolute expiry, the session list and
//!   "sign out everywhere".
//! - [`challenges`]: the one-time codes and links mailed to an address.
//! - [`passwords`]: Argon2id hashing behind a semaphore sized to the cores.
//! - [`throttle`]: the attempt counters of sign-in and sign-up.

mod accounts;
mod challenges;
mod connect;
mod keys;
mod passwords;
mod sessions;
mod throttle;

use std::net::IpAddr;

use domain::auth::{
    check_new_password, scopes_allow, DisplayName, Email, KeyKind, Plan, Role, Scope,
};
use domain::auth::{ShownOnce, UserView};
use domain::error::ErrorCode;
use domain::ids::ApiKeyId;
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use store::accounts::Account;
use store::AccountId;

pub use accounts::SignUpOutcome;
pub use passwords::PasswordHashing;
pub use throttle::address_key;

use crate::ServiceError;

/// How a caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Bearer mc_…`.
    ApiKey,
    /// The browser's session cookie.
    Session,
}

/// An authenticated caller. Every account-owned resource is looked up through
/// [`Caller::account`], so another account's resources are never found.
#[derive(Debug, Clone)]
pub struct Caller {
    account: AccountId,
    /// The account's plan (rate-limit tier).
    pub plan: Plan,
    /// The account's role: operators also see the platform's queues and the operator console.
    pub role: Role,
    /// What the caller may do; a session has `admin`.
    pub scopes: Vec<Scope>,
    /// The API key used, if any.
    pub key_id: Option<ApiKeyId>,
    /// The kind of that key (`mc_test_` keys may only mint `mc_test_` keys).
    pub key_kind: Option<KeyKind>,
    /// How the caller authenticated.
    pub method: AuthMethod,
}

impl Caller {
    /// A caller signed in with a browser session: `admin` in its own account.
    pub(crate) fn session(account: &Account) -> Self {
        Self {
            account: account.id.clone(),
            plan: account.plan,
            role: account.role,
            scopes: vec![Scope::Admin],
            key_id: None,
            key_kind: None,
            method: AuthMethod::Session,
        }
    }

    /// The caller's account: pass it to every repository query.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// `Forbidden` naming `scope` unless the caller has it.
    pub fn require(&self, scope: Scope) -> Result<(), ServiceError> {
        if scopes_allow(&self.scopes, scope) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                code: ErrorCode::Forbidden,
                message: format!("This API key lacks the '{scope}' scope needed here."),
            })
        }
    }

    /// The bucket the caller's requests and websockets are counted in: its account, whichever
    /// key or session it uses, so minting keys does not multiply the budget.
    pub fn rate_bucket(&self) -> String {
        format!("account:{}", self.account)
    }
}

/// Why a credential was refused. Unknown and revoked keys are indistinguishable to callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credential was sent.
    Missing,
    /// Malformed, unknown or revoked.
    Invalid,
    /// The key expired at this time (RFC 3339). Only the key's holder can see this.
    Expired(String),
    /// The key may not be used from this address.
    AddressNotAllowed(IpAddr),
}

/// A new browser session: the cookie value (set once) and who it belongs to.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value; only its hash is stored.
    pub token: SecretString,
    /// The signed-in person.
    pub user: UserView,
    /// Absolute expiry (ms): the cookie's lifetime. The server also ends it after the idle
    /// limit without use.
    pub expires_at: i64,
}

/// Where a browser request comes from, for the session list and the throttles.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// The client's address (see [`crate::network::client_address`]).
    pub address: Option<IpAddr>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
}

/// Credentials of the demo account created on first run.
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    /// Sign-in email.
    pub email: String,
    /// Sign-in password (random; printed once).
    pub password: SecretString,
    /// An API key with `admin`.
    pub api_key: ShownOnce,
}

/// What pages see of an account: never its password hash.
pub fn user_view(account: &Account) -> UserView {
    UserView {
        account_id: account.id.clone(),
        name: account.name.clone(),
        email: account.email.clone(),
        plan: account.plan,
    }
}

/// Hex SHA-256, the stored form of keys, session tokens and mailed secrets.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Validates an email and a name (and a new password, when given), reporting every problem.
fn parse_person(
    email: &str,
    name: &str,
    password: Option<&str>,
) -> Result<(Email, DisplayName), ServiceError> {
    let name = DisplayName::parse(name, "name");
    let email = Email::parse(email);
    let password = password.map_or(Ok(()), check_new_password);
    match (email, name, password) {
        (Ok(email), Ok(name), Ok(())) => Ok((email, name)),
        (email, name, password) => Err(ServiceError::Invalid(
            [email.err(), name.err(), password.err()]
                .into_iter()
                .flatten()
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
