-- Contract staff are known by a NIK or a local id instead of an 18-digit NIP.
ALTER TABLE employees ADD COLUMN id_type TEXT NOT NULL DEFAULT 'nip';
