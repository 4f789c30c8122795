//! One-time secrets mailed to an account's address, and their checks.
//!
//! - A **connect code** is 10 characters of Crockford base32 (50 bits), shown as
//!   `XXXXX-XXXXX`; 15 minutes, 5 tries, one use. Typing is forgiving: case, spaces, dashes and
//!   the look-alikes O/I/L do not matter.
//! - A **link** carries `chal_<id>.<256-bit secret>`; one use, a few hours.
//!
//! Only the SHA-256 of a secret is stored. At most [`MAILS_PER_HOUR`] secrets of one purpose
//! are mailed to one account an hour, so nobody can flood an inbox through these forms.

use domain::auth::ChallengePurpose;
use domain::error::ErrorCode;
use domain::ids::ChallengeId;
use rand::Rng;
use store::email_challenges::{Challenge, NewChallenge};
use store::{AccountId, Db};

use super::sha256_hex;
use crate::{ServiceError, Services};

/// Connect codes live this long.
pub(super) const CODE_MINUTES: u32 = 15;
/// Wrong codes allowed before a code is dead.
pub(super) const CODE_TRIES: i64 = 5;
/// Email-verification links live this long.
pub(super) const VERIFY_HOURS: u32 = 24;
/// Set-password links live this long.
pub(super) const PASSWORD_HOURS: u32 = 1;
/// Secrets of one purpose mailed to one account per hour, at most.
pub(super) const MAILS_PER_HOUR: i64 = 5;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new connect code, as mailed: `XXXXX-XXXXX`.
fn new_code() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..10)
        .map(|_| char::from(CROCKFORD[rng.random_range(0..32)]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A typed code in its canonical form.
fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// A secret that was just issued: what goes into the mail.
pub(super) enum Issued {
    /// A connect code, `XXXXX-XXXXX`.
    Code(String),
    /// A link token, `chal_….<secret>`.
    Link(String),
}

impl Services {
    /// Stores a new secret of `purpose` for `account` and returns it for the mail, or `None`
    /// when this account was mailed [`MAILS_PER_HOUR`] of them in the last hour already.
    pub(super) async fn issue_challenge(
        &self,
        db: &Db,
        account: &AccountId,
        purpose: ChallengePurpose,
        now: i64,
    ) -> Result<Option<Issued>, ServiceError> {
        let challenges = db.email_challenges();
        if challenges
            .count_since(account, purpose, now - 3_600_000)
            .await?
            >= MAILS_PER_HOUR
        {
            return Ok(None);
        }
        let (secret, max_attempts, lifetime_ms) = match purpose {
            ChallengePurpose::ConnectCode => {
                // A new code replaces the one before it.
                challenges.retire(account, purpose, now).await?;
                (new_code(), CODE_TRIES, i64::from(CODE_MINUTES) * 60_000)
            }
            ChallengePurpose::VerifyEmail => (
                store::ids::random_hex(32),
                1,
                i64::from(VERIFY_HOURS) * 3_600_000,
            ),
            ChallengePurpose::SetPassword => (
                store::ids::random_hex(32),
                1,
                i64::from(PASSWORD_HOURS) * 3_600_000,
            ),
        };
        let stored = match purpose {
            ChallengePurpose::ConnectCode => normalize_code(&secret),
            _ => secret.clone(),
        };
        let challenge = challenges
            .create(
                NewChallenge {
                    account_id: account,
                    purpose,
                    secret_hash: &sha256_hex(&stored),
                    max_attempts,
                    expires_at: now + lifetime_ms,
                },
                now,
            )
            .await?;
        Ok(Some(match purpose {
            ChallengePurpose::ConnectCode => Issued::Code(secret),
            _ => Issued::Link(format!("{}.{secret}", challenge.id)),
        }))
    }

    /// Checks a typed connect code against `account`'s live code; the code's id when it is
    /// right (use it up with [`store::email_challenges::EmailChallenges::consume`] in the unit
    /// of work that issues the key). Each answer costs one of the code's tries, counted before
    /// it is judged and on its own (never inside a caller's transaction, so a failed request
    /// still spends its try and parallel guesses get no more tries than allowed).
    pub(super) async fn check_code(
        &self,
        account: &AccountId,
        typed: &str,
        now: i64,
    ) -> Result<ChallengeId, ServiceError> {
        let challenges = self.db.email_challenges();
        let live = challenges
            .latest_live(account, ChallengePurpose::ConnectCode, now)
            .await?
            .ok_or_else(code_expired)?;
        let counted = challenges
            .attempt(&live.id, now)
            .await?
            .ok_or_else(code_expired)?;
        if constant_time_eq(&sha256_hex(&normalize_code(typed)), &counted.secret_hash) {
            return Ok(live.id);
        }
        let left = counted.max_attempts - counted.attempts;
        Err(if left > 0 {
            ServiceError::InvalidState {
                code: ErrorCode::InvalidVerificationCode,
                message: format!(
                    "That code is not right; {left} {} left. Check the latest mail.",
                    if left == 1 { "try" } else { "tries" }
                ),
            }
        } else {
            code_expired()
        })
    }

    /// Uses up the link token `token` of `purpose`; the account it was mailed to.
    pub(super) async fn redeem_link(
        &self,
        db: &Db,
        token: &str,
        purpose: ChallengePurpose,
        now: i64,
    ) -> Result<Challenge, ServiceError> {
        let expired = || ServiceError::InvalidState {
            code: ErrorCode::LinkExpired,
            message: match purpose {
                ChallengePurpose::VerifyEmail => {
                    "This confirmation link has expired or was already used. Sign in to have a \
                     new one mailed."
                }
                _ => {
                    "This link has expired or was already used. Ask for a new one with \
                     “Forgot password”."
                }
            }
            .to_owned(),
        };
        let (id, secret) = token.trim().split_once('.').ok_or_else(expired)?;
        let id = ChallengeId::parse(id).ok_or_else(expired)?;
        let challenges = db.email_challenges();
        let challenge = challenges
            .get(&id)
            .await?
            .filter(|c| c.purpose == purpose)
            .ok_or_else(expired)?;
        if !constant_time_eq(&sha256_hex(secret), &challenge.secret_hash)
            || !challenges.consume(&id, now).await?
        {
            return Err(expired());
        }
        Ok(challenge)
    }

    /// An absolute link to `path` on this site with `token`.
    pub(super) fn link(&self, path: &str, token: &str) -> String {
        let base = self.config.public_url.trim_end_matches('/');
        format!("{base}{path}?token={token}")
    }
}

/// No connect code is waiting (expired, used, or out of tries).
pub(super) fn code_expired() -> ServiceError {
    ServiceError::InvalidState {
        code: ErrorCode::VerificationCodeExpired,
        message: format!(
            "No code is waiting for this email: it expired (codes last {CODE_MINUTES} minutes), \
             was used, or ran out of tries. Call connect again without a code to have a new one \
             mailed."
        ),
    }
}

/// Compares two hex digests without an early exit.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_50_bits_and_forgive_case_dashes_and_look_alikes() {
        let code = new_code();
        assert_eq!(code.len(), 11);
        assert_eq!(&code[5..6], "-");
        assert_ne!(code, new_code());
        assert_eq!(normalize_code("ab0o1-il zz"), "AB00111ZZ");
        assert_eq!(normalize_code(&code.to_lowercase()), normalize_code(&code));
    }

    #[test]
    fn digests_compare_equal_only_when_equal() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
