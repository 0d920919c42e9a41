/**
 * Hung calls end (issue 15), on the running edge's call layer (startCallLayer) with real SIPp callers and a real
 * rtpengine: a caller that never ACKs the 2xx is cleared at 64*T1 with its media; a caller that ACKs and then
 * sends no RTP and no BYE is cleared after the (short, test-set) media timeout; a caller that keeps sending RTP
 * while it waits in the queue with music is not. Each cleared call leaves a CDR that says why and no rtpengine
 * session.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clone } from '@bufbuild/protobuf';
import { AgentState, TrunkSchema } from '@hcc/proto';
import { freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { agentOn, CALLER, callBundle, DID, queueOf } from '../call/fixtures.ts';
import { agentScenario, callerScenario, sippOffer, writeScenario } from '../call/scenarios.ts';
import { type EdgeCallLayer, startEdgeCallLayer } from './edge-call-layer.ts';

const run = promisify(execFile);
const MEDIA_TIMEOUT_S = 4;
/** EDGE_SIP_MIN_SE of the test edge (the product default is 90). */
const MIN_SE_S = 2;
/** The session timer the edge asks of the second carrier's calls (it refreshes them itself). */
const TRUNK_SE_S = 6;

/** The caller's INVITE asks for a session timer: `Session-Expires: <se>;refresher=uac`. */
const withTimer = (scenario: string, se: number) =>
  scenario.replace(
    'Max-Forwards: 70\nContent-Type: application/sdp',
    `Max-Forwards: 70\nSupported: timer\nSession-Expires: ${se};refresher=uac\nMin-SE: ${MIN_SE_S}\nContent-Type: application/sdp`,
  );

/** The 200 OK must carry `header` matching `re` (SIPp fails the call otherwise). */
const check200 = (scenario: string, header: string, re: string) =>
  scenario
    .replace(
      '<recv response="200" rrs="true"/>',
      `<recv response="200" rrs="true"><action><ereg regexp="${re}" search_in="hdr" header="${header}:" check_it="true" assign_to="seen"/></action></recv>`,
    )
    .replace('</scenario>', '<Reference variables="seen"/>\n</scenario>');

/** Answers one re-INVITE from the edge (a session refresh) with 200 OK + SDP, then takes its ACK. */
const ANSWER_REFRESH = `<recv request="INVITE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
[last_Session-Expires:]
Contact: <sip:caller@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${sippOffer('caller')}

]]></send>
<recv request="ACK"/>`;
let edge: EdgeCallLayer;
let dir: string;
/** Agent 1002 (support) answers on a SIPp phone here; logged in only by the test that needs it. */
let agentPort: number;

interface CdrRow {
  interaction_id: string;
  sip_call_id: string;
  agent_id: string;
  disposition: string;
  ended_by: string;
  total_ms: number;
  steps: string[];
}

const cdrOf = async (sipCallId: string): Promise<CdrRow | undefined> =>
  (
    await edge.query<CdrRow>(sql`
      select c.interaction_id, c.sip_call_id, c.agent_id, c.disposition, c.ended_by, c.total_ms,
        coalesce((select array_agg(s.kind order by s.id) from cdr_steps s where s.interaction_id = c.interaction_id), '{}') as steps
      from cdrs c where c.sip_call_id = ${sipCallId}`)
  )[0];

/** SIP Call-IDs of the edge's live dialogs (the callers' legs). */
const liveCallIds = () => [...edge.layer.stack.dialogs.values()].map((d) => d.id.callId);

/** A caller's INVITE to the DID (SIPp), with `extra` header lines. */
const invite = (extra = '') => `<send retrans="500"><![CDATA[
INVITE sip:${DID}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:${CALLER}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${DID}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${CALLER}@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}Content-Type: application/sdp
Content-Length: [len]

${sippOffer('caller')}

]]></send>`;

const scenario = (name: string, body: string) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="${name}">\n${body}\n</scenario>\n`;

/**
 * INVITE, 200 OK and never an ACK, but RTP all along (a loop of PCMA): only the missing ACK can end it.
 * The edge's BYE is answered.
 */
const neverAck = (wav: string) =>
  scenario(
    'never-ack',
    `${invite()}
<recv response="100" optional="true"/>
<recv response="200"/>
<nop><action><exec rtp_stream="${wav},-1,8"/></action></nop>
<recv request="BYE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>`,
  );

/** INVITE with `Session-Expires: 1` (below the edge's Min-SE): 422 with our Min-SE, then the ACK. */
const seTooSmall = () =>
  scenario(
    'se-too-small',
    `${invite('Supported: timer\nSession-Expires: 1\n')}
<recv response="100" optional="true"/>
<recv response="422"><action><ereg regexp="^ *${MIN_SE_S}$" search_in="hdr" header="Min-SE:" check_it="true" assign_to="minse"/></action></recv>
<send><![CDATA[
ACK sip:${DID}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3]
From: "Caller" <sip:${CALLER}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
<Reference variables="minse"/>`,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hcc-hung-'));
  agentPort = await freePort('127.0.0.1');
  edge = await startEdgeCallLayer({
    pgUrl: inject('pgUrl'),
    name: 'hung',
    // The DID goes straight to the support queue: no agent, so callers wait there with music.
    bundle: () => {
      const b = callBundle({
        agents: [agentOn('a-1002', '1002', { support: 5 }, agentPort)],
        queues: [queueOf('sales'), queueOf('support')],
        extra: { dids: [{ id: 'did-main', number: DID, target: { case: 'queueId', value: 'support' } }] },
      });
      // A second carrier (127.0.0.3) whose calls get a session timer from the edge.
      const timed = clone(TrunkSchema, b.trunks[0]!);
      timed.id = 'carrier-timer';
      timed.allowedSourceCidrs = ['127.0.0.3/32'];
      timed.sessionExpiresSeconds = TRUNK_SE_S;
      b.trunks.push(timed);
      return b;
    },
    hungCalls: { mediaTimeoutS: MEDIA_TIMEOUT_S, minSessionExpiresS: MIN_SE_S },
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('hung calls end', () => {
  it('a caller that never ACKs the 2xx is cleared at 64*T1 (BYE, CDR ack-timeout, no rtpengine session)', async () => {
    const wav = join(dir, 'tone-pcma.wav');
    await run('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'a-law', wav, 'synth', '2', 'sine', '440']);
    const file = await writeScenario(dir, 'never-ack', neverAck(wav));
    const t0 = Date.now();
    const sipp = edge.sipp(file, [], { timeoutS: 50 });
    await expect.poll(() => liveCallIds().length, { timeout: 5000 }).toBe(1);
    const [callId] = liveCallIds();
    const r = await sipp;
    const elapsed = Date.now() - t0;
    expect(r.code, r.output).toBe(0);
    // 64*T1 = 32 s after the 200 OK, not much more.
    expect(elapsed).toBeGreaterThan(31_000);
    expect(elapsed).toBeLessThan(40_000);
    await expect.poll(() => edge.layer.activeCalls(), { timeout: 5000 }).toBe(0);
    const cdr = await cdrOf(callId!);
    expect(cdr).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED', ended_by: 'SYSTEM' });
    expect(cdr!.steps).toContain('ack-timeout');
    expect(await edge.rtp.client.list()).not.toContain(cdr!.interaction_id);
  }, 55_000);

  it('a silent caller is cleared after the media timeout; one sending RTP in the queue is not', async () => {
    const silent = await writeScenario(
      dir,
      'silent',
      callerScenario({ did: DID, number: CALLER, actions: [{ waitBye: true }] }),
    );
    // 3 x 7 s of PCMA while waiting in the queue with music, then the caller hangs up itself.
    const talking = await writeScenario(
      dir,
      'talking',
      callerScenario({
        did: DID,
        number: '+15551230002',
        actions: [
          { audio: true },
          { pause: 7000 },
          { audio: true },
          { pause: 7000 },
          { audio: true },
          { pause: 6500 },
          { bye: true },
        ],
      }),
    );
    const t0 = Date.now();
    const silentRun = edge.sipp(silent, [], { ip: '127.0.0.2', timeoutS: 40 });
    const talkingRun = edge.sipp(talking, [], { ip: '127.0.0.2', timeoutS: 40 });
    await expect.poll(() => liveCallIds().length, { timeout: 5000 }).toBe(2);
    const ids = liveCallIds();
    // /api/status `calls_by_age` (CallLayer.callsByAge): both calls are young.
    expect(edge.layer.callsByAge()).toMatchObject({ under_1m: 2, '1_5m': 0, over_1h: 0 });
    expect(edge.layer.callsByAge().oldest_s).toBeLessThan(10);
    const s = await silentRun;
    const silentGone = Date.now() - t0;
    expect(s.code, s.output).toBe(0);
    // Cleared after the media timeout, within a check interval or two of it.
    expect(silentGone).toBeGreaterThanOrEqual(MEDIA_TIMEOUT_S * 1000);
    expect(silentGone).toBeLessThan(MEDIA_TIMEOUT_S * 1000 + 5000);
    // The talking caller is still there, several timeouts later.
    await new Promise((r) => setTimeout(r, 3 * MEDIA_TIMEOUT_S * 1000));
    expect(edge.layer.activeCalls()).toBe(1);
    const t = await talkingRun;
    expect(t.code, t.output).toBe(0);
    await expect.poll(() => edge.layer.activeCalls(), { timeout: 5000 }).toBe(0);
    const cdrs = (await Promise.all(ids.map(cdrOf))).filter((c): c is CdrRow => !!c);
    expect(cdrs).toHaveLength(2);
    const hung = cdrs.find((c) => c.steps.includes('media-timeout'));
    const talked = cdrs.find((c) => !c.steps.includes('media-timeout'));
    expect(hung).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED', ended_by: 'SYSTEM' });
    expect(talked).toMatchObject({ ended_by: 'CALLER' });
    expect(talked!.total_ms).toBeGreaterThan(20_000);
    const held = await edge.rtp.client.list();
    for (const c of cdrs) expect(held).not.toContain(c.interaction_id);
  }, 60_000);

  it('session timers: 422 below Min-SE; no refresh from the caller -> BYE at expiry (session-expired)', async () => {
    const tooSmall = await writeScenario(dir, 'se-too-small', seTooSmall());
    const refused = await edge.sipp(tooSmall, [], { timeoutS: 15 });
    expect(refused.code, refused.output).toBe(0);

    const expiring = await writeScenario(
      dir,
      'se-expiring',
      check200(
        withTimer(
          callerScenario({ did: DID, number: CALLER, actions: [{ audio: true }, { waitBye: true }] }),
          3,
        ),
        'Session-Expires',
        '^ *3;refresher=uac$',
      ),
    );
    const t0 = Date.now();
    const sipp = edge.sipp(expiring, [], { timeoutS: 20 });
    await expect.poll(() => liveCallIds().length, { timeout: 5000 }).toBe(1);
    const [callId] = liveCallIds();
    const r = await sipp;
    const elapsed = Date.now() - t0;
    expect(r.code, r.output).toBe(0);
    // Expiry check at 3 - min(32, 3/3) = 2 s after the 200 OK, long before the media timeout.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(MEDIA_TIMEOUT_S * 1000);
    await expect.poll(() => edge.layer.activeCalls(), { timeout: 5000 }).toBe(0);
    const cdr = await cdrOf(callId!);
    expect(cdr).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED', ended_by: 'SYSTEM' });
    expect(cdr!.steps).toContain('session-expired');
    expect(await edge.rtp.client.list()).not.toContain(cdr!.interaction_id);
  }, 40_000);

  it("session timers: the edge refreshes a trunk's call that does not support timers, and it lives on", async () => {
    // The 200 OK names the edge as refresher; its re-INVITE at 3 s is answered; the caller hangs up at about 5 s,
    // after the 4 s an unrefreshed session would have lasted.
    const base = callerScenario({
      did: DID,
      number: CALLER,
      actions: [{ audio: true }, { pause: 1 }, { pause: 2000 }, { bye: true }],
    });
    // The BYE after the refresh names the edge's tag from the 200 OK (the last message received is the edge's
    // re-INVITE, whose To is the caller).
    const withBye = check200(
      base.replace('<pause milliseconds="1"/>', ANSWER_REFRESH),
      'Session-Expires',
      `^ *${TRUNK_SE_S};refresher=uas$`,
    )
      .replace(
        'assign_to="seen"/>',
        'assign_to="seen"/><ereg regexp="[^ ].*" search_in="hdr" header="To:" assign_to="edgeto"/>',
      )
      .replace('<Reference variables="seen"/>', '<Reference variables="seen,edgeto"/>')
      .replace(/\[last_To:\](?![\s\S]*\[last_To:\])/, 'To: [$edgeto]');
    const refreshed = await writeScenario(dir, 'se-refreshed', withBye);
    const sipp = edge.sipp(refreshed, [], { ip: '127.0.0.3', timeoutS: 20 });
    await expect.poll(() => liveCallIds().length, { timeout: 5000 }).toBe(1);
    const [callId] = liveCallIds();
    const r = await sipp;
    expect(r.code, r.output).toBe(0);
    await expect.poll(() => edge.layer.activeCalls(), { timeout: 5000 }).toBe(0);
    const cdr = await cdrOf(callId!);
    expect(cdr).toMatchObject({ ended_by: 'CALLER' });
    expect(cdr!.steps).not.toContain('session-expired');
    expect(cdr!.total_ms).toBeGreaterThan(4000);
  }, 40_000);

  it('a caller that goes silent while talking to an agent: the agent leg gets a BYE and the agent is freed', async () => {
    edge.agents.login('a-1002');
    try {
      // The agent talks (7 s of RTP) and waits for the edge's BYE; the caller answers nothing and sends nothing.
      const agentXml = await writeScenario(
        dir,
        'agent',
        agentScenario({ ringMs: 200, actions: [{ audio: true }, { waitBye: true }] }),
      );
      const silent = await writeScenario(
        dir,
        'silent-to-agent',
        callerScenario({ did: DID, number: CALLER, actions: [{ waitBye: true }] }),
      );
      const agent = edge.sipp(agentXml, ['-p', String(agentPort)], { ip: '127.0.0.1', timeoutS: 30 });
      const t0 = Date.now();
      const caller = edge.sipp(silent, [], { timeoutS: 30 });
      await expect.poll(() => liveCallIds().length, { timeout: 8000 }).toBe(2);
      const ids = liveCallIds();
      const [c, a] = await Promise.all([caller, agent]);
      expect(c.code, c.output).toBe(0);
      expect(a.code, a.output).toBe(0);
      expect(Date.now() - t0).toBeLessThan(MEDIA_TIMEOUT_S * 1000 + 6000);
      await expect.poll(() => edge.layer.activeCalls(), { timeout: 5000 }).toBe(0);
      const cdr = (await Promise.all(ids.map(cdrOf))).find((x) => x);
      expect(cdr).toMatchObject({ disposition: 'SYSTEM_DISCONNECTED', ended_by: 'SYSTEM' });
      expect(cdr).toMatchObject({ agent_id: 'a-1002' });
      expect(cdr!.steps).toContain('media-timeout');
      await expect
        .poll(
          () =>
            [...edge.agents.get('a-1002').work.values()].filter((w) => w.state === AgentState.ON_CALL).length,
        )
        .toBe(0);
      expect(await edge.rtp.client.list()).not.toContain(cdr!.interaction_id);
    } finally {
      edge.agents.logout('a-1002');
    }
  }, 45_000);
});
