-- The console's cookie sessions. The cookie holds a random token; only its SHA-256 is kept.
-- Each belongs to a row of `sessions`, so logout, a password change and deactivation (which
-- revoke sessions) end it too; it also ends when idle too long or too old.
CREATE TABLE console_sessions (
    token_hash     TEXT PRIMARY KEY NOT NULL,
    session_id     TEXT NOT NULL REFERENCES sessions (id),
    user_id        TEXT NOT NULL REFERENCES users (id),
    token_version  INTEGER NOT NULL,
    csrf_token     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    last_seen_at   TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_session_idx ON console_sessions (session_id);
