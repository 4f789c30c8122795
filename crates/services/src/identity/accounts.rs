//! Browser accounts: sign-up, email verification, set-password links, sign-in, and the
//! account's security switches.
//!
//! Sign-up never claims an existing account (security review H1): whatever the email, the
//! answer is "check your email". A new email gets an unverified account with the chosen
//! password and a confirmation link; an existing one gets a mail with a link to set a
//! password (connect-made accounts have none) or, when it has one, to sign in or reset it. The
//! typed password is never attached to an existing account. Password sign-in needs a
//! confirmed email. "Forgot password" mails the same set-password link, which is also the way
//! back in while sign-in is throttled.

use domain::auth::{AccountSecurity, ChallengePurpose, Email, Scope};
use domain::error::ErrorCode;
use secrecy::{ExposeSecret, SecretString};
use store::accounts::{Account, NewAccount};
use store::{now_ms, Db};

use super::challenges::{Issued, PASSWORD_HOURS, VERIFY_HOURS};
use super::keys::issue_key;
use super::throttle::{Limit, Window};
use super::{parse_person, Caller, ClientInfo, DemoCredentials, NewSession};
use crate::error::Resource;
use crate::mail::templates;
use crate::{ServiceError, Services};

const HOUR_MS: i64 = 3_600_000;
const SIGNIN_WINDOW_MS: i64 = 15 * 60_000;
/// Failed sign-ins per client address (IPv6 by /64) per 15 minutes.
const SIGNIN_PER_ADDRESS: i64 = 50;
/// Failed sign-ins per email from one address per 15 minutes: the owner's own budget.
const SIGNIN_PER_EMAIL_AND_ADDRESS: i64 = 10;
/// Sign-ins per email from everywhere per 15 minutes: slows a distributed guesser; the owner
/// still gets in with a mailed set-password link.
const SIGNIN_PER_EMAIL: i64 = 100;

/// What sign-up did (it answers the same whatever the email; only tests look inside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpOutcome {
    /// A new, unconfirmed account; a confirmation link was mailed.
    Created,
    /// The email had an account; a mail with a link went to it instead.
    AlreadyRegistered,
}

impl Services {
    /// Browser sign-up; see the module documentation. Throttled per client address.
    pub async fn sign_up(
        &self,
        name: &str,
        email: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<SignUpOutcome, ServiceError> {
        let (email, name) = parse_person(email, name, Some(password.expose_secret()))?;
        let now = now_ms();
        Window::around(now, HOUR_MS)
            .count(
                &self.db,
                &[Limit::per_address(
                    "signup",
                    client.address,
                    self.config.signups_per_address_per_hour,
                )],
            )
            .await?;
        // Hashed whatever the email, so an existing account answers as slowly as a new one.
        let hash = self.passwords.hash(password.clone()).await?;
        let normalized = email.normalized();
        let tx = self.db.begin().await?;
        let new = NewAccount {
            email: email.as_str(),
            email_normalized: &normalized,
            name: name.as_str(),
            password_hash: Some(&hash),
            email_verified_at: None,
        };
        let outcome = match tx.accounts().create_if_absent(new, now).await? {
            Some(account) => {
                self.mail_confirmation_link(&tx, &account, now).await?;
                SignUpOutcome::Created
            }
            None => {
                let existing = tx
                    .accounts()
                    .find_by_email(&normalized)
                    .await?
                    .ok_or(ServiceError::NotFound(Resource::Record))?;
                self.mail_password_link(&tx, &existing, PasswordMail::SignUpAttempt, now)
                    .await?;
                SignUpOutcome::AlreadyRegistered
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Opens a confirmation link: the email is verified and the browser signed in.
    pub async fn confirm_email(
        &self,
        token: &str,
        client: &ClientInfo,
    ) -> Result<NewSession, ServiceError> {
        let now = now_ms();
        let tx = self.db.begin().await?;
        let challenge = self
            .redeem_link(&tx, token, ChallengePurpose::VerifyEmail, now)
            .await?;
        tx.accounts()
            .mark_email_verified(&challenge.account_id, now)
            .await?;
        let account = tx.accounts().get(&challenge.account_id).await?;
        let session = self.start_session(&tx, &account, client, now).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Opens a set-password link with the new password: the password is set, the email
    /// counts as verified (the link came to it), every other session ends, and this browser
    /// is signed in.
    pub async fn set_password_with_link(
        &self,
        token: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<NewSession, ServiceError> {
        domain::auth::check_new_password(password.expose_secret())
            .map_err(ServiceError::invalid)?;
        let hash = self.passwords.hash(password.clone()).await?;
        let now = now_ms();
        let tx = self.db.begin().await?;
        let challenge = self
            .redeem_link(&tx, token, ChallengePurpose::SetPassword, now)
            .await?;
        let accounts = tx.accounts();
        accounts
            .set_password_hash(&challenge.account_id, &hash, now)
            .await?;
        accounts
            .mark_email_verified(&challenge.account_id, now)
            .await?;
        // A new password ends every session, so one that leaked with the old password dies.
        tx.sessions().delete_all(&challenge.account_id).await?;
        tx.email_challenges()
            .retire(&challenge.account_id, ChallengePurpose::SetPassword, now)
            .await?;
        let account = accounts.get(&challenge.account_id).await?;
        let session = self.start_session(&tx, &account, client, now).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// "Forgot password": mails a set-password link when the email has an account. Answers
    /// the same either way; throttled per client address.
    pub async fn forgot_password(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), ServiceError> {
        let email = Email::parse(email).map_err(ServiceError::invalid)?;
        let now = now_ms();
        Window::around(now, HOUR_MS)
            .count(
                &self.db,
                &[Limit::per_address(
                    "forgot",
                    client.address,
                    self.config.signups_per_address_per_hour,
                )],
            )
            .await?;
        if let Some(account) = self
            .db
            .accounts()
            .find_by_email(&email.normalized())
            .await?
        {
            let tx = self.db.begin().await?;
            self.mail_password_link(&tx, &account, PasswordMail::Reset, now)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The account page's "email me a link to set a new password".
    pub async fn mail_own_password_link(&self, caller: &Caller) -> Result<(), ServiceError> {
        caller.require(Scope::Admin)?;
        let account = self.db.accounts().get(caller.account()).await?;
        let tx = self.db.begin().await?;
        self.mail_password_link(&tx, &account, PasswordMail::Reset, now_ms())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks email and password. Every attempt is counted first, per address, per email from
    /// that address and per email overall; a confirmed email is needed (otherwise a new
    /// confirmation link is mailed and `email_not_verified` answered).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &SecretString,
        client: &ClientInfo,
    ) -> Result<NewSession, ServiceError> {
        let normalized = email.trim().to_lowercase();
        if normalized.is_empty() || normalized.len() > Email::MAX_LEN {
            return Err(ServiceError::InvalidCredentials);
        }
        let now = now_ms();
        let window = Window::around(now, SIGNIN_WINDOW_MS);
        let own = Limit::per_email_and_address(
            "signin",
            &normalized,
            client.address,
            SIGNIN_PER_EMAIL_AND_ADDRESS,
        );
        window
            .count(
                &self.db,
                &[
                    Limit::per_address("signin", client.address, SIGNIN_PER_ADDRESS),
                    Limit::per_email("signin", &normalized, SIGNIN_PER_EMAIL),
                ],
            )
            .await?;
        window.count(&self.db, std::slice::from_ref(&own)).await?;
        let account = self.db.accounts().find_by_email(&normalized).await?;
        let hash = account.as_ref().and_then(|a| a.password_hash.clone());
        if !self.passwords.verify(password.clone(), hash).await? {
            return Err(ServiceError::InvalidCredentials);
        }
        let account = account.ok_or(ServiceError::InvalidCredentials)?;
        window.forget(&self.db, &own).await?;
        let tx = self.db.begin().await?;
        if account.email_verified_at.is_none() {
            self.mail_confirmation_link(&tx, &account, now).await?;
            tx.commit().await?;
            return Err(ServiceError::Forbidden {
                code: ErrorCode::EmailNotVerified,
                message: "Confirm your email first: we mailed you a link. Open it and you are \
                          signed in."
                    .to_owned(),
            });
        }
        let session = self.start_session(&tx, &account, client, now).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The account page's security switches.
    pub async fn account_security(&self, caller: &Caller) -> Result<AccountSecurity, ServiceError> {
        let account = self.db.accounts().get(caller.account()).await?;
        Ok(AccountSecurity {
            email_verified: account.email_verified_at.is_some(),
            connect_enabled: account.connect_disabled_at.is_none(),
            has_password: account.password_hash.is_some(),
        })
    }

    /// Turns `POST /v1/connect` on or off for the caller's account (admin only).
    pub async fn set_connect_enabled(
        &self,
        caller: &Caller,
        enabled: bool,
    ) -> Result<(), ServiceError> {
        caller.require(Scope::Admin)?;
        self.db
            .accounts()
            .set_connect_enabled(caller.account(), enabled, now_ms())
            .await?;
        Ok(())
    }

    /// On an empty database, creates the demo account (confirmed, with a random password) and
    /// an `admin` key, and returns them to print. `None` when any account exists.
    pub async fn ensure_demo_account(&self) -> Result<Option<DemoCredentials>, ServiceError> {
        if self.db.accounts().count().await? > 0 {
            return Ok(None);
        }
        let (email, name) = parse_person("demo@mattercraft.local", "Demo Scientist", None)?;
        let password = SecretString::from(store::ids::random_hex(8));
        let hash = self.passwords.hash(password.clone()).await?;
        let now = now_ms();
        let tx = self.db.begin().await?;
        let Some(account) = tx
            .accounts()
            .create_if_absent(
                NewAccount {
                    email: email.as_str(),
                    email_normalized: &email.normalized(),
                    name: name.as_str(),
                    password_hash: Some(&hash),
                    email_verified_at: Some(now),
                },
                now,
            )
            .await?
        else {
            return Ok(None);
        };
        let (_, api_key) = issue_key(
            &tx,
            &account.id,
            "demo",
            self.config.default_key_kind,
            &[Scope::Admin],
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(DemoCredentials {
            email: account.email,
            password,
            api_key,
        }))
    }

    async fn mail_confirmation_link(
        &self,
        tx: &Db,
        account: &Account,
        now: i64,
    ) -> Result<(), ServiceError> {
        if let Some(Issued::Link(token)) = self
            .issue_challenge(tx, &account.id, ChallengePurpose::VerifyEmail, now)
            .await?
        {
            let link = self.link("/verify-email", &token);
            self.enqueue_mail(
                tx,
                templates::verify_email(&account.email, &account.name, &link, VERIFY_HOURS),
            )
            .await?;
        }
        Ok(())
    }

    async fn mail_password_link(
        &self,
        tx: &Db,
        account: &Account,
        why: PasswordMail,
        now: i64,
    ) -> Result<(), ServiceError> {
        let Some(Issued::Link(token)) = self
            .issue_challenge(tx, &account.id, ChallengePurpose::SetPassword, now)
            .await?
        else {
            return Ok(());
        };
        let link = self.link("/set-password", &token);
        let (to, name) = (&account.email, &account.name);
        let mail = match (why, account.password_hash.is_some()) {
            (PasswordMail::SignUpAttempt, true) => {
                let sign_in = format!("{}/signin", self.config.public_url.trim_end_matches('/'));
                templates::already_registered(to, name, &sign_in, &link, PASSWORD_HOURS)
            }
            (PasswordMail::SignUpAttempt, false) => {
                templates::set_first_password(to, name, &link, PASSWORD_HOURS)
            }
            (PasswordMail::Reset, _) => templates::reset_password(to, name, &link, PASSWORD_HOURS),
        };
        self.enqueue_mail(tx, mail).await
    }
}

/// Why a set-password link is mailed.
#[derive(Debug, Clone, Copy)]
enum PasswordMail {
    /// Someone signed up with an email that has an account.
    SignUpAttempt,
    /// The owner asked for it.
    Reset,
}
