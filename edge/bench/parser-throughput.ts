// Parser throughput on a corpus of realistic INVITEs and responses: parse only, and parse plus the fields the
// stack reads on every message (Via, CSeq, Call-ID, tags, Max-Forwards, Request-URI), and serialise.
// Run: node --import tsx edge/bench/parser-throughput.ts
import { parseMessage } from '../src/sip/message/parser.ts';

const crlf = (s: string) => Buffer.from(`${s.trim().replace(/\n/g, '\r\n')}\r\n`, 'utf8');
const sdp = [
  'v=0',
  'o=- 3924567890 3924567890 IN IP4 203.0.113.10',
  's=-',
  'c=IN IP4 203.0.113.10',
  't=0 0',
  'm=audio 16384 RTP/AVP 0 8 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const invite = (i: number) =>
  Buffer.concat([
    crlf(`
INVITE sip:+15550100@edge.example.com:5060;user=phone SIP/2.0
Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-${i}-a8f2c1;rport
Via: SIP/2.0/UDP 198.51.100.7:5060;received=198.51.100.7;branch=z9hG4bK776asdhds${i}
Record-Route: <sip:203.0.113.10;lr;ftag=as4f${i}>
Max-Forwards: 69
From: "Caller ${i}" <sip:+1202555${String(i).padStart(4, '0')}@carrier.example.net;user=phone>;tag=as4f${i}
To: <sip:+15550100@edge.example.com;user=phone>
Call-ID: 3c26700bd1a3-${i}@carrier.example.net
CSeq: 102 INVITE
Contact: <sip:+1202555${i}@203.0.113.10:5060;transport=udp>
Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE
Supported: replaces, timer
Session-Expires: 1800;refresher=uac
P-Asserted-Identity: <sip:+1202555${i}@carrier.example.net;user=phone>
User-Agent: CarrierSBC 4.2
Content-Type: application/sdp
Content-Length: ${Buffer.byteLength(sdp)}
`),
    Buffer.from('\r\n'),
    Buffer.from(sdp),
  ]);

const response = (i: number, code: string) =>
  crlf(`
SIP/2.0 ${code}
Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK${i}f00d;rport=5060;received=192.0.2.20
Record-Route: <sip:203.0.113.10;lr>
From: <sip:edge@192.0.2.20>;tag=${i}abc
To: <sip:agent${i}@192.0.2.55>;tag=${i}xyz
Call-ID: b2b-${i}-leg2@192.0.2.20
CSeq: 1 INVITE
Contact: <sip:agent${i}@192.0.2.55:5062>
Server: Phone/1.0
Content-Length: 0
`);

const corpus: Buffer[] = [];
for (let i = 0; i < 200; i++) {
  corpus.push(invite(i), response(i, '100 Trying'), response(i, '180 Ringing'), response(i, '200 OK'));
}
const avg = corpus.reduce((s, b) => s + b.length, 0) / corpus.length;

function run(label: string, fn: (b: Buffer) => void, seconds = 3): void {
  for (let i = 0; i < 20_000; i++) fn(corpus[i % corpus.length]!); // warm-up
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 1000; k++) fn(corpus[(n + k) % corpus.length]!);
    n += 1000;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label.padEnd(44)} ${Math.round(n / s)
      .toLocaleString('en-US')
      .padStart(10)} msg/s  (${((s * 1e6) / n).toFixed(2)} µs/msg)`,
  );
}

console.log(
  `corpus: ${corpus.length} messages (INVITE with SDP, 100, 180, 200), average ${Math.round(avg)} bytes`,
);
run('parse (start line, headers, framing)', (b) => void parseMessage(b, { datagram: true }));
run('parse + Via/CSeq/Call-ID/tags/R-URI', (b) => {
  const m = parseMessage(b, { datagram: true });
  void m.topVia;
  void m.cseq;
  void m.callId;
  void m.fromTag;
  void m.toTag;
  if (m.kind === 'request') {
    void m.uri;
    void m.maxForwards;
  }
});
run('parse + fields + serialise', (b) => {
  const m = parseMessage(b, { datagram: true });
  void m.topVia;
  void m.cseq;
  void m.fromTag;
  m.toBuffer();
});
