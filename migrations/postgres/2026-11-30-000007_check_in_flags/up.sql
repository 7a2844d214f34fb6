-- The flag codes of each check-in, one row per code, for the review queue's `flag=` filter.
-- Each row repeats the check-in's risk and receipt time, and whether it waits for review, so
-- that one index gives a flag's queue in the queue's order (riskiest, then oldest).
CREATE TABLE check_in_flags (
    check_in_id  TEXT NOT NULL REFERENCES check_ins (id),
    code         TEXT NOT NULL,
    risk         INTEGER NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    queued       BOOLEAN NOT NULL,
    PRIMARY KEY (check_in_id, code)
);
CREATE INDEX check_in_flags_queue_idx ON check_in_flags (code, risk DESC, received_at, check_in_id)
    WHERE queued;

-- The check-ins stored before: their codes, read from their flags.
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'outside_geofence', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"outside_geofence"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'uncertain_location', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"uncertain_location"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'low_accuracy', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"low_accuracy"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'mock_location', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"mock_location"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'impossible_travel', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"impossible_travel"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'clock_skew', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"clock_skew"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'offline_late', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"offline_late"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'duplicate_selfie', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"duplicate_selfie"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'shared_device', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"shared_device"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'new_device', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"new_device"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'no_assignment', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"no_assignment"%';
INSERT INTO check_in_flags (check_in_id, code, risk, received_at, queued)
    SELECT id, 'outside_window', risk, received_at, status = 'flagged' FROM check_ins
    WHERE flags_json LIKE '%"code":"outside_window"%';
