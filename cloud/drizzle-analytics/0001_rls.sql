-- Tenant isolation of the analytics store, the same model as the control plane (drizzle/0002_rls):
-- analysts' report queries run as hcc_app with app.tenant_id set for the transaction (withTenant)
-- and see only their tenant's rows, read-only; ingest and the watermark service are cross-tenant
-- and run as hcc_system. RLS is FORCEd, so even the owner obeys it. rejected_events and
-- site_watermarks are not readable by hcc_app at all (ops only).
DO $$ BEGIN CREATE ROLE hcc_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
--> statement-breakpoint
DO $$ BEGIN CREATE ROLE hcc_system NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
--> statement-breakpoint
DO $$ BEGIN EXECUTE format('GRANT hcc_app, hcc_system TO %I', current_user); EXCEPTION WHEN others THEN NULL; END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA analytics TO hcc_app, hcc_system;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA analytics TO hcc_system;
--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA analytics TO hcc_system;
--> statement-breakpoint
GRANT SELECT ON analytics.events, analytics.queue_intervals, analytics.agent_intervals, analytics.agent_states, analytics.queue_live TO hcc_app;
--> statement-breakpoint
ALTER TABLE analytics.events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.events TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.queue_intervals ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.queue_intervals FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.queue_intervals TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.agent_intervals ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.agent_intervals FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.agent_intervals TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.agent_states ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.agent_states FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.agent_states TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.queue_live ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.queue_live FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.queue_live TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.rejected_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.rejected_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.rejected_events TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE analytics.site_watermarks ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE analytics.site_watermarks FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_access ON analytics.site_watermarks TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY tenant_isolation ON analytics.events FOR SELECT TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY tenant_isolation ON analytics.queue_intervals FOR SELECT TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY tenant_isolation ON analytics.agent_intervals FOR SELECT TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY tenant_isolation ON analytics.agent_states FOR SELECT TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY tenant_isolation ON analytics.queue_live FOR SELECT TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true));
