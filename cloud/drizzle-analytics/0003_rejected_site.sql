-- The site view counts each site's parked events (every row of the site, with or without a seq):
-- the partial (site_id, seq) index of 0002 covers only rows with a seq.
CREATE INDEX IF NOT EXISTS "rejected_events_site_idx" ON "analytics"."rejected_events" USING btree ("site_id");
