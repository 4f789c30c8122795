//! Configuration from the environment. Every variable is documented in the README.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::SecretString;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (default).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Where the server runs; production turns off developer conveniences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    /// Local use: embedded defaults, demo data allowed.
    Development,
    /// A real deployment.
    Production,
}

/// Everything the server reads from the environment at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite:...` or `postgres://...`.
    pub database_url: String,
    /// `MATTERCRAFT_DATA_DIR`: files, objects and the generated secret.
    pub data_dir: PathBuf,
    /// `MATTERCRAFT_SECRET`, or the one generated in the data dir: signs tokens and links.
    pub secret: SecretString,
    /// `WORKER_CONCURRENCY`: jobs run at once by this process's workers.
    pub worker_concurrency: usize,
    /// `MATTERCRAFT_FILE_WORKERS`: uploaded files analysed at once by this process's workers (slots of
    /// their own, so campaigns never hold up a part's analysis).
    pub file_workers: usize,
    /// `MATTERCRAFT_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `MATTERCRAFT_ENV`: `development` or `production`.
    pub environment: Environment,
    /// `MATTERCRAFT_MAX_JSON_BYTES`: largest JSON request body.
    pub max_json_bytes: usize,
    /// `MATTERCRAFT_JOB_LEASE_SECONDS`: how long a worker's lease on a job lasts.
    pub job_lease: Duration,
    /// `MATTERCRAFT_RATE_LIMIT_PER_MINUTE`: requests per minute of the `free` plan and of
    /// anonymous callers; 0 turns rate limiting off.
    pub rate_limit_per_minute: u32,
    /// `MATTERCRAFT_TRUSTED_PROXIES`: the reverse proxies (networks or addresses) whose
    /// `X-Forwarded-For` is believed; empty = the socket peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `MATTERCRAFT_PUBLIC_URL`: the site's address as users reach it (mailed links, and
    /// `Secure` cookies when it is `https://`). Default `http://<LEPTOS_SITE_ADDR>`.
    pub public_url: String,
    /// `MATTERCRAFT_SIGNUPS_PER_HOUR`: sign-ups and "forgot password" requests per client
    /// address per hour (default 10).
    pub signups_per_hour: u32,
    /// `MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS`: how long reading and measuring one uploaded
    /// file may take (above 0, at most 3600, fractions allowed; default 60).
    pub analysis_timeout: Duration,
    /// `MATTERCRAFT_MAX_UPLOAD_BYTES`: the largest part a file upload may have (100 MB).
    pub max_upload_bytes: u64,
    /// `MATTERCRAFT_CAMPAIGN_MEMORY_MIB`: the most memory one running campaign may need, in
    /// MiB (default 1024); larger campaigns are refused.
    pub campaign_memory_mib: u64,
    /// `MATTERCRAFT_UPLOAD_IDLE_SECONDS`: an upload that sends no byte for this long is cut
    /// off (default 30).
    pub upload_idle_timeout: Duration,
    /// `MATTERCRAFT_UPLOAD_TIMEOUT_SECONDS`: the longest one upload may take (1–600, default
    /// 600).
    pub upload_timeout: Duration,
    /// `MATTERCRAFT_SMTP_URL`: the SMTP server mail is sent through; without it, each message
    /// is written to `$MATTERCRAFT_DATA_DIR/mail/` (the development mailbox).
    pub smtp_url: Option<SecretString>,
    /// `MATTERCRAFT_MAIL_FROM`: the sender of every message.
    pub mail_from: String,
    /// `MATTERCRAFT_WS_RECHECK_SECONDS`: how often an open websocket checks that its key or
    /// session still holds (1–30 s, default 30).
    pub ws_recheck: Duration,
}

const SECRET_FILE: &str = "secret.key";

impl Settings {
    /// Reads the process environment; creates the data folder and, when no secret is given,
    /// generates one and keeps it in the data folder.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let data_dir =
            PathBuf::from(get("MATTERCRAFT_DATA_DIR").unwrap_or_else(|| "./data".into()));
        create_private_dir(&data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("mattercraft.db").display()));
        let secret = match get("MATTERCRAFT_SECRET") {
            Some(secret) if secret.len() >= 32 => SecretString::from(secret),
            Some(_) => bail!("MATTERCRAFT_SECRET must be at least 32 characters long"),
            None => load_or_create_secret(&data_dir)?,
        };
        let worker_concurrency = parse_number(get("WORKER_CONCURRENCY"), "WORKER_CONCURRENCY", 2)?;
        let file_workers = parse_number(
            get("MATTERCRAFT_FILE_WORKERS"),
            "MATTERCRAFT_FILE_WORKERS",
            2,
        )?;
        let log_format = match get("MATTERCRAFT_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => bail!("MATTERCRAFT_LOG_FORMAT must be 'text' or 'json', not '{other}'"),
        };
        let environment = match get("MATTERCRAFT_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                bail!("MATTERCRAFT_ENV must be 'development' or 'production', not '{other}'")
            }
        };
        let max_json_bytes = parse_number(
            get("MATTERCRAFT_MAX_JSON_BYTES"),
            "MATTERCRAFT_MAX_JSON_BYTES",
            1 << 20,
        )?;
        let lease_seconds = parse_number(
            get("MATTERCRAFT_JOB_LEASE_SECONDS"),
            "MATTERCRAFT_JOB_LEASE_SECONDS",
            30,
        )?;
        let rate_limit_per_minute = match get("MATTERCRAFT_RATE_LIMIT_PER_MINUTE") {
            None => 60,
            Some(v) => v.trim().parse::<u32>().map_err(|_| {
                anyhow::anyhow!(
                    "MATTERCRAFT_RATE_LIMIT_PER_MINUTE must be a whole number (0 = off), not '{v}'"
                )
            })?,
        };
        if get("MATTERCRAFT_TRUST_PROXY").is_some() {
            bail!(
                "MATTERCRAFT_TRUST_PROXY is replaced by MATTERCRAFT_TRUSTED_PROXIES: list the \
                 addresses or networks of your reverse proxies (e.g. 10.0.0.0/8), so that only \
                 their X-Forwarded-For entries are believed"
            );
        }
        let trusted_proxies = services::network::parse_trusted_proxies(
            &get("MATTERCRAFT_TRUSTED_PROXIES").unwrap_or_default(),
        )
        .map_err(|e| anyhow::anyhow!("MATTERCRAFT_TRUSTED_PROXIES: {e}"))?;
        let signups_per_hour = match get("MATTERCRAFT_SIGNUPS_PER_HOUR") {
            None => 10,
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!(
                        "MATTERCRAFT_SIGNUPS_PER_HOUR must be a whole number above 0, not '{v}'"
                    )
                })?,
        };
        let site_addr = get("LEPTOS_SITE_ADDR").unwrap_or_else(|| "127.0.0.1:3000".into());
        let public_url = match get("MATTERCRAFT_PUBLIC_URL") {
            Some(url) => parse_public_url(&url)?,
            None if environment == Environment::Production => bail!(
                "MATTERCRAFT_PUBLIC_URL must be set in production (e.g. https://mattercraft.example): \
                 mailed links point there and cookies are Secure when it is https"
            ),
            None => format!("http://{site_addr}"),
        };
        let analysis_timeout = parse_seconds(
            get("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS"),
            "MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS",
            services::files::DEFAULT_ANALYSIS_TIMEOUT,
        )?;
        let max_upload_bytes = parse_number(
            get("MATTERCRAFT_MAX_UPLOAD_BYTES"),
            "MATTERCRAFT_MAX_UPLOAD_BYTES",
            services::files::DEFAULT_MAX_UPLOAD_BYTES as usize,
        )? as u64;
        let upload_idle_seconds = parse_number(
            get("MATTERCRAFT_UPLOAD_IDLE_SECONDS"),
            "MATTERCRAFT_UPLOAD_IDLE_SECONDS",
            services::files::DEFAULT_UPLOAD_IDLE_TIMEOUT.as_secs() as usize,
        )?;
        let upload_timeout_seconds = parse_number(
            get("MATTERCRAFT_UPLOAD_TIMEOUT_SECONDS"),
            "MATTERCRAFT_UPLOAD_TIMEOUT_SECONDS",
            services::files::DEFAULT_UPLOAD_TIMEOUT.as_secs() as usize,
        )?;
        if upload_timeout_seconds as u64 > services::files::DEFAULT_UPLOAD_TIMEOUT.as_secs() {
            bail!(
                "MATTERCRAFT_UPLOAD_TIMEOUT_SECONDS must be at most {}, not {upload_timeout_seconds}",
                services::files::DEFAULT_UPLOAD_TIMEOUT.as_secs()
            );
        }
        let campaign_memory_mib = parse_number(
            get("MATTERCRAFT_CAMPAIGN_MEMORY_MIB"),
            "MATTERCRAFT_CAMPAIGN_MEMORY_MIB",
            (services::campaigns::DEFAULT_CAMPAIGN_MEMORY_BYTES >> 20) as usize,
        )? as u64;
        let ws_recheck_seconds = parse_number(
            get("MATTERCRAFT_WS_RECHECK_SECONDS"),
            "MATTERCRAFT_WS_RECHECK_SECONDS",
            30,
        )?;
        if ws_recheck_seconds > 30 {
            bail!("MATTERCRAFT_WS_RECHECK_SECONDS must be at most 30, not {ws_recheck_seconds}");
        }
        let smtp_url = get("MATTERCRAFT_SMTP_URL").map(|url| url.trim().to_owned());
        if let Some(url) = &smtp_url {
            services::mail::validate_smtp_url(url)?;
        }
        let mail_from = get("MATTERCRAFT_MAIL_FROM").map_or_else(
            || services::mail::DEFAULT_FROM.to_owned(),
            |v| v.trim().to_owned(),
        );
        services::mail::validate_sender(&mail_from)?;
        Ok(Self {
            smtp_url: smtp_url.map(SecretString::from),
            campaign_memory_mib,
            mail_from,
            analysis_timeout,
            max_upload_bytes,
            upload_idle_timeout: Duration::from_secs(upload_idle_seconds as u64),
            upload_timeout: Duration::from_secs(upload_timeout_seconds as u64),
            ws_recheck: Duration::from_secs(ws_recheck_seconds as u64),
            rate_limit_per_minute,
            trusted_proxies,
            public_url,
            signups_per_hour,
            database_url,
            data_dir,
            secret,
            worker_concurrency,
            file_workers,
            log_format,
            environment,
            max_json_bytes,
            job_lease: Duration::from_secs(lease_seconds as u64),
        })
    }
}

impl Settings {
    /// Cookies are `Secure` (and the session cookie `__Host-` prefixed) in production and
    /// whenever the public address is `https://` — decided from configuration, never from the
    /// request's `Host` header, which a proxy may rewrite.
    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production || self.public_url.starts_with("https://")
    }

    /// What the service layer needs: test keys in development, live keys in production.
    pub fn service_config(&self) -> services::ServiceConfig {
        services::ServiceConfig {
            default_key_kind: match self.environment {
                Environment::Development => domain::auth::KeyKind::Test,
                Environment::Production => domain::auth::KeyKind::Live,
            },
            rate_limit_per_minute: self.rate_limit_per_minute,
            trusted_proxies: self.trusted_proxies.clone(),
            public_url: self.public_url.clone(),
            secure_cookies: self.secure_cookies(),
            signups_per_address_per_hour: i64::from(self.signups_per_hour),
            campaign_memory_bytes: self.campaign_memory_mib.saturating_mul(1 << 20),
            analysis_timeout: self.analysis_timeout,
            max_upload_bytes: self.max_upload_bytes,
            upload_idle_timeout: self.upload_idle_timeout,
            upload_timeout: self.upload_timeout,
            ..services::ServiceConfig::development()
        }
    }

    /// The service layer over `db` with these settings, storing uploaded files under the data
    /// folder's `objects/`.
    pub fn services(&self, db: store::Db) -> anyhow::Result<services::Services> {
        use secrecy::ExposeSecret;
        let storage = services::storage::LocalDisk::new(
            self.data_dir.join("objects"),
            self.secret.expose_secret().as_bytes(),
        )
        .with_context(|| format!("cannot create {}", self.data_dir.join("objects").display()))?;
        let mailer = services::mail::Mailer::from_config(services::mail::MailConfig {
            smtp_url: self.smtp_url.clone(),
            from: self.mail_from.clone(),
            mailbox_dir: self.data_dir.join("mail"),
            print_links: self.environment == Environment::Development,
            secret: self.secret.expose_secret().as_bytes(),
        })?;
        if !mailer.is_smtp() && self.environment == Environment::Production {
            tracing::warn!(
                "MATTERCRAFT_SMTP_URL is not set: mail is written to the data folder's mail/ \
                 and nobody receives it"
            );
        }
        Ok(services::Services::new(db, self.service_config())
            .with_mailer(mailer)
            .with_storage(std::sync::Arc::new(storage))
            .with_ws_tickets(services::ws_tickets::TicketKey::derive(
                self.secret.expose_secret().as_bytes(),
            )))
    }
}

/// `MATTERCRAFT_PUBLIC_URL`: an `http(s)://host[:port]` origin, without a trailing slash.
fn parse_public_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .with_context(|| {
            format!("MATTERCRAFT_PUBLIC_URL must start with https:// or http://, not '{url}'")
        })?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ', '@']) {
        bail!("MATTERCRAFT_PUBLIC_URL must be just the site's origin, e.g. https://mattercraft.example, not '{url}'");
    }
    Ok(url.to_owned())
}

/// A number of seconds above 0 and at most an hour; fractions allowed (`0.5`).
fn parse_seconds(value: Option<String>, name: &str, default: Duration) -> anyhow::Result<Duration> {
    let Some(v) = value else {
        return Ok(default);
    };
    match v.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
        _ => bail!("{name} must be a number of seconds above 0 and at most 3600, not '{v}'"),
    }
}

fn parse_number(value: Option<String>, name: &str, default: usize) -> anyhow::Result<usize> {
    match value {
        None => Ok(default),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => bail!("{name} must be a whole number of at least 1, not '{v}'"),
        },
    }
}

/// Creates the data folder (and its missing parents) with mode 0700: it holds the secret, the
/// SQLite database and the uploaded files. An existing folder that others may read or enter
/// is tightened to 0700; when that fails (the server does not own it), the server starts
/// anyway and says so on stderr (logging is not set up yet).
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let metadata = std::fs::metadata(dir)?;
    if !metadata.is_dir() {
        return Err(std::io::Error::other("it exists and is not a folder"));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        if let Err(e) = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
            eprintln!(
                "warning: the data folder {} can be read by other users (mode {mode:o}) and \
                 could not be made private: {e}",
                dir.display()
            );
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Reads the secret kept in the data folder, or creates it (readable by the owner only).
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<SecretString> {
    let path = data_dir.join(SECRET_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= 32 {
            return Ok(SecretString::from(existing.to_owned()));
        }
        bail!(
            "{} is too short to be a secret; delete it to generate a new one",
            path.display()
        );
    }
    let secret = store::ids::random_hex(32);
    write_private(&path, &secret)
        .with_context(|| format!("cannot write the generated secret to {}", path.display()))?;
    Ok(SecretString::from(secret))
}

#[cfg(unix)]
pub(crate) fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_put_an_sqlite_database_in_the_data_folder() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("nested/data");
        let s = settings(&[("MATTERCRAFT_DATA_DIR", data.to_str().unwrap())]).unwrap();
        assert!(data.is_dir(), "the data folder is created");
        assert_eq!(
            s.database_url,
            format!("sqlite://{}", data.join("mattercraft.db").display())
        );
        assert_eq!(s.worker_concurrency, 2);
        assert_eq!(s.log_format, LogFormat::Text);
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(s.max_json_bytes, 1 << 20);
        assert_eq!(s.rate_limit_per_minute, 60);
        assert!(s.trusted_proxies.is_empty(), "no proxy believed by default");
        assert_eq!(s.public_url, "http://127.0.0.1:3000");
        assert!(!s.secure_cookies());
        assert_eq!(
            s.service_config().default_key_kind,
            domain::auth::KeyKind::Test
        );
    }

    #[test]
    fn cookies_are_secure_from_configuration_not_from_the_host_header() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let behind_proxy = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_PUBLIC_URL", "https://mattercraft.example/"),
            ("MATTERCRAFT_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ])
        .unwrap();
        assert!(behind_proxy.secure_cookies());
        assert_eq!(behind_proxy.public_url, "https://mattercraft.example");
        assert_eq!(behind_proxy.trusted_proxies.len(), 2);
        assert!(behind_proxy.service_config().secure_cookies);
        let err = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_ENV", "production"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("MATTERCRAFT_PUBLIC_URL"), "{err}");
        for bad in ["mattercraft.example", "https://x.example/path", "ftp://x"] {
            assert!(
                settings(&[("MATTERCRAFT_DATA_DIR", d), ("MATTERCRAFT_PUBLIC_URL", bad)]).is_err(),
                "{bad}"
            );
        }
        let old = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_TRUST_PROXY", "true"),
        ])
        .unwrap_err()
        .to_string();
        assert!(old.contains("MATTERCRAFT_TRUSTED_PROXIES"), "{old}");
    }

    #[test]
    fn production_issues_live_keys_and_limits_can_be_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let s = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_ENV", "production"),
            ("MATTERCRAFT_PUBLIC_URL", "https://mattercraft.example"),
            ("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0"),
        ])
        .unwrap();
        assert_eq!(
            s.service_config().default_key_kind,
            domain::auth::KeyKind::Live
        );
        assert_eq!(s.service_config().rate_limit_per_minute, 0);
    }

    #[test]
    fn a_generated_secret_is_kept_and_reused_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let vars = [("MATTERCRAFT_DATA_DIR", dir.path().to_str().unwrap())];
        let first = settings(&vars).unwrap();
        let second = settings(&vars).unwrap();
        assert_eq!(first.secret.expose_secret().len(), 64);
        assert_eq!(first.secret.expose_secret(), second.secret.expose_secret());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "only the owner can read the secret");
        }
    }

    #[test]
    fn open_websockets_recheck_their_credential_at_least_every_30_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let default = settings(&[("MATTERCRAFT_DATA_DIR", d)]).unwrap();
        assert_eq!(default.ws_recheck, Duration::from_secs(30));
        let quick = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_WS_RECHECK_SECONDS", "1"),
        ])
        .unwrap();
        assert_eq!(quick.ws_recheck, Duration::from_secs(1));
        for bad in ["0", "31", "soon"] {
            let err = settings(&[
                ("MATTERCRAFT_DATA_DIR", d),
                ("MATTERCRAFT_WS_RECHECK_SECONDS", bad),
            ])
            .unwrap_err();
            assert!(
                err.to_string().contains("MATTERCRAFT_WS_RECHECK_SECONDS"),
                "{bad}: {err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_is_created_private_and_an_open_one_is_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("nested/data");
        settings(&[("MATTERCRAFT_DATA_DIR", fresh.to_str().unwrap())]).unwrap();
        assert_eq!(
            mode(&fresh),
            0o700,
            "only the owner can enter the data folder"
        );
        assert_eq!(mode(&fresh.join(SECRET_FILE)), 0o600);

        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
        settings(&[("MATTERCRAFT_DATA_DIR", open.to_str().unwrap())]).unwrap();
        assert_eq!(mode(&open), 0o700, "an existing open folder is tightened");

        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = settings(&[("MATTERCRAFT_DATA_DIR", file.to_str().unwrap())]).unwrap_err();
        assert!(err.to_string().contains("data folder"), "{err}");
    }

    #[test]
    fn an_explicit_secret_wins_and_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let s = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_SECRET", &"k".repeat(40)),
        ])
        .unwrap();
        assert_eq!(s.secret.expose_secret(), "k".repeat(40));
        let err =
            settings(&[("MATTERCRAFT_DATA_DIR", d), ("MATTERCRAFT_SECRET", "short")]).unwrap_err();
        assert!(err.to_string().contains("at least 32"));
    }

    #[tokio::test]
    async fn mail_goes_to_the_mailbox_unless_an_smtp_url_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let s = settings(&[("MATTERCRAFT_DATA_DIR", d)]).unwrap();
        assert!(s.smtp_url.is_none());
        assert_eq!(s.mail_from, services::mail::DEFAULT_FROM);
        let db = store::Db::connect(&s.database_url, store::DbOptions::default())
            .await
            .unwrap();
        let services = s.services(db.clone()).unwrap();
        let mailer = services.mailer().unwrap();
        assert_eq!(
            mailer.mailbox_dir(),
            Some(dir.path().join("mail").as_path())
        );

        let s = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_SMTP_URL", "smtps://user:pw@mail.example.test"),
            ("MATTERCRAFT_MAIL_FROM", "Lab <lab@example.test>"),
        ])
        .unwrap();
        assert_eq!(s.mail_from, "Lab <lab@example.test>");
        assert!(s.services(db).unwrap().mailer().unwrap().is_smtp());
    }

    #[test]
    fn each_file_gets_60_seconds_of_analysis_unless_configured() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        let default = settings(&[("MATTERCRAFT_DATA_DIR", d)]).unwrap();
        assert_eq!(default.analysis_timeout, Duration::from_secs(60));
        assert_eq!(
            default.service_config().analysis_timeout,
            Duration::from_secs(60)
        );
        let quick = settings(&[
            ("MATTERCRAFT_DATA_DIR", d),
            ("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS", "0.5"),
        ])
        .unwrap();
        assert_eq!(quick.analysis_timeout, Duration::from_millis(500));
        for bad in ["0", "-1", "3601", "NaN", "inf", "a minute"] {
            let err = settings(&[
                ("MATTERCRAFT_DATA_DIR", d),
                ("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS", bad),
            ])
            .unwrap_err();
            assert!(
                err.to_string()
                    .contains("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        for (key, value) in [
            ("WORKER_CONCURRENCY", "zero"),
            ("WORKER_CONCURRENCY", "0"),
            ("MATTERCRAFT_LOG_FORMAT", "xml"),
            ("MATTERCRAFT_ENV", "staging"),
            ("MATTERCRAFT_SMTP_URL", "http://mail.example.test"),
            ("MATTERCRAFT_MAIL_FROM", "no address here"),
            ("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "-1"),
            ("MATTERCRAFT_TRUST_PROXY", "maybe"),
        ] {
            let err = settings(&[("MATTERCRAFT_DATA_DIR", d), (key, value)]).unwrap_err();
            assert!(err.to_string().contains(key), "{key}: {err}");
        }
    }
}
