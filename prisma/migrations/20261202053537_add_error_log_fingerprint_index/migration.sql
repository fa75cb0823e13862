-- The key a repeated error is grouped on (INSERT ... ON CONFLICT ("fingerprint")).
CREATE UNIQUE INDEX CONCURRENTLY "ErrorLog_fingerprint_key" ON "ErrorLog"("fingerprint");
