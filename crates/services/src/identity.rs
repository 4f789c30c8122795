//! Identity: `/v1/connect`, API keys, password sign-up/sign-in, sessions, and turning a
//! credential into a [`Caller`] whose account scopes every later query.

use std::net::IpAddr;
use std::sync::OnceLock;

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use domain::auth::{
    check_new_password, scopes_allow, ApiKeyView, ConnectRequest, ConnectResponse,
    CreateApiKeyRequest, CreatedApiKey, DisplayName, Email, KeyKind, Plan, Scope, ShownOnce,
    UpdateApiKeyRequest, UserView,
};
use domain::error::{ErrorCode, ErrorDetail};
use domain::ids::ApiKeyId;
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use store::accounts::{Account, NewAccount, PasswordHash};
use store::api_keys::{ApiKey, NewApiKey};
use store::{now_ms, AccountId, Db};

use crate::error::{Found, Resource};
use crate::{ServiceError, Services};

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
    /// What the caller may do; a session has `admin`.
    pub scopes: Vec<Scope>,
    /// The API key used, if any.
    pub key_id: Option<ApiKeyId>,
    /// How the caller authenticated.
    pub method: AuthMethod,
}

impl Caller {
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

    /// The rate-limit bucket: per key, or per account for sessions.
    pub fn rate_bucket(&self) -> String {
        match &self.key_id {
            Some(key) => format!("key:{key}"),
            None => format!("account:{}", self.account),
        }
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
    /// Expiry (ms).
    pub expires_at: i64,
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

const SIGNIN_WINDOW_MS: i64 = 15 * 60_000;
const SIGNIN_PER_EMAIL: i64 = 10;
const SIGNIN_PER_ADDRESS: i64 = 50;
const KEY_RANDOM_BYTES: usize = 24;

/// Hex SHA-256, the stored form of keys and session tokens.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_key(kind: KeyKind) -> String {
    format!(
        "{}{}",
        kind.prefix(),
        store::ids::random_hex(KEY_RANDOM_BYTES)
    )
}

fn display_prefix(raw: &str, kind: KeyKind) -> String {
    raw.chars().take(kind.prefix().len() + 4).collect()
}

fn view(key: ApiKey) -> ApiKeyView {
    ApiKeyView {
        kind: key.kind,
        scopes: key.scopes,
        created_at: rfc3339_from_millis(key.created_at),
        expires_at: key.expires_at.map(rfc3339_from_millis),
        last_used_at: key.last_used_at.map(rfc3339_from_millis),
        revoked_at: key.revoked_at.map(rfc3339_from_millis),
        request_count: u64::try_from(key.request_count).unwrap_or_default(),
        allowed_ips: key.allowed_ips,
        id: key.id,
        name: key.name,
        prefix: key.prefix,
    }
}

fn parse_allowed_ips(raw: &[String]) -> Result<Vec<String>, ServiceError> {
    let mut errors = Vec::new();
    let mut nets = Vec::new();
    for (i, entry) in raw.iter().enumerate() {
        let entry = entry.trim();
        let parsed = entry
            .parse::<IpNet>()
            .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from));
        match parsed {
            Ok(net) => nets.push(net.trunc().to_string()),
            Err(_) => errors.push(
                ErrorDetail::new(
                    format!("allowed_ips[{i}]"),
                    "must be an IP address or a CIDR network such as 203.0.113.0/24",
                )
                .with_value(entry),
            ),
        }
    }
    if raw.len() > 50 {
        errors.push(ErrorDetail::new("allowed_ips", "at most 50 entries"));
    }
    if errors.is_empty() {
        Ok(nets)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}

fn address_allowed(allowed: &[String], ip: Option<IpAddr>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(ip) = ip else { return false };
    // An IPv4 client seen through an IPv6 socket must still match IPv4 networks.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    allowed
        .iter()
        .filter_map(|n| n.parse::<IpNet>().ok())
        .any(|net| net.contains(&ip))
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

async fn hash_password(password: SecretString) -> Result<PasswordHash, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| PasswordHash::new(h.to_string()))
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("password hashing task")?
    .map_err(ServiceError::Internal)
}

/// Verifies against `hash`, or against a fixed dummy hash when there is none, so an unknown
/// email takes as long as a wrong password (no account enumeration by timing).
async fn verify_password(
    password: SecretString,
    hash: Option<PasswordHash>,
) -> Result<bool, ServiceError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let dummy = DUMMY.get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"not a real password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let (stored, real) = match &hash {
            Some(h) => (h.expose(), true),
            None => (dummy.as_str(), false),
        };
        let ok = argon2::PasswordHash::new(stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && real
    })
    .await
    .context("password verification task")
    .map_err(ServiceError::Internal)
}

/// The account for `email`, created when there is none; `true` when it was created. Safe
/// inside a unit of work and when two first requests for one email race.
async fn find_or_create_account(
    db: &Db,
    email: &Email,
    name: &DisplayName,
    password_hash: Option<&PasswordHash>,
    now: i64,
) -> Result<(Account, bool), ServiceError> {
    let accounts = db.accounts();
    let normalized = email.normalized();
    if let Some(existing) = accounts.find_by_email(&normalized).await? {
        return Ok((existing, false));
    }
    let new = NewAccount {
        email: email.as_str(),
        email_normalized: &normalized,
        name: name.as_str(),
        password_hash,
    };
    if let Some(created) = accounts.create_if_absent(new, now).await? {
        return Ok((created, true));
    }
    // Another request created it since the lookup; it is committed now.
    accounts
        .find_by_email(&normalized)
        .await?
        .map(|existing| (existing, false))
        .ok_or(ServiceError::NotFound(Resource::Record))
}

/// Stores a new key for `owner`; the secret is returned once and only its hash is kept.
async fn issue_key(
    db: &Db,
    owner: &AccountId,
    name: &str,
    kind: KeyKind,
    scopes: &[Scope],
    expires_at: Option<i64>,
    now: i64,
) -> Result<(ApiKey, ShownOnce), ServiceError> {
    let raw = new_key(kind);
    let key = db
        .api_keys()
        .create(
            owner,
            NewApiKey {
                name,
                prefix: &display_prefix(&raw, kind),
                kind,
                key_hash: &sha256_hex(&raw),
                scopes,
                expires_at,
            },
            now,
        )
        .await?;
    Ok((key, ShownOnce::new(raw)))
}

impl Services {
    /// `POST /v1/connect`: creates the account for a new email, and in every case issues a
    /// new `admin` key (older keys keep working).
    pub async fn connect(&self, req: ConnectRequest) -> Result<ConnectResponse, ServiceError> {
        let (email, name) = parse_person(&req.email, &req.name, None)?;
        let now = now_ms();
        // One unit of work: a new account never exists without the key it was created for.
        let tx = self.db.begin().await?;
        let (account, created) = find_or_create_account(&tx, &email, &name, None, now).await?;
        let kind = self.config.default_key_kind;
        let (key, raw) = issue_key(
            &tx,
            &account.id,
            "connect",
            kind,
            &[Scope::Admin],
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ConnectResponse {
            account_id: account.id,
            email: account.email,
            api_key_id: key.id,
            api_key: raw,
            message: if created {
                "Account created. Store this API key now: it is shown only once. Send it as \
                 'Authorization: Bearer <key>'."
            } else {
                "A new API key was issued for this existing account; earlier keys keep working. \
                 Store it now: it is shown only once."
            }
            .to_owned(),
        })
    }

    /// Turns a raw API key into a caller, counting the use. Unknown, malformed and revoked
    /// keys are all [`AuthFailure::Invalid`].
    pub async fn authenticate_key(
        &self,
        raw: &str,
        client: Option<IpAddr>,
    ) -> Result<Caller, ServiceError> {
        let invalid = || ServiceError::Unauthenticated(AuthFailure::Invalid);
        if KeyKind::of_key(raw).is_none() || raw.len() > 128 {
            return Err(invalid());
        }
        let key = self
            .db
            .api_keys()
            .find_by_hash(&sha256_hex(raw))
            .await?
            .ok_or_else(invalid)?;
        let now = now_ms();
        if key.revoked_at.is_some() {
            return Err(invalid());
        }
        if let Some(expired) = key.expires_at.filter(|at| *at <= now) {
            return Err(ServiceError::Unauthenticated(AuthFailure::Expired(
                rfc3339_from_millis(expired),
            )));
        }
        if !address_allowed(&key.allowed_ips, client) {
            return Err(ServiceError::Unauthenticated(
                AuthFailure::AddressNotAllowed(client.unwrap_or(IpAddr::from([0, 0, 0, 0]))),
            ));
        }
        let account = self.db.accounts().get(&key.account_id).await?;
        self.db.api_keys().record_use(&key.id, now).await?;
        Ok(Caller {
            account: key.account_id,
            plan: account.plan,
            scopes: key.scopes,
            key_id: Some(key.id),
            method: AuthMethod::ApiKey,
        })
    }

    /// `POST /v1/api-keys`: a new key for the caller's account, shown once.
    pub async fn create_api_key(
        &self,
        caller: &Caller,
        req: CreateApiKeyRequest,
    ) -> Result<CreatedApiKey, ServiceError> {
        caller.require(Scope::Admin)?;
        let mut errors = Vec::new();
        let name = DisplayName::parse(&req.name, "name")
            .map_err(|e| errors.push(e))
            .ok();
        if req.scopes.is_empty() {
            errors.push(ErrorDetail::new("scopes", "give at least one scope"));
        }
        let now = now_ms();
        let expires_at = match req
            .expires_at
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) if t.timestamp_millis() > now => Some(t.timestamp_millis()),
                Ok(_) => {
                    errors.push(
                        ErrorDetail::new("expires_at", "must be in the future").with_value(text),
                    );
                    None
                }
                Err(_) => {
                    errors.push(
                        ErrorDetail::new(
                            "expires_at",
                            "must be an RFC 3339 time such as 2027-01-31T00:00:00Z",
                        )
                        .with_value(text),
                    );
                    None
                }
            },
        };
        let Some(name) = name.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let mut scopes = req.scopes;
        scopes.sort();
        scopes.dedup();
        let kind = req.kind.unwrap_or(self.config.default_key_kind);
        let (key, raw) = issue_key(
            &self.db,
            caller.account(),
            name.as_str(),
            kind,
            &scopes,
            expires_at,
            now,
        )
        .await?;
        Ok(CreatedApiKey {
            key: view(key),
            api_key: raw,
        })
    }

    /// `GET /v1/api-keys`: a page of the caller's keys, without secrets.
    pub async fn list_api_keys(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<ApiKeyView>, u64), ServiceError> {
        caller.require(Scope::Admin)?;
        let (keys, total) = self
            .db
            .api_keys()
            .list(
                caller.account(),
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((keys.into_iter().map(view).collect(), total))
    }

    /// `DELETE /v1/api-keys/{id}`: revokes one of the caller's keys.
    pub async fn revoke_api_key(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        caller.require(Scope::Admin)?;
        let id = ApiKeyId::parse(id).ok_or(ServiceError::NotFound(Resource::ApiKey))?;
        self.db
            .api_keys()
            .revoke(caller.account(), &id, now_ms())
            .await
            .found(Resource::ApiKey)?;
        Ok(())
    }

    /// `PATCH /v1/api-keys/{id}`: changes the address allowlist or the name.
    pub async fn update_api_key(
        &self,
        caller: &Caller,
        id: &str,
        req: UpdateApiKeyRequest,
    ) -> Result<ApiKeyView, ServiceError> {
        caller.require(Scope::Admin)?;
        let id = ApiKeyId::parse(id).ok_or(ServiceError::NotFound(Resource::ApiKey))?;
        let ips = req
            .allowed_ips
            .as_deref()
            .map(parse_allowed_ips)
            .transpose()?;
        let name = req
            .name
            .as_deref()
            .map(|n| DisplayName::parse(n, "name"))
            .transpose()
            .map_err(ServiceError::invalid)?;
        let key = self
            .db
            .api_keys()
            .update(
                caller.account(),
                &id,
                ips.as_deref(),
                name.as_ref().map(DisplayName::as_str),
            )
            .await
            .found(Resource::ApiKey)?;
        Ok(view(key))
    }

    /// Creates a password account (or adds a password to an account created over the API
    /// that has none) and signs it in.
    pub async fn sign_up(
        &self,
        name: &str,
        email: &str,
        password: &SecretString,
    ) -> Result<NewSession, ServiceError> {
        let (email, name) = parse_person(email, name, Some(password.expose_secret()))?;
        let hash = hash_password(password.clone()).await?;
        let now = now_ms();
        // One unit of work: an account never exists without the session it was signed up for.
        let tx = self.db.begin().await?;
        let (account, created) =
            find_or_create_account(&tx, &email, &name, Some(&hash), now).await?;
        if !created {
            if account.password_hash.is_some() {
                return Err(ServiceError::Conflict(
                    "An account with this email already exists. Sign in instead.".into(),
                ));
            }
            tx.accounts()
                .set_password_hash(&account.id, &hash, now)
                .await?;
        }
        let session = self.start_session(&tx, account, now).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Checks email and password, throttled per email and per client address.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &SecretString,
        client: Option<IpAddr>,
    ) -> Result<NewSession, ServiceError> {
        let normalized = email.trim().to_lowercase();
        let now = now_ms();
        let window = now - now.rem_euclid(SIGNIN_WINDOW_MS);
        let retry_after_secs =
            u64::try_from((window + SIGNIN_WINDOW_MS - now) / 1000 + 1).unwrap_or(60);
        let counters = self.db.rate_counters();
        let email_bucket = format!("signin:email:{normalized}");
        let address_bucket = format!(
            "signin:ip:{}",
            client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
        );
        if counters.peek(&email_bucket, window).await? >= SIGNIN_PER_EMAIL
            || counters.peek(&address_bucket, window).await? >= SIGNIN_PER_ADDRESS
        {
            return Err(ServiceError::Throttled { retry_after_secs });
        }
        let account = self.db.accounts().find_by_email(&normalized).await?;
        let hash = account.as_ref().and_then(|a| a.password_hash.clone());
        if !verify_password(password.clone(), hash).await? {
            counters.hit(&email_bucket, window).await?;
            counters.hit(&address_bucket, window).await?;
            return Err(ServiceError::InvalidCredentials);
        }
        counters.reset(&email_bucket, window).await?;
        let account = account.ok_or(ServiceError::InvalidCredentials)?;
        self.start_session(&self.db, account, now).await
    }

    async fn start_session(
        &self,
        db: &Db,
        account: Account,
        now: i64,
    ) -> Result<NewSession, ServiceError> {
        let token = SecretString::from(store::ids::random_hex(32));
        let ttl = i64::try_from(self.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(ttl);
        let sessions = db.sessions();
        // Sign-ins are rare enough to carry the clean-up of expired sessions.
        sessions.purge_expired(now).await?;
        sessions
            .create(
                &sha256_hex(token.expose_secret()),
                &account.id,
                expires_at,
                now,
            )
            .await?;
        Ok(NewSession {
            token,
            user: user_view(&account),
            expires_at,
        })
    }

    /// Ends the session with this cookie value (no error if it is already gone).
    pub async fn sign_out(&self, token: &str) -> Result<(), ServiceError> {
        self.db.sessions().delete(&sha256_hex(token)).await?;
        Ok(())
    }

    /// The signed-in person and their caller for a live session cookie, if any.
    pub async fn session(&self, token: &str) -> Result<Option<(UserView, Caller)>, ServiceError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let Some(account) = self
            .db
            .sessions()
            .account(&sha256_hex(token), now_ms())
            .await?
        else {
            return Ok(None);
        };
        let caller = Caller {
            account: account.id.clone(),
            plan: account.plan,
            scopes: vec![Scope::Admin],
            key_id: None,
            method: AuthMethod::Session,
        };
        Ok(Some((user_view(&account), caller)))
    }

    /// On an empty database, creates the demo account with a random password and an `admin`
    /// key, and returns them to print. `None` when any account exists.
    pub async fn ensure_demo_account(&self) -> Result<Option<DemoCredentials>, ServiceError> {
        if self.db.accounts().count().await? > 0 {
            return Ok(None);
        }
        let password = SecretString::from(store::ids::random_hex(8));
        let session = self
            .sign_up("Demo Scientist", "demo@mattercraft.local", &password)
            .await?;
        let now = now_ms();
        let (_, api_key) = issue_key(
            &self.db,
            &session.user.account_id,
            "demo",
            self.config.default_key_kind,
            &[Scope::Admin],
            None,
            now,
        )
        .await?;
        self.sign_out(session.token.expose_secret()).await?;
        Ok(Some(DemoCredentials {
            email: session.user.email,
            password,
            api_key,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_their_prefix_and_192_random_bits() {
        for kind in [KeyKind::Live, KeyKind::Test, KeyKind::Ci] {
            let key = new_key(kind);
            assert!(key.starts_with(kind.prefix()));
            assert_eq!(key.len(), kind.prefix().len() + 48);
            assert_eq!(KeyKind::of_key(&key), Some(kind));
            assert_eq!(display_prefix(&key, kind).len(), kind.prefix().len() + 4);
        }
        assert_ne!(new_key(KeyKind::Live), new_key(KeyKind::Live));
    }

    #[test]
    fn allowlists_accept_networks_and_single_addresses() {
        let nets =
            parse_allowed_ips(&["10.1.2.3/8".into(), "203.0.113.7".into(), "::1".into()]).unwrap();
        assert_eq!(nets, ["10.0.0.0/8", "203.0.113.7/32", "::1/128"]);
        assert!(address_allowed(&nets, Some("10.9.9.9".parse().unwrap())));
        assert!(address_allowed(
            &nets,
            Some("::ffff:203.0.113.7".parse().unwrap())
        ));
        assert!(!address_allowed(&nets, Some("192.0.2.1".parse().unwrap())));
        assert!(!address_allowed(&nets, None));
        assert!(address_allowed(&[], None), "no allowlist allows everyone");
    }

    #[test]
    fn bad_allowlist_entries_are_reported_with_their_index() {
        match parse_allowed_ips(&["10.0.0.0/8".into(), "not-an-ip".into()]) {
            Err(ServiceError::Invalid(details)) => assert_eq!(details[0].path, "allowed_ips[1]"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
