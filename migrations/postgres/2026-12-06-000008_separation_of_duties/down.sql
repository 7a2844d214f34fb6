DROP INDEX users_created_by_idx;
ALTER TABLE users DROP COLUMN created_by;
