-- Make: uploaded parts. A file is presigned (pending_upload), its bytes arrive through a
-- signed single-use upload URL into object storage, and confirming it queues the analysis
-- (processing → ready | failed). Times are unix milliseconds; JSON is stored as text.
CREATE TABLE files (
    id                  TEXT    PRIMARY KEY NOT NULL,
    account_id          TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    filename            TEXT    NOT NULL,
    content_type        TEXT    NOT NULL,
    size_bytes          BIGINT  NOT NULL,
    status              TEXT    NOT NULL DEFAULT 'pending_upload'
                            CHECK (status IN ('pending_upload', 'processing', 'ready', 'failed')),
    storage_key         TEXT    NOT NULL,
    upload_nonce        TEXT    NOT NULL,
    upload_expires_at   BIGINT  NOT NULL,
    upload_started_at   BIGINT,
    uploaded_at         BIGINT,
    analysis_json       TEXT,
    metrics_json        TEXT,
    selected_unit       TEXT,
    unit_confirmed_by   TEXT,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);
CREATE INDEX files_account_idx ON files (account_id, created_at);
