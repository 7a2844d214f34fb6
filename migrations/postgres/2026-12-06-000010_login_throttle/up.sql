-- Failed logins per key: `account:` and the SHA-256 of the name tried (whether or not such an
-- account exists, and without keeping what was typed), or `address:` and the client's address.
-- Kept in the database so that throttling holds across instances and restarts.
CREATE TABLE login_throttle (
    key              TEXT PRIMARY KEY NOT NULL,
    failures         INTEGER NOT NULL,
    last_failure_at  TIMESTAMP NOT NULL,
    blocked_until    TIMESTAMP
);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure_at);
