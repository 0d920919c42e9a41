/**
 * The customer directory behind the edge's /api/v1/customers API and the `hcc-edge customers` CLI:
 * upsert, get, delete and search, keyed by phone number (E.164) and e-mail. Rows live in the
 * `customers` table the screen pop and the IVR read (CustomerStore); nothing here emits events or
 * logs a number, name or address.
 */
import type { Db } from '@hcc/shared';
import { and, asc, eq, gt, inArray, ne, type SQL, sql } from 'drizzle-orm';
import { customers } from '../db/call-schema.ts';
import type { NumberRules } from '../events/pseudonym.ts';
import { type DirectoryRecord, normalizeEmail, normalizePhone, RecordError } from './record.ts';

export interface StoredRecord extends DirectoryRecord {
  updatedAt: Date;
}

export interface SearchQuery {
  phone?: string;
  email?: string;
  /** Case-insensitive name prefix. */
  name?: string;
  /** Page size, 1..1000 (default 50). */
  limit?: number;
  /** The `next` of the previous page (the last phone number returned). */
  after?: string;
}

export interface SearchPage {
  customers: StoredRecord[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** A write the directory refuses (an e-mail address another customer has). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const columns = {
  phone: customers.phone,
  email: customers.email,
  name: customers.name,
  account: customers.account,
  notes: customers.notes,
  attributes: customers.attributes,
  updatedAt: customers.updatedAt,
};

export class CustomerDirectory {
  constructor(
    private readonly db: Db,
    /** The site's rules for national numbers (from the applied config). */
    readonly numberRules: () => NumberRules,
  ) {}

  /** The E.164 form of a number given in a path or query; throws RecordError. */
  phoneKey(raw: string): string {
    return normalizePhone(raw, this.numberRules());
  }

  async get(phone: string): Promise<StoredRecord | undefined> {
    const [r] = await this.db.select(columns).from(customers).where(eq(customers.phone, phone));
    return r;
  }

  async getByEmail(email: string): Promise<StoredRecord | undefined> {
    const e = normalizeEmail(email);
    if (e === '') return undefined;
    const [r] = await this.db.select(columns).from(customers).where(eq(customers.email, e));
    return r;
  }

  /** Inserts or replaces the record of `r.phone`; returns whether it was new. */
  async upsert(r: DirectoryRecord): Promise<{ created: boolean }> {
    if (r.email !== '') {
      const taken = await this.emailOwners([r.email], [r.phone]);
      if (taken.size) throw new ConflictError('email', 'the e-mail address belongs to another customer');
    }
    const [row] = await this.db
      .insert(customers)
      .values({ ...r, updatedAt: new Date() })
      .onConflictDoUpdate({ target: customers.phone, set: upsertSet })
      .returning({ created: sql<boolean>`xmax = 0` });
    return { created: Boolean(row?.created) };
  }

  /**
   * Upserts many records in one statement (the import's batch). Callers pass distinct phones and
   * e-mail addresses; a record whose e-mail belongs to another stored customer is returned, not written.
   */
  async upsertMany(rs: readonly DirectoryRecord[]): Promise<{ rejected: Map<number, RecordError> }> {
    const rejected = new Map<number, RecordError>();
    const emails = rs.filter((r) => r.email !== '');
    if (emails.length) {
      const owners = await this.emailOwners(
        emails.map((r) => r.email),
        [],
      );
      rs.forEach((r, i) => {
        const owner = r.email === '' ? undefined : owners.get(r.email);
        if (owner !== undefined && owner !== r.phone)
          rejected.set(i, new RecordError('email', 'belongs to another customer'));
      });
    }
    const now = new Date();
    const values = rs.filter((_, i) => !rejected.has(i)).map((r) => ({ ...r, updatedAt: now }));
    if (values.length)
      await this.db
        .insert(customers)
        .values(values)
        .onConflictDoUpdate({ target: customers.phone, set: upsertSet });
    return { rejected };
  }

  async delete(phone: string): Promise<boolean> {
    const gone = await this.db
      .delete(customers)
      .where(eq(customers.phone, phone))
      .returning({ p: customers.phone });
    return gone.length > 0;
  }

  async search(q: SearchQuery): Promise<SearchPage> {
    const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), 1000);
    const where: SQL[] = [];
    if (q.phone !== undefined) where.push(eq(customers.phone, this.phoneKey(q.phone)));
    if (q.email !== undefined && q.email !== '') where.push(eq(customers.email, normalizeEmail(q.email)));
    if (q.name !== undefined && q.name !== '') {
      const prefix = q.name.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      where.push(sql`lower(${customers.name}) like ${`${prefix}%`}`);
    }
    if (q.after !== undefined) where.push(gt(customers.phone, q.after));
    const rows = await this.db
      .select(columns)
      .from(customers)
      .where(and(...where))
      .orderBy(asc(customers.phone))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return rows.length > limit
      ? { customers: page, next: page[page.length - 1]!.phone }
      : { customers: page };
  }

  /** Every record in phone order, `batch` rows per query (the export). */
  async *all(batch = 1000): AsyncGenerator<StoredRecord> {
    let after: string | undefined;
    for (;;) {
      const page = await this.search({ limit: batch, ...(after !== undefined ? { after } : {}) });
      yield* page.customers;
      if (page.next === undefined) return;
      after = page.next;
    }
  }

  /** The attribute names in use, sorted (the export's `attr.*` columns). */
  async attributeNames(): Promise<string[]> {
    const r = (await this.db.execute(
      sql`select distinct jsonb_object_keys(${customers.attributes}) as k from ${customers} order by k`,
    )) as unknown as { rows: Array<{ k: string }> };
    return r.rows.map((x) => x.k);
  }

  async count(): Promise<number> {
    const [r] = await this.db.select({ n: sql<number>`count(*)::int` }).from(customers);
    return r?.n ?? 0;
  }

  /** The phones that own `emails`, leaving out `exceptPhones`. */
  private async emailOwners(emails: string[], exceptPhones: string[]): Promise<Map<string, string>> {
    const rows = await this.db
      .select({ email: customers.email, phone: customers.phone })
      .from(customers)
      .where(and(inArray(customers.email, emails), ...exceptPhones.map((p) => ne(customers.phone, p))));
    return new Map(rows.map((r) => [r.email, r.phone]));
  }
}

const upsertSet = {
  email: sql`excluded.email`,
  name: sql`excluded.name`,
  account: sql`excluded.account`,
  notes: sql`excluded.notes`,
  attributes: sql`excluded.attributes`,
  updatedAt: sql`excluded.updated_at`,
};
