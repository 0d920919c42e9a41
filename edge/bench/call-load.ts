// Full-flow call load on the edge's call layer: SIPp callers -> INVITE pipeline -> IVR prompt (rtpengine
// play media) -> queue with music -> auto-answering agent phones (SIPp UAS) -> conversation anchored in
// rtpengine -> caller BYE -> CDR + events in PostgreSQL. Prints:
//   1. the highest step of a calls/s ramp with zero failed calls (every CDR ANSWERED),
//   2. concurrent anchored calls held at once, edge heap per call, and edge/rtpengine CPU.
// Run: node --expose-gc --import tsx edge/bench/call-load.ts [--rates "25 50 100 150 200 300"] [--step-s 10]
//      [--talk-ms 2000] [--concurrent 1000 (0: ramp only)] [--hold-s 20] [--rtp] [--heap-snapshots DIR] [--engines 1]
//      [--rtpengine-args "--media-num-threads=1"] [--cpu-profile DIR]
//   --rtp: callers send G.711 RTP (SIPp pcap play); --heap-snapshots: write edge heap snapshots before and
//   with the concurrent calls up (compare them in Chrome DevTools' Memory tab).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeHeapSnapshot } from 'node:v8';
import { freePort, startTestPostgres } from '@hcc/shared/testing';
import { startHarness } from '../test/call/harness.ts';
import { agentScenario, ivrCaller, writeScenario } from '../test/call/scenarios.ts';
import { benchBundle, cdrCounts, cpuTicks, dispositions, failedSteps, HZ, machineTicks } from './load-kit.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const rates = arg('rates', '25 50 100 150 200 300').split(/\s+/).map(Number);
const stepS = Number(arg('step-s', '10'));
const talkMs = Number(arg('talk-ms', '2000'));
const concurrent = Number(arg('concurrent', '1000'));
const holdS = Number(arg('hold-s', '20'));
// Server transactions of the ramp's calls live on for 32 s after their final response (RFC 3261 Timer J/H):
// the heap baseline is taken after they are gone, else it depends on how far the ramp went.
const settleS = Number(arg('settle-s', '34'));
// rtpengine instances in the edge's pool (EDGE_RTPENGINE_NG takes a list), calls spread over them.
const engineCount = Number(arg('engines', '1'));
// Extra rtpengine options, e.g. --rtpengine-args "--media-num-threads=1".
const rtpengineArgs = arg('rtpengine-args', '').split(/\s+/).filter(Boolean);
const AGENTS = Math.max(concurrent + 50, 1200);
// --cpu-profile DIR: a V8 CPU profile of the edge per ramp step (DIR/step-<rate>.cpuprofile, for DevTools).
const profileDir = process.argv.includes('--cpu-profile') ? arg('cpu-profile', '.') : undefined;
const snapshotDir = process.argv.includes('--heap-snapshots') ? arg('heap-snapshots', '.') : undefined;
const snapshot = (name: string) => {
  if (snapshotDir)
    process.stdout.write(`heap snapshot ${writeHeapSnapshot(`${snapshotDir}/${name}.heapsnapshot`)}\n`);
};

const withRtp = process.argv.includes('--rtp');

async function main() {
  const pg = await startTestPostgres();
  const agentPort = await freePort();
  const h = await startHarness({
    pgUrl: pg.url,
    name: 'bench',
    bundle: () => benchBundle(agentPort, AGENTS),
    ports: { min: 40000, max: 49999 },
    engines: engineCount,
    rtpengineArgs,
    recordEvents: false,
  });
  const q = h.query.bind(h);
  const out: string[] = [];
  const say = (s: string) => {
    out.push(s);
    process.stdout.write(`${s}\n`);
  };
  try {
    for (let i = 0; i < AGENTS; i++) h.agents.setReady(`a-${i}`);
    const agentXml = await writeScenario(
      h.dir,
      'bench-agent',
      agentScenario({ ringMs: 0, actions: [{ waitBye: true }] }),
    );
    const agents = h.sippBg(agentXml, ['-p', String(agentPort), '-m', '1000000'], { timeoutS: 3600 });
    const callerXml = await writeScenario(h.dir, 'bench-caller', ivrCaller(talkMs, withRtp));
    const rtpTicks = () => h.engines.reduce((sum, e) => sum + cpuTicks(e.child.pid), 0);
    const ngPending = () => h.engines.reduce((sum, e) => sum + e.client.pendingCount, 0);
    const ngQueued = () => h.engines.reduce((sum, e) => sum + e.client.queuedCount, 0);
    const rtpCalls = async (limit?: number) =>
      (await Promise.all(h.engines.map((e) => e.client.list(limit)))).reduce((n, l) => n + l.length, 0);

    // 1. Ramp: each step runs `stepS` seconds of calls at the rate; zero failures required.
    let best = 0;
    for (const rate of rates) {
      const before = await cdrCounts(q);
      const cpu0 = process.cpuUsage();
      const rtp0 = rtpTicks();
      const all0 = machineTicks();
      const t0 = Date.now();
      const calls = rate * stepS;
      // ng health during the step: most requests unanswered / waiting for the client's window at once.
      const ng = { pending: 0, queued: 0 };
      const profiler = profileDir ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const probe = setInterval(() => {
        ng.pending = Math.max(ng.pending, ngPending());
        ng.queued = Math.max(ng.queued, ngQueued());
      }, 50);
      const r = await h.sipp(
        callerXml,
        ['-r', String(rate), '-m', String(calls), '-l', String(rate * 20), '-rp', '1000'],
        { timeoutS: stepS + 60 },
      );
      const wall = (Date.now() - t0) / 1000;
      clearInterval(probe);
      lag.disable();
      if (profiler) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(`${profileDir}/step-${rate}.cpuprofile`, JSON.stringify(profile));
        profiler.disconnect();
      }
      // Calls end asynchronously after the BYE: wait for their CDRs.
      for (let i = 0; i < 100 && (await cdrCounts(q)).n - before.n < calls; i++) await sleep(100);
      const after = await cdrCounts(q);
      const cpu = process.cpuUsage(cpu0);
      const edgeCpu = (cpu.user + cpu.system) / 1e6;
      const rtpCpu = (rtpTicks() - rtp0) / HZ;
      const restCpu = (machineTicks() - all0) / HZ - rtpCpu - edgeCpu;
      const failed = /Failed call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(r.output)?.[1] ?? '?';
      const answered = after.ok - before.ok;
      const ok = r.code === 0 && answered === calls;
      say(
        `ramp ${rate} calls/s x ${stepS}s: ${answered}/${calls} answered CDRs, SIPp failed ${failed}, ` +
          `edge CPU ${((edgeCpu / wall) * 100).toFixed(0)}% (${((edgeCpu * 1000) / calls).toFixed(2)} CPU-ms/call, ` +
          `${((cpu.system / 1e6 / edgeCpu) * 100).toFixed(0)}% in the kernel), ` +
          `rtpengine CPU ${((rtpCpu / wall) * 100).toFixed(0)}% (${((rtpCpu * 1000) / calls).toFixed(2)} CPU-ms/call), ` +
          `rest (SIPp, PostgreSQL, kernel) ${((restCpu / wall) * 100).toFixed(0)}% (${((restCpu * 1000) / calls).toFixed(2)} CPU-ms/call); ` +
          `ng max pending ${ng.pending} (queued ${ng.queued}), srtt ${h.rtp.client.smoothedRttMs?.toFixed(1) ?? '-'} ms; ` +
          `edge event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(0)} ms, max ${(lag.max / 1e6).toFixed(0)} ms; ` +
          `load ${loadavg()[0]!.toFixed(1)} ${ok ? 'OK' : 'FAIL'}`,
      );
      if (!ok) {
        say(`  dispositions of the step: ${await dispositions(q, before.n).catch((e) => String(e))}`);
        say(`  last steps of failed calls: ${await failedSteps(q).catch((e) => String(e))}`);
        break;
      }
      best = rate;
      await sleep(2000);
    }
    say(`max full-flow calls/s with zero failures: ${best}`);

    // 2. Concurrency: hold `concurrent` calls up at once (long talk), measure heap and rtpengine sessions.
    if (concurrent > 0) {
      for (let i = 0; i < 600 && h.registry.size > 0; i++) await sleep(100);
      await sleep(settleS * 1000);
      global.gc?.();
      const c0 = await cdrCounts(q);
      const heap0 = process.memoryUsage().heapUsed;
      snapshot('before');
      const rate = 100;
      const hold = await writeScenario(h.dir, 'bench-hold', ivrCaller(holdS * 1000, withRtp));
      const running = h.sipp(hold, ['-r', String(rate), '-m', String(concurrent), '-l', String(concurrent)], {
        timeoutS: holdS + 120,
      });
      for (let i = 0; i < 600 && h.registry.size < concurrent; i++) await sleep(100);
      await sleep(1000);
      global.gc?.();
      const heap1 = process.memoryUsage().heapUsed;
      const callsUp = h.registry.size;
      snapshot('calls-up');
      const sessions = await rtpCalls(100_000);
      const cpu0 = process.cpuUsage();
      const rtp0 = rtpTicks();
      await sleep(5000);
      const cpu = process.cpuUsage(cpu0);
      say(
        `concurrent anchored calls: ${callsUp} sessions in the edge, ${sessions} calls in rtpengine; ` +
          `edge heap ${((heap1 - heap0) / Math.max(1, callsUp) / 1024).toFixed(1)} KiB per call; ` +
          `steady CPU: edge ${(((cpu.user + cpu.system) / 5e6) * 100).toFixed(0)}%, rtpengine ${(((rtpTicks() - rtp0) / HZ / 5) * 100).toFixed(0)}%`,
      );
      const r = await running;
      const holdStart = c0.n;
      // The last calls end (BYE, delete, CDR) just after SIPp's last BYE response.
      for (let i = 0; i < 100 && (await cdrCounts(q)).n - holdStart < concurrent; i++) await sleep(100);
      const c = await cdrCounts(q);
      say(
        `held calls finished: SIPp exit ${r.code}; CDRs ${c.n}, answered ${c.ok} (held calls: ${await dispositions(q, holdStart)}); ` +
          `rtpengine sessions after: ${await rtpCalls()}`,
      );
    }
    await sleep(500);
    void agents;
  } finally {
    await h.close().catch(() => undefined);
    await pg.stop();
  }
  process.stdout.write(`\nsummary\n${out.join('\n')}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
