-- Where each employee is meant to work each day: schedules, holidays, rosters, assignments and
-- leave. Dates are local calendar dates of the organisation; times of day are `HH:MM` text.

-- Hours per weekday and date-range overrides are JSON (`{"mon": {"start": "07:30", "end":
-- "16:00"}, ...}`), read and checked by the domain. At most one schedule is the organisation's
-- default; a unit or an employee may name another.
CREATE TABLE schedules (
    id                              TEXT PRIMARY KEY NOT NULL,
    name                            TEXT NOT NULL,
    days_json                       TEXT NOT NULL,
    grace_minutes                   INTEGER NOT NULL CHECK (grace_minutes >= 0),
    check_in_opens_before_minutes   INTEGER NOT NULL CHECK (check_in_opens_before_minutes >= 0),
    check_out_closes_after_minutes  INTEGER NOT NULL CHECK (check_out_closes_after_minutes >= 0),
    overrides_json                  TEXT NOT NULL,
    is_default                      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                      TIMESTAMP NOT NULL,
    updated_at                      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX schedules_one_default_idx ON schedules (is_default) WHERE is_default;

-- SQLite cannot drop a column that a foreign key names, so these two carry none here (the API
-- checks that the schedule exists; PostgreSQL also enforces it).
ALTER TABLE units ADD COLUMN schedule_id TEXT;
-- The largest share of the unit's people (with its sub-units) who may work from home on a day.
ALTER TABLE units ADD COLUMN wfh_quota_percent INTEGER CHECK (wfh_quota_percent BETWEEN 0 AND 100);
ALTER TABLE employees ADD COLUMN schedule_id TEXT;

-- National holidays and collective leave (cuti bersama) of the organisation.
CREATE TABLE holidays (
    id          TEXT PRIMARY KEY NOT NULL,
    date        DATE NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('national', 'collective_leave', 'local')),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- A saved rotation: its pattern generated the assignments that name it.
CREATE TABLE rosters (
    id            TEXT PRIMARY KEY NOT NULL,
    unit_id       TEXT NOT NULL REFERENCES units (id),
    name          TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    pattern_json  TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX rosters_unit_idx ON rosters (unit_id);

-- One assignment per employee and date. `office` without office_id means the employee's own
-- offices; `field` carries its destination and letter number; `duty` an office and a shift.
CREATE TABLE assignments (
    id                     TEXT PRIMARY KEY NOT NULL,
    employee_id            TEXT NOT NULL REFERENCES employees (id),
    date                   DATE NOT NULL,
    mode                   TEXT NOT NULL CHECK (mode IN ('office', 'home', 'field', 'duty', 'off')),
    office_id              TEXT REFERENCES offices (id),
    destination_name       TEXT,
    destination_latitude   REAL    ,
    destination_longitude  REAL    ,
    destination_radius_m   REAL    ,
    letter_number          TEXT,
    shift_start            TEXT,
    shift_end              TEXT,
    note                   TEXT,
    roster_id              TEXT REFERENCES rosters (id),
    created_by             TEXT REFERENCES users (id),
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    UNIQUE (employee_id, date)
);
CREATE INDEX assignments_date_idx ON assignments (date);
CREATE INDEX assignments_roster_idx ON assignments (roster_id);

-- Leave covers whole days from starts_on to ends_on and wins over everything else.
CREATE TABLE leaves (
    id           TEXT PRIMARY KEY NOT NULL,
    employee_id  TEXT NOT NULL REFERENCES employees (id),
    starts_on    DATE NOT NULL,
    ends_on      DATE NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('cuti', 'sakit', 'izin', 'tugas_belajar')),
    note         TEXT,
    created_by   TEXT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK (starts_on <= ends_on)
);
CREATE INDEX leaves_employee_idx ON leaves (employee_id, starts_on);

-- Offices an employee may work at besides the primary one.
CREATE TABLE employee_offices (
    employee_id  TEXT NOT NULL REFERENCES employees (id),
    office_id    TEXT NOT NULL REFERENCES offices (id),
    PRIMARY KEY (employee_id, office_id)
);
CREATE INDEX employee_offices_office_idx ON employee_offices (office_id);

-- The day status and /me/today read check-ins by employee and work day.
CREATE INDEX check_ins_employee_date_idx ON check_ins (employee_id, local_date);
