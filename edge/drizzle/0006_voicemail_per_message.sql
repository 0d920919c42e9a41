-- A call may leave more than one voicemail message (a flow that reaches a mailbox twice): each file is
-- its own row of the recordings index, so its hash, duration and retention follow the right file.
ALTER TABLE "recordings" DROP CONSTRAINT "recordings_interaction_id_kind_pk";--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_interaction_id_kind_path_pk" PRIMARY KEY ("interaction_id", "kind", "path");
