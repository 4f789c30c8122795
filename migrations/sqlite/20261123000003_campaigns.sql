-- Discover: campaigns (an account's MDL document and the state of its optimisation).
-- The MDL is stored as JSON text; times are unix milliseconds.
CREATE TABLE campaigns (
    id                    TEXT    PRIMARY KEY NOT NULL,
    account_id            TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name                  TEXT    NOT NULL,
    domain                TEXT    NOT NULL,
    status                TEXT    NOT NULL DEFAULT 'created' CHECK (status IN
                              ('created', 'running', 'completed', 'converged', 'failed', 'cancelled')),
    mdl                   TEXT    NOT NULL,
    warnings              TEXT    NOT NULL DEFAULT '[]',
    template_id           TEXT,
    dataset_id            TEXT,
    budget                BIGINT  NOT NULL,
    parameters_count      BIGINT  NOT NULL,
    objectives_count      BIGINT  NOT NULL,
    evaluations_completed BIGINT  NOT NULL DEFAULT 0,
    current_iteration     BIGINT  NOT NULL DEFAULT 0,
    hypervolume           DOUBLE PRECISION,
    pareto_size           BIGINT  NOT NULL DEFAULT 0,
    best_objectives       TEXT,
    created_at            BIGINT  NOT NULL,
    started_at            BIGINT,
    finished_at           BIGINT,
    updated_at            BIGINT  NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX campaigns_account_idx ON campaigns (account_id, created_at);
