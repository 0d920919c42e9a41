/**
 * Agent desktop password hashes in the edge's PostgreSQL (table agent_credentials): scrypt hashes
 * only, written by provisioning, read at login. They survive restarts and never leave the site.
 */
import type { Db } from '@hcc/shared';
import { hashPassword, SCRYPT_PARAMS } from '@hcc/shared';
import { eq, sql } from 'drizzle-orm';
import { agentCredentials } from '../db/desktop-schema.ts';
import type { CredentialStore } from './agent-api-auth.ts';

export class PgCredentialStore implements CredentialStore {
  constructor(private readonly db: Db) {}

  async hashOf(agentId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ hash: agentCredentials.passwordHash })
      .from(agentCredentials)
      .where(eq(agentCredentials.agentId, agentId))
      .limit(1);
    return row?.hash;
  }

  async setHash(agentId: string, hash: string): Promise<void> {
    await this.db
      .insert(agentCredentials)
      .values({ agentId, passwordHash: hash })
      .onConflictDoUpdate({
        target: agentCredentials.agentId,
        set: { passwordHash: hash, updatedAt: sql`now()` },
      });
  }

  /** Hashes and stores a password (provisioning, tests). */
  async setPassword(agentId: string, password: string, params = SCRYPT_PARAMS): Promise<void> {
    await this.setHash(agentId, await hashPassword(password, params));
  }
}
