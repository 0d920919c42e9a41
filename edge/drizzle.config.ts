import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './src/db/schema.ts',
    './src/db/call-schema.ts',
    './src/db/desktop-schema.ts',
    './src/db/api-key-schema.ts',
  ],
  out: './drizzle',
});
