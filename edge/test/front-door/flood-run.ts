/**
 * Legitimate calls under a flood, for the flood test and the benchmark: SIPp places calls from the carrier
 * trunk (127.0.0.2) into the IVR at a rate while flood.mjs, a process of its own, sends junk and password
 * guesses from many loopback addresses.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ivrCaller, writeScenario } from '../call/scenarios.ts';
import type { EdgeCallLayer } from './edge-call-layer.ts';

const run = promisify(execFile);
const FLOOD = fileURLToPath(new URL('./flood.mjs', import.meta.url));

export interface FloodStats {
  junk: number;
  registers: number;
  answers: number;
  responses: number;
  challenges: number;
  ok: number;
  seconds: number;
}

export interface FloodRun {
  calls: number;
  successful: number;
  failed: number;
  sippCode: number | null;
  sippOutput: string;
  flood: FloodStats;
}

/** Runs `seconds` of calls at `callsPerS` under the flood; resolves when both are done. */
export async function callsUnderFlood(
  edge: EdgeCallLayer,
  o: {
    seconds: number;
    callsPerS: number;
    sources: number;
    junkPerS: number;
    registerPerS: number;
    talkMs?: number;
  },
): Promise<FloodRun> {
  const calls = o.seconds * o.callsPerS;
  const scenario = await writeScenario(edge.dir, 'ivr-caller', ivrCaller(o.talkMs ?? 1000));
  const flood = run(
    process.execPath,
    [
      FLOOD,
      JSON.stringify({
        host: '127.0.0.1',
        port: edge.sipPort,
        sources: o.sources,
        firstOctet: 10,
        junkPerS: o.junkPerS,
        registerPerS: o.registerPerS,
        durationMs: o.seconds * 1000 + 2000,
      }),
    ],
    { timeout: (o.seconds + 60) * 1000 },
  );
  // The flood starts first: calls meet it in full swing.
  await new Promise((r) => setTimeout(r, 1000));
  const sipp = await edge.sipp(
    scenario,
    ['-r', String(o.callsPerS), '-m', String(calls), '-l', String(o.callsPerS * 20)],
    { timeoutS: o.seconds + 60 },
  );
  const f = await flood;
  const num = (label: string) =>
    Number(new RegExp(`${label}\\s+\\|\\s+\\d+\\s+\\|\\s+(\\d+)`).exec(sipp.output)?.[1] ?? NaN);
  return {
    calls,
    successful: num('Successful call'),
    failed: num('Failed call'),
    sippCode: sipp.code,
    sippOutput: sipp.output,
    flood: JSON.parse(f.stdout.trim().split('\n').pop() ?? '{}') as FloodStats,
  };
}
