-- Earlier rules of a schedule: each row is what the schedule said up to `valid_until`
-- (included). A change takes effect from a date; the days before it keep reading by the rules
-- they had, so a closed month reads as it did when it was closed.
CREATE TABLE schedule_versions (
    id                              TEXT PRIMARY KEY NOT NULL,
    schedule_id                     TEXT NOT NULL REFERENCES schedules (id),
    valid_until                     DATE NOT NULL,
    days_json                       TEXT NOT NULL,
    grace_minutes                   INTEGER NOT NULL,
    check_in_opens_before_minutes   INTEGER NOT NULL,
    check_out_closes_after_minutes  INTEGER NOT NULL,
    overrides_json                  TEXT NOT NULL,
    created_at                      TIMESTAMP NOT NULL
);
CREATE INDEX schedule_versions_schedule_idx ON schedule_versions (schedule_id, valid_until);
