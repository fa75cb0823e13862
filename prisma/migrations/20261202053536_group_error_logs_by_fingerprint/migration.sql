-- Group repeated errors: one row per fingerprint, with how often and when it was last seen.
-- Nullable fingerprint: rows recorded before grouping have none (and stay one row each).
ALTER TABLE "ErrorLog" ADD COLUMN     "count" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "fingerprint" TEXT,
ADD COLUMN     "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- An old row was last seen when it was recorded, so retention ages it from then.
UPDATE "ErrorLog" SET "lastSeenAt" = "timestamp";
