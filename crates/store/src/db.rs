//! The database handle: a connection pool plus which backend it talks to, and the unit of work.
//!
//! Every repository reaches the database through [`Db::conn`]. On a plain [`Db`] that is a
//! pooled connection per call; on the [`Tx`] that [`Db::begin`] returns it is the transaction's
//! one connection. So a service that needs several writes to succeed or fail together (a
//! campaign and its warm-start rows; an order, its idempotency record and the task that follows
//! it) runs the same repository methods on a `Tx` and commits once:
//!
//! ```ignore
//! let tx = db.begin().await?;
//! tx.campaigns().insert(owner, new, now).await?;
//! tx.tasks().enqueue(&RunCampaignJob { job_id }, TaskOptions::default(), now).await?;
//! tx.commit().await?; // dropping `tx` instead rolls everything back
//! ```
//!
//! Repository methods take the connection for one statement (or one inner transaction, which
//! becomes a savepoint inside a `Tx`) and give it back before they return, so calls on a `Tx`
//! run one after another. A repository method must not hold its connection while it calls
//! another repository method: inside a `Tx` that would wait for itself.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use crate::StoreError;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the zero-setup default).
    Sqlite,
    /// A PostgreSQL server (for scale-out).
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// Infers the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a query waits for a connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(3),
        }
    }
}

/// A pooled connection to SQLite or PostgreSQL, or (inside a [`Tx`]) one transaction. Cheap
/// to clone.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// The PostgreSQL URL, for `LISTEN` connections (never logged or printed: it may hold a
    /// password).
    listen_url: Option<Arc<str>>,
    /// The open transaction every query of this handle runs in, when it is a [`Tx`]'s.
    tx: Option<Arc<Mutex<Option<Transaction<'static, Any>>>>>,
}

/// Written by hand so that `{:?}` of a `Db` (or of anything holding one, such as the services)
/// never shows the database URL and its password.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .field("pool_size", &self.pool.size())
            .field("in_transaction", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

/// A unit of work: a [`Db`] whose queries all run in one transaction. Repositories work on it
/// as on a `Db` (it derefs to one). [`Tx::commit`] makes the work durable; dropping the `Tx`
/// without committing rolls it back.
#[derive(Debug)]
pub struct Tx {
    db: Db,
}

impl Deref for Tx {
    type Target = Db;

    fn deref(&self) -> &Db {
        &self.db
    }
}

impl Tx {
    /// Commits every write made through this unit of work.
    pub async fn commit(self) -> Result<(), StoreError> {
        let cell = self
            .db
            .tx
            .as_ref()
            .expect("a Tx's Db holds its transaction");
        let tx = cell
            .lock()
            .await
            .take()
            .ok_or(StoreError::TransactionClosed)?;
        tx.commit().await?;
        Ok(())
    }

    /// Rolls back every write made through this unit of work (dropping the `Tx` does the same,
    /// without waiting for the database).
    pub async fn rollback(self) -> Result<(), StoreError> {
        let cell = self
            .db
            .tx
            .as_ref()
            .expect("a Tx's Db holds its transaction");
        if let Some(tx) = cell.lock().await.take() {
            tx.rollback().await?;
        }
        Ok(())
    }
}

/// The connection one repository call uses: pooled, or the unit of work's.
pub(crate) enum Conn<'a> {
    Pooled(PoolConnection<Any>),
    InTx(MutexGuard<'a, Option<Transaction<'static, Any>>>),
}

impl Deref for Conn<'_> {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            // `conn` only hands out a guard whose transaction is open.
            Conn::InTx(guard) => guard.as_deref().expect("an open transaction"),
        }
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::InTx(guard) => guard.as_deref_mut().expect("an open transaction"),
        }
    }
}

impl Db {
    /// Connects to `url` (`sqlite:...` or `postgres://...`). For SQLite the file and its folder
    /// are created when missing.
    pub async fn connect(url: &str, options: DbOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Db(sqlx::Error::Configuration(
                format!(
                    "unsupported database URL scheme in '{}': use sqlite: or postgres://",
                    url.split(':').next().unwrap_or_default()
                )
                .into(),
            ))
        })?;
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let connect_options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the single writer; the busy timeout makes
                        // concurrent writers (several workers) wait instead of failing.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(connect_options)
            .await?;
        Ok(Self {
            pool,
            backend,
            listen_url: (backend == Backend::Postgres).then(|| url.as_str().into()),
            tx: None,
        })
    }

    /// Starts a unit of work: the returned [`Tx`] runs every repository call in one
    /// transaction until it is committed. A `Tx` is not nested: `begin` on a `Tx`'s handle is
    /// refused ([`StoreError::NestedTransaction`]); pass the outer `Tx` down instead.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        if self.tx.is_some() {
            return Err(StoreError::NestedTransaction);
        }
        let tx = self.pool.begin().await?;
        Ok(Tx {
            db: Db {
                tx: Some(Arc::new(Mutex::new(Some(tx)))),
                ..self.clone()
            },
        })
    }

    /// True when this handle is a unit of work's.
    pub fn in_transaction(&self) -> bool {
        self.tx.is_some()
    }

    /// The connection for one repository call: a pooled one, or the unit of work's.
    pub(crate) async fn conn(&self) -> Result<Conn<'_>, StoreError> {
        match &self.tx {
            None => Ok(Conn::Pooled(self.pool.acquire().await?)),
            Some(cell) => {
                let guard = cell.lock().await;
                if guard.is_none() {
                    return Err(StoreError::TransactionClosed);
                }
                Ok(Conn::InTx(guard))
            }
        }
    }

    /// Sends `payload` on the PostgreSQL notification `channel` (`NOTIFY`; inside a unit of
    /// work it is delivered at commit); nothing on SQLite.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        Ok(())
    }

    /// A dedicated connection listening on the PostgreSQL notification `channel`; `None` on
    /// SQLite (one process: nothing to relay).
    pub async fn listen(
        &self,
        channel: &str,
    ) -> Result<Option<sqlx::postgres::PgListener>, StoreError> {
        let Some(url) = &self.listen_url else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(channel).await?;
        Ok(Some(listener))
    }

    /// Applies the pending migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Checks that the database answers a trivial query within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        match tokio::time::timeout(timeout, sqlx::query("SELECT 1").execute(&self.pool)).await {
            Ok(result) => result.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut)),
        }
    }

    /// The backend behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection; used at shutdown.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Creates the SQLite file's folder and makes sure the URL asks sqlx to create the file.
fn prepare_sqlite_url(url: &str) -> Result<String, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_owned());
    }
    if let Some(parent) = Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
    }
    let creates = !query.split('&').any(|p| p.starts_with("mode=")) || query.contains("mode=rwc");
    if creates {
        create_private_file(Path::new(path)).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
    }
    let query = if query.split('&').any(|p| p.starts_with("mode=")) {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Creates an empty database file readable by its owner only (0600), when there is none yet.
/// SQLite opens an empty file as an empty database and gives its `-wal` and `-shm` files the
/// database file's permissions. An existing file is left as it is.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Milliseconds since the Unix epoch, the store's unit of time.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(Backend::from_url("sqlite:data/x.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_urls_get_create_mode_and_keep_other_options() {
        let dir = std::env::temp_dir().join(format!("mc-url-{}", crate::ids::random_hex(4)));
        let file = dir.join("a.db");
        let url = prepare_sqlite_url(&format!("sqlite://{}", file.display())).unwrap();
        assert!(url.ends_with("a.db?mode=rwc"), "{url}");
        assert!(dir.is_dir(), "the folder is created");
        let url = prepare_sqlite_url(&format!("sqlite:{}?mode=ro", file.display())).unwrap();
        assert!(url.ends_with("?mode=ro"), "{url}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_new_sqlite_database_and_its_journal_are_readable_by_the_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("private.db");
        let db = Db::connect(
            &format!("sqlite://{}", file.display()),
            DbOptions::default(),
        )
        .await
        .unwrap();
        db.migrate().await.unwrap();
        for name in ["private.db", "private.db-wal", "private.db-shm"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}");
        }
        db.close().await;
    }

    #[tokio::test]
    async fn debug_output_never_shows_the_database_url() {
        sqlx::any::install_default_drivers();
        let url = "postgres://mattercraft:hunter2-secret@db.internal:5432/mc";
        let db = Db {
            pool: AnyPoolOptions::new().connect_lazy(url).unwrap(),
            backend: Backend::Postgres,
            listen_url: Some(url.into()),
            tx: None,
        };
        for shown in [format!("{db:?}"), format!("{db:#?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(!shown.contains("db.internal"), "{shown}");
            assert!(shown.contains("Postgres"), "{shown}");
        }
    }
}
