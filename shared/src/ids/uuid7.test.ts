import { describe, expect, it } from 'vitest';
import { uuid7 } from './uuid7.ts';

describe('uuid7', () => {
  it('carries the millisecond time, version 7 and the RFC variant, and sorts by time', () => {
    const at = Date.UTC(2025, 10, 21, 12, 0, 0, 123);
    const id = uuid7(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
    expect(uuid7(at) < uuid7(at + 1)).toBe(true);
    expect(uuid7(2 ** 48 - 1).startsWith('ffffffff-ffff-')).toBe(true);
  });

  it('draws fresh randomness for every id, across refills of its pool', () => {
    const ids = Array.from({ length: 5000 }, () => uuid7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    // Every random hex digit position takes many values (no stuck bytes).
    for (const pos of [15, 20, 25, 30, 35]) expect(new Set(ids.map((s) => s[pos])).size).toBeGreaterThan(8);
  });
});
