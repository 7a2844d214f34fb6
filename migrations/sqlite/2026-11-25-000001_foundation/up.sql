-- Foundation: the organisation skeleton, accounts, sessions and the audit log.
-- Ids are UUIDs stored as text so that one schema serves PostgreSQL and SQLite; times are UTC.

CREATE TABLE units (
    id          TEXT PRIMARY KEY NOT NULL,
    parent_id   TEXT REFERENCES units (id),
    name        TEXT NOT NULL,
    code        TEXT UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX units_parent_idx ON units (parent_id);

CREATE TABLE offices (
    id          TEXT PRIMARY KEY NOT NULL,
    unit_id     TEXT NOT NULL REFERENCES units (id),
    name        TEXT NOT NULL,
    latitude    REAL NOT NULL,
    longitude   REAL NOT NULL,
    radius_m    REAL NOT NULL CHECK (radius_m > 0),
    polygon     TEXT,
    timezone    TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX offices_unit_idx ON offices (unit_id);

CREATE TABLE employees (
    id             TEXT PRIMARY KEY NOT NULL,
    nip            TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    unit_id        TEXT NOT NULL REFERENCES units (id),
    position       TEXT NOT NULL,
    echelon        TEXT NOT NULL,
    supervisor_id  TEXT REFERENCES employees (id),
    office_id      TEXT REFERENCES offices (id),
    home_latitude  REAL,
    home_longitude REAL,
    home_radius_m  REAL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX employees_unit_idx ON employees (unit_id);
CREATE INDEX employees_supervisor_idx ON employees (supervisor_id);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    employee_id    TEXT UNIQUE REFERENCES employees (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    token_version  INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    device_id       TEXT,
    created_at      TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    revoked_reason  TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Refresh tokens are kept only as SHA-256 hashes.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    spent_at    TIMESTAMP
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Append-only: the API has no route that updates or deletes a row here.
CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY NOT NULL,
    at             TIMESTAMP NOT NULL,
    actor_user_id  TEXT,
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT,
    before_json    TEXT,
    after_json     TEXT,
    request_id     TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- Server-generated secrets shared by every instance on this database (the token signing key
-- when none is configured).
CREATE TABLE app_secrets (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
