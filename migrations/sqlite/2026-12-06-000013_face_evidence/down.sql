DROP TABLE face_jobs;
DROP TABLE face_references;
