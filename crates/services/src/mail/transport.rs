//! Where a built message goes: an SMTP server (lettre over rustls), or the development mailbox
//! folder, one `.eml` file per message.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Mail, SendError};

/// How long one SMTP conversation may take (connect, TLS, every command).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The chosen transport.
#[derive(Clone)]
pub(super) enum Transport {
    /// Hand messages to this SMTP server, one connection per message.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Write messages into this folder; print one line per message (with its link when
    /// `print_links`).
    Mailbox { dir: PathBuf, print_links: bool },
}

impl Transport {
    /// The SMTP transport for `url` (`smtp://`, `smtps://`, `?tls=required|opportunistic`),
    /// without connecting. The error never repeats the URL (it may hold a password).
    pub(super) fn smtp(url: &str) -> Result<Self, String> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| {
            format!("it is not an SMTP URL lettre accepts (smtp://host:port, smtps://user:password@host, smtp://host?tls=required): {e}")
        })?;
        Ok(Transport::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build()))
    }

    /// Sends `message` to `to`; `mail` gives the console line in mailbox mode.
    pub(super) async fn send(&self, message: Message, mail: &Mail) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(smtp_error),
            Transport::Mailbox { dir, print_links } => {
                let path = write_eml(dir, &message.formatted()).await.map_err(|e| {
                    SendError::Transient(format!("cannot write to the mailbox: {e}"))
                })?;
                let shown = match (&mail.link, print_links) {
                    (Some(link), true) => link.clone(),
                    _ => path.display().to_string(),
                };
                // The console, not the log: this is the development inbox, and it shows the
                // recipient and the link, which the log never does.
                println!("mail: \"{}\" to {} — {shown}", mail.subject, mail.to);
                Ok(())
            }
        }
    }
}

/// `mail` as a multipart/alternative message (plain text, then HTML) from `from`.
pub(super) fn build(from: &Mailbox, mail: &Mail) -> Result<Message, SendError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| SendError::Permanent("the recipient is not a valid email address".into()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.as_str())
        .message_id(None)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(mail.html.clone()),
                ),
        )
        .map_err(|e| SendError::Permanent(format!("the message cannot be built: {e}")))
}

/// What an SMTP failure means for the task. A server's reply text is left out: it often
/// repeats the recipient's address, and the error goes to the log and the `tasks` row.
fn smtp_error(err: lettre::transport::smtp::Error) -> SendError {
    if err.is_permanent() {
        let code = err.status().map(|c| c.to_string()).unwrap_or_default();
        SendError::Permanent(format!(
            "the SMTP server refused the message for good (reply {code})"
        ))
    } else if err.is_transient() {
        let code = err.status().map(|c| c.to_string()).unwrap_or_default();
        SendError::Transient(format!(
            "the SMTP server refused the message for now (reply {code})"
        ))
    } else if err.is_timeout() {
        SendError::Transient("the SMTP server did not answer in time".into())
    } else if err.is_tls() {
        SendError::Transient(format!("TLS with the SMTP server failed: {err}"))
    } else {
        // Connection refused, DNS, a dropped connection: nothing here names the recipient.
        SendError::Transient(format!("the SMTP server could not be reached: {err}"))
    }
}

/// Writes `bytes` as `<unix-ms>-<random>.eml` in `dir` (readable by the owner only), whole or
/// not at all (written under a hidden name, then renamed).
async fn write_eml(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let name = format!("{:013}-{}.eml", store::now_ms(), store::ids::random_hex(6));
    let path = dir.join(&name);
    let partial = dir.join(format!(".{name}.part"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let result = async {
        use tokio::io::AsyncWriteExt;
        let mut file = options.open(&partial).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&partial, &path).await
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&partial).await;
    }
    result.map(|()| path)
}

/// Creates the mailbox folder (owner only) when missing, and makes it owner-only when not.
pub(super) fn prepare_mailbox(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder.create(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    builder.create(dir)
}
