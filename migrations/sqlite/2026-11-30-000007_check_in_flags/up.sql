-- The flag codes of each check-in, one row per code, for the review queue's `flag=` filter: the
-- database then knows how common each code is and picks the right plan for it.
CREATE TABLE check_in_flags (
    check_in_id  TEXT NOT NULL REFERENCES check_ins (id),
    code         TEXT NOT NULL,
    PRIMARY KEY (check_in_id, code)
);
CREATE INDEX check_in_flags_code_idx ON check_in_flags (code, check_in_id);

-- The check-ins stored before: their codes, read from their flags.
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'outside_geofence' FROM check_ins WHERE flags_json LIKE '%"code":"outside_geofence"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'uncertain_location' FROM check_ins WHERE flags_json LIKE '%"code":"uncertain_location"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'low_accuracy' FROM check_ins WHERE flags_json LIKE '%"code":"low_accuracy"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'mock_location' FROM check_ins WHERE flags_json LIKE '%"code":"mock_location"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'impossible_travel' FROM check_ins WHERE flags_json LIKE '%"code":"impossible_travel"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'clock_skew' FROM check_ins WHERE flags_json LIKE '%"code":"clock_skew"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'offline_late' FROM check_ins WHERE flags_json LIKE '%"code":"offline_late"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'duplicate_selfie' FROM check_ins WHERE flags_json LIKE '%"code":"duplicate_selfie"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'shared_device' FROM check_ins WHERE flags_json LIKE '%"code":"shared_device"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'new_device' FROM check_ins WHERE flags_json LIKE '%"code":"new_device"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'no_assignment' FROM check_ins WHERE flags_json LIKE '%"code":"no_assignment"%';
INSERT INTO check_in_flags (check_in_id, code)
    SELECT id, 'outside_window' FROM check_ins WHERE flags_json LIKE '%"code":"outside_window"%';
