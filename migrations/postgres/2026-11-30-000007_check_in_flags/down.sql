DROP TABLE check_in_flags;
