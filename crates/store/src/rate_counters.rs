//! Fixed-window counters in the shared database, behind API rate limits and sign-in
//! throttling. Being in the database, a limit holds across every server instance.

use crate::{Db, StoreError};

/// Counter queries.
#[derive(Debug, Clone)]
pub struct RateCounters {
    db: Db,
}

impl Db {
    /// The rate counters stored in this database.
    pub fn rate_counters(&self) -> RateCounters {
        RateCounters { db: self.clone() }
    }
}

impl RateCounters {
    /// Counts one hit in `bucket`'s window starting at `window_start` (ms); returns the hits in
    /// that window so far, this one included. The first hit of a window drops the bucket's
    /// older windows, so the table stays small.
    pub async fn hit(&self, bucket: &str, window_start: i64) -> Result<i64, StoreError> {
        let (hits,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_counters (bucket, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_counters.hits + 1 \
             RETURNING hits",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_one(&mut *self.db.conn().await?)
        .await?;
        if hits == 1 {
            sqlx::query("DELETE FROM rate_counters WHERE bucket = $1 AND window_start < $2")
                .bind(bucket)
                .bind(window_start)
                .execute(&mut *self.db.conn().await?)
                .await?;
        }
        Ok(hits)
    }

    /// Hits so far in `bucket`'s window starting at `window_start` (ms).
    pub async fn peek(&self, bucket: &str, window_start: i64) -> Result<i64, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT hits FROM rate_counters WHERE bucket = $1 AND window_start = $2",
        )
        .bind(bucket)
        .bind(window_start)
        .fetch_optional(&mut *self.db.conn().await?)
        .await?;
        Ok(row.map_or(0, |(h,)| h))
    }

    /// Deletes every window that started before `before` (ms), whichever bucket it counts
    /// for (a bucket hit once is otherwise kept forever); returns how many.
    pub async fn purge(&self, before: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE window_start < $1")
            .bind(before)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(done.rows_affected())
    }

    /// Forgets `bucket`'s window (e.g. after a successful sign-in).
    pub async fn reset(&self, bucket: &str, window_start: i64) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rate_counters WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .execute(&mut *self.db.conn().await?)
            .await?;
        Ok(())
    }
}
