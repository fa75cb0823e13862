-- Rollback of 20261202053538_add_error_log_last_seen_index.
DROP INDEX CONCURRENTLY IF EXISTS "ErrorLog_lastSeenAt_idx";
