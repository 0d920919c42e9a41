CREATE TABLE "cdr_legs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cdr_legs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"interaction_id" text NOT NULL,
	"role" text NOT NULL,
	"agent_id" text DEFAULT '' NOT NULL,
	"target" text DEFAULT '' NOT NULL,
	"sip_call_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"result" text NOT NULL,
	"final_status" integer
);
--> statement-breakpoint
CREATE TABLE "cdr_steps" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cdr_steps_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"interaction_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"detail" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cdrs" (
	"interaction_id" text PRIMARY KEY NOT NULL,
	"config_version" bigint NOT NULL,
	"direction" text NOT NULL,
	"trunk_id" text DEFAULT '' NOT NULL,
	"did_id" text DEFAULT '' NOT NULL,
	"caller_number" text,
	"called_number" text,
	"sip_call_id" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone NOT NULL,
	"disposition" text NOT NULL,
	"ended_by" text NOT NULL,
	"queue_id" text DEFAULT '' NOT NULL,
	"agent_id" text DEFAULT '' NOT NULL,
	"total_ms" integer NOT NULL,
	"ivr_ms" integer DEFAULT 0 NOT NULL,
	"queue_wait_ms" integer DEFAULT 0 NOT NULL,
	"ring_ms" integer DEFAULT 0 NOT NULL,
	"talk_ms" integer DEFAULT 0 NOT NULL,
	"hold_ms" integer DEFAULT 0 NOT NULL,
	"transfer_count" integer DEFAULT 0 NOT NULL,
	"recorded" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"phone" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"account" text DEFAULT '' NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "local_secrets" (
	"ref" text PRIMARY KEY NOT NULL,
	"realm" text DEFAULT '' NOT NULL,
	"ha1_md5" text,
	"ha1_sha256" text,
	"password" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recordings" (
	"interaction_id" text PRIMARY KEY NOT NULL,
	"path" text NOT NULL,
	"sha256" text NOT NULL,
	"duration_ms" integer NOT NULL,
	"bytes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cdr_legs" ADD CONSTRAINT "cdr_legs_interaction_id_cdrs_interaction_id_fk" FOREIGN KEY ("interaction_id") REFERENCES "public"."cdrs"("interaction_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cdr_steps" ADD CONSTRAINT "cdr_steps_interaction_id_cdrs_interaction_id_fk" FOREIGN KEY ("interaction_id") REFERENCES "public"."cdrs"("interaction_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cdr_legs_interaction_idx" ON "cdr_legs" USING btree ("interaction_id");--> statement-breakpoint
CREATE INDEX "cdr_steps_interaction_idx" ON "cdr_steps" USING btree ("interaction_id");--> statement-breakpoint
CREATE INDEX "cdrs_ended_at_idx" ON "cdrs" USING btree ("ended_at");--> statement-breakpoint
CREATE INDEX "recordings_created_idx" ON "recordings" USING btree ("created_at");