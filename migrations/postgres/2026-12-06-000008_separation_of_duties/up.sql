-- Who created each account, so that an account cannot act on the attendance of the account
-- that created it recently (separation of duties). NULL for the first admin, the demo and the CLI.
ALTER TABLE users ADD COLUMN created_by TEXT REFERENCES users (id);
CREATE INDEX users_created_by_idx ON users (created_by);
