-- The notes list (GET /api/v1/notes): a user's live notes, pinned first, then newest. In this
-- index's order PostgreSQL reads the page's rows and stops, instead of fetching every live note
-- of the user to sort them (bench/analysis.md: 1.6 ms of planning and sorting per page of 50 on
-- the benchmark's 200 notes per user, 0.7 ms with it). Partial, so the trash is not in it; not in
-- schema.prisma, which has no syntax for a partial index (Prisma Migrate leaves it alone).
CREATE INDEX CONCURRENTLY "Note_userId_pinned_createdAt_id_live_idx" ON "Note"("userId", "pinned" DESC, "createdAt" DESC, "id" DESC) WHERE "deletedAt" IS NULL;
