/**
 * In-memory customer directory (the site's customer data store does not exist yet). Keyed by the
 * caller's E.164 number, which is PII: it stays inside this object and is never logged.
 */
import type { CallerAttributes, CustomerLookup } from './ports.ts';

export class MemoryCustomerDirectory implements CustomerLookup {
  private readonly byNumber = new Map<string, CallerAttributes>();

  set(number: string, attributes: CallerAttributes): void {
    this.byNumber.set(number, Object.freeze({ ...attributes }));
  }

  async attributes(callerNumber: string, opts: { signal: AbortSignal }): Promise<CallerAttributes> {
    opts.signal.throwIfAborted();
    return this.byNumber.get(callerNumber) ?? {};
  }
}
