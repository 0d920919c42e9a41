CREATE TABLE "event_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"seq" bigint,
	"event_id" text NOT NULL,
	"kind" text NOT NULL,
	"payload" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_outbox_state" (
	"site_id" text PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"published_seq" bigint DEFAULT 0 NOT NULL,
	"watermark" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "event_outbox_seq_uq" ON "event_outbox" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "event_outbox_unsequenced_idx" ON "event_outbox" USING btree ("id") WHERE "event_outbox"."seq" is null;