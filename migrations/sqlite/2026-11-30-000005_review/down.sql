DROP TABLE month_closes;
DROP TABLE check_in_reviews;
DROP INDEX check_ins_status_received_idx;
DROP INDEX check_ins_queue_idx;
ALTER TABLE check_ins DROP COLUMN risk;
