/**
 * Legitimate calls under a flood, for the flood test and the benchmark: SIPp places calls from the carrier
 * trunk (127.0.0.2) into the IVR at a rate while flood.mjs, a process of its own, sends junk and password
 * guesses from many loopback addresses.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sippOffer, writeScenario } from '../call/scenarios.ts';
import type { EdgeCallLayer } from './edge-call-layer.ts';

const run = promisify(execFile);
const FLOOD = fileURLToPath(new URL('./flood.mjs', import.meta.url));

/** A carrier's caller into the DID's IVR: INVITE, 200, ACK, listen `talkMs`, BYE. */
export const ivrCaller = (talkMs: number) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
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
<pause milliseconds="${talkMs}"/>
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
