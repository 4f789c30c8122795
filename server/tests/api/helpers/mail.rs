//! The mail an app sent, read back as a mail client would (MIME parsed by `mail-parser`).
//!
//! Under the test command, mail goes through a real SMTP server (aiosmtpd, `MC_TEST_SMTP_URL`)
//! into a maildir shared by every test (`MC_TEST_MAILDIR`); each `TestApp` sends from an
//! address of its own, so only its own mail is read. Without `MC_TEST_SMTP_URL` (a plain
//! `cargo nextest run`), mail goes to the app's development mailbox in its data folder. Either
//! way, mail leaves when a worker runs the queue: call `app.run_pending_tasks()` first.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use mail_parser::{Address, Message, MessageParser};

use super::TestApp;

/// One message as its recipient sees it (line ends normalised to `\n`).
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

impl ReceivedMail {
    /// Every `http(s)://` address in the plain text, in order.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
            .map(|word| word.trim_end_matches(['.', ',', ')', '>']).to_owned())
            .collect()
    }
}

impl TestApp {
    /// The mail this app sent to `email` (compared case-insensitively), oldest first.
    pub async fn mail_to(&self, email: &str) -> Vec<ReceivedMail> {
        self.sent_mail()
            .await
            .into_iter()
            .filter(|mail| mail.to.eq_ignore_ascii_case(email))
            .collect()
    }

    /// Every message this app sent, oldest first.
    pub async fn sent_mail(&self) -> Vec<ReceivedMail> {
        let mailer = self.services.mailer().expect("the app has a mailer");
        let folders = match mailer.mailbox_dir() {
            Some(dir) => vec![dir.to_path_buf()],
            None => {
                let maildir = std::env::var("MC_TEST_MAILDIR").expect(
                    "MC_TEST_SMTP_URL is set, so MC_TEST_MAILDIR must name the SMTP server's \
                     maildir (scripts/test.sh sets both)",
                );
                vec![
                    Path::new(&maildir).join("new"),
                    Path::new(&maildir).join("cur"),
                ]
            }
        };
        let sender = address_of(&mailer.sender());
        tokio::task::spawn_blocking(move || read_folders(&folders, &sender))
            .await
            .unwrap()
    }
}

/// The messages from `sender` in `folders`, oldest first.
fn read_folders(folders: &[PathBuf], sender: &str) -> Vec<ReceivedMail> {
    let mut found: Vec<(SystemTime, PathBuf, ReceivedMail)> = Vec::new();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_none_or(|n| n.starts_with('.'));
            if hidden || !path.is_file() {
                continue;
            }
            let raw = std::fs::read(&path).unwrap();
            let message = MessageParser::default()
                .parse(&raw)
                .unwrap_or_else(|| panic!("{} is not a mail message", path.display()));
            if first_address(message.from()).as_deref() != Some(sender) {
                continue;
            }
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((modified, path, received(&message)));
        }
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    found.into_iter().map(|(_, _, mail)| mail).collect()
}

fn received(message: &Message<'_>) -> ReceivedMail {
    let lf = |s: Option<std::borrow::Cow<'_, str>>| s.unwrap_or_default().replace("\r\n", "\n");
    ReceivedMail {
        to: first_address(message.to()).unwrap_or_default(),
        subject: message.subject().unwrap_or_default().to_owned(),
        text: lf(message.body_text(0)),
        html: lf(message.body_html(0)),
    }
}

fn first_address(address: Option<&Address<'_>>) -> Option<String> {
    address
        .and_then(Address::first)
        .and_then(|a| a.address())
        .map(str::to_ascii_lowercase)
}

/// `addr` of `Name <addr>` (or `addr` itself), lower-case.
fn address_of(mailbox: &str) -> String {
    let inner = match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(start), Some(end)) if start < end => &mailbox[start + 1..end],
        _ => mailbox,
    };
    inner.trim().to_ascii_lowercase()
}
