DROP TABLE app_secrets;
DROP TABLE audit_log;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE employees;
DROP TABLE offices;
DROP TABLE units;
