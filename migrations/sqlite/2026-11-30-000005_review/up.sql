-- Review of flagged check-ins, and month close.

-- How risky a check-in looks, from its flags (domain `checkin::risk`): the review queue shows the
-- riskiest first. The partial index serves the queue's keyset pages.
ALTER TABLE check_ins ADD COLUMN risk INTEGER NOT NULL DEFAULT 0;
CREATE INDEX check_ins_queue_idx ON check_ins (risk DESC, received_at, id) WHERE status = 'flagged';
CREATE INDEX check_ins_status_received_idx ON check_ins (status, received_at);

-- One decision per check-in; the check-in's status says approved or rejected.
CREATE TABLE check_in_reviews (
    check_in_id       TEXT PRIMARY KEY NOT NULL REFERENCES check_ins (id),
    decision          TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    note              TEXT,
    reviewer_user_id  TEXT NOT NULL REFERENCES users (id),
    decided_at        TIMESTAMP NOT NULL
);

-- A closed month (`YYYY-MM`) for the whole organisation (unit_id NULL) or a unit and its
-- sub-units. Reopening deletes the row (and is in the audit log).
CREATE TABLE month_closes (
    id          TEXT PRIMARY KEY NOT NULL,
    month       TEXT NOT NULL,
    unit_id     TEXT REFERENCES units (id),
    closed_by   TEXT REFERENCES users (id),
    closed_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX month_closes_month_unit_idx ON month_closes (month, COALESCE(unit_id, ''));
