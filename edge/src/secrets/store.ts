/**
 * The edge's local secret store, named by the bundle's `*_ref` fields (secrets never travel in a
 * bundle). Device secrets are digest HA1 values for the registrar's realm (the password itself is
 * not kept); trunk secrets keep the password the digest client needs to answer a carrier.
 */
import { createHash } from 'node:crypto';
import type { Db } from '@hcc/shared';
import { eq } from 'drizzle-orm';
import { localSecrets } from '../db/call-schema.ts';

export interface DeviceSecret {
  realm: string;
  ha1: { MD5?: string; 'SHA-256'?: string };
}

const hash = (alg: 'md5' | 'sha256', s: string) => createHash(alg).update(s).digest('hex');

/** HA1 = H(username:realm:password) for both algorithms of RFC 8760. */
export function ha1Values(username: string, realm: string, password: string) {
  const a1 = `${username}:${realm}:${password}`;
  return { MD5: hash('md5', a1), 'SHA-256': hash('sha256', a1) };
}

export class SecretStore {
  constructor(private readonly db: Db) {}

  /** Provisions a SIP device: stores only HA1 values for `realm`. */
  async setDevicePassword(ref: string, username: string, realm: string, password: string): Promise<void> {
    const h = ha1Values(username, realm, password);
    const values = {
      ref,
      realm,
      ha1Md5: h.MD5,
      ha1Sha256: h['SHA-256'],
      password: null,
      updatedAt: new Date(),
    };
    await this.db
      .insert(localSecrets)
      .values(values)
      .onConflictDoUpdate({ target: localSecrets.ref, set: values });
  }

  /** Provisions a trunk password (outbound digest). */
  async setPassword(ref: string, password: string): Promise<void> {
    const values = { ref, realm: '', ha1Md5: null, ha1Sha256: null, password, updatedAt: new Date() };
    await this.db
      .insert(localSecrets)
      .values(values)
      .onConflictDoUpdate({ target: localSecrets.ref, set: values });
  }

  async device(ref: string): Promise<DeviceSecret | undefined> {
    const [r] = await this.db.select().from(localSecrets).where(eq(localSecrets.ref, ref));
    if (!r || (!r.ha1Md5 && !r.ha1Sha256)) return undefined;
    return {
      realm: r.realm,
      ha1: { ...(r.ha1Md5 ? { MD5: r.ha1Md5 } : {}), ...(r.ha1Sha256 ? { 'SHA-256': r.ha1Sha256 } : {}) },
    };
  }

  async password(ref: string): Promise<string | undefined> {
    const [r] = await this.db
      .select({ password: localSecrets.password })
      .from(localSecrets)
      .where(eq(localSecrets.ref, ref));
    return r?.password ?? undefined;
  }

  async has(ref: string): Promise<boolean> {
    const [r] = await this.db
      .select({ ref: localSecrets.ref })
      .from(localSecrets)
      .where(eq(localSecrets.ref, ref));
    return r !== undefined;
  }
}
