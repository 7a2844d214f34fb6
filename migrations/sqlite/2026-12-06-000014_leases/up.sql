-- Leases: work that one instance at a time does (the sweeper), held until `until` by `holder`
-- and taken over by another instance once it has run out.
CREATE TABLE leases (
    name    TEXT PRIMARY KEY NOT NULL,
    holder  TEXT NOT NULL,
    until   TIMESTAMP NOT NULL
);
