-- The selfies' perceptual hashes cut into four 16-bit bands (hex, four digits each), for the
-- duplicate-selfie look-up among colleagues at a place on a day: an index finds the hashes
-- near a new one (multi-index hashing) instead of reading every hash of the day. Only
-- check-ins judged against a place have bands (the colleague look-up needs the place).
CREATE TABLE selfie_bands (
    check_in_id  TEXT NOT NULL REFERENCES check_ins (id),
    band         INTEGER NOT NULL,
    value        TEXT NOT NULL,
    place_id     TEXT NOT NULL,
    local_date   TEXT NOT NULL,
    employee_id  TEXT NOT NULL,
    phash        TEXT NOT NULL,
    PRIMARY KEY (check_in_id, band)
);
CREATE INDEX selfie_bands_lookup_idx ON selfie_bands (place_id, local_date, band, value);

-- The check-ins stored before.
INSERT INTO selfie_bands (check_in_id, band, value, place_id, local_date, employee_id, phash)
    SELECT id, 0, substr(photo_phash, 1, 4), place_id, local_date, employee_id, photo_phash
    FROM check_ins WHERE place_id IS NOT NULL;
INSERT INTO selfie_bands (check_in_id, band, value, place_id, local_date, employee_id, phash)
    SELECT id, 1, substr(photo_phash, 5, 4), place_id, local_date, employee_id, photo_phash
    FROM check_ins WHERE place_id IS NOT NULL;
INSERT INTO selfie_bands (check_in_id, band, value, place_id, local_date, employee_id, phash)
    SELECT id, 2, substr(photo_phash, 9, 4), place_id, local_date, employee_id, photo_phash
    FROM check_ins WHERE place_id IS NOT NULL;
INSERT INTO selfie_bands (check_in_id, band, value, place_id, local_date, employee_id, phash)
    SELECT id, 3, substr(photo_phash, 13, 4), place_id, local_date, employee_id, photo_phash
    FROM check_ins WHERE place_id IS NOT NULL;
