/**
 * SIPp scenarios of the call tests, written from small parameterised templates: a caller (UAC,
 * PCMA + RFC 4733 from the pcaps the sip-tester package installs) and agent phones or a carrier
 * (UAS: answer, ring out, busy, hold/resume, blind transfer, digest challenge).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PCAP_DIR = '/usr/share/sip-tester';
export const AUDIO_PCAP = `${PCAP_DIR}/g711a.pcap`; // 7 s of PCMA
const dtmfPcap = (d: string) => `${PCAP_DIR}/dtmf_2833_${d === '*' ? 'star' : d === '#' ? 'pound' : d}.pcap`;

const xml = (name: string, body: string) =>
  `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n<scenario name="${name}">\n${body}\n</scenario>\n`;

const send = (msg: string, attrs = '') => `<send${attrs}><![CDATA[\n${msg.trim()}\n\n]]></send>`;

/** A caller action after the 200 OK/ACK. */
export type CallerAction =
  | { pause: number }
  | { dtmf: string }
  | { audio: true }
  | { info: string }
  | { bye: true }
  | { waitBye: true }
  /** A re-INVITE moving the caller's media to 127.0.0.2:<port> (a carrier changing its media address). */
  | { reinvite: number };

/** The SDP offer of a SIPp peer (PCMA and RFC 4733 events, sendrecv); `who` names its o= line. */
export const sippOffer = (who: string): string => `v=0
o=${who} 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv`;

const CALLER_SDP = `v=0
o=caller 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv`;

const callerHead = `From: "Caller" <sip:[service_caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;

/** The caller: INVITE to the DID, then `actions` in order. `cancelAfter` sends CANCEL instead of waiting for 200. */
export function callerScenario(o: {
  did: string;
  number: string;
  actions: CallerAction[];
  cancelAfterMs?: number;
  /** The From display name (ASCII; default "Caller"). */
  displayName?: string;
}): string {
  const head = callerHead
    .replace('[service_caller]', o.number)
    .replace('"Caller"', `"${o.displayName ?? 'Caller'}"`);
  const invite = send(
    `INVITE sip:${o.did}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
${head}
To: <sip:${o.did}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:${o.number}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${CALLER_SDP}`,
    ' retrans="500"',
  );
  if (o.cancelAfterMs !== undefined) {
    return xml(
      'caller-cancel',
      [
        invite,
        '<recv response="100" optional="true"/>',
        `<pause milliseconds="${o.cancelAfterMs}"/>`,
        send(`CANCEL sip:${o.did}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-1]
${head}
To: <sip:${o.did}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0`),
        '<recv response="200"/>',
        '<recv response="487"/>',
        send(`ACK sip:${o.did}@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-2]
${head}
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0`),
      ].join('\n'),
    );
  }
  const inDialog = (method: string, cseq: number, extra = '', body = '') =>
    send(
      `${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
${head}
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:${o.number}@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}Content-Length: [len]

${body}`,
      method === 'ACK' ? '' : ' retrans="500"',
    );
  const parts = [
    invite,
    '<recv response="100" optional="true"/>',
    '<recv response="180" optional="true"/>',
    '<recv response="200" rrs="true"/>',
    inDialog('ACK', 1),
  ];
  let cseq = 2;
  for (const a of o.actions) {
    if ('pause' in a) parts.push(`<pause milliseconds="${a.pause}"/>`);
    else if ('dtmf' in a)
      parts.push(`<nop><action><exec play_pcap_audio="${dtmfPcap(a.dtmf)}"/></action></nop>`);
    else if ('audio' in a) parts.push(`<nop><action><exec play_pcap_audio="${AUDIO_PCAP}"/></action></nop>`);
    else if ('info' in a) {
      parts.push(
        inDialog('INFO', cseq++, 'Content-Type: application/dtmf-relay\n', `Signal=${a.info}\nDuration=160`),
      );
      parts.push('<recv response="200"/>');
    } else if ('bye' in a) {
      parts.push(inDialog('BYE', cseq++), '<recv response="200"/>');
    } else if ('waitBye' in a) {
      parts.push('<recv request="BYE"/>', okToLast());
    } else if ('reinvite' in a) {
      const moved = CALLER_SDP.replace('o=caller 1 1', 'o=caller 1 2')
        .replace('c=IN IP4 [media_ip]', 'c=IN IP4 127.0.0.2')
        .replace('m=audio [media_port]', `m=audio ${a.reinvite}`);
      parts.push(
        inDialog('INVITE', cseq++, 'Content-Type: application/sdp\n', moved),
        '<recv response="100" optional="true"/>',
        '<recv response="200"/>',
        inDialog('ACK', cseq - 1),
      );
    }
  }
  return xml('caller', parts.join('\n'));
}

const okToLast = (extra = '') =>
  send(`SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
${extra}Content-Length: 0`);

const AGENT_SDP = `v=0
o=agent 1 [$v] IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=[$dir]`;

/** What an agent phone (or a carrier) does with an INVITE. */
export type AgentAction =
  | { pause: number }
  | { audio: true }
  | { hold: 'sendonly' | 'sendrecv' }
  | { refer: string }
  /** A blind transfer the edge refuses with 403 and `phrase` (the agent keeps the caller). */
  | { referRefused: string; phrase: string }
  | { acceptReinvite: true }
  | { bye: true }
  | { waitBye: true };

const reqFromUas = (method: string, cseq: number, extra = '', body = '') =>
  send(
    `${method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:agent@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]
To: [$peer]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
Contact: <sip:agent@[local_ip]:[local_port]>
Max-Forwards: 70
${extra}Content-Length: [len]

${body}`,
    method === 'ACK' ? '' : ' retrans="500"',
  );

/**
 * An agent phone: answers after `ringMs` (or never: `answer: false` waits for the CANCEL; `busy`
 * answers 486), then runs `actions`. `auth` challenges the first INVITE with a 407 (a carrier).
 */
export function agentScenario(o: {
  ringMs: number;
  answer?: boolean;
  busy?: boolean;
  auth?: { user: string; password: string };
  actions?: AgentAction[];
}): string {
  const grab = '<action>__GRAB__</action>';
  const parts: string[] = [];
  if (o.auth) {
    parts.push(
      '<recv request="INVITE"/>',
      send(`SIP/2.0 401 Unauthorized
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag02[call_number]
[last_Call-ID:]
[last_CSeq:]
WWW-Authenticate: Digest realm="carrier.test", nonce="n[pid]x[call_number]", algorithm=MD5
Content-Length: 0`),
      '<recv request="ACK"/>',
      `<recv request="INVITE" rrs="true"><action><verifyauth assign_to="authok" username="${o.auth.user}" password="${o.auth.password}"/>__GRAB__</action></recv>`,
      '<nop condexec="authok" condexec_inverse="true"><action><exec int_cmd="stop_now"/></action></nop>',
    );
  } else {
    parts.push(`<recv request="INVITE" rrs="true">${grab}</recv>`);
  }
  const resp = (code: string, sdp = false) =>
    send(`SIP/2.0 ${code}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:agent@[local_ip]:[local_port]>
${sdp ? 'Content-Type: application/sdp\n' : ''}Content-Length: [len]
${sdp ? `\n${AGENT_SDP}` : ''}`);
  parts.push(resp('100 Trying'), resp('180 Ringing'));
  if (o.busy) {
    parts.push(`<pause milliseconds="${o.ringMs}"/>`, resp('486 Busy Here'), '<recv request="ACK"/>');
    return xml('agent-busy', withGrabs(parts.join('\n')));
  }
  if (o.answer === false) {
    parts.push(
      '<recv request="CANCEL"/>',
      okToLast(),
      send(`SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [$cs] INVITE
Content-Length: 0`),
      '<recv request="ACK"/>',
    );
    return xml('agent-no-answer', withGrabs(parts.join('\n')));
  }
  parts.push(`<pause milliseconds="${o.ringMs}"/>`, resp('200 OK', true), '<recv request="ACK"/>');
  let cseq = 10;
  for (const a of o.actions ?? [{ waitBye: true }]) {
    if ('pause' in a) parts.push(`<pause milliseconds="${a.pause}"/>`);
    else if ('audio' in a) parts.push(`<nop><action><exec play_pcap_audio="${AUDIO_PCAP}"/></action></nop>`);
    else if ('hold' in a) {
      parts.push(
        `<nop><action><assignstr assign_to="dir" value="${a.hold}"/><add assign_to="v" value="1"/></action></nop>`,
        reqFromUas('INVITE', cseq++, 'Content-Type: application/sdp\n', AGENT_SDP),
        '<recv response="100" optional="true"/>',
        '<recv response="200"/>',
        reqFromUas('ACK', cseq - 1),
      );
    } else if ('refer' in a) {
      parts.push(
        reqFromUas('REFER', cseq++, `Refer-To: <${a.refer}>\nReferred-By: <sip:agent@[local_ip]>\n`),
        '<recv response="202"/>',
        '<recv request="NOTIFY"/>',
        okToLast(),
        '<recv request="BYE"/>',
        okToLast(),
      );
    } else if ('referRefused' in a) {
      parts.push(
        reqFromUas('REFER', cseq++, `Refer-To: <${a.referRefused}>\nReferred-By: <sip:agent@[local_ip]>\n`),
        `<recv response="403"><action><ereg regexp="SIP/2.0 403 ${a.phrase}" search_in="msg" check_it="true" assign_to="phrase"/></action></recv>`,
        '<Reference variables="phrase"/>',
      );
    } else if ('acceptReinvite' in a) {
      parts.push(
        '<recv request="INVITE"/>',
        `<nop><action><add assign_to="v" value="1"/></action></nop>`,
        resp('200 OK', true).replace(';tag=[pid]SIPpTag01[call_number]', ''),
        '<recv request="ACK"/>',
      );
    } else if ('bye' in a) {
      parts.push(reqFromUas('BYE', cseq++), '<recv response="200"/>');
    } else if ('waitBye' in a) {
      parts.push('<recv request="BYE"/>', okToLast());
    }
  }
  return xml('agent', withGrabs(parts.join('\n')));
}

/** SIPp refuses variables that are set and never used: assign only those the scenario reads. */
function withGrabs(body: string): string {
  const g: string[] = [];
  if (body.includes('[$peer]')) g.push('<ereg regexp=".*" search_in="hdr" header="From:" assign_to="peer"/>');
  if (body.includes('[$cs]')) g.push('<ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="cs"/>');
  if (body.includes('[$dir]')) g.push('<assignstr assign_to="dir" value="sendrecv"/>');
  if (body.includes('[$v]')) g.push('<assign assign_to="v" value="1"/>');
  return body.replace('__GRAB__', g.join('\n'));
}

/** A phone registering with digest (SIPp answers the 401 with MD5). */
export const registerScenario = (
  user: string,
  password: string,
  contactPort: number,
) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register">
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:${user}@[local_ip]:${contactPort}>
Expires: 300
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:${user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
To: <sip:${user}@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:${user}@[local_ip]:${contactPort}>
[authentication username=${user} password=${password}]
Expires: 300
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
`;

export async function writeScenario(dir: string, name: string, text: string): Promise<string> {
  const p = join(dir, `${name}.xml`);
  await writeFile(p, text);
  return p;
}

/** A carrier's caller into the DID's IVR: INVITE, 200, ACK, `talk` ms (optionally sending G.711 RTP), BYE. */
export const ivrCaller = (
  talk: number,
  withRtp = false,
): string => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="ivr-caller">
<send retrans="500"><![CDATA[
INVITE sip:+15550100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+1555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:+15550100@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

${sippOffer('caller')}

]]></send>
<recv response="100" optional="true"/>
<recv response="200" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:+1555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
${withRtp ? '<nop><action><exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/></action></nop>' : ''}
<pause milliseconds="${talk}"/>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:+1555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>
</scenario>
`;
