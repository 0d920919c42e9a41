CREATE SCHEMA "analytics";
--> statement-breakpoint
CREATE TABLE "analytics"."agent_intervals" (
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"interval_start" timestamp with time zone NOT NULL,
	"handled" integer DEFAULT 0 NOT NULL,
	"talk_ms" bigint DEFAULT 0 NOT NULL,
	"hold_ms" bigint DEFAULT 0 NOT NULL,
	"wrap_ms" bigint DEFAULT 0 NOT NULL,
	"late_events" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "agent_intervals_tenant_id_interval_start_site_id_agent_id_pk" PRIMARY KEY("tenant_id","interval_start","site_id","agent_id")
);
--> statement-breakpoint
CREATE TABLE "analytics"."agent_states" (
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"agent_id" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"to_state" smallint NOT NULL,
	CONSTRAINT "agent_states_site_id_seq_pk" PRIMARY KEY("site_id","seq")
);
--> statement-breakpoint
CREATE TABLE "analytics"."events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics"."queue_intervals" (
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"queue_id" text NOT NULL,
	"interval_start" timestamp with time zone NOT NULL,
	"offered" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"abandoned" integer DEFAULT 0 NOT NULL,
	"short_abandoned" integer DEFAULT 0 NOT NULL,
	"answered_in_sl" integer DEFAULT 0 NOT NULL,
	"answer_wait_ms" bigint DEFAULT 0 NOT NULL,
	"talk_ms" bigint DEFAULT 0 NOT NULL,
	"hold_ms" bigint DEFAULT 0 NOT NULL,
	"wrap_ms" bigint DEFAULT 0 NOT NULL,
	"longest_wait_ms" bigint DEFAULT 0 NOT NULL,
	"late_events" integer DEFAULT 0 NOT NULL,
	"last_late_at" timestamp with time zone,
	CONSTRAINT "queue_intervals_tenant_id_interval_start_site_id_queue_id_pk" PRIMARY KEY("tenant_id","interval_start","site_id","queue_id")
);
--> statement-breakpoint
CREATE TABLE "analytics"."queue_live" (
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"queue_id" text NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"waiting" integer NOT NULL,
	"longest_wait_ms" bigint NOT NULL,
	"agents" jsonb NOT NULL,
	CONSTRAINT "queue_live_tenant_id_site_id_queue_id_pk" PRIMARY KEY("tenant_id","site_id","queue_id")
);
--> statement-breakpoint
CREATE TABLE "analytics"."rejected_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"subject" text NOT NULL,
	"source" text,
	"stream_seq" bigint,
	"site_id" text,
	"reason" text NOT NULL,
	"detail" text,
	"payload" "bytea" NOT NULL,
	"payload_sha256" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics"."site_watermarks" (
	"site_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "agent_states_agent_idx" ON "analytics"."agent_states" USING btree ("tenant_id","site_id","agent_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "events_site_seq_uq" ON "analytics"."events" USING btree ("site_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "rejected_events_sha_uq" ON "analytics"."rejected_events" USING btree ("payload_sha256");