//! `POST /v1/connect` (SPEC §6). A new email gets an account and an `admin` key at once, as
//! the seed does. An existing email gets **no key** without proof of control of the address:
//! a one-time code is mailed to it and the caller is told to ask its human for the code; the
//! same request with `code` then issues the key (security review C1). An account can turn
//! connect off; then the owner is told by mail and nothing is issued.

use domain::auth::{
    ChallengePurpose, ConnectOutcome, ConnectRequest, ConnectResponse, DisplayName, Scope,
    VerificationRequired,
};
use store::accounts::{Account, NewAccount};
use store::{now_ms, Db};

use super::challenges::{code_expired, Issued, CODE_MINUTES, MAILS_PER_HOUR};
use super::keys::issue_key;
use super::parse_person;
use super::throttle::{Limit, Window};
use crate::mail::templates;
use crate::{quotas, ServiceError, Services};

/// The name of a key issued by connect: who asked, and when, so the owner can tell keys apart.
fn key_name(name: &DisplayName, now: i64) -> String {
    let when = chrono::DateTime::from_timestamp_millis(now)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    let suffix = format!(" (connect, {when})");
    let room = DisplayName::MAX_LEN.saturating_sub(suffix.chars().count());
    let who: String = name.as_str().chars().take(room).collect();
    format!("{who}{suffix}")
}

impl Services {
    /// `POST /v1/connect`: see the module documentation.
    pub async fn connect(&self, req: ConnectRequest) -> Result<ConnectOutcome, ServiceError> {
        let (email, name) = parse_person(&req.email, &req.name, None)?;
        let now = now_ms();
        let normalized = email.normalized();
        if let Some(existing) = self.db.accounts().find_by_email(&normalized).await? {
            return match req.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => self.ask_for_code(&existing, &name, now).await,
                Some(code) => self.connect_with_code(&existing, &name, code, now).await,
            };
        }
        // One unit of work: a new account never exists without the key it was created for.
        let tx = self.db.begin().await?;
        let new = NewAccount {
            email: email.as_str(),
            email_normalized: &normalized,
            name: name.as_str(),
            password_hash: None,
            email_verified_at: None,
        };
        let Some(account) = tx.accounts().create_if_absent(new, now).await? else {
            // Another request created this email's account since the lookup: it is an
            // existing account now, so it needs the code like any other.
            drop(tx);
            let existing = self
                .db
                .accounts()
                .find_by_email(&normalized)
                .await?
                .ok_or(ServiceError::NotFound(crate::Resource::Record))?;
            return self.ask_for_code(&existing, &name, now).await;
        };
        let connected = self
            .issue_connect_key(&tx, &account, &name, now, true)
            .await?;
        tx.commit().await?;
        Ok(ConnectOutcome::Connected(connected))
    }

    /// 202 for an existing email: mails a code (or, with connect off, a note to the owner).
    async fn ask_for_code(
        &self,
        account: &Account,
        asker: &DisplayName,
        now: i64,
    ) -> Result<ConnectOutcome, ServiceError> {
        // At most a few notes an hour, like codes; counted before the unit of work, which must
        // not wait for a second connection.
        let note_allowed = account.connect_disabled_at.is_some()
            && Window::around(now, 3_600_000)
                .allows(
                    &self.db,
                    &Limit {
                        bucket: format!("connect-note:{}", account.id),
                        max: MAILS_PER_HOUR,
                    },
                )
                .await?;
        let tx = self.db.begin().await?;
        if account.connect_disabled_at.is_some() {
            let settings = format!("{}/account", self.config.public_url.trim_end_matches('/'));
            if note_allowed {
                self.enqueue_mail(
                    &tx,
                    templates::connect_disabled(&account.email, asker.as_str(), &settings),
                )
                .await?;
            }
        } else if let Some(Issued::Code(code)) = self
            .issue_challenge(&tx, &account.id, ChallengePurpose::ConnectCode, now)
            .await?
        {
            self.enqueue_mail(
                &tx,
                templates::connect_code(&account.email, asker.as_str(), &code, CODE_MINUTES),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ConnectOutcome::VerificationRequired(VerificationRequired {
            status: "verification_required".to_owned(),
            next_action: "ask_user_for_code".to_owned(),
            message: format!(
                "This email already has a MatterCraft account, so no key is issued without proof. \
                 We mailed a one-time code to the address (valid {CODE_MINUTES} minutes). Ask the \
                 person who reads that mailbox for the code, then call POST /v1/connect again \
                 with the same email and name and \"code\": \"<the code>\"."
            ),
        }))
    }

    /// 201 with a key when `code` is the one mailed to the account.
    async fn connect_with_code(
        &self,
        account: &Account,
        asker: &DisplayName,
        code: &str,
        now: i64,
    ) -> Result<ConnectOutcome, ServiceError> {
        if account.connect_disabled_at.is_some() {
            // No code was mailed while connect is off; say the same as for a spent code.
            return Err(code_expired());
        }
        let challenge = self.check_code(&account.id, code, now).await?;
        let tx = self.db.begin().await?;
        if !tx.email_challenges().consume(&challenge, now).await? {
            return Err(code_expired());
        }
        self.reserve_for(&tx, &account.id, account.plan, &[(quotas::API_KEYS, 1)])
            .await?;
        // The code proved control of the address.
        tx.accounts().mark_email_verified(&account.id, now).await?;
        let connected = self
            .issue_connect_key(&tx, account, asker, now, false)
            .await?;
        tx.commit().await?;
        Ok(ConnectOutcome::Connected(connected))
    }

    async fn issue_connect_key(
        &self,
        db: &Db,
        account: &Account,
        asker: &DisplayName,
        now: i64,
        created: bool,
    ) -> Result<ConnectResponse, ServiceError> {
        let (key, raw) = issue_key(
            db,
            &account.id,
            &key_name(asker, now),
            self.config.default_key_kind,
            &[Scope::Admin],
            None,
            now,
        )
        .await?;
        Ok(ConnectResponse {
            account_id: account.id.clone(),
            email: account.email.clone(),
            api_key_id: key.id,
            api_key: raw,
            message: if created {
                "Account created. Store this API key now: it is shown only once. Send it as \
                 'Authorization: Bearer <key>'."
            } else {
                "Code accepted: a new API key was issued for this account; earlier keys keep \
                 working. Store it now: it is shown only once."
            }
            .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_keys_are_named_after_the_caller_and_the_time() {
        let name = DisplayName::parse("claude-agent", "name").unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T18:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            key_name(&name, at),
            "claude-agent (connect, 2026-12-01 18:30 UTC)"
        );
        let long = DisplayName::parse(&"n".repeat(100), "name").unwrap();
        assert!(key_name(&long, at).chars().count() <= DisplayName::MAX_LEN);
    }
}
