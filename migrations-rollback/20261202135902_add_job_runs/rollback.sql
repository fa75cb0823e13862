-- Rollback of 20261202135902_add_job_runs.
-- Loses the job history (JobRun) and any lease a running job holds: stop the scheduler first.
DROP TABLE IF EXISTS "public"."JobRun";
DROP TABLE IF EXISTS "public"."JobLease";
DROP TYPE IF EXISTS "public"."JobOutcome";
