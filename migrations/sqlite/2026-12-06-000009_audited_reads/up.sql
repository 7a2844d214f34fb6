-- Reads of personal data are audited like changes (UU PDP). Every entry keeps the client's
-- address; the employees an entry concerns are listed beside it (one entry per request, even
-- when a page or an export reads many people), so the log can be filtered by person.
ALTER TABLE audit_log ADD COLUMN client_addr TEXT;
CREATE TABLE audit_subjects (
    audit_id     TEXT NOT NULL REFERENCES audit_log (id),
    employee_id  TEXT NOT NULL,
    PRIMARY KEY (audit_id, employee_id)
);
CREATE INDEX audit_subjects_employee_idx ON audit_subjects (employee_id);
