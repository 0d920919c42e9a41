// Registrar bindings and the persistence port the call layer implements to store them (PostgreSQL);
// an in-memory store for the stack on its own and for tests.

export interface Binding {
  /** Contact URI as registered (with its URI parameters). */
  contact: string;
  /** Absolute expiry, in the registrar clock's milliseconds. */
  expiresAt: number;
  callId: string;
  cseq: number;
  /** q-value, 0..1 (default 1). */
  q: number;
  /** Where the REGISTER came from: the flow to reach a device behind NAT (RFC 5626 style). */
  source: { protocol: string; address: string; port: number; connectionId?: string };
  /** RFC 5626 instance id and reg-id, when present. */
  instanceId?: string;
  regId?: string;
  userAgent?: string;
}

export interface BindingStore {
  /** Current bindings of an address of record (may include expired ones; the registrar filters). */
  get(aor: string): Promise<Binding[]>;
  /** Replaces the bindings of an address of record (an empty list removes it). */
  put(aor: string, bindings: Binding[]): Promise<void>;
}

export class MemoryBindingStore implements BindingStore {
  private readonly map = new Map<string, Binding[]>();

  async get(aor: string): Promise<Binding[]> {
    return this.map.get(aor)?.map((b) => ({ ...b })) ?? [];
  }

  async put(aor: string, bindings: Binding[]): Promise<void> {
    if (bindings.length === 0) this.map.delete(aor);
    else
      this.map.set(
        aor,
        bindings.map((b) => ({ ...b })),
      );
  }

  get size(): number {
    return this.map.size;
  }
}
