-- Outbox rows get their seq in the statement that writes them (under the site's state row lock, held
-- to the commit, so seqs commit in order and a rollback takes its seqs back): the publisher no longer
-- rewrites every row to number it. Rows written before this migration are numbered here, in id order.
UPDATE "event_outbox" o SET "seq" = s."last_seq" + p."rn"
FROM (SELECT "id", row_number() OVER (ORDER BY "id") AS "rn" FROM "event_outbox" WHERE "seq" IS NULL) p,
  (SELECT coalesce(max("last_seq"), 0) AS "last_seq" FROM "event_outbox_state") s
WHERE o."id" = p."id";--> statement-breakpoint
UPDATE "event_outbox_state" SET "last_seq" = m."seq", "updated_at" = now()
FROM (SELECT max("seq") AS "seq" FROM "event_outbox") m
WHERE m."seq" > "event_outbox_state"."last_seq";--> statement-breakpoint
DROP INDEX IF EXISTS "event_outbox_unsequenced_idx";--> statement-breakpoint
ALTER TABLE "event_outbox" ALTER COLUMN "seq" SET NOT NULL;
