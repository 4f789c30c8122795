//! Identity on the wire: scopes, key kinds, validated emails, names and passwords, and the
//! request/response bodies of `/v1/connect` and `/v1/api-keys` (SPEC §3, §4.3, §6).

use serde::{Deserialize, Serialize};

use crate::error::ErrorDetail;
use crate::ids::{AccountId, ApiKeyId};
use crate::listing::ListSpec;
pub use crate::secret::ShownOnce;
use crate::vocabulary::closed_set;

/// What `GET /v1/api-keys` accepts: paging and `sort` by `created_at` (default, newest first),
/// `name` or `last_used_at`.
pub const API_KEY_LIST: ListSpec = ListSpec {
    sort_fields: &["created_at", "name", "last_used_at"],
    default_sort: "-created_at",
    filters: &[],
};

/// The browser session cookie's name on plain HTTP (development on this machine).
pub const SESSION_COOKIE: &str = "mc_session";

/// The session cookie's name over HTTPS: the `__Host-` prefix makes the browser refuse it
/// unless it is `Secure`, for this host only and `Path=/`, so a sibling subdomain cannot plant
/// one.
pub const SECURE_SESSION_COOKIE: &str = "__Host-mc_session";

/// The session cookie's name: [`SECURE_SESSION_COOKIE`] when cookies are `Secure`.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The value of cookie `name` in a `Cookie` header value, if present.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// The signed-in person, as pages show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    /// Account id (UUID).
    pub account_id: AccountId,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Rate-limit plan.
    pub plan: Plan,
}

closed_set! {
    /// What an API key may do (SPEC §3). `admin` includes every other scope.
    #[derive(PartialOrd, Ord)]
    pub enum Scope("scope") {
        /// Read campaigns.
        CampaignsRead = "campaigns:read",
        /// Create, start and stop campaigns.
        CampaignsWrite = "campaigns:write",
        /// Delete campaigns.
        CampaignsDelete = "campaigns:delete",
        /// Read datasets.
        DatasetsRead = "datasets:read",
        /// Upload and delete datasets.
        DatasetsWrite = "datasets:write",
        /// Read templates.
        TemplatesRead = "templates:read",
        /// Upload parts.
        FilesWrite = "files:write",
        /// Read orders.
        OrdersRead = "orders:read",
        /// Quote and order.
        OrdersWrite = "orders:write",
        /// Manage webhook endpoints.
        WebhooksWrite = "webhooks:write",
        /// Change settings such as autopay.
        SettingsWrite = "settings:write",
        /// Everything in the account, including key management.
        Admin = "admin",
    }
}

impl Scope {
    /// A sentence saying what the scope allows, for forms.
    pub fn description(self) -> &'static str {
        match self {
            Scope::CampaignsRead => "Read campaigns, jobs and results",
            Scope::CampaignsWrite => "Create, start, stop and retry campaigns",
            Scope::CampaignsDelete => "Delete campaigns",
            Scope::DatasetsRead => "Read datasets",
            Scope::DatasetsWrite => "Upload and delete datasets",
            Scope::TemplatesRead => "Read templates",
            Scope::FilesWrite => "Upload parts",
            Scope::OrdersRead => "Read quotes and orders",
            Scope::OrdersWrite => "Quote and place orders",
            Scope::WebhooksWrite => "Manage webhook endpoints",
            Scope::SettingsWrite => "Change settings such as autopay",
            Scope::Admin => "Everything, including managing API keys",
        }
    }
}

/// True when `granted` allows `needed` (`admin` allows everything).
pub fn scopes_allow(granted: &[Scope], needed: Scope) -> bool {
    granted.contains(&Scope::Admin) || granted.contains(&needed)
}

closed_set! {
    /// The kind of an API key, visible in its prefix (SPEC §3).
    pub enum KeyKind("key kind") {
        /// `mc_live_`: production.
        Live = "live",
        /// `mc_test_`: sandbox; never charges money.
        Test = "test",
        /// `mc_ci_`: automation.
        Ci = "ci",
    }
}

impl KeyKind {
    /// The key prefix, e.g. `mc_live_`.
    pub fn prefix(self) -> &'static str {
        match self {
            KeyKind::Live => "mc_live_",
            KeyKind::Test => "mc_test_",
            KeyKind::Ci => "mc_ci_",
        }
    }

    /// The kind of a raw key, from its prefix.
    pub fn of_key(raw: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| raw.starts_with(k.prefix()))
    }
}

closed_set! {
    /// An account's plan: its rate-limit tier.
    pub enum Plan("plan") {
        /// The configured default (60 requests a minute).
        Free = "free",
        /// 300 requests a minute.
        Pro = "pro",
        /// 1000 requests a minute.
        Scale = "scale",
    }
}

closed_set! {
    /// What a one-time secret mailed to an account's address proves when it comes back.
    pub enum ChallengePurpose("challenge purpose") {
        /// A code for `POST /v1/connect` on an existing email.
        ConnectCode = "connect_code",
        /// A link that confirms the address of a new account.
        VerifyEmail = "verify_email",
        /// A link that sets a (first or new) password.
        SetPassword = "set_password",
    }
}

closed_set! {
    /// What an account may do beyond its own resources.
    pub enum Role("role") {
        /// Its own resources only.
        User = "user",
        /// Also the operator console (moves paid orders to delivery).
        Operator = "operator",
    }
}

/// A syntactically valid email address, kept as typed; compare with [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Longest accepted address (RFC 5321 path limit).
    pub const MAX_LEN: usize = 254;

    /// Accepts `local@domain.tld` without spaces, up to 254 characters.
    pub fn parse(raw: &str) -> Result<Self, ErrorDetail> {
        let email = raw.trim();
        let invalid = || {
            ErrorDetail::new("email", "must be an email address like name@example.com")
                .with_value(raw)
        };
        if email.len() > Self::MAX_LEN {
            return Err(ErrorDetail::new(
                "email",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && email
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>');
        if ok {
            Ok(Email(email.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Lower-cased, for case-insensitive comparison and uniqueness.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A display name: 1 to 100 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Longest accepted name.
    pub const MAX_LEN: usize = 100;

    /// Validates a name given in field `path`.
    pub fn parse(raw: &str, path: &str) -> Result<Self, ErrorDetail> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(ErrorDetail::new(path, "must not be empty"));
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(ErrorDetail::new(
                path,
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ErrorDetail::new(
                path,
                "must not contain control characters",
            ));
        }
        Ok(DisplayName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a new password's length: at least 10 characters, at most 256.
pub fn check_new_password(password: &str) -> Result<(), ErrorDetail> {
    let n = password.chars().count();
    if n < 10 {
        Err(ErrorDetail::new(
            "password",
            "must be at least 10 characters long",
        ))
    } else if n > 256 {
        Err(ErrorDetail::new(
            "password",
            "must be at most 256 characters long",
        ))
    } else {
        Ok(())
    }
}

/// `POST /v1/connect` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// The account's email. A new email gets an account and a key at once; an existing one
    /// gets a code mailed to it first.
    pub email: String,
    /// Who is connecting (an agent's or a person's name): the account's name when it is
    /// created, and part of the new key's name.
    pub name: String,
    /// The code mailed to an existing account's address, to get a key for it.
    #[serde(default)]
    pub code: Option<String>,
}

/// What `POST /v1/connect` answers: a key (201), or a request for the mailed code (202).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ConnectOutcome {
    /// 201: an account (new, or proven with the code) and its new key.
    Connected(ConnectResponse),
    /// 202: the email has an account; a code was mailed to it.
    VerificationRequired(VerificationRequired),
}

/// 202 from `POST /v1/connect` for an existing email (SPEC §6): no key until the code mailed
/// to the address comes back in `code`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerificationRequired {
    /// Always `verification_required`.
    pub status: String,
    /// Always `ask_user_for_code`: ask the person who reads this email for the code.
    pub next_action: String,
    /// What happened and what to do, for the agent to relay.
    pub message: String,
}

/// `POST /v1/connect` response (SPEC §6).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectResponse {
    /// The account (UUID).
    pub account_id: AccountId,
    /// The account's email.
    pub email: String,
    /// The new key's id (`key_…`).
    pub api_key_id: ApiKeyId,
    /// The new key; shown this once, only its hash is stored.
    pub api_key: ShownOnce,
    /// What to do next.
    pub message: String,
}

/// The security settings the account page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSecurity {
    /// The owner proved control of the email (a mailed link or code).
    pub email_verified: bool,
    /// `POST /v1/connect` may issue keys for this account (always with a mailed code).
    pub connect_enabled: bool,
    /// The account has a password (accounts made by connect have none until one is set).
    pub has_password: bool,
}

/// A signed-in browser as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// `sess_…`, to end this one session.
    pub id: String,
    /// The browser's own description (`User-Agent`), shortened.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub client_address: Option<String>,
    /// Signed in at (RFC 3339).
    pub created_at: String,
    /// Last request (RFC 3339; updated every few minutes).
    pub last_seen_at: String,
    /// Ends at the latest (RFC 3339) unless used within the idle limit.
    pub expires_at: String,
    /// This is the browser asking.
    pub current: bool,
}

/// An API key as listed: never the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    /// `key_…`.
    pub id: ApiKeyId,
    /// The owner's label.
    pub name: String,
    /// The first characters of the key, e.g. `mc_live_3f9a`, to recognise it.
    pub prefix: String,
    /// `live`, `test` or `ci`.
    pub kind: KeyKind,
    /// What the key may do.
    pub scopes: Vec<Scope>,
    /// Networks the key may be used from (CIDR); empty means anywhere.
    pub allowed_ips: Vec<String>,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Expiry (RFC 3339), if any.
    pub expires_at: Option<String>,
    /// Last authenticated use (RFC 3339), if any.
    pub last_used_at: Option<String>,
    /// Authenticated requests made with the key.
    pub request_count: u64,
    /// When it was revoked (RFC 3339), if it was.
    pub revoked_at: Option<String>,
}

/// `POST /v1/api-keys` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// A label to recognise the key by.
    pub name: String,
    /// What the key may do (at least one).
    pub scopes: Vec<Scope>,
    /// Optional expiry (RFC 3339), in the future.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// `live`, `test` or `ci`; defaults to the server's mode (`test` in development).
    #[serde(default)]
    pub kind: Option<KeyKind>,
}

/// `POST /v1/api-keys` response data: the key, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The stored key.
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The secret; shown this once.
    pub api_key: ShownOnce,
}

/// `PATCH /v1/api-keys/{id}` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateApiKeyRequest {
    /// Networks the key may be used from (CIDR or single addresses); `[]` allows anywhere.
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    /// A new label.
    #[serde(default)]
    pub name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_admin_allows_everything() {
        for &scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>().unwrap(), scope);
            assert_eq!(
                serde_json::to_value(scope).unwrap(),
                serde_json::json!(scope.as_str())
            );
        }
        assert!(scopes_allow(&[Scope::Admin], Scope::OrdersWrite));
        assert!(scopes_allow(&[Scope::OrdersWrite], Scope::OrdersWrite));
        assert!(!scopes_allow(&[Scope::OrdersRead], Scope::OrdersWrite));
        assert!("orders:delete".parse::<Scope>().is_err());
    }

    #[test]
    fn cookies_are_found_by_name() {
        let header = "theme=dark; mc_session=abc123; other=\"x\"";
        assert_eq!(cookie_value(header, "mc_session"), Some("abc123"));
        assert_eq!(cookie_value(header, "other"), Some("x"));
        assert_eq!(cookie_value(header, "missing"), None);
        assert_eq!(cookie_value("mc_session_old=1", "mc_session"), None);
    }

    #[test]
    fn key_kinds_are_read_from_the_prefix() {
        assert_eq!(KeyKind::of_key("mc_live_abc"), Some(KeyKind::Live));
        assert_eq!(KeyKind::of_key("mc_test_abc"), Some(KeyKind::Test));
        assert_eq!(KeyKind::of_key("mc_ci_abc"), Some(KeyKind::Ci));
        assert_eq!(KeyKind::of_key("sk_live_abc"), None);
    }

    #[test]
    fn emails_are_validated_and_normalised() {
        let e = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(e.normalized(), "ada.lovelace@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@.example.com",
            "ada@example..com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.path, "email", "{bad}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Ada ", "name").unwrap().as_str(),
            "Ada"
        );
        assert!(DisplayName::parse("   ", "name").is_err());
        assert!(DisplayName::parse(&"x".repeat(101), "name").is_err());
        assert!(DisplayName::parse("a\u{0}b", "name").is_err());
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough!").is_ok());
        assert!(check_new_password(&"x".repeat(300)).is_err());
    }
}
