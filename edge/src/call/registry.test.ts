import { describe, expect, it } from 'vitest';
import { CallRegistry } from './registry.ts';

const session = (interactionId: string, trunkId: string) => ({ interactionId, trunkId });

describe('CallRegistry trunk channels', () => {
  it('counts inbound sessions and outbound legs against the trunk limit; release is idempotent', () => {
    const r = new CallRegistry<ReturnType<typeof session>, unknown>();
    const inbound = session('i-1', 'carrier');
    r.add(inbound);
    const out = r.takeTrunk('carrier', 2);
    expect(out).toBeDefined();
    expect(r.callsOnTrunk('carrier')).toBe(2);
    expect(r.takeTrunk('carrier', 2)).toBeUndefined(); // full: both directions count
    out!();
    out!(); // a second release gives nothing back twice
    expect(r.callsOnTrunk('carrier')).toBe(1);
    r.remove(inbound);
    expect(r.callsOnTrunk('carrier')).toBe(0);
    const unlimited = [r.takeTrunk('carrier', 0), r.takeTrunk('carrier', 0), r.takeTrunk('carrier', 0)];
    expect(unlimited.every((x) => x !== undefined)).toBe(true);
    expect(r.callsOnTrunk('carrier')).toBe(3);
    expect(r.callsOnTrunk('other')).toBe(0);
  });
});
