-- The admin list of errors, most recently seen first.
CREATE INDEX CONCURRENTLY "ErrorLog_lastSeenAt_idx" ON "ErrorLog"("lastSeenAt");
