-- Campaign execution: the evaluations and iterations a run has recorded (persisted together
-- after every iteration, so a crash loses at most the iteration in flight), the jobs that
-- run campaigns, and their logs. JSON is stored as text; times are unix milliseconds.
CREATE TABLE campaign_evaluations (
    campaign_id  TEXT    NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    candidate_id TEXT    NOT NULL,
    iteration    BIGINT  NOT NULL,
    parameters   TEXT    NOT NULL,
    objectives   TEXT,
    feasible     BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (campaign_id, candidate_id)
);
CREATE INDEX campaign_evaluations_iteration_idx ON campaign_evaluations (campaign_id, iteration);

CREATE TABLE campaign_iterations (
    campaign_id             TEXT    NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    iteration               BIGINT  NOT NULL,
    evaluations_completed   BIGINT  NOT NULL,
    hypervolume             DOUBLE PRECISION NOT NULL,
    hypervolume_improvement DOUBLE PRECISION NOT NULL,
    pareto_size             BIGINT  NOT NULL,
    surrogate_loss          DOUBLE PRECISION,
    created_at              BIGINT  NOT NULL,
    PRIMARY KEY (campaign_id, iteration)
);

CREATE TABLE campaign_jobs (
    id               TEXT    PRIMARY KEY NOT NULL,
    account_id       TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    campaign_id      TEXT    NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    status           TEXT    NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    phase            TEXT    NOT NULL DEFAULT 'queued',
    iteration        BIGINT  NOT NULL DEFAULT 0,
    total_iterations BIGINT  NOT NULL DEFAULT 0,
    cancel_requested BIGINT  NOT NULL DEFAULT 0,
    timeout_at       BIGINT  NOT NULL,
    error            TEXT,
    created_at       BIGINT  NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX campaign_jobs_account_idx ON campaign_jobs (account_id, created_at);
CREATE INDEX campaign_jobs_campaign_idx ON campaign_jobs (campaign_id, created_at);

CREATE TABLE job_logs (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id  TEXT    NOT NULL REFERENCES campaign_jobs (id) ON DELETE CASCADE,
    at      BIGINT  NOT NULL,
    level   TEXT    NOT NULL,
    message TEXT    NOT NULL
);
CREATE INDEX job_logs_job_idx ON job_logs (job_id, id);
