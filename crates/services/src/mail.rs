//! Outgoing mail. A service renders a [`Mail`] with [`templates`] and enqueues it with
//! [`Services::enqueue_mail`] inside its own unit of work; the [`SendMail`] task then sends it
//! from the queue (durable, retried with back-off), never inside the request.
//!
//! The task's payload is the message sealed with XChaCha20-Poly1305 under a key derived from
//! the server secret ([`seal`]), so the `tasks` table never holds a one-time code or a sign-in
//! link in plaintext. Nothing here logs a body, a code, a link or an address: the log names the
//! task id only.
//!
//! Where mail goes is chosen once, at start-up ([`Mailer::from_config`]): an SMTP server when
//! `MATTERCRAFT_SMTP_URL` is set, otherwise the development mailbox,
//! `$MATTERCRAFT_DATA_DIR/mail/`, one `.eml` file per message and one console line with its
//! subject, recipient and link. Services built without a mailer refuse to enqueue mail (as
//! they refuse file operations without storage): a message is never silently dropped.

mod seal;
pub mod templates;
mod transport;

use std::path::PathBuf;
use std::sync::Arc;

use domain::error::ErrorDetail;
use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};
use store::tasks::{permanent, Handles, NewTask, TaskContext, TaskKind};
use store::Db;

pub use seal::{OpenError, Sealer};

use crate::{ServiceError, Services};

/// The sender when `MATTERCRAFT_MAIL_FROM` is not set.
pub const DEFAULT_FROM: &str = "MatterCraft <noreply@mattercraft.local>";

/// A rendered message. Its `Debug` shows the subject only: the body holds codes and links.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (every interpolated value escaped).
    pub html: String,
    /// The message's main link, printed to the console by the development mailbox.
    pub link: Option<String>,
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// What the mailer is built from.
pub struct MailConfig<'a> {
    /// `MATTERCRAFT_SMTP_URL`: send over SMTP; `None` writes to the mailbox folder.
    pub smtp_url: Option<SecretString>,
    /// `MATTERCRAFT_MAIL_FROM`: the sender, e.g. [`DEFAULT_FROM`].
    pub from: String,
    /// The development mailbox folder (`$MATTERCRAFT_DATA_DIR/mail`), used without SMTP.
    pub mailbox_dir: PathBuf,
    /// Print each mailbox message's link to the console (development); otherwise only its
    /// file's path is printed, so links never reach a production console's log collector.
    pub print_links: bool,
    /// The server secret; the sealing key is derived from it.
    pub secret: &'a [u8],
}

/// A mail setting that cannot work; the message names what is wrong, never the secret.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// The sender is not `Name <address>` or `address`.
    #[error("MATTERCRAFT_MAIL_FROM must be an address or 'Name <address>': {0}")]
    Sender(String),
    /// The SMTP URL is not usable.
    #[error("MATTERCRAFT_SMTP_URL: {0}")]
    SmtpUrl(String),
    /// The mailbox folder cannot be created.
    #[error("cannot create the mailbox folder {path}: {source}")]
    Mailbox {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Checks a sender (`MATTERCRAFT_MAIL_FROM`) without building a mailer.
pub fn validate_sender(from: &str) -> Result<(), MailConfigError> {
    parse_sender(from).map(drop)
}

/// Checks an SMTP URL (`MATTERCRAFT_SMTP_URL`) without connecting.
pub fn validate_smtp_url(url: &str) -> Result<(), MailConfigError> {
    transport::Transport::smtp(url)
        .map(drop)
        .map_err(MailConfigError::SmtpUrl)
}

fn parse_sender(from: &str) -> Result<Mailbox, MailConfigError> {
    from.trim()
        .parse()
        .map_err(|e: lettre::address::AddressError| MailConfigError::Sender(e.to_string()))
}

/// Why one attempt to send failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SendError {
    /// Retrying cannot help (an invalid address, a 5xx reply): the task is dead at once.
    #[error("{0}")]
    Permanent(String),
    /// Retrying may help (the server is away, a 4xx reply): retried with back-off.
    #[error("{0}")]
    Transient(String),
}

/// Sends rendered messages with the configured transport and seals them for the queue.
/// Cheap to clone; its `Debug` names the transport only.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    transport: transport::Transport,
    from: Mailbox,
    sealer: Sealer,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let transport = match &self.inner.transport {
            transport::Transport::Smtp(_) => "smtp".to_owned(),
            transport::Transport::Mailbox { dir, .. } => format!("mailbox {}", dir.display()),
        };
        f.debug_struct("Mailer")
            .field("transport", &transport)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer `config` describes: SMTP when it has a URL (no connection is made yet),
    /// otherwise the mailbox folder, created owner-only when missing.
    pub fn from_config(config: MailConfig<'_>) -> Result<Self, MailConfigError> {
        let from = parse_sender(&config.from)?;
        let transport = match &config.smtp_url {
            Some(url) => {
                transport::Transport::smtp(url.expose_secret()).map_err(MailConfigError::SmtpUrl)?
            }
            None => {
                transport::prepare_mailbox(&config.mailbox_dir).map_err(|source| {
                    MailConfigError::Mailbox {
                        path: config.mailbox_dir.clone(),
                        source,
                    }
                })?;
                transport::Transport::Mailbox {
                    dir: config.mailbox_dir,
                    print_links: config.print_links,
                }
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                from,
                sealer: Sealer::from_secret(config.secret),
            }),
        })
    }

    /// The sender every message is from, as `Name <address>`.
    pub fn sender(&self) -> String {
        self.inner.from.to_string()
    }

    /// Whether messages go to an SMTP server (rather than the mailbox folder).
    pub fn is_smtp(&self) -> bool {
        matches!(self.inner.transport, transport::Transport::Smtp(_))
    }

    /// The mailbox folder, when messages go there.
    pub fn mailbox_dir(&self) -> Option<&std::path::Path> {
        match &self.inner.transport {
            transport::Transport::Mailbox { dir, .. } => Some(dir),
            transport::Transport::Smtp(_) => None,
        }
    }

    /// Sends `mail` now (the [`SendMail`] task calls this; services enqueue instead).
    pub async fn send(&self, mail: &Mail) -> Result<(), SendError> {
        let message = transport::build(&self.inner.from, mail)?;
        self.inner.transport.send(message, mail).await
    }

    /// `mail` sealed for a task payload.
    pub fn seal(&self, mail: &Mail) -> String {
        // A struct of strings always serialises.
        let json = serde_json::to_vec(mail).expect("a Mail serialises");
        self.inner.sealer.seal(&json)
    }

    /// The mail sealed by [`Mailer::seal`] under the same secret.
    pub fn open(&self, sealed: &str) -> Result<Mail, OpenError> {
        let json = self.inner.sealer.open(sealed)?;
        serde_json::from_slice(&json).map_err(|_| OpenError::Malformed)
    }
}

/// The task that sends one message. Its payload is the sealed message, never the message.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendMail {
    /// The [`Mail`], sealed by [`Mailer::seal`].
    pub sealed: String,
}

impl std::fmt::Debug for SendMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendMail").finish_non_exhaustive()
    }
}

impl TaskKind for SendMail {
    const NAME: &'static str = "send_mail";
    const QUEUE: &'static str = crate::tasks::MAIL_QUEUE;
    // 5 s × 2ⁿ: the last of 8 attempts comes about 10 minutes after the first, long enough to
    // ride out an SMTP server's restart, short enough for a one-time code still to be useful.
    const MAX_ATTEMPTS: i64 = 8;
}

#[async_trait::async_trait]
impl Handles<SendMail> for Services {
    async fn handle(&self, task: SendMail, context: &TaskContext) -> anyhow::Result<()> {
        // No mailer in a process that runs tasks is a set-up mistake another process may
        // not have: retried, not dropped.
        let mailer = self.mailer()?;
        let mail = mailer.open(&task.sealed).map_err(permanent)?;
        match mailer.send(&mail).await {
            Ok(()) => {
                tracing::info!(task.id = %context.id, "mail sent");
                Ok(())
            }
            Err(SendError::Permanent(reason)) => Err(permanent(reason)),
            Err(SendError::Transient(reason)) => Err(anyhow::anyhow!(reason)),
        }
    }
}

impl Services {
    /// The same services sending mail with `mailer` (without one, [`Services::enqueue_mail`]
    /// fails as misconfigured).
    #[must_use]
    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Queues `mail` to be sent by a worker: sealed, on `db`, which may be the caller's unit
    /// of work (a `Tx`), so the message exists exactly when the rows it speaks of do. Refuses
    /// an address mail cannot be sent to.
    pub async fn enqueue_mail(&self, db: &Db, mail: Mail) -> Result<(), ServiceError> {
        let mailer = self.mailer()?;
        if mail.to.parse::<lettre::Address>().is_err() {
            return Err(ServiceError::invalid(ErrorDetail::new(
                "email",
                "is not an address mail can be sent to",
            )));
        }
        let task = NewTask::of(&SendMail {
            sealed: mailer.seal(&mail),
        });
        db.tasks().enqueue(task, store::now_ms()).await?;
        Ok(())
    }

    /// The mailer, when configured.
    pub fn mailer(&self) -> Result<&Mailer, ServiceError> {
        self.mailer
            .as_ref()
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("no mailer is configured")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a server secret of at least thirty-two bytes";

    fn mailbox(dir: &std::path::Path) -> Mailer {
        Mailer::from_config(MailConfig {
            smtp_url: None,
            from: DEFAULT_FROM.to_owned(),
            mailbox_dir: dir.join("mail"),
            print_links: true,
            secret: SECRET,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn the_mailbox_writes_a_multipart_message_a_mail_client_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = mailbox(dir.path());
        let mail = templates::verify_email(
            "ada@example.test",
            "Ada <Lovelace> Ümlaut",
            "https://mc.test/verify?token=abc&x=1",
            24,
        );
        mailer.send(&mail).await.unwrap();

        let folder = dir.path().join("mail");
        let files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
        assert!(name.ends_with(".eml") && !name.starts_with('.'), "{name}");
        let stamp: i64 = name.split('-').next().unwrap().parse().unwrap();
        assert!((store::now_ms() - stamp).abs() < 60_000, "{name}");

        let raw = std::fs::read(&files[0]).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            message.subject(),
            Some("Confirm your email for MatterCraft")
        );
        let to = message.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("ada@example.test"));
        let from = message.from().unwrap().first().unwrap();
        assert_eq!(from.address(), Some("noreply@mattercraft.local"));
        assert_eq!(from.name(), Some("MatterCraft"));
        assert!(message.message_id().is_some());
        assert!(message.date().is_some());
        assert_eq!(message.text_body_count(), 1);
        assert_eq!(message.html_body_count(), 1);
        // SMTP lines end in CRLF.
        let lf = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
        assert_eq!(lf(&message.body_text(0).unwrap()), lf(&mail.text));
        assert_eq!(lf(&message.body_html(0).unwrap()), lf(&mail.html));

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&folder), 0o700);
            assert_eq!(mode(&files[0]), 0o600);
        }
    }

    #[tokio::test]
    async fn an_invalid_recipient_is_a_permanent_failure() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = mailbox(dir.path());
        let mut mail = templates::reset_password("a@example.test", "", "https://x.test", 1);
        for bad in ["not an address", "a@b\r\nBcc: x@evil.test", ""] {
            mail.to = bad.to_owned();
            assert!(
                matches!(mailer.send(&mail).await, Err(SendError::Permanent(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_sealed_mail_opens_to_the_same_message_and_hides_it() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = mailbox(dir.path());
        let mail = templates::connect_code("a@example.test", "Ada", "K7QZ-4M2P", 15);
        let sealed = mailer.seal(&mail);
        for secret in ["K7QZ-4M2P", "a@example.test", "connect code"] {
            assert!(!sealed.contains(secret), "{secret}");
        }
        assert_eq!(mailer.open(&sealed).unwrap(), mail);
        assert!(!format!("{mail:?}").contains("K7QZ"));
    }

    #[test]
    fn bad_settings_are_refused_without_repeating_a_password() {
        assert!(validate_sender(DEFAULT_FROM).is_ok());
        assert!(validate_sender("noreply@example.test").is_ok());
        assert!(validate_sender("MatterCraft").is_err());
        for good in [
            "smtp://127.0.0.1:2525",
            "smtps://user:pass@mail.example.test",
            "smtp://mail.example.test?tls=required",
            "smtp://user:p%40ss@mail.example.test:587?tls=opportunistic",
        ] {
            assert!(validate_smtp_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://user:hunter2@mail.example.test",
            "smtp://user:hunter2@mail.example.test?tls=sometimes",
            "not a url hunter2",
        ] {
            let err = validate_smtp_url(bad).unwrap_err().to_string();
            assert!(err.starts_with("MATTERCRAFT_SMTP_URL"), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}
