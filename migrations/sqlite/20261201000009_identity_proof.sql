-- Proof of control of an email (SPEC §6, security review C1/H1/L8): whether the account's email
-- is verified, whether agents may connect with it, the one-time codes and links that prove it,
-- and what a session list shows. Times are unix milliseconds.
ALTER TABLE accounts ADD COLUMN email_verified_at BIGINT;
ALTER TABLE accounts ADD COLUMN connect_disabled_at BIGINT;

-- A one-time secret mailed to the account's address: a connect code, an email-verification
-- link or a set-password link. Only the SHA-256 of the secret is kept.
CREATE TABLE email_challenges (
    id           TEXT    PRIMARY KEY NOT NULL,
    account_id   TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('connect_code', 'verify_email', 'set_password')),
    secret_hash  TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    max_attempts BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    used_at      BIGINT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX email_challenges_account_idx ON email_challenges (account_id, purpose, created_at);

-- Sessions: an id to show and revoke one by, and what the list shows of the device.
ALTER TABLE sessions ADD COLUMN id TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_address TEXT;
UPDATE sessions SET id = 'sess_' || substr(token_hash, 1, 24) WHERE id IS NULL;
CREATE UNIQUE INDEX sessions_id_idx ON sessions (id);
