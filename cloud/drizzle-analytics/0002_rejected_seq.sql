-- A parked event of a site keeps its seq so the site's watermark can count it as delivered.
ALTER TABLE "analytics"."rejected_events" ADD COLUMN IF NOT EXISTS "seq" bigint;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rejected_events_site_seq_idx" ON "analytics"."rejected_events" USING btree ("site_id","seq") WHERE "seq" IS NOT NULL;
