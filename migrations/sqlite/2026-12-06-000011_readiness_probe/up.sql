-- Readiness writes here (one row per instance): an instance whose database cannot take a write
-- (a full disk, a read-only replica) is not ready, even if it can still read.
CREATE TABLE readiness_probe (
    instance_id  TEXT PRIMARY KEY NOT NULL,
    checked_at   TIMESTAMP NOT NULL
);
