import { fileURLToPath } from 'node:url';

/** The edge database's migrations folder (drizzle-kit layout). */
export const EDGE_MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));
