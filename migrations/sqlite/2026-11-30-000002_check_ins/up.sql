-- Check-ins and the devices they come from.

-- The first device an employee checks in from is bound to them; a device id is bound to at most
-- one employee.
CREATE TABLE devices (
    device_id    TEXT PRIMARY KEY NOT NULL,
    employee_id  TEXT NOT NULL REFERENCES employees (id),
    bound_at     TIMESTAMP NOT NULL
);
CREATE INDEX devices_employee_idx ON devices (employee_id);

-- A check-in is written once, after its photo object exists. (employee_id, client_id) is unique
-- so that retries and concurrent duplicates of one phone request store one row.
CREATE TABLE check_ins (
    id                TEXT PRIMARY KEY NOT NULL,
    employee_id       TEXT NOT NULL REFERENCES employees (id),
    client_id         TEXT NOT NULL,
    -- SHA-256 over the request's meta and selfie bytes: tells a retry from a reuse.
    request_hash      TEXT NOT NULL,
    kind              TEXT NOT NULL,
    received_at       TIMESTAMP NOT NULL,
    captured_at       TIMESTAMP NOT NULL,
    counted_at        TIMESTAMP NOT NULL,
    local_date        TEXT NOT NULL,
    timezone          TEXT NOT NULL,
    latitude          REAL NOT NULL,
    longitude         REAL NOT NULL,
    accuracy_m        REAL NOT NULL,
    altitude_m        REAL,
    is_mock           BOOLEAN NOT NULL,
    device_id         TEXT,
    place_kind        TEXT,
    place_id          TEXT,
    place_name        TEXT,
    place_radius_m    REAL,
    distance_m        REAL,
    geofence          TEXT,
    flags_json        TEXT NOT NULL,
    status            TEXT NOT NULL,
    photo_key         TEXT NOT NULL,
    thumbnail_key     TEXT NOT NULL,
    photo_sha256      TEXT NOT NULL,
    photo_phash       TEXT NOT NULL,
    exif_captured_at  TIMESTAMP,
    exif_latitude     REAL,
    exif_longitude    REAL,
    CONSTRAINT check_ins_employee_client_key UNIQUE (employee_id, client_id)
);
-- The employee's own list (newest first) and the previous check-in for the travel check.
CREATE INDEX check_ins_employee_received_idx ON check_ins (employee_id, received_at);
-- Selfies compared for duplicates: this employee's last 30 days, colleagues at a place on a day.
CREATE INDEX check_ins_place_date_idx ON check_ins (place_id, local_date);
CREATE INDEX check_ins_photo_key_idx ON check_ins (photo_key);
