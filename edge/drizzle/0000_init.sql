CREATE TABLE "config_versions" (
	"version" bigint PRIMARY KEY NOT NULL,
	"signing_key_id" text NOT NULL,
	"bundle" "bytea" NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"applied_at" timestamp with time zone,
	"status" text NOT NULL,
	"reject_reason" text
);
--> statement-breakpoint
CREATE INDEX "config_versions_status_idx" ON "config_versions" USING btree ("status","version");