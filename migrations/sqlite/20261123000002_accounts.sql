-- Identity: accounts, API keys (SHA-256 only), browser sessions (SHA-256 of the cookie only),
-- and the fixed-window counters behind rate limits and sign-in throttling.
-- Times are unix milliseconds.
CREATE TABLE accounts (
    id               TEXT    PRIMARY KEY NOT NULL,
    email            TEXT    NOT NULL,
    email_normalized TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    password_hash    TEXT,
    plan             TEXT    NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro', 'scale')),
    role             TEXT    NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'operator')),
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);

CREATE TABLE api_keys (
    id            TEXT    PRIMARY KEY NOT NULL,
    account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    prefix        TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('live', 'test', 'ci')),
    key_hash      TEXT    NOT NULL UNIQUE,
    scopes        TEXT    NOT NULL,
    allowed_ips   TEXT    NOT NULL DEFAULT '[]',
    expires_at    BIGINT,
    last_used_at  BIGINT,
    request_count BIGINT  NOT NULL DEFAULT 0,
    revoked_at    BIGINT,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at);

CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY NOT NULL,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE rate_counters (
    bucket       TEXT    NOT NULL,
    window_start BIGINT  NOT NULL,
    hits         BIGINT  NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
