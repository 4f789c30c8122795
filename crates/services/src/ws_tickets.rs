//! Websocket tickets: the short-lived credential an API-key client puts in the URL of
//! `/v1/ws/campaigns/{id}` (`?ticket=…`) instead of its long-lived key, which would end up in
//! proxy logs and monitoring. Browsers need none: they open the socket with their session
//! cookie.
//!
//! A ticket is stateless: `wst1.<account>.<key id>.<expires at, ms>.<signature>`, the signature
//! being HMAC-SHA256 over the other fields with a key derived from the server secret for this
//! purpose only. It is valid for [`TICKET_LIFETIME`] and only while its key is: every use
//! checks the key again (revoked, expired, `allowed_ips`) and yields that key's caller. An open
//! socket re-checks its credential periodically ([`Services::socket_still_authorized`]), so a
//! revoked key or an ended session stops streaming soon after.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use domain::auth::Scope;
use domain::campaigns::WsTicket;
use domain::error::ErrorCode;
use domain::ids::ApiKeyId;
use domain::time::rfc3339_from_millis;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use store::{now_ms, AccountId, StoreError};

use crate::{AuthFailure, AuthMethod, Caller, ServiceError, Services};

/// How long a ticket can be used after it was issued.
pub const TICKET_LIFETIME: Duration = Duration::from_secs(60);

/// The first field of every ticket: the format's version.
const VERSION: &str = "wst1";

/// The key tickets are signed with, derived from the server secret. Its `Debug` hides it.
#[derive(Clone)]
pub struct TicketKey {
    key: [u8; 32],
}

impl fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketKey").finish_non_exhaustive()
    }
}

impl TicketKey {
    /// The websocket-ticket key of the server secret `secret` (another purpose's key, such as
    /// the upload URLs', is derived with another label, so one never verifies the other).
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"mattercraft websocket tickets v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, account: &str, key_id: &str, expires_at: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(format!("{VERSION}\n{account}\n{key_id}\n{expires_at}").as_bytes());
        mac
    }

    /// A ticket for `key_id` of `account`, valid until `expires_at` (ms).
    pub fn issue(&self, account: &AccountId, key_id: &ApiKeyId, expires_at: i64) -> String {
        let signature = self
            .mac(account.as_str(), key_id.as_str(), expires_at)
            .finalize()
            .into_bytes();
        format!(
            "{VERSION}.{account}.{key_id}.{expires_at}.{}",
            hex::encode(signature)
        )
    }

    /// The account and key a ticket was issued for, when its signature is right (compared in
    /// constant time) and it has not expired at `now`.
    pub fn verify(&self, ticket: &str, now: i64) -> Option<(AccountId, ApiKeyId)> {
        if ticket.len() > 256 {
            return None;
        }
        let mut fields = ticket.split('.');
        let (Some(VERSION), Some(account), Some(key_id), Some(expires_at), Some(signature), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return None;
        };
        let signature = hex::decode(signature).ok()?;
        let expires_at: i64 = expires_at.parse().ok()?;
        self.mac(account, key_id, expires_at)
            .verify_slice(&signature)
            .ok()?;
        if expires_at <= now {
            return None;
        }
        Some((AccountId::parse(account)?, ApiKeyId::parse(key_id)?))
    }
}

impl Services {
    /// `POST /v1/ws-tickets`: a ticket for the caller's API key (scope `campaigns:read`, the
    /// websocket's), valid for [`TICKET_LIFETIME`]. A browser session gets none: it opens the
    /// websocket with its cookie.
    pub async fn create_ws_ticket(&self, caller: &Caller) -> Result<WsTicket, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let key_id = caller
            .key_id
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden {
                code: ErrorCode::Forbidden,
                message: "Websocket tickets are for API keys; a browser opens the websocket with \
                      its session cookie."
                    .into(),
            })?;
        let expires_at = now_ms() + i64::try_from(TICKET_LIFETIME.as_millis()).unwrap_or(60_000);
        Ok(WsTicket {
            ticket: self
                .ws_ticket_key()?
                .issue(caller.account(), key_id, expires_at),
            expires_at: rfc3339_from_millis(expires_at),
        })
    }

    /// The caller of a websocket ticket used from `client`: its key's, when the ticket is
    /// genuine and unexpired and the key is still usable from there. Anything else is 401
    /// `invalid_api_key`, as for a bad key.
    pub async fn authenticate_ws_ticket(
        &self,
        ticket: &str,
        client: Option<IpAddr>,
    ) -> Result<Caller, ServiceError> {
        let invalid = || ServiceError::Unauthenticated(AuthFailure::Invalid);
        let (account, key_id) = self
            .ws_ticket_key()?
            .verify(ticket, now_ms())
            .ok_or_else(invalid)?;
        let key = match self.db.api_keys().get(&account, &key_id).await {
            Ok(key) => key,
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(e.into()),
        };
        self.key_caller(key, client).await
    }

    /// Whether the credential behind an open websocket still holds: the caller's key is
    /// neither revoked nor expired, or (for a browser) `session_token` is still a signed-in
    /// session of the caller's account.
    pub async fn socket_still_authorized(
        &self,
        caller: &Caller,
        session_token: Option<&str>,
    ) -> Result<bool, ServiceError> {
        match (caller.method, &caller.key_id, session_token) {
            (AuthMethod::ApiKey, Some(key_id), _) => {
                match self.db.api_keys().get(caller.account(), key_id).await {
                    Ok(key) => {
                        Ok(key.revoked_at.is_none()
                            && key.expires_at.is_none_or(|at| at > now_ms()))
                    }
                    Err(StoreError::NotFound) => Ok(false),
                    Err(e) => Err(e.into()),
                }
            }
            (AuthMethod::Session, _, Some(token)) => Ok(self
                .session(token)
                .await?
                .is_some_and(|(_, session)| session.account() == caller.account())),
            _ => Ok(false),
        }
    }

    fn ws_ticket_key(&self) -> Result<&TicketKey, ServiceError> {
        self.ws_tickets.as_ref().ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!(
                "no websocket ticket key: build Services with with_ws_tickets"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (AccountId, ApiKeyId) {
        (
            AccountId::parse("0b6c4a1e-2f7d-4c55-9d0e-6a8f3b2c1d00").unwrap(),
            ApiKeyId::parse("key_0123abc").unwrap(),
        )
    }

    #[test]
    fn a_ticket_names_its_account_and_key_until_it_expires() {
        let key = TicketKey::derive(b"a server secret of at least thirty-two bytes");
        let (account, key_id) = ids();
        let ticket = key.issue(&account, &key_id, 1_000_060_000);
        assert!(ticket.starts_with("wst1."), "{ticket}");
        assert_eq!(
            key.verify(&ticket, 1_000_000_000),
            Some((account, key_id)),
            "valid before its expiry"
        );
        assert_eq!(key.verify(&ticket, 1_000_060_000), None, "expired");
    }

    #[test]
    fn a_tampered_or_foreign_ticket_is_refused() {
        let key = TicketKey::derive(b"a server secret of at least thirty-two bytes");
        let (account, key_id) = ids();
        let ticket = key.issue(&account, &key_id, 2_000);
        let other_key = ApiKeyId::parse("key_0123abd").unwrap();
        let tampered = [
            ticket.replace("key_0123abc", other_key.as_str()),
            ticket.replace(".2000.", ".9000."),
            {
                let (head, last) = ticket.split_at(ticket.len() - 1);
                format!("{head}{}", if last == "0" { "1" } else { "0" })
            },
            ticket[..ticket.len() - 2].to_owned(),
            format!("{ticket}.extra"),
            ticket.replace("wst1.", "wst2."),
            String::new(),
        ];
        for bad in &tampered {
            assert_eq!(key.verify(bad, 1_000), None, "{bad}");
        }
        let foreign = TicketKey::derive(b"another server secret, thirty-two bytes long");
        assert_eq!(foreign.verify(&ticket, 1_000), None, "another server's key");
        assert!(!format!("{key:?}").contains(&hex::encode(key.key)));
    }
}
