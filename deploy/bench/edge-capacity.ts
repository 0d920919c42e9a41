// Full-flow call capacity of the edge as a site runs it, next to edge/bench/call-load.ts, back to back in one
// run on this machine with the same site, the same SIPp load and the same peers:
//   call-load   edge/bench/call-load.ts from source: the call layer in-process (tsx), no HTTP, NATS or front door;
//   source      the whole `hcc-edge run` program from source (node --import tsx edge/src/cli.ts);
//   installed   the `hcc-edge` of the Debian package (dist/hcc-edge_<v>_amd64.deb, extracted) run by the Node
//               runtime the package ships, exactly as /usr/bin/hcc-edge starts it.
// Each edge process gets what a site gives it: its own PostgreSQL database, a nats-server with JetStream, an
// rtpengine started from `hcc-edge rtpengine --print` with the same environment, the signed config in its local
// store, agents logged in through the agent API and set ready. SIPp callers (the trunk's address) go through the
// IVR prompt and the queue to auto-answering SIPp agent phones. A step passes when every call has an ANSWERED CDR.
// Run: npm run package (once), then node --import tsx deploy/bench/edge-capacity.ts [--rates "25 50 100 150 200"]
//      [--step-s 10] [--talk-ms 2000] [--agents 1200] [--variants call-load,source,installed] [--deb FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { bundleSigningBytes, encodeBundle } from '@hcc/proto';
import { generateSigningKeyPair, openDatabase, signBytes, signingKeyId, silentLogger } from '@hcc/shared';
import {
  createTestDatabase,
  freePort,
  type ManagedChild,
  startChild,
  startTestPostgres,
  type TestPostgres,
  waitFor,
} from '@hcc/shared/testing';
import {
  BENCH_DID,
  benchBundle,
  CALLER_IP,
  cdrCounts,
  cpuTicks,
  dispositions,
  failedSteps,
  HZ,
} from '../../edge/bench/load-kit.ts';
import { ConfigStore } from '../../edge/src/config/store.ts';
import { EDGE_MIGRATIONS } from '../../edge/src/db/migrations.ts';
import { PgCredentialStore } from '../../edge/src/http/agent-credentials-db.ts';
import { makePrompts } from '../../edge/test/call/harness.ts';
import { agentScenario, ivrCaller, writeScenario } from '../../edge/test/call/scenarios.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const rates = arg('rates', '25 50 100 150 200').split(/\s+/).map(Number);
const stepS = Number(arg('step-s', '10'));
const talkMs = Number(arg('talk-ms', '2000'));
const agentCount = Number(arg('agents', '1200'));
const variants = arg('variants', 'call-load,source,installed').split(',');

interface StepResult {
  rate: number;
  ok: boolean;
  line: string;
  edgeMsPerCall: number;
}
interface VariantResult {
  variant: string;
  max: number;
  steps: StepResult[];
}

const out: string[] = [];
const say = (s: string) => {
  out.push(s);
  process.stdout.write(`${s}\n`);
};

/** The package's program: the .deb extracted into `dir`; returns how /usr/bin/hcc-edge runs it. */
function installedProgram(dir: string): { command: string; args: string[] } {
  const deb =
    arg('deb', '') ||
    readdirSync(join(ROOT, 'dist'))
      .filter((f) => /^hcc-edge_.*_amd64\.deb$/.test(f))
      .map((f) => join(ROOT, 'dist', f))[0];
  if (!deb || !existsSync(deb))
    throw new Error('no dist/hcc-edge_<version>_amd64.deb: run `npm run package` first');
  execFileSync('dpkg-deb', ['-x', deb, dir]);
  const lib = join(dir, 'usr/lib/hcc/edge');
  const launcher = readFileSync(join(dir, 'usr/bin/hcc-edge'), 'utf8');
  const entry = readdirSync(lib).find((f) => /^hcc-edge.*\.mjs$/.test(f));
  if (!entry || !existsSync(join(lib, 'node')))
    throw new Error(`unexpected package layout under /usr/lib/hcc/edge (launcher: ${launcher.trim()})`);
  say(
    `installed: ${deb.slice(ROOT.length + 1)} -> node ${execFileSync(join(lib, 'node'), ['--version']).toString().trim()}, ${entry}`,
  );
  return { command: join(lib, 'node'), args: [join(lib, entry)] };
}

function sourceProgram(): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', join(ROOT, 'edge/src/cli.ts')] };
}

function sipp(
  scenario: string,
  target: string,
  ip: string,
  port: number,
  extra: string[],
  timeoutS: number,
  errorFile: string,
) {
  return startChild({
    name: 'sipp',
    command: 'sipp',
    args: [
      ...['-sf', scenario, target, '-i', ip, '-p', String(port), '-mi', ip, '-t', 'u1', '-nostdin'],
      ...['-timeout', `${timeoutS}s`, '-timeout_error', '-max_recv_loops', '1000'],
      ...['-trace_err', '-error_file', errorFile],
      ...extra,
    ],
  });
}

/** Runs the ramp against one edge process (program) with everything it needs; stops it all afterwards. */
async function rampProcess(
  variant: string,
  program: { command: string; args: string[] },
  pg: TestPostgres,
): Promise<VariantResult> {
  const dir = mkdtempSync(join(tmpdir(), `hcc-edge-capacity-${variant}-`));
  const children: ManagedChild[] = [];
  const db = await createTestDatabase(pg.url, 'edge_capacity');
  const result: VariantResult = { variant, max: 0, steps: [] };
  try {
    const agentPort = await freePort();
    // The site's signed config in the edge's local store, and cheap agent passwords (the login is not measured).
    const keys = generateSigningKeyPair();
    writeFileSync(join(dir, 'signing.pem'), keys.publicKeyPem);
    const bundle = benchBundle(agentPort, agentCount);
    bundle.signingKeyId = signingKeyId(keys.publicKeyPem);
    bundle.signature = signBytes(keys.privateKeyPem, bundleSigningBytes(bundle));
    const database = await openDatabase({ url: db.url });
    await database.migrate(EDGE_MIGRATIONS);
    const store = new ConfigStore(
      database.db,
      { site: 'hq', publicKeys: new Map([[bundle.signingKeyId, keys.publicKeyPem]]) },
      silentLogger,
    );
    if (!(await store.offer(encodeBundle(bundle)))) throw new Error('the bench config was not accepted');
    const creds = new PgCredentialStore(database.db);
    for (let i = 0; i < agentCount; i++)
      await creds.setPassword(`a-${i}`, `bench-${i}`, { N: 1024, r: 8, p: 1 });
    await makePrompts(join(dir, 'prompts'));

    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_')));
    const nats = await freePort();
    const http = await freePort();
    const sipPort = await freePort();
    const env: Record<string, string> = {
      ...(clean as Record<string, string>),
      EDGE_SITE: 'hq',
      EDGE_SIP_HOST: '127.0.0.1',
      EDGE_SIP_PORT: String(sipPort),
      EDGE_HTTP_HOST: '127.0.0.1',
      EDGE_HTTP_PORT: String(http),
      EDGE_SIP_WS_PORT: String(await freePort()),
      EDGE_NATS_URL: `nats://127.0.0.1:${nats}`,
      EDGE_RTPENGINE_NG: `127.0.0.1:${await freePort()}`,
      EDGE_DTMF_PORT: String(await freePort()),
      EDGE_MEDIA_PORT_MIN: '40000',
      EDGE_MEDIA_PORT_MAX: '49999',
      EDGE_DATA_DIR: join(dir, 'data'),
      EDGE_DATABASE_URL: db.url,
      EDGE_CONFIG_PUBLIC_KEY_FILE: join(dir, 'signing.pem'),
      EDGE_PROMPTS_DIR: join(dir, 'prompts'),
      // The bench's 1,200 agent phones are one SIPp at 127.0.0.1: at a site each phone has its own address.
      EDGE_SIP_TRUSTED_CIDRS: '127.0.0.1/32',
    };
    await database.close();
    children.push(
      startChild({
        name: 'nats',
        command: 'nats-server',
        args: ['-js', '-a', '127.0.0.1', '-p', String(nats), '-sd', join(dir, 'nats')],
        logFile: join(dir, 'nats.log'),
      }),
    );
    // rtpengine as `hcc-edge rtpengine` would start it (its command line, run here so its CPU is its own).
    const printed = spawnSync(program.command, [...program.args, 'rtpengine', '--print'], {
      env,
      encoding: 'utf8',
    });
    if (printed.status !== 0) throw new Error(`hcc-edge rtpengine --print: ${printed.stderr}`);
    const [rtpCmd, ...rtpArgs] = printed.stdout.trim().split('\n').pop()!.split(' ');
    // The spool is in the data dir, which the edge makes only when it starts.
    const spool = rtpArgs.find((a) => a.startsWith('--recording-dir='))?.slice('--recording-dir='.length);
    if (spool) mkdirSync(spool, { recursive: true });
    const rtp = startChild({
      name: 'rtpengine',
      command: rtpCmd!,
      args: rtpArgs,
      logFile: join(dir, 'rtpengine.log'),
    });
    children.push(rtp);
    const t0 = Date.now();
    const edge = startChild({
      name: `edge-${variant}`,
      command: program.command,
      args: [...program.args, 'run'],
      env,
      logFile: join(dir, 'edge.log'),
    });
    children.push(edge);
    const base = `http://127.0.0.1:${http}`;
    await waitFor(
      `the edge ready (its log: ${join(dir, 'edge.log')}, readiness: ${base}/readyz)`,
      async () => {
        if (edge.process.exitCode !== null) throw new Error(edge.tail());
        return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
      },
      120_000,
      200,
    );
    say(`${variant}: edge ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (pid ${edge.process.pid})`);
    // Every agent logs in through the agent API and goes ready (20 at a time).
    const login = async (i: number) => {
      const r = await fetch(`${base}/api/agent/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ extension: String(10000 + i), password: `bench-${i}` }),
      });
      if (r.status !== 200) throw new Error(`login of agent ${10000 + i}: ${r.status} ${await r.text()}`);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
      const { csrfToken } = (await r.json()) as { csrfToken: string };
      const s = await fetch(`${base}/api/agent/state`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ state: 'ready' }),
      });
      if (s.status !== 200) throw new Error(`ready of agent ${10000 + i}: ${s.status} ${await s.text()}`);
    };
    for (let i = 0; i < agentCount; i += 20)
      await Promise.all(Array.from({ length: Math.min(20, agentCount - i) }, (_, k) => login(i + k)));
    const agentXml = await writeScenario(
      dir,
      'bench-agent',
      agentScenario({ ringMs: 0, actions: [{ waitBye: true }] }),
    );
    const agents = sipp(
      agentXml,
      `127.0.0.1:${sipPort}`,
      '127.0.0.1',
      agentPort,
      ['-m', '1000000'],
      3600,
      join(dir, 'sipp-agents-errors.log'),
    );
    children.push(agents);
    const callerXml = await writeScenario(dir, 'bench-caller', ivrCaller(talkMs, false));
    const pgq = await openDatabase({ url: db.url });
    const query = async <T>(q: Parameters<typeof pgq.db.execute>[0]) =>
      ((await pgq.db.execute(q)) as unknown as { rows: T[] }).rows;
    try {
      for (const rate of rates) {
        const before = await cdrCounts(query);
        const edge0 = cpuTicks(edge.process.pid!);
        const rtp0 = cpuTicks(rtp.process.pid!);
        const started = Date.now();
        const calls = rate * stepS;
        const caller = sipp(
          callerXml,
          `127.0.0.1:${sipPort}`,
          CALLER_IP,
          await freePort(CALLER_IP),
          [
            '-s',
            BENCH_DID,
            '-mp',
            String(await freePort(CALLER_IP, 4)),
            '-r',
            String(rate),
            '-m',
            String(calls),
          ].concat(['-l', String(rate * 20), '-rp', '1000']),
          stepS + 60,
          join(dir, `sipp-${rate}-errors.log`),
        );
        const exit = await caller.exited;
        const wall = (Date.now() - started) / 1000;
        for (let i = 0; i < 100 && (await cdrCounts(query)).n - before.n < calls; i++) await sleep(100);
        const after = await cdrCounts(query);
        const edgeCpu = (cpuTicks(edge.process.pid!) - edge0) / HZ;
        const rtpCpu = (cpuTicks(rtp.process.pid!) - rtp0) / HZ;
        const answered = after.ok - before.ok;
        const ok = exit.code === 0 && answered === calls;
        const failed = /Failed call\s+\|\s+\d+\s+\|\s+(\d+)/.exec(caller.tail())?.[1] ?? '?';
        const step: StepResult = {
          rate,
          ok,
          edgeMsPerCall: (edgeCpu * 1000) / calls,
          line:
            `${variant}: ramp ${rate} calls/s x ${stepS}s: ${answered}/${calls} answered CDRs, SIPp exit ${exit.code} (failed ${failed}), ` +
            `edge CPU ${((edgeCpu / wall) * 100).toFixed(0)}% (${((edgeCpu * 1000) / calls).toFixed(2)} CPU-ms/call), ` +
            `rtpengine CPU ${((rtpCpu / wall) * 100).toFixed(0)}% ${ok ? 'OK' : 'FAIL'}`,
        };
        say(step.line);
        result.steps.push(step);
        if (!ok) {
          // Calls SIPp completed whose CDR was not written within the window: late or lost?
          await sleep(20_000);
          const later = await cdrCounts(query);
          say(`  20 s later: ${later.ok - before.ok}/${calls} answered CDRs`);
          say(`  dispositions of the step: ${await dispositions(query, before.n).catch((e) => String(e))}`);
          say(`  last steps of failed calls: ${await failedSteps(query).catch((e) => String(e))}`);
          const errors = readFileSync(join(dir, `sipp-${rate}-errors.log`), 'utf8').split('\n');
          say(`  SIPp's last errors: ${errors.filter(Boolean).slice(-4).join(' | ').slice(0, 600)}`);
          break;
        }
        result.max = rate;
        await sleep(2000);
      }
    } finally {
      await pgq.close();
    }
  } catch (err) {
    for (const c of children)
      if (c.process.exitCode !== null || c === children.at(-1))
        process.stderr.write(`--- ${c.name} output ---\n${c.tail()}\n`);
    throw err;
  } finally {
    for (const c of children.reverse()) await c.stop(8000);
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  say(`${variant}: max full-flow calls/s with zero failures: ${result.max}`);
  return result;
}

/** edge/bench/call-load.ts as its own process (ramp only), its figures read from its output. */
function rampCallLoad(): VariantResult {
  const r = spawnSync(
    process.execPath,
    [
      ...['--expose-gc', '--import', 'tsx', join(ROOT, 'edge/bench/call-load.ts')],
      ...[
        '--rates',
        rates.join(' '),
        '--step-s',
        String(stepS),
        '--talk-ms',
        String(talkMs),
        '--concurrent',
        '0',
      ],
    ],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 3_600_000 },
  );
  const lines = (r.stdout ?? '').split('\n');
  const summary = lines.slice(lines.indexOf('summary') + 1);
  const steps: StepResult[] = [];
  for (const line of summary) {
    // The step lines, and under a failed one the call-load's own account of the failed calls.
    if (line.startsWith('  ')) say(`call-load: ${line.trim()}`);
    if (!line.startsWith('ramp ')) continue;
    steps.push({
      rate: Number(/^ramp (\d+)/.exec(line)?.[1]),
      ok: line.endsWith('OK'),
      edgeMsPerCall: Number(/edge CPU \d+% \(([\d.]+) CPU-ms\/call/.exec(line)?.[1]),
      line: `call-load: ${line}`,
    });
    say(`call-load: ${line}`);
  }
  const max = Number(/max full-flow calls\/s with zero failures: (\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
  if (r.status !== 0) say(`call-load: exited ${r.status}`);
  say(`call-load: max full-flow calls/s with zero failures: ${max}`);
  return { variant: 'call-load', max, steps };
}

async function main(): Promise<void> {
  const results: VariantResult[] = [];
  const pg = await startTestPostgres();
  const unpacked = mkdtempSync(join(tmpdir(), 'hcc-edge-deb-'));
  try {
    for (const v of variants) {
      if (v === 'call-load') results.push(rampCallLoad());
      else if (v === 'source') results.push(await rampProcess(v, sourceProgram(), pg));
      else if (v === 'installed') results.push(await rampProcess(v, installedProgram(unpacked), pg));
      else throw new Error(`unknown variant ${v} (call-load, source, installed)`);
    }
  } finally {
    await pg.stop();
    rmSync(unpacked, { recursive: true, force: true });
  }
  const table = [
    'variant     max calls/s  edge CPU-ms per call by rate',
    ...results.map(
      (r) =>
        `${r.variant.padEnd(12)}${String(r.max).padStart(11)}  ${r.steps
          .map((s) => `${s.rate}: ${s.edgeMsPerCall.toFixed(2)}${s.ok ? '' : ' (failed)'}`)
          .join(', ')}`,
    ),
  ];
  process.stdout.write(
    `\nsummary (${talkMs} ms talk, ${stepS} s per step, ${agentCount} agents)\n${table.join('\n')}\n`,
  );
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
