//! Browser sessions: a random 256-bit token in a cookie, only its SHA-256 stored. A session
//! ends 30 days after sign-in at the latest, and after 7 days without use (the idle limit
//! slides with every request). The account page lists them; "sign out everywhere" ends them
//! all; setting a password ends every other session (security review L8).

use domain::auth::{SessionView, UserView};
use domain::ids::SessionId;
use domain::time::rfc3339_from_millis;
use secrecy::{ExposeSecret, SecretString};
use store::accounts::Account;
use store::sessions::NewSession as StoredSession;
use store::{now_ms, Db};

use super::{sha256_hex, user_view, Caller, ClientInfo, NewSession};
use crate::error::{Found, Resource};
use crate::{ServiceError, Services};

/// The longest `User-Agent` kept for the session list.
const USER_AGENT_CHARS: usize = 200;

fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Services {
    /// Starts a session for `account` (inside `db`'s unit of work).
    pub(super) async fn start_session(
        &self,
        db: &Db,
        account: &Account,
        client: &ClientInfo,
        now: i64,
    ) -> Result<NewSession, ServiceError> {
        let token = SecretString::from(store::ids::random_hex(32));
        let expires_at = now.saturating_add(millis(self.config.session_ttl));
        let sessions = db.sessions();
        // Sign-ins are rare enough to carry the clean-up of ended sessions.
        sessions
            .purge_expired(now, millis(self.config.session_idle))
            .await?;
        let user_agent: Option<String> = client.user_agent.as_deref().map(|ua| {
            ua.chars()
                .filter(|c| !c.is_control())
                .take(USER_AGENT_CHARS)
                .collect()
        });
        let address = client.address.map(|ip| ip.to_string());
        sessions
            .create(
                StoredSession {
                    token_hash: &sha256_hex(token.expose_secret()),
                    owner: &account.id,
                    expires_at,
                    user_agent: user_agent.as_deref(),
                    client_address: address.as_deref(),
                },
                now,
            )
            .await?;
        Ok(NewSession {
            token,
            user: user_view(account),
            expires_at,
        })
    }

    /// Ends the session with this cookie value (no error if it is already gone).
    pub async fn sign_out(&self, token: &str) -> Result<(), ServiceError> {
        self.db.sessions().delete(&sha256_hex(token)).await?;
        Ok(())
    }

    /// Ends every session of the caller's account, this one included.
    pub async fn sign_out_everywhere(&self, caller: &Caller) -> Result<u64, ServiceError> {
        Ok(self.db.sessions().delete_all(caller.account()).await?)
    }

    /// Ends one of the caller's sessions.
    pub async fn end_session(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        let id = SessionId::parse(id).ok_or(ServiceError::NotFound(Resource::Record))?;
        self.db
            .sessions()
            .delete_by_id(caller.account(), &id)
            .await
            .found(Resource::Record)
    }

    /// The caller's live sessions; `current` marks the one with this cookie value.
    pub async fn list_sessions(
        &self,
        caller: &Caller,
        current_token: Option<&str>,
    ) -> Result<Vec<SessionView>, ServiceError> {
        let current = current_token.map(sha256_hex);
        let sessions = self
            .db
            .sessions()
            .list(caller.account(), now_ms(), millis(self.config.session_idle))
            .await?;
        Ok(sessions
            .into_iter()
            .map(|s| SessionView {
                current: current.as_deref() == Some(s.token_hash.as_str()),
                id: s.id.to_string(),
                user_agent: s.user_agent,
                client_address: s.client_address,
                created_at: rfc3339_from_millis(s.created_at),
                last_seen_at: rfc3339_from_millis(s.last_seen_at),
                expires_at: rfc3339_from_millis(s.expires_at),
            })
            .collect())
    }

    /// The signed-in person and their caller for a live session cookie, if any. Using a
    /// session slides its idle limit.
    pub async fn session(&self, token: &str) -> Result<Option<(UserView, Caller)>, ServiceError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let account = self
            .db
            .sessions()
            .account(
                &sha256_hex(token),
                now_ms(),
                millis(self.config.session_idle),
            )
            .await?;
        Ok(account.map(|account| (user_view(&account), Caller::session(&account))))
    }
}
