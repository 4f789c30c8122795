-- Discover data: uploaded datasets (kept as uploaded, plus the parsed table), custom templates
-- private to an account, and the candidates of lab-in-the-loop campaigns waiting for (or
-- holding) results posted through the API. JSON is stored as text; times are unix ms.
CREATE TABLE datasets (
    id          TEXT    PRIMARY KEY NOT NULL,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    format      TEXT    NOT NULL CHECK (format IN ('csv', 'json')),
    filename    TEXT    NOT NULL,
    columns     TEXT    NOT NULL,
    row_count   BIGINT  NOT NULL,
    size_bytes  BIGINT  NOT NULL,
    content     TEXT    NOT NULL,
    rows_json   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX datasets_account_idx ON datasets (account_id, created_at);

CREATE TABLE custom_templates (
    id          TEXT    PRIMARY KEY NOT NULL,
    account_id  TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    slug        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    tags        TEXT    NOT NULL DEFAULT '[]',
    mdl         TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    UNIQUE (account_id, slug)
);

CREATE TABLE campaign_candidates (
    campaign_id  TEXT    NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    candidate_id TEXT    NOT NULL,
    iteration    BIGINT  NOT NULL,
    parameters   TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'evaluated')),
    objectives   TEXT,
    failed       BIGINT  NOT NULL DEFAULT 0,
    created_at   BIGINT  NOT NULL,
    evaluated_at BIGINT,
    PRIMARY KEY (campaign_id, candidate_id)
);
CREATE INDEX campaign_candidates_status_idx ON campaign_candidates (campaign_id, status);
