-- Voicemail messages join the recordings index: kind 'call' (stereo call recording) or 'voicemail'
-- (the caller's message to a mailbox); one row per interaction and kind. Retention applies to both.
ALTER TABLE "recordings" ADD COLUMN "kind" text DEFAULT 'call' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "mailbox_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "recordings" DROP CONSTRAINT "recordings_pkey";--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_interaction_id_kind_pk" PRIMARY KEY ("interaction_id", "kind");--> statement-breakpoint
CREATE INDEX "recordings_mailbox_idx" ON "recordings" USING btree ("mailbox_id", "created_at") WHERE "kind" = 'voicemail';
--> statement-breakpoint
-- SIP registrations of agents' phones, kept across a restart of the edge (the registrar's binding
-- store writes through to this table; expiry in the registrar clock's milliseconds).
CREATE TABLE "sip_bindings" (
	"aor" text NOT NULL,
	"contact" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"binding" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sip_bindings_aor_contact_pk" PRIMARY KEY("aor","contact")
);--> statement-breakpoint
CREATE INDEX "sip_bindings_expires_idx" ON "sip_bindings" USING btree ("expires_at");
