-- Row-level security for every tenant table. The application never queries as the owner of these
-- tables: it runs each transaction as `hcc_app` (tenant-scoped: `app.tenant_id` set per transaction)
-- or, for the few cross-tenant paths (login, API-key lookup, fleet status from events, enrollment
-- bookkeeping), as `hcc_system`. Neither role owns a table; RLS is FORCEd so even the owner obeys it.
DO $$ BEGIN CREATE ROLE hcc_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
--> statement-breakpoint
DO $$ BEGIN CREATE ROLE hcc_system NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
--> statement-breakpoint
DO $$ BEGIN EXECUTE format('GRANT hcc_app, hcc_system TO %I', current_user); EXCEPTION WHEN others THEN NULL; END $$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO hcc_app, hcc_system;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hcc_app, hcc_system;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hcc_app, hcc_system;
--> statement-breakpoint
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON tenants TO hcc_app USING (id = current_setting('app.tenant_id', true)) WITH CHECK (id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON tenants TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON users TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON users TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON sessions TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON sessions TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON api_keys TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON api_keys TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON sites TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON sites TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE site_nats ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE site_nats FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON site_nats TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON site_nats TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE site_status ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE site_status FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON site_status TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON site_status TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE draft_entities ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE draft_entities FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON draft_entities TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON draft_entities TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE config_versions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE config_versions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON config_versions TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON config_versions TO hcc_system USING (true) WITH CHECK (true);
--> statement-breakpoint
ALTER TABLE deployments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE deployments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY tenant_isolation ON deployments TO hcc_app USING (tenant_id = current_setting('app.tenant_id', true)) WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
--> statement-breakpoint
CREATE POLICY system_access ON deployments TO hcc_system USING (true) WITH CHECK (true);
