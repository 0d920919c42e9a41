// The SIP front door's cost and its protection under load, next to Kamailio in the same run:
//  1. CPU per dropped junk packet: a banned source blasts INVITEs at the edge's front door (protect-app.ts) and at
//     Kamailio with pike (../shared/bench/kamailio-pike.cfg); CPU of the target over the blast, minus its idle CPU,
//     per packet sent. Target: no more than 2x Kamailio's.
//  2. CPU per refused password guess: REGISTERs answering a challenge with wrong passwords, bans off, against the
//     edge's registrar and Kamailio's auth module (../shared/bench/kamailio-auth.cfg).
//  3. Legitimate calls under a flood (the running call layer with rtpengine and PostgreSQL, flood.mjs): 20 calls/s
//     through the IVR for --flood-s (default 60) under 150 junk + 69 REGISTER/s from 50 addresses, then junk rates
//     from --junk-rates for --step-s each: the largest at which >= 99.9% of the calls succeed.
// Run: node --import tsx edge/bench/sip-protect.ts [--blast-rate 20000] [--guess-rate 3000] [--seconds 10]
//      [--flood-s 60] [--step-s 20] [--junk-rates "1000 2500 5000 10000 20000"] [--skip-cpu] [--skip-flood]
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startChild, startTestPostgres, waitFor } from '@hcc/shared/testing';
import { callBundle } from '../test/call/fixtures.ts';
import { startEdgeCallLayer } from '../test/front-door/edge-call-layer.ts';
import { callsUnderFlood } from '../test/front-door/flood-run.ts';

const run = promisify(execFile);
const BENCH =
  process.env.HCC_SHARED_BENCH ?? fileURLToPath(new URL('../../../shared/bench', import.meta.url));
const BLAST = fileURLToPath(new URL('./sip-blast.mjs', import.meta.url));
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const HZ = 100;
const say = (s: string) => console.log(s);

/** utime + stime of the processes, in seconds. */
function cpuOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      ticks += Number(rest[11]) + Number(rest[12]);
    } catch {
      /* gone */
    }
  }
  return ticks / HZ;
}

interface Target {
  name: string;
  port: number;
  pids: number[];
  stop(): Promise<void>;
}

async function edgeDoor(env: NodeJS.ProcessEnv): Promise<Target> {
  const port = await freePort();
  const child = startChild({
    name: 'protect-app',
    command: process.execPath,
    args: ['--import', 'tsx', join(import.meta.dirname, 'protect-app.ts'), String(port)],
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, ...env },
  });
  await waitFor('protect-app ready', () => child.tail().includes('ready'), 30_000);
  return { name: 'edge front door', port, pids: [child.pid], stop: () => child.stop() };
}

async function kamailio(cfg: string): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kam-protect-'));
  const child = startChild({
    name: 'kamailio',
    command: 'kamailio',
    args: [
      '-m',
      '256',
      '-M',
      '16',
      '-f',
      join(BENCH, cfg),
      '-l',
      `udp:127.0.0.1:${port}`,
      '-P',
      join(dir, 'pid'),
      '-w',
      dir,
      '-DD',
      '-E',
    ],
  });
  await sleep(2000);
  const kids = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
    .stdout.trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  return {
    name: `Kamailio (${cfg})`,
    port,
    pids: [child.pid, ...kids],
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU-µs of the target per message sent, over a blast, minus what it burns idle. */
async function perMessage(t: Target, mode: 'junk' | 'guess', rate: number, seconds: number) {
  const i0 = cpuOf(t.pids);
  await sleep(3000);
  const idlePerS = (cpuOf(t.pids) - i0) / 3;
  if (mode === 'junk') {
    // Get the blaster's address banned first (over the rate limit), as a flooding source is.
    await run(process.execPath, [
      BLAST,
      JSON.stringify({ host: '127.0.0.1', port: t.port, from: '127.0.0.9', mode, rate: 2000, seconds: 1 }),
    ]);
    await sleep(500);
  }
  const c0 = cpuOf(t.pids);
  const w0 = Date.now();
  const r = await run(process.execPath, [
    BLAST,
    JSON.stringify({ host: '127.0.0.1', port: t.port, from: '127.0.0.9', mode, rate, seconds }),
  ]);
  await sleep(500);
  const wall = (Date.now() - w0) / 1000;
  const cpu = cpuOf(t.pids) - c0 - idlePerS * wall;
  const out = JSON.parse(r.stdout.trim()) as { sent: number; responses: number };
  const us = (cpu * 1e6) / out.sent;
  say(
    `  ${t.name}: ${out.sent} ${mode === 'junk' ? 'packets from a banned source' : 'wrong guesses'} at ${rate}/s, ` +
      `${out.responses} answered, CPU ${((cpu / wall) * 100).toFixed(0)}% -> ${us.toFixed(2)} CPU-µs per ${mode === 'junk' ? 'dropped packet' : 'refused guess'}`,
  );
  return us;
}

async function cpuPart() {
  const seconds = Number(arg('seconds', '10'));
  const blastRate = Number(arg('blast-rate', '20000'));
  const guessRate = Number(arg('guess-rate', '3000'));
  say(`1. CPU per dropped junk packet (${blastRate}/s for ${seconds} s from one banned address)`);
  const results: Record<string, number> = {};
  for (const make of [() => edgeDoor({}), () => kamailio('kamailio-pike.cfg')]) {
    const t = await make();
    try {
      results[`drop ${t.name.startsWith('edge') ? 'edge' : 'kamailio'}`] = await perMessage(
        t,
        'junk',
        blastRate,
        seconds,
      );
    } finally {
      await t.stop();
    }
  }
  say(`2. CPU per refused password guess (${guessRate}/s for ${seconds} s, bans off)`);
  for (const make of [
    () => edgeDoor({ EDGE_SIP_RATE_LIMIT: '0', EDGE_SIP_AUTH_MAX_FAILURES: '0' }),
    () => kamailio('kamailio-auth.cfg'),
  ]) {
    const t = await make();
    try {
      results[`guess ${t.name.startsWith('edge') ? 'edge' : 'kamailio'}`] = await perMessage(
        t,
        'guess',
        guessRate,
        seconds,
      );
    } finally {
      await t.stop();
    }
  }
  const ratio = (a: string, b: string) => (results[a]! / results[b]!).toFixed(2);
  say(
    `   edge / Kamailio: dropped packet ${ratio('drop edge', 'drop kamailio')}x (target <= 2x), ` +
      `refused guess ${ratio('guess edge', 'guess kamailio')}x`,
  );
}

async function floodPart() {
  const pg = await startTestPostgres();
  const edge = await startEdgeCallLayer({
    pgUrl: pg.url,
    name: 'bench_flood',
    bundle: () => callBundle({ agents: [] }),
    ports: { min: 40000, max: 44999 },
  });
  try {
    const floodS = Number(arg('flood-s', '60'));
    const stepS = Number(arg('step-s', '20'));
    const line = async (seconds: number, junkPerS: number, registerPerS: number) => {
      const before = edge.layer.protection();
      const cpu0 = process.cpuUsage();
      const w0 = Date.now();
      const r = await callsUnderFlood(edge, { seconds, callsPerS: 20, sources: 50, junkPerS, registerPerS });
      const wall = (Date.now() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const after = edge.layer.protection();
      const pct = (r.successful / r.calls) * 100;
      say(
        `  ${seconds} s, 20 calls/s, junk ${junkPerS}/s + REGISTER ${registerPerS}/s from 50 addresses ` +
          `(sent ${r.flood.junk} + ${r.flood.registers}): ${r.successful}/${r.calls} calls succeeded (${pct.toFixed(2)}%), ` +
          `dropped ${after.dropped - before.dropped}, auth failures ${after.authFailures - before.authFailures}, ` +
          `overloaded ${after.overloaded - before.overloaded}, banned now ${after.bannedAddresses}; ` +
          `edge process CPU ${(((cpu.user + cpu.system) / 1e6 / wall) * 100).toFixed(0)}%; load ${loadavg()[0]!.toFixed(1)}`,
      );
      return pct >= 99.9;
    };
    say(`3. Legitimate calls under a flood (edge call layer with rtpengine and PostgreSQL)`);
    await line(floodS, 150, 69);
    let best = 150;
    for (const rate of arg('junk-rates', '1000 2500 5000 10000 20000').split(/\s+/).map(Number)) {
      await sleep(3000);
      if (!(await line(stepS, rate, 69))) break;
      best = rate;
    }
    say(`   largest junk rate with >= 99.9% of calls succeeding: ${best}/s`);
  } finally {
    await edge.close();
    await pg.stop();
  }
}

say(
  `machine: load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start`,
);
if (!process.argv.includes('--skip-cpu')) await cpuPart();
if (!process.argv.includes('--skip-flood')) await floodPart();
say(
  `machine: load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at end`,
);
process.exit(0);
