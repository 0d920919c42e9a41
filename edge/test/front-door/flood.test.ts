/**
 * Legitimate calls keep working under a flood: 50 loopback addresses send 150 junk requests/s and 69 REGISTER/s
 * (each challenge answered with a wrong password) while SIPp places 20 calls/s from the carrier through the IVR.
 * At least 99.9% of the calls must succeed. The test runs 15 s (HCC_FLOOD_S to change it); the benchmark
 * (edge/bench/sip-protect.ts) runs the full 60 s.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callBundle } from '../call/fixtures.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';
import { callsUnderFlood } from './flood-run.ts';

const SECONDS = Number(process.env.HCC_FLOOD_S ?? 15);
let edge: EdgeCallLayer;

beforeAll(async () => {
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'flood',
    bundle: () => callBundle({ agents: [] }),
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
});

describe('flood', () => {
  it(`at least 99.9% of 20 calls/s succeed under 150 junk + 69 REGISTER/s from 50 addresses (${SECONDS} s)`, async () => {
    const r = await callsUnderFlood(edge, {
      seconds: SECONDS,
      callsPerS: 20,
      sources: 50,
      junkPerS: 150,
      registerPerS: 69,
    });
    const c = edge.layer.protection();
    const summary = JSON.stringify({ ...r, sippOutput: undefined, protection: c });
    expect(r.successful + r.failed, summary).toBe(r.calls);
    expect(r.successful / r.calls, `${summary}\n${r.sippOutput}`).toBeGreaterThanOrEqual(0.999);
    // The flood was real and met the front door: guesses were refused, their addresses banned, the rest dropped.
    expect(r.flood.junk).toBeGreaterThanOrEqual(150 * SECONDS);
    expect(r.flood.registers).toBeGreaterThanOrEqual(69 * SECONDS);
    expect(r.flood.ok, summary).toBe(0);
    expect(c.authFailures, summary).toBeGreaterThanOrEqual(5 * 40);
    expect(c.bannedAddresses, summary).toBeGreaterThanOrEqual(40);
    expect(c.dropped, summary).toBeGreaterThan(r.flood.junk / 2);
  }, 180_000);
});
