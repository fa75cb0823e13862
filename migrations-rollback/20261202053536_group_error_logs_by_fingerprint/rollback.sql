-- Rollback of 20261202053536_group_error_logs_by_fingerprint.
-- Loses the grouping (how often each error repeated, when it was last seen); each row is kept.
ALTER TABLE "ErrorLog" DROP COLUMN IF EXISTS "count",
DROP COLUMN IF EXISTS "fingerprint",
DROP COLUMN IF EXISTS "lastSeenAt";
