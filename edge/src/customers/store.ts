/**
 * The site's customer directory in the edge database: screen pop for the agent desktop and the
 * IVR's caller attributes. Numbers and names are PII: they stay in this table and in the answers
 * given to the desktop on site, never in logs or events.
 */
import type { Db } from '@hcc/shared';
import { eq } from 'drizzle-orm';
import { customers } from '../db/call-schema.ts';
import type { CallerAttributes, CustomerLookup } from '../ivr/index.ts';

export interface Customer {
  phone: string;
  /** Lower-cased; '' or absent when unknown (see CustomerDirectory). */
  email?: string;
  name: string;
  account: string;
  notes: string;
  attributes: Record<string, string>;
}

export class CustomerStore implements CustomerLookup {
  constructor(private readonly db: Db) {}

  async upsert(c: Customer): Promise<void> {
    const values = { ...c, updatedAt: new Date() };
    await this.db
      .insert(customers)
      .values(values)
      .onConflictDoUpdate({ target: customers.phone, set: values });
  }

  /** The customer record for a screen pop; undefined for an unknown number. */
  async find(phone: string): Promise<Customer | undefined> {
    const [r] = await this.db.select().from(customers).where(eq(customers.phone, phone));
    return (
      r && {
        phone: r.phone,
        email: r.email,
        name: r.name,
        account: r.account,
        notes: r.notes,
        attributes: r.attributes,
      }
    );
  }

  /** CustomerLookup: the stored attributes plus `account` and `known`. */
  async attributes(callerNumber: string, opts: { signal: AbortSignal }): Promise<CallerAttributes> {
    opts.signal.throwIfAborted();
    const c = await this.find(callerNumber);
    if (!c) return { known: 'false' };
    return { ...c.attributes, account: c.account, known: 'true' };
  }
}
