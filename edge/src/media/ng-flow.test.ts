import { describe, expect, it } from 'vitest';
import { NgFlow } from './ng-flow.ts';

describe('NgFlow', () => {
  it('doubles the timer on each retransmission, capped at maxBackoff times the base', () => {
    const f = new NgFlow({ maxBackoff: 8 });
    expect([1, 2, 3, 4, 5].map((a) => f.timeoutFor(a, 100))).toEqual([100, 200, 400, 800, 800]);
  });

  it('never goes below the base timeout, and grows with a slow round-trip time', () => {
    const f = new NgFlow();
    f.sample(10);
    expect(f.timeoutFor(1, 1000)).toBe(1000);
    for (let i = 0; i < 20; i++) f.sample(900);
    expect(f.smoothedRttMs).toBeGreaterThan(800);
    const first = f.timeoutFor(1, 1000);
    expect(first).toBeGreaterThan(1000);
    expect(Math.abs(f.timeoutFor(2, 1000) - Math.min(2 * first, 8000))).toBeLessThanOrEqual(1);
    expect(f.timeoutFor(1, 100)).toBe(800); // capped at 8 x base
  });

  it('sends in order as slots free up', () => {
    const f = new NgFlow({ maxInFlight: 2 });
    const sent: number[] = [];
    for (let i = 0; i < 5; i++) f.acquire(() => sent.push(i));
    expect(sent).toEqual([0, 1]);
    expect(f.queued).toBe(3);
    f.release();
    expect(sent).toEqual([0, 1, 2]);
    f.release();
    f.release();
    expect(sent).toEqual([0, 1, 2, 3, 4]);
    expect(f.active).toBe(2);
    f.release();
    f.release();
    expect(f.active).toBe(0);
    f.release(); // an extra release never goes negative
    expect(f.active).toBe(0);
  });

  it('ignores invalid samples', () => {
    const f = new NgFlow();
    f.sample(Number.NaN);
    f.sample(-5);
    expect(f.smoothedRttMs).toBeUndefined();
  });
});
