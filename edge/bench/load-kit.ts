// What the full-flow call benches share: the bench site's config (IVR prompt -> queue with music -> agent
// phones at static contacts), CDR queries and CPU counters. call-load.ts drives the call
// layer in-process; deploy/bench/edge-capacity.ts drives whole edge processes (from source and installed).
import { readFileSync } from 'node:fs';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Channel, type ConfigBundle, ConfigBundleSchema, RoutingStrategy, TrunkKind } from '@hcc/proto';
import { sql } from 'drizzle-orm';

/** The DID the bench callers dial. */
export const BENCH_DID = '+15550100';
/** The carrier trunk's source: SIPp callers bind this address. */
export const CALLER_IP = '127.0.0.2';

type Query = <T>(q: ReturnType<typeof sql>) => Promise<T[]>;

/** The bench site: `agents` agents (extensions 10000+) whose phones are one SIPp UAS at 127.0.0.1:agentPort. */
export function benchBundle(agentPort: number, agents: number): ConfigBundle {
  const init: MessageInitShape<typeof ConfigBundleSchema> = {
    tenantId: 'acme',
    siteId: 'hq',
    version: 1n,
    site: { name: 'HQ', timeZone: 'UTC', locale: 'en-US' },
    trunks: [
      {
        id: 'carrier',
        kind: TrunkKind.CARRIER,
        host: '127.0.0.1',
        port: 9,
        allowedSourceCidrs: [`${CALLER_IP}/32`],
        normalization: { countryCode: '1' },
      },
    ],
    dids: [{ id: 'did-main', number: BENCH_DID, target: { case: 'flowId', value: 'bench' } }],
    prompts: ['welcome', 'moh'].map((id) => ({
      id,
      name: id,
      variants: [{ language: 'en', path: `en/${id}.wav` }],
    })),
    flows: [
      {
        id: 'bench',
        entryNodeId: 'welcome',
        nodes: [
          { id: 'welcome', kind: { case: 'play', value: { promptId: 'welcome', nextNodeId: 'q' } } },
          { id: 'q', kind: { case: 'enqueue', value: { queueId: 'sales' } } },
        ],
      },
    ],
    skills: [{ id: 'sales', name: 'sales' }],
    queues: [
      {
        id: 'sales',
        channels: [Channel.VOICE],
        requiredSkills: [{ skillId: 'sales', minLevel: 1 }],
        strategy: RoutingStrategy.LONGEST_IDLE,
        ringTimeoutSeconds: 10,
        musicOnHoldPromptId: 'moh',
      },
    ],
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `a-${i}`,
      extension: String(10000 + i),
      skills: [{ skillId: 'sales', level: 5 }],
      devices: [
        {
          id: 'desk',
          kind: { case: 'staticContact', value: { uri: `sip:${10000 + i}@127.0.0.1:${agentPort}` } },
        },
      ],
      capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
    })),
  } as MessageInitShape<typeof ConfigBundleSchema>;
  return create(ConfigBundleSchema, init);
}

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}
export const HZ = 100;
/** Busy ticks of the whole machine (all CPUs): the rest of the load is SIPp, PostgreSQL and the kernel. */
export function machineTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!; // minus idle and iowait
}

export async function cdrCounts(query: Query) {
  const [r] = await query<{ n: string; ok: string }>(
    sql`select count(*) n, count(*) filter (where disposition = 'ANSWERED') ok from cdrs`,
  );
  return { n: Number(r!.n), ok: Number(r!.ok) };
}

/** CDR dispositions since `since` (for a failed step: abandoned in the IVR or queue, failed, ...). */
export async function dispositions(query: Query, since: number): Promise<string> {
  const rows = await query<{ disposition: string; n: string }>(
    sql`select disposition, count(*) n from (select disposition from cdrs order by started_at offset ${since}) x group by 1`,
  );
  return rows.map((r) => `${r.disposition} ${r.n}`).join(', ');
}

/** How the step's failed calls ended: their last CDR step (kind and detail), most frequent first. */
export async function failedSteps(query: Query): Promise<string> {
  const rows = await query<{ last: string; n: string }>(
    sql`select last, count(*) n from (select (select s.kind || ' ' || s.detail::text from cdr_steps s
        where s.interaction_id = c.interaction_id order by s.id desc limit 1) last
        from cdrs c where c.disposition <> 'ANSWERED') x group by 1 order by 2 desc limit 5`,
  );
  return rows.map((r) => `${r.last} x${r.n}`).join('; ');
}
