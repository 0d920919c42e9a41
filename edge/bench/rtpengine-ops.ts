// rtpengine's CPU per call for each part of the full-flow media recipe, one variant at a time on one userspace
// rtpengine (log level 3), driven through the edge's MediaSession:
//   anchor  caller offer + park answer, agent branch offer/answer, end (delete)
//   prompt  + the welcome prompt (0.4 s) played to the caller during the IVR
//   moh     + music on hold started in the queue and stopped by the agent branch
//   full    as moh, with the prompt played to its end (0.4 s) and 50 ms of music before the agent answers
// Run: node --import tsx edge/bench/rtpengine-ops.ts [calls/s] [seconds] [talk ms]
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaSession } from '../src/media/media-session.ts';
import { G711PromptCache } from '../src/media/prompt-cache.ts';
import { makePrompts } from '../test/call/harness.ts';
import { startRtpengine } from '../test/media/rtpengine-fixture.ts';

const rate = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const talkMs = Number(process.argv[4] ?? 1000);
const ticks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};
const sdp = (port: number, who: string) =>
  `v=0\r\no=${who} 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n`;

const dir = await mkdtemp(join(tmpdir(), 'hcc-rtpops-'));
await makePrompts(join(dir, 'prompts'));
const prompts = new G711PromptCache({ dir: join(dir, 'cache') });
const welcome = join(dir, 'prompts/en/welcome.wav');
const moh = join(dir, 'prompts/en/moh.wav');
// The caller's media address: a socket that drains what rtpengine sends (an unbound port would answer every
// packet with ICMP port-unreachable, which rtpengine also has to read).
const sink = createSocket('udp4');
sink.on('message', () => undefined);
await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
const sinkPort = process.argv.includes('--no-sink') ? 0 : sink.address().port;
const extraArgs = process.env.RTPENGINE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
const rtp = await startRtpengine({
  portMin: 40000,
  portMax: 49999,
  logLevel: 3,
  ngTimeoutMs: 1000,
  extraArgs,
});

let n = 0;
async function call(variant: string): Promise<void> {
  const id = `c${++n}`;
  const m = new MediaSession({ client: rtp.client, callId: id, callerTag: `t${id}`, prompts });
  await m.offerFromCaller(sdp(sinkPort || 20000 + (n % 10000) * 2, 'caller'));
  await m.park();
  if (variant !== 'anchor') await m.playPrompt(welcome);
  // The IVR waits for the prompt to end; music plays until the agent answers (~50 ms for an auto-answer desk).
  if (variant === 'full') await sleep(450);
  if (variant === 'moh' || variant === 'full') await m.playPrompt(moh, { repeat: 999 });
  if (variant === 'full') await sleep(50);
  await m.connectBranch({ webrtc: false });
  await m.answerBranch(sdp(30000 + (n % 10000) * 2, 'agent'));
  await sleep(talkMs);
  await m.end();
}

for (const variant of (process.env.VARIANTS ?? 'anchor prompt moh full').split(' ')) {
  const t0 = ticks(rtp.child.pid);
  const total = rate * seconds;
  const running: Promise<void>[] = [];
  const start = Date.now();
  let maxPending = 0;
  const probe = setInterval(() => {
    maxPending = Math.max(maxPending, rtp.client.pendingCount);
  }, 20);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    running.push(call(variant));
  }
  const results = await Promise.allSettled(running);
  clearInterval(probe);
  const failed = results.filter((r) => r.status === 'rejected').length;
  await sleep(500);
  const ms = ((ticks(rtp.child.pid) - t0) * 10) / total;
  process.stdout.write(
    `${variant}: ${total} calls at ${rate}/s, failed ${failed}, rtpengine ${ms.toFixed(2)} CPU-ms/call, ng srtt ${rtp.client.smoothedRttMs?.toFixed(1)} ms, max pending ${maxPending}\n`,
  );
}
process.stdout.write(`sessions left: ${(await rtp.client.list(100000)).length}\n`);
await rtp.stop();
sink.close();
process.exit(0);
