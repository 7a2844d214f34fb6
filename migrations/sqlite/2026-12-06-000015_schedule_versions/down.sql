DROP TABLE schedule_versions;
