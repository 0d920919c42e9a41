/**
 * ACD dispatch latency: "agent becomes free -> offer sent to that agent" with 1,000 callers waiting
 * across 50 queues and 200 agents (each agent skilled for 5 queues, at random levels).
 *
 *   npx tsx edge/bench/acd-dispatch.ts [iterations]
 *
 * Each iteration completes one agent's call (no wrap-up) and measures until AgentOfferPort.offer is
 * invoked for that agent; the offer is answered on the next microtask and a new caller joins a
 * random queue, so 1,000 stay waiting. The path measured is the ACD's own decision (the SIP
 * INVITE is the call layer's job after offer()).
 */
import { create } from '@bufbuild/protobuf';
import { Channel, ConfigBundleSchema, QueueEntry, RoutingStrategy } from '@hcc/proto';
import { Observer, silentLogger, systemClock } from '@hcc/shared';
import { AgentRegistry } from '../src/agent/registry.ts';
import type { AgentOfferPort, OfferRequest, OfferResult } from '../src/queue/ports.ts';
import { Acd } from '../src/queue/router.ts';

const QUEUES = 50;
const AGENTS = 200;
const WAITING = 1000;
const SKILLS_PER_AGENT = 5;
const iterations = Number(process.argv[2] ?? 5000);

let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = (n: number) => Math.floor(rand() * n);
const strategies = [
  RoutingStrategy.LONGEST_IDLE,
  RoutingStrategy.ROUND_ROBIN,
  RoutingStrategy.SKILL_WEIGHTED,
];

const bundle = create(ConfigBundleSchema, {
  tenantId: 'bench',
  siteId: 'hq',
  version: 1n,
  site: { timeZone: 'UTC' },
  skills: Array.from({ length: QUEUES }, (_, i) => ({ id: `s${i}` })),
  queues: Array.from({ length: QUEUES }, (_, i) => ({
    id: `q${i}`,
    channels: [Channel.VOICE],
    requiredSkills: [{ skillId: `s${i}`, minLevel: 2 }],
    priority: i % 3,
    strategy: strategies[i % 3],
  })),
  agents: Array.from({ length: AGENTS }, (_, i) => {
    const skills = new Map<string, number>();
    while (skills.size < SKILLS_PER_AGENT) skills.set(`s${pick(QUEUES)}`, 2 + pick(9));
    return {
      id: `a${i}`,
      extension: String(1000 + i),
      skills: [...skills].map(([skillId, level]) => ({ skillId, level: Math.min(level, 10) })),
      devices: [{ id: 'desk', kind: { case: 'browser' as const, value: {} } }],
      capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
    };
  }),
});

let offeredAt = 0;
let offeredTo = '';
const port: AgentOfferPort = {
  offer(req: OfferRequest): Promise<OfferResult> {
    offeredAt = performance.now();
    offeredTo = req.agent.id;
    req.ringing();
    return new Promise((resolve) =>
      queueMicrotask(() => {
        resolve(req.claim() ? 'answered' : 'cancelled');
      }),
    );
  },
};

const agents = new AgentRegistry({ clock: systemClock, observer: new Observer(), log: silentLogger });
const acd = new Acd({
  clock: systemClock,
  agents,
  offers: port,
  observer: new Observer(),
  log: silentLogger,
});
acd.applyConfig(bundle);
let next = 0;
const onCall = new Map<string, string>(); // agent -> interaction
const enqueue = () => {
  const id = `i${next++}`;
  void acd
    .enqueue({
      interactionId: id,
      channel: Channel.VOICE,
      bundle,
      queueId: `q${pick(QUEUES)}`,
      priority: pick(3),
      entry: QueueEntry.FLOW,
      log: silentLogger,
    })
    .then((x) => {
      if (x.kind === 'answered') onCall.set(x.agentId, id);
    });
};

const settle = () => new Promise((r) => setImmediate(r));
// All agents start ready; the first callers take them all, then 1,000 wait.
for (const a of bundle.agents) {
  agents.login(a.id);
  agents.setReady(a.id);
}
while (onCall.size < AGENTS) {
  enqueue();
  await settle();
  if (next > 20 * AGENTS) break;
}
let waiting = 0;
for (const q of acd.currentIndex!.queues.values()) waiting += q.waiting.get(Channel.VOICE)!.size;
while (waiting < WAITING) {
  enqueue();
  waiting++;
}
await settle();

const samples: number[] = [];
let missed = 0;
const busy = [...onCall.keys()];
for (let i = 0; i < iterations; i++) {
  const agentId = busy[pick(busy.length)]!;
  const interactionId = onCall.get(agentId);
  if (!interactionId) continue;
  onCall.delete(agentId);
  offeredTo = '';
  const t0 = performance.now();
  acd.complete(interactionId);
  if (offeredTo === agentId) samples.push(offeredAt - t0);
  else missed++;
  await settle();
  enqueue();
  await settle();
}

samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!;
let finalWaiting = 0;
for (const qs of acd.currentIndex!.queues.values()) finalWaiting += qs.waiting.get(Channel.VOICE)!.size;
console.log(
  JSON.stringify(
    {
      queues: QUEUES,
      agents: AGENTS,
      waiting_at_end: finalWaiting,
      samples: samples.length,
      agent_free_without_eligible_caller: missed,
      p50_ms: +q(50).toFixed(4),
      p99_ms: +q(99).toFixed(4),
      max_ms: +samples.at(-1)!.toFixed(4),
    },
    null,
    2,
  ),
);
