//! API keys: issuing, listing, revoking and updating them, and turning one into a [`Caller`].
//! A key is shown once; only its SHA-256 and a short display prefix are stored.

use std::net::IpAddr;

use domain::auth::{
    ApiKeyView, CreateApiKeyRequest, CreatedApiKey, DisplayName, KeyKind, Scope, ShownOnce,
    UpdateApiKeyRequest,
};
use domain::error::{ErrorCode, ErrorDetail};
use domain::ids::ApiKeyId;
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use ipnet::IpNet;
use store::api_keys::{ApiKey, NewApiKey};
use store::{now_ms, AccountId, Db};

use super::{sha256_hex, AuthFailure, AuthMethod, Caller};
use crate::error::{Found, Resource};
use crate::{quotas, ServiceError, Services};

const KEY_RANDOM_BYTES: usize = 24;

pub(super) fn new_key(kind: KeyKind) -> String {
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

/// Stores a new key for `owner`; the secret is returned once and only its hash is kept.
pub(super) async fn issue_key(
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
        self.key_caller(key, client).await
    }

    /// The caller of a stored `key` used from `client`, counting the use: refused when the key
    /// is revoked, expired or used outside its `allowed_ips`. A key presented as such and a
    /// credential derived from one (a websocket ticket) both pass here.
    pub(crate) async fn key_caller(
        &self,
        key: ApiKey,
        client: Option<IpAddr>,
    ) -> Result<Caller, ServiceError> {
        let now = now_ms();
        if key.revoked_at.is_some() {
            return Err(ServiceError::Unauthenticated(AuthFailure::Invalid));
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
            role: account.role,
            scopes: key.scopes,
            key_id: Some(key.id),
            key_kind: Some(key.kind),
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
        // A sandbox key must not open the way to real money: a key mints only keys of its own
        // kind (a browser session, which proved the password, may choose any).
        let kind = req
            .kind
            .unwrap_or(caller.key_kind.unwrap_or(self.config.default_key_kind));
        if let Some(own) = caller.key_kind.filter(|own| *own != kind) {
            return Err(ServiceError::Forbidden {
                code: ErrorCode::Forbidden,
                message: format!(
                    "A {}… key can only create {}… keys; sign in to the web app to create a \
                     {}… key.",
                    own.prefix(),
                    own.prefix(),
                    kind.prefix()
                ),
            });
        }
        let tx = self.db.begin().await?;
        self.reserve(&tx, caller, &[(quotas::API_KEYS, 1)]).await?;
        let (key, raw) = issue_key(
            &tx,
            caller.account(),
            name.as_str(),
            kind,
            &scopes,
            expires_at,
            now,
        )
        .await?;
        tx.commit().await?;
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
}
