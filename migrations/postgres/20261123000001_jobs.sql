-- The durable job queue shared by every worker (see crates/store/src/jobs.rs).
-- Times are unix milliseconds.
CREATE TABLE jobs (
    id               TEXT    PRIMARY KEY,
    job_type         TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'dead', 'cancelled')),
    priority         BIGINT  NOT NULL DEFAULT 0,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    max_attempts     BIGINT  NOT NULL CHECK (max_attempts >= 1),
    run_at           BIGINT  NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);

CREATE INDEX jobs_runnable_idx ON jobs (status, run_at);
CREATE INDEX jobs_lease_idx ON jobs (status, lease_expires_at);
