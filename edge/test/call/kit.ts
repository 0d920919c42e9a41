/**
 * Shared steps of the call tests: one edge per test (optionally with SIP over TCP
 * on the same port as UDP), a SIPp caller (UDP or TCP), SIPp agent phones, and the CDR reads.
 */
import { sql } from 'drizzle-orm';
import { expect, inject } from 'vitest';
import { TcpTransport, type Transport } from '../../src/sip/index.ts';
import { CALLER, callBundle, DID } from './fixtures.ts';
import { type Harness, type SippRun, startHarness } from './harness.ts';
import { agentScenario, type CallerAction, callerScenario, writeScenario } from './scenarios.ts';

export type Bundle = Parameters<typeof callBundle>[0];

export interface EdgeOptions {
  /** Adds a SIP TCP transport on the UDP port. */
  tcp?: boolean;
  record?: boolean;
  /** Agents not logged in at the start. */
  loggedOut?: string[];
  /** How long a queued caller waits before music on hold (default: the product's 1 s). */
  queueMusicDelayMs?: number;
}

/** Starts an edge for `bundle`, logs its agents in (in order), runs fn, closes everything. */
export async function withEdge(
  name: string,
  bundle: Bundle | ((ports: { sip: number }) => Bundle),
  fn: (h: Harness) => Promise<void>,
  o: EdgeOptions = {},
): Promise<void> {
  // The harness spreads `transports` after it calls `bundle` with the SIP port: the TCP transport
  // added here listens on that port too.
  const transports: Transport[] = [];
  let agents: string[] = [];
  const h = await startHarness({
    pgUrl: inject('pgUrl'),
    name,
    transports,
    ...(o.record ? { record: true } : {}),
    ...(o.queueMusicDelayMs !== undefined ? { queueMusicDelayMs: o.queueMusicDelayMs } : {}),
    bundle: (ports) => {
      if (o.tcp) transports.push(new TcpTransport({ host: '127.0.0.1', port: ports.sip }));
      const b = typeof bundle === 'function' ? bundle(ports) : bundle;
      agents = b.agents.map((a) => a.id!);
      return callBundle(b);
    },
  });
  try {
    // A few ms apart, so that longest-idle routing offers to them in the order listed.
    for (const id of agents) {
      if (o.loggedOut?.includes(id)) continue;
      h.agents.login(id);
      await new Promise((r) => setTimeout(r, 5));
    }
    await fn(h);
  } finally {
    await h.close();
  }
}

/** One SIPp caller to the DID; `tcp` makes it call over TCP. */
export async function call(
  h: Harness,
  actions: CallerAction[],
  o: { tcp?: boolean; scenario?: string } = {},
): Promise<SippRun> {
  const xml = await writeScenario(
    h.dir,
    `caller-${Math.random().toString(36).slice(2)}`,
    o.scenario ?? callerScenario({ did: DID, number: CALLER, actions }),
  );
  const r = await h.sipp(xml, o.tcp ? ['-t', 't1'] : []);
  expect(r.code, r.output).toBe(0);
  return r;
}

/** An agent phone (SIPp UAS) on `port`, in the background; `tcp` listens on TCP. */
export async function phone(
  h: Harness,
  port: number,
  o: Parameters<typeof agentScenario>[0] & { tcp?: boolean },
): Promise<SippRun> {
  const { tcp, ...scenario } = o;
  const xml = await writeScenario(h.dir, `agent-${port}`, agentScenario(scenario));
  return h.sippBg(xml, ['-p', String(port), ...(tcp ? ['-t', 't1'] : [])]).done;
}

export async function ok(p: Promise<SippRun>): Promise<void> {
  const r = await p;
  expect(r.code, r.output).toBe(0);
}

export async function oneCdr(h: Harness): Promise<Record<string, string | number | boolean>> {
  await expect.poll(async () => (await h.query(sql`select 1 from cdrs`)).length, { timeout: 10_000 }).toBe(1);
  const [cdr] = await h.query<Record<string, string | number | boolean>>(sql`select * from cdrs`);
  return cdr!;
}

export function legs(h: Harness) {
  return h.query<{ role: string; result: string; agent_id: string; final_status: number | null }>(
    sql`select role, result, agent_id, final_status from cdr_legs order by id`,
  );
}

/** rtpengine holds no call once the edge is done with it. */
export async function noMediaLeft(h: Harness): Promise<void> {
  await expect.poll(() => h.rtp.client.list(), { timeout: 5000 }).toEqual([]);
}
