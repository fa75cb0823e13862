-- Rollback of 20261202053537_add_error_log_fingerprint_index.
DROP INDEX CONCURRENTLY IF EXISTS "ErrorLog_fingerprint_key";
