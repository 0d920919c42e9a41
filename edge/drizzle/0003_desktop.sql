CREATE TABLE "call_dispositions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "call_dispositions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"interaction_id" text NOT NULL,
	"agent_id" text NOT NULL,
	"code" text NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "call_dispositions_interaction_agent_idx" ON "call_dispositions" USING btree ("interaction_id","agent_id");--> statement-breakpoint
CREATE INDEX "call_dispositions_agent_idx" ON "call_dispositions" USING btree ("agent_id","created_at");