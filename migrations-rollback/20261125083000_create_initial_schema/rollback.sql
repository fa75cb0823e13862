-- Rollback of 20261125083000_create_initial_schema: drops everything the migration created.
-- DESTRUCTIVE: every row of these tables is lost. Take a backup first (dbctl backup create).

-- DropTable (foreign keys and indexes go with their tables)
DROP TABLE IF EXISTS "PerformanceMetric";
DROP TABLE IF EXISTS "ErrorLog";
DROP TABLE IF EXISTS "Note";
DROP TABLE IF EXISTS "Project";
DROP TABLE IF EXISTS "Session";
DROP TABLE IF EXISTS "User";

-- DropEnum
DROP TYPE IF EXISTS "LogLevel";
DROP TYPE IF EXISTS "ProjectStatus";
DROP TYPE IF EXISTS "Role";
