-- The customer directory API (issue 18): an e-mail key beside the phone number, a name-prefix index for
-- search, and the site API keys that authenticate it (SHA-256 of the secret part only).
ALTER TABLE "customers" ADD COLUMN "email" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "customers_email_uq" ON "customers" USING btree ("email") WHERE "customers"."email" <> '';--> statement-breakpoint
CREATE INDEX "customers_name_idx" ON "customers" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"label" text NOT NULL,
	"secret_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
