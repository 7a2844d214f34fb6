-- What adds to or explains the check-ins of a day: HR's manual entries, corrections employees
-- ask for, and daily activity reports.

-- Attendance entered by hand (phones or readers failed): it counts like a check-in and keeps
-- its source, author and reason. `at` is the instant; `local_time` as it was entered.
CREATE TABLE manual_entries (
    id              TEXT PRIMARY KEY NOT NULL,
    employee_id     TEXT NOT NULL REFERENCES employees (id),
    date            DATE NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('in', 'out')),
    local_time      TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    at              TIMESTAMP NOT NULL,
    reason          TEXT NOT NULL,
    author_user_id  TEXT NOT NULL REFERENCES users (id),
    batch_id        TEXT,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX manual_entries_employee_date_idx ON manual_entries (employee_id, date);
CREATE INDEX manual_entries_batch_idx ON manual_entries (batch_id);

-- An employee asks to correct a day; a supervisor (or HR) decides. Times are local `HH:MM`.
CREATE TABLE corrections (
    id                TEXT PRIMARY KEY NOT NULL,
    employee_id       TEXT NOT NULL REFERENCES employees (id),
    date              DATE NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('forgot_check_in', 'forgot_check_out',
                                                    'field_duty', 'device_failure', 'other')),
    check_in_time     TEXT,
    check_out_time    TEXT,
    letter_number     TEXT,
    reason            TEXT NOT NULL,
    attachment_key    TEXT,
    attachment_type   TEXT,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by        TEXT REFERENCES users (id),
    decided_at        TIMESTAMP,
    decision_note     TEXT,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX corrections_employee_date_idx ON corrections (employee_id, date);
CREATE INDEX corrections_status_idx ON corrections (status, created_at);

-- A day's activity report (laporan kinerja harian): entries as JSON, then the supervisor's
-- decision.
CREATE TABLE daily_reports (
    id            TEXT PRIMARY KEY NOT NULL,
    employee_id   TEXT NOT NULL REFERENCES employees (id),
    date          DATE NOT NULL,
    entries_json  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned',
                                                  'rejected')),
    comment       TEXT,
    decided_by    TEXT REFERENCES users (id),
    decided_at    TIMESTAMP,
    submitted_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT daily_reports_employee_date_key UNIQUE (employee_id, date)
);
CREATE INDEX daily_reports_status_idx ON daily_reports (status, date);
