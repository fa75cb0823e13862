-- Scheduled jobs: one JobRun row per run (outcome, rows affected, detail), and a lease row per
-- job so that only one run of a job works at a time, also through a transaction-mode pooler.
-- New tables: their indexes are built before any row exists, so no CONCURRENTLY is needed.
-- CreateEnum
CREATE TYPE "JobOutcome" AS ENUM ('succeeded', 'failed', 'skipped', 'partial');

-- CreateTable
CREATE TABLE "JobRun" (
    "id" TEXT NOT NULL,
    "job" TEXT NOT NULL,
    "trigger" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "outcome" "JobOutcome",
    "rows" JSONB,
    "error" TEXT,
    "detail" JSONB,

    CONSTRAINT "JobRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
-- lint-ignore unrelated-tables: the lease is the other half of the job history (JobLease.runId names a JobRun); neither is used without the other, so they deploy and roll back together
CREATE TABLE "JobLease" (
    "job" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "acquiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobLease_pkey" PRIMARY KEY ("job")
);

-- CreateIndex
CREATE INDEX "JobRun_job_startedAt_idx" ON "JobRun"("job", "startedAt");

-- CreateIndex
CREATE INDEX "JobRun_startedAt_idx" ON "JobRun"("startedAt");
