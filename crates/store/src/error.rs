//! The store's one error type.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or is not visible to the caller).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database could not be reached or did not answer in time.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// Stored data could not be decoded (e.g. corrupt JSON).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    /// Running migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unit of work was used after its commit or rollback.
    #[error("the unit of work was already committed or rolled back")]
    TransactionClosed,
    /// A unit of work was begun inside another one.
    #[error("a unit of work cannot begin inside another; pass the outer one down")]
    NestedTransaction,
    /// The store was called wrongly (a bug in the caller), e.g. with a sort field it does not
    /// know.
    #[error("store misuse: {0}")]
    Misuse(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err),
            // A server that is shutting down or restarting answers with these SQLSTATEs.
            sqlx::Error::Database(ref db)
                if matches!(db.code().as_deref(), Some("57P01" | "57P02" | "57P03")) =>
            {
                StoreError::Unavailable(err)
            }
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// True when the database could not be reached, so the caller may answer 503 and retry.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// `NotFound` when a statement that targets one row changed none (it does not exist, or
/// belongs to another account).
pub(crate) fn one_row(done: &sqlx::any::AnyQueryResult) -> Result<(), StoreError> {
    if done.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// `ORDER BY` text for a list sorted by `sort`, which must be one of `fields` (the API checked
/// it already; anything else is a bug, never spliced into SQL). Ties are broken by id.
pub(crate) fn order_by(
    fields: &[&'static str],
    sort: &str,
    descending: bool,
) -> Result<String, StoreError> {
    let field = fields
        .iter()
        .find(|f| **f == sort)
        .ok_or_else(|| StoreError::Misuse(format!("unsupported sort field {sort}")))?;
    let direction = if descending { "DESC" } else { "ASC" };
    Ok(format!("ORDER BY {field} {direction}, id {direction}"))
}
