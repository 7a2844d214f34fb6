DROP TABLE daily_reports;
DROP TABLE corrections;
DROP TABLE manual_entries;
