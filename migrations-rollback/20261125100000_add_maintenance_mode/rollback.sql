-- Rollback of 20261125100000_add_maintenance_mode.
-- Loses only the switch's state: turn maintenance off before rolling back.
DROP TABLE IF EXISTS "MaintenanceMode";
