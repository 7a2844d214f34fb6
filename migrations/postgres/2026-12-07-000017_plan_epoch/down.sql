DROP TRIGGER holidays_plan_epoch ON holidays;
DROP TRIGGER offices_plan_epoch ON offices;
DROP TRIGGER schedule_versions_plan_epoch ON schedule_versions;
DROP TRIGGER schedules_plan_epoch ON schedules;
DROP TRIGGER units_plan_epoch ON units;
DROP FUNCTION plan_epoch_move();
DROP TABLE plan_epoch;
