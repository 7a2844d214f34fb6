ALTER TABLE employees DROP COLUMN id_type;
