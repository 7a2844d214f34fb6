-- Face evidence. An enrolled employee's reference face: its 128 values (dlib's ResNet, as
-- little-endian f32s in hex) and the photo they came from. Biometric personal data: kept only
-- for enrolled employees, deleted with the reference or the employee.
CREATE TABLE face_references (
    employee_id         TEXT PRIMARY KEY NOT NULL REFERENCES employees (id),
    embedding           TEXT NOT NULL,
    photo_key           TEXT NOT NULL,
    thumbnail_key       TEXT NOT NULL,
    source              TEXT NOT NULL,
    source_check_in_id  TEXT REFERENCES check_ins (id),
    face_score          DOUBLE PRECISION NOT NULL,
    created_by          TEXT REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL
);

-- The durable queue of face jobs and what they found: one per check-in, written in the
-- check-in's transaction,
-- claimed by a worker (FOR UPDATE SKIP LOCKED on PostgreSQL, so several instances share the
-- work), retried with a growing wait, and left `failed` with its error after the last attempt.
CREATE TABLE face_jobs (
    check_in_id  TEXT PRIMARY KEY NOT NULL REFERENCES check_ins (id),
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    not_before   TIMESTAMP NOT NULL,
    claimed_by   TEXT,
    last_error   TEXT,
    created_at   TIMESTAMP NOT NULL,
    done_at      TIMESTAMP,
    -- What the models found (JSON): the candidates' scores and boxes, the distance to the
    -- reference and the thresholds, for the reviewer; or why the job failed for good.
    evidence     TEXT
);
CREATE INDEX face_jobs_due_idx ON face_jobs (state, not_before);
