/**
 * Agent desktop authentication: scrypt password hashes in an edge-local credential store (PostgreSQL
 * in the edge, agent-credentials-db.ts; in memory for unit tests), and server-side sessions with a
 * CSRF token each.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, hashPassword, SCRYPT_PARAMS } from '@hcc/shared';

export { hashPassword, verifyPassword } from '@hcc/shared';

/** Where agent password hashes live (edge-local; never in a bundle, never sent to the cloud). */
export interface CredentialStore {
  hashOf(agentId: string): Promise<string | undefined>;
  setHash(agentId: string, hash: string): Promise<void>;
  /** Hashes and stores a password (provisioning, tests). */
  setPassword(agentId: string, password: string, params?: typeof SCRYPT_PARAMS): Promise<void>;
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly hashes = new Map<string, string>();
  async hashOf(agentId: string): Promise<string | undefined> {
    return this.hashes.get(agentId);
  }
  async setHash(agentId: string, hash: string): Promise<void> {
    this.hashes.set(agentId, hash);
  }
  /** Hashes and stores a password (demo provisioning, tests). */
  async setPassword(agentId: string, password: string, params = SCRYPT_PARAMS): Promise<void> {
    this.hashes.set(agentId, await hashPassword(password, params));
  }
}

export interface AgentSession {
  token: string;
  agentId: string;
  csrfToken: string;
  expiresAt: number;
}

export interface SessionStore {
  create(agentId: string): AgentSession;
  get(token: string): AgentSession | undefined;
  delete(token: string): void;
}

/** Sessions in memory with an idle TTL on the injected clock (sliding on every use). */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, AgentSession>();
  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 12 * 3600_000,
  ) {}

  create(agentId: string): AgentSession {
    const s: AgentSession = {
      token: randomBytes(32).toString('base64url'),
      agentId,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: this.clock.now() + this.ttlMs,
    };
    this.sessions.set(s.token, s);
    return s;
  }

  get(token: string): AgentSession | undefined {
    const s = this.sessions.get(token);
    if (!s) return undefined;
    if (s.expiresAt <= this.clock.now()) {
      this.sessions.delete(token);
      return undefined;
    }
    s.expiresAt = this.clock.now() + this.ttlMs;
    return s;
  }

  delete(token: string): void {
    this.sessions.delete(token);
  }
}

/** Constant-time string comparison (CSRF tokens). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
