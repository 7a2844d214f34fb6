DROP TABLE check_ins;
DROP TABLE devices;
