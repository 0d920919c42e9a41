import { defineConfig } from 'drizzle-kit';

// The analytics store has its own schema, migrations folder and history table
// (`__analytics_migrations`), separate from the control plane's.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/analytics/schema.ts',
  out: './drizzle-analytics',
  schemaFilter: ['analytics'],
  migrations: { table: '__analytics_migrations' },
});
