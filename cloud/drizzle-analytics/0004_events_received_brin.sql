-- Retention deletes old rows by received_at: a BRIN index (a few pages for the whole table, next to
-- nothing per insert) finds them in an append-ordered table without a btree on every event.
CREATE INDEX IF NOT EXISTS "events_received_brin" ON "analytics"."events" USING brin ("received_at");
