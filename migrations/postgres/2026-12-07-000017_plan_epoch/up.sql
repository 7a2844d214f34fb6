-- The plan epoch: a number every write to the rows all plans are read against (units,
-- schedules, schedule versions, offices, holidays) moves, whoever writes (any instance, an
-- import, plain SQL). The check-in route keeps those rows between check-ins while the epoch
-- stays where it was, instead of reading five tables for every check-in.
CREATE TABLE plan_epoch (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO plan_epoch (id, version) VALUES (1, 0);

CREATE FUNCTION plan_epoch_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE plan_epoch SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER units_plan_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION plan_epoch_move();
CREATE TRIGGER schedules_plan_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schedules
    FOR EACH STATEMENT EXECUTE FUNCTION plan_epoch_move();
CREATE TRIGGER schedule_versions_plan_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON schedule_versions FOR EACH STATEMENT EXECUTE FUNCTION plan_epoch_move();
CREATE TRIGGER offices_plan_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON offices
    FOR EACH STATEMENT EXECUTE FUNCTION plan_epoch_move();
CREATE TRIGGER holidays_plan_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays
    FOR EACH STATEMENT EXECUTE FUNCTION plan_epoch_move();
