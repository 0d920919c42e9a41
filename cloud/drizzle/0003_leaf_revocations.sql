ALTER TABLE "site_nats" ADD COLUMN "leaf_user_public_key" text;--> statement-breakpoint
ALTER TABLE "site_nats" ADD COLUMN "revocations" jsonb DEFAULT '{}'::jsonb NOT NULL;