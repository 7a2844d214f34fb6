-- The plan epoch: a number every write to the rows all plans are read against (units,
-- schedules, schedule versions, offices, holidays) moves, whoever writes (any instance, an
-- import, plain SQL). The check-in route keeps those rows between check-ins while the epoch
-- stays where it was, instead of reading five tables for every check-in.
CREATE TABLE plan_epoch (
    id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO plan_epoch (id, version) VALUES (1, 0);
CREATE TRIGGER units_plan_epoch_insert AFTER INSERT ON units
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER units_plan_epoch_update AFTER UPDATE ON units
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER units_plan_epoch_delete AFTER DELETE ON units
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedules_plan_epoch_insert AFTER INSERT ON schedules
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedules_plan_epoch_update AFTER UPDATE ON schedules
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedules_plan_epoch_delete AFTER DELETE ON schedules
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedule_versions_plan_epoch_insert AFTER INSERT ON schedule_versions
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedule_versions_plan_epoch_update AFTER UPDATE ON schedule_versions
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER schedule_versions_plan_epoch_delete AFTER DELETE ON schedule_versions
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER offices_plan_epoch_insert AFTER INSERT ON offices
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER offices_plan_epoch_update AFTER UPDATE ON offices
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER offices_plan_epoch_delete AFTER DELETE ON offices
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER holidays_plan_epoch_insert AFTER INSERT ON holidays
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER holidays_plan_epoch_update AFTER UPDATE ON holidays
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER holidays_plan_epoch_delete AFTER DELETE ON holidays
    BEGIN UPDATE plan_epoch SET version = version + 1 WHERE id = 1; END;
