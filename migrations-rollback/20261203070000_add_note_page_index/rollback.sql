-- Rollback of 20261203070000_add_note_page_index.
DROP INDEX CONCURRENTLY IF EXISTS "Note_userId_pinned_createdAt_id_live_idx";
