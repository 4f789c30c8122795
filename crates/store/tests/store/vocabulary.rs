//! The database's closed sets are the enums' sets: every `CHECK (column IN (...))` in the
//! migrations lists exactly the wire names of its enum in `domain`, on the backend under test.

use std::collections::BTreeSet;

use domain::auth::{ChallengePurpose, KeyKind, Plan, Role};
use domain::campaigns::{CampaignStatus, CandidateStatus, JobStatus};
use domain::datasets::DatasetFormat;
use domain::files::FileStatus;
use domain::tasks::TaskState;
use sqlx::{Connection, Row};
use store::testing::{fresh_database_url, selected_backend};
use store::{Backend, Db, DbOptions};

/// Every `(table, column)` with a `CHECK (… IN …)`, and its enum's names.
const CHECKED: &[(&str, &str, &[&str])] = &[
    ("tasks", "status", TaskState::NAMES),
    ("accounts", "plan", Plan::NAMES),
    ("accounts", "role", Role::NAMES),
    ("api_keys", "kind", KeyKind::NAMES),
    ("campaigns", "status", CampaignStatus::NAMES),
    ("campaign_jobs", "status", JobStatus::NAMES),
    ("datasets", "format", DatasetFormat::NAMES),
    ("campaign_candidates", "status", CandidateStatus::NAMES),
    ("files", "status", FileStatus::NAMES),
    ("email_challenges", "purpose", ChallengePurpose::NAMES),
];

/// The quoted words in `text`.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The values the database allows in `table.column`, read from its schema.
async fn allowed(conn: &mut sqlx::AnyConnection, table: &str, column: &str) -> BTreeSet<String> {
    match selected_backend() {
        Backend::Sqlite => {
            let sql: String =
                sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
                    .bind(table)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap()
                    .get(0);
            // `<column> TEXT … CHECK (<column> IN ('a', 'b'))`, possibly across lines.
            let marker = format!("CHECK ({column} IN");
            let at = sql
                .find(&marker)
                .unwrap_or_else(|| panic!("{table}.{column} has no CHECK list:\n{sql}"));
            let end = sql[at..].find("))").map_or(sql.len(), |e| at + e);
            quoted(&sql[at..end])
        }
        Backend::Postgres => {
            let defs: Vec<String> = sqlx::query(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c \
                 JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = $1 AND c.contype = 'c'",
            )
            .bind(table)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.get::<String, _>(0))
            .collect();
            let def = defs
                .iter()
                .find(|d| {
                    d.contains(&format!("({column} =")) || d.contains(&format!("{column} IN"))
                })
                .unwrap_or_else(|| panic!("{table}.{column} has no CHECK list: {defs:?}"));
            quoted(def)
        }
    }
}

#[tokio::test]
async fn every_check_list_in_the_schema_is_its_enums_set() {
    let url = fresh_database_url().await;
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    db.migrate().await.unwrap();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    for (table, column, names) in CHECKED {
        let in_schema = allowed(&mut conn, table, column).await;
        let in_enum: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
        assert_eq!(in_schema, in_enum, "{table}.{column}");
    }
}
