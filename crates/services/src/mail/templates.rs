//! The words of every message the platform sends, each as plain text and HTML from one list of
//! blocks, so the two versions cannot say different things. Every interpolated value is
//! HTML-escaped in the HTML version; names (user input) are also cleaned of control characters
//! and shortened, so a name cannot add lines or paragraphs of its own to a message.

use super::Mail;

/// The longest name a message quotes (in characters); longer ones end in "…".
const NAME_MAX_CHARS: usize = 60;

/// "Your MatterCraft connect code": someone calling themselves `name` asked for an API key for
/// the account of `to`; `code` lets them have it, for `valid_minutes`. `link` is `None`: the
/// code is the message's point, and it goes to the program that asked, not to a page.
pub fn connect_code(to: &str, name: &str, code: &str, valid_minutes: u32) -> Mail {
    let who = requester(name);
    render(
        to,
        "Your MatterCraft connect code",
        None,
        &[
            Block::Text("Hello,".to_owned()),
            Block::Text(format!(
                "{who} asked for an API key for the MatterCraft account of this email \
                 address. To let them have it, give them this code:"
            )),
            Block::Code(code),
            Block::Text(format!(
                "It works once, for {}. With the key, a program can do anything your account \
                 can, so share the code only with a program or person you trust.",
                plural(valid_minutes, "minute")
            )),
            Block::Text(
                "If this wasn't you, ignore this email. Nothing changes without the code."
                    .to_owned(),
            ),
        ],
    )
}

/// Someone calling themselves `name` asked for an API key for the account of `to`, but
/// connecting by email is turned off for that account: no code was sent. `settings_link` (the
/// message's link) is where the owner turns it on.
pub fn connect_disabled(to: &str, name: &str, settings_link: &str) -> Mail {
    let who = requester(name);
    render(
        to,
        "Someone asked for an API key for your MatterCraft account",
        Some(settings_link),
        &[
            Block::Text("Hello,".to_owned()),
            Block::Text(format!(
                "{who} asked for an API key for the MatterCraft account of this email \
                 address. Connecting by email is turned off for this account, so no code was \
                 sent and nothing changed."
            )),
            Block::Text(
                "If it was you, turn it on in your account settings, then ask again:".to_owned(),
            ),
            Block::Link {
                label: "Open account settings",
                url: settings_link,
            },
            Block::Text("If it wasn't you, there is nothing to do.".to_owned()),
        ],
    )
}

/// Confirm the address `to` to finish signing up; `link` (the message's link) does it and
/// works for `valid_hours`. `name` is the name given at sign-up, to greet.
pub fn verify_email(to: &str, name: &str, link: &str, valid_hours: u32) -> Mail {
    render(
        to,
        "Confirm your email for MatterCraft",
        Some(link),
        &[
            greeting(name),
            Block::Text(
                "To finish signing up for MatterCraft, confirm that this is your email address:"
                    .to_owned(),
            ),
            Block::Link {
                label: "Confirm my email",
                url: link,
            },
            Block::Text(format!(
                "The link works for {}.",
                plural(valid_hours, "hour")
            )),
            Block::Text("If you didn't sign up for MatterCraft, ignore this email.".to_owned()),
        ],
    )
}

/// Someone signed up with `to`, which belongs to an account made over the API that has no
/// password yet; `link` (the message's link) sets one, once, for `valid_hours`. `name` is the
/// name to greet.
pub fn set_first_password(to: &str, name: &str, link: &str, valid_hours: u32) -> Mail {
    render(
        to,
        "Set a password for your MatterCraft account",
        Some(link),
        &[
            greeting(name),
            Block::Text(
                "Someone signed up for MatterCraft with this email address. You already have \
                 an account: it was made through the API and has no password yet. To sign in \
                 from a browser, set one:"
                    .to_owned(),
            ),
            Block::Link {
                label: "Set a password",
                url: link,
            },
            Block::Text(format!(
                "The link works once, for {}.",
                plural(valid_hours, "hour")
            )),
            Block::Text(
                "If this wasn't you, ignore this email. Nothing changes and nobody was signed in."
                    .to_owned(),
            ),
        ],
    )
}

/// Someone tried to sign up with `to`, which already has an account with a password: sign in
/// at `sign_in_link`, or set a new password at `reset_link` (the message's link: the one that
/// carries a token), which works once for `valid_hours`. `name` is the name to greet.
pub fn already_registered(
    to: &str,
    name: &str,
    sign_in_link: &str,
    reset_link: &str,
    valid_hours: u32,
) -> Mail {
    render(
        to,
        "You already have a MatterCraft account",
        Some(reset_link),
        &[
            greeting(name),
            Block::Text(
                "Someone tried to sign up for MatterCraft with this email address, but you \
                 already have an account. You can sign in as usual:"
                    .to_owned(),
            ),
            Block::Link {
                label: "Sign in",
                url: sign_in_link,
            },
            Block::Text(format!(
                "Forgot your password? Set a new one with this link (it works once, for {}):",
                plural(valid_hours, "hour")
            )),
            Block::Link {
                label: "Set a new password",
                url: reset_link,
            },
            Block::Text(
                "If this wasn't you, ignore this email. Your account has not changed.".to_owned(),
            ),
        ],
    )
}

/// Set a new password for the account of `to` with `link` (the message's link), once, within
/// `valid_hours`; it also works while sign-in is paused after too many failed attempts. `name`
/// is the name to greet.
pub fn reset_password(to: &str, name: &str, link: &str, valid_hours: u32) -> Mail {
    render(
        to,
        "Set a new MatterCraft password",
        Some(link),
        &[
            greeting(name),
            Block::Text(
                "To set a new password for your MatterCraft account, use this link:".to_owned(),
            ),
            Block::Link {
                label: "Set a new password",
                url: link,
            },
            Block::Text(format!(
                "It works once, for {}, even while sign-in is paused after too many failed \
                 attempts.",
                plural(valid_hours, "hour")
            )),
            Block::Text(
                "If you didn't ask for this, ignore this email. Your password stays as it is."
                    .to_owned(),
            ),
        ],
    )
}

/// A piece of a message.
enum Block<'a> {
    /// A paragraph (plain text; escaped in HTML).
    Text(String),
    /// A code to copy, on its own line.
    Code(&'a str),
    /// A link with the label its button shows (the address itself is shown too).
    Link { label: &'a str, url: &'a str },
}

fn render(to: &str, subject: &str, link: Option<&str>, blocks: &[Block<'_>]) -> Mail {
    let mut text = String::new();
    let mut html = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"></head>\n\
         <body style=\"font-family:system-ui,-apple-system,'Segoe UI',sans-serif;\
         font-size:16px;line-height:1.5;color:#1d2430;max-width:560px;margin:24px auto;\
         padding:0 16px\">\n",
    );
    for block in blocks {
        match block {
            Block::Text(paragraph) => {
                text.push_str(paragraph);
                html.push_str(&format!("<p>{}</p>\n", escape(paragraph)));
            }
            Block::Code(code) => {
                text.push_str("    ");
                text.push_str(code);
                html.push_str(&format!(
                    "<p style=\"font-family:ui-monospace,Menlo,Consolas,monospace;\
                     font-size:24px;letter-spacing:2px;font-weight:600\">{}</p>\n",
                    escape(code)
                ));
            }
            Block::Link { label, url } => {
                text.push_str(url);
                html.push_str(&format!(
                    "<p><a href=\"{url}\" style=\"display:inline-block;padding:10px 18px;\
                     background:#1f5fbf;color:#ffffff;text-decoration:none;border-radius:6px\">\
                     {label}</a></p>\n\
                     <p style=\"font-size:13px;color:#5a6472\">Or open this address: \
                     <a href=\"{url}\" style=\"color:#1f5fbf;word-break:break-all\">{url}</a></p>\n",
                    url = escape(url),
                    label = escape(label),
                ));
            }
        }
        text.push_str("\n\n");
    }
    text.push_str("— MatterCraft\n");
    html.push_str("<p style=\"color:#5a6472\">— MatterCraft</p>\n</body></html>\n");
    Mail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text,
        html,
        link: link.map(str::to_owned),
    }
}

fn greeting(name: &str) -> Block<'static> {
    let name = clean_name(name);
    Block::Text(if name.is_empty() {
        "Hello,".to_owned()
    } else {
        format!("Hello {name},")
    })
}

/// Who asked, for a sentence's start: `Someone using the name “Ada”` or `Someone`.
fn requester(name: &str) -> String {
    let name = clean_name(name);
    if name.is_empty() {
        "Someone".to_owned()
    } else {
        format!("Someone using the name “{name}”")
    }
}

/// `name` on one line: control characters (newlines included) become spaces, runs of spaces
/// one, and at most [`NAME_MAX_CHARS`] characters are kept.
fn clean_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = one_line.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() > NAME_MAX_CHARS {
        let mut short: String = joined.chars().take(NAME_MAX_CHARS - 1).collect();
        short.push('…');
        short
    } else {
        joined
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// `value` safe inside HTML text and double- or single-quoted attributes.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script> & \"Bob\" 'x'";

    fn all(name: &str, value: &str) -> Vec<Mail> {
        vec![
            connect_code("a@example.test", name, value, 15),
            connect_disabled("a@example.test", name, value),
            verify_email("a@example.test", name, value, 24),
            set_first_password("a@example.test", name, value, 24),
            already_registered("a@example.test", name, value, value, 24),
            reset_password("a@example.test", name, value, 1),
        ]
    }

    #[test]
    fn every_interpolated_value_is_escaped_in_html() {
        for mail in all(EVIL, EVIL) {
            assert!(!mail.html.contains("<script>"), "{}", mail.subject);
            assert!(!mail.html.contains("\"Bob\""), "{}", mail.subject);
            assert!(!mail.html.contains("'x'"), "{}", mail.subject);
            assert!(
                mail.html.contains(
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot; &#39;x&#39;"
                ),
                "{}: {}",
                mail.subject,
                mail.html
            );
            // The plain text shows what was given, as text.
            assert!(mail.text.contains(EVIL), "{}", mail.subject);
        }
    }

    #[test]
    fn a_link_cannot_break_out_of_its_attribute() {
        let mail = verify_email(
            "a@example.test",
            "Ada",
            "https://x.test/v?t=1\" onclick=\"evil()",
            24,
        );
        assert!(!mail.html.contains("\" onclick"), "{}", mail.html);
        assert!(mail
            .html
            .contains("href=\"https://x.test/v?t=1&quot; onclick=&quot;evil()\""));
    }

    #[test]
    fn a_name_cannot_add_lines_or_run_on() {
        let mail = connect_code(
            "a@example.test",
            "Ada\r\n\r\nYour account is locked. Visit evil.test",
            "K7QZ-4M2P",
            15,
        );
        assert!(mail
            .text
            .contains("“Ada Your account is locked. Visit evil.test”"));
        let long = "x".repeat(500);
        let mail = verify_email("a@example.test", &long, "https://x.test/v", 24);
        assert!(mail.text.contains(&format!("Hello {}…,", "x".repeat(59))));
        assert!(!mail.text.contains(&"x".repeat(61)));
    }

    #[test]
    fn each_message_carries_its_link_code_and_validity() {
        let mail = connect_code("a@example.test", "Claude Code", "K7QZ-4M2P", 15);
        assert_eq!(mail.subject, "Your MatterCraft connect code");
        assert_eq!(mail.link, None);
        assert!(mail.text.contains("    K7QZ-4M2P\n"));
        assert!(mail.html.contains("K7QZ-4M2P"));
        assert!(mail.text.contains("15 minutes"));
        assert!(mail.text.contains("“Claude Code”"));

        let mail = connect_disabled("a@example.test", "", "https://x.test/account");
        assert_eq!(mail.link.as_deref(), Some("https://x.test/account"));
        assert!(mail.text.starts_with("Hello,\n\nSomeone asked"));

        let mail = already_registered(
            "a@example.test",
            "Ada",
            "https://x.test/sign-in",
            "https://x.test/reset?t=1",
            1,
        );
        assert_eq!(mail.link.as_deref(), Some("https://x.test/reset?t=1"));
        assert!(mail.text.contains("https://x.test/sign-in"));
        assert!(mail.text.contains("1 hour)"));
        assert!(mail.text.starts_with("Hello Ada,"));

        for mail in all("Ada", "https://x.test/l?t=abc") {
            assert_eq!(mail.to, "a@example.test");
            assert!(mail.text.ends_with("— MatterCraft\n"));
            assert!(mail.html.starts_with("<!DOCTYPE html>"));
            if let Some(link) = &mail.link {
                assert!(mail.text.contains(link.as_str()), "{}", mail.subject);
                assert!(
                    mail.html.contains(&format!("href=\"{link}\"")),
                    "{}",
                    mail.subject
                );
            }
        }
    }
}
