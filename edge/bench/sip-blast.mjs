// Sends SIP from one address at a fixed rate, as its own process (edge/bench/sip-protect.ts measures the target).
//   node sip-blast.mjs '{"host":"127.0.0.1","port":5070,"from":"127.0.0.9","mode":"junk"|"guess","rate":20000,"seconds":10}'
// junk: one INVITE (an ordinary 600-byte request) again and again; the target is expected to have banned us.
// guess: a challenge first, then REGISTERs answering it with wrong passwords (MD5), each refused with a new one.
// Prints one JSON line: what was sent and how many responses came back.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

const o = JSON.parse(process.argv[2] ?? '{}');
const s = createSocket('udp4');
s.on('error', () => {});
s.bind(0, o.from);
await once(s, 'listening');
const lport = s.address().port;
let responses = 0;
let challenge = '';
s.on('message', (d) => {
  responses++;
  const t = d.toString('latin1');
  // The MD5 challenge (or one naming no algorithm, which means MD5).
  for (const m of t.matchAll(/WWW-Authenticate: (Digest [^\r\n]*)/gi)) {
    const alg = /algorithm=([\w-]+)/i.exec(m[1])?.[1] ?? 'MD5';
    if (alg.toUpperCase() === 'MD5') challenge = m[1];
  }
});
const hex = (n) => randomBytes(n).toString('hex');
const md5 = (x) => createHash('md5').update(x).digest('hex');
const uri = `sip:${o.host}:${o.port}`;
function msg(method, extra = []) {
  return Buffer.from(
    [
      `${method} ${method === 'REGISTER' ? uri : `sip:2000@${o.host}:${o.port}`} SIP/2.0`,
      `Via: SIP/2.0/UDP ${o.from}:${lport};branch=z9hG4bK${hex(8)};rport`,
      'Max-Forwards: 70',
      `From: <sip:1001@${o.host}>;tag=${hex(4)}`,
      `To: <sip:${method === 'REGISTER' ? '1001' : '2000'}@${o.host}>`,
      `Call-ID: ${hex(8)}@${o.from}`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:1001@${o.from}:${lport}>`,
      'User-Agent: Zoiper rv2.10',
      ...extra,
      method === 'INVITE' ? 'Content-Type: application/sdp' : '',
      `Content-Length: ${method === 'INVITE' ? 132 : 0}`,
      '',
      method === 'INVITE'
        ? 'v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n'
        : '',
    ]
      .filter((l, i, a) => l !== '' || i >= a.length - 2)
      .join('\r\n'),
  );
}
function guess(nc) {
  const realm = /realm="([^"]*)"/.exec(challenge)?.[1] ?? '';
  const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
  const ncs = nc.toString(16).padStart(8, '0');
  const cnonce = hex(4);
  const response = md5(
    `${md5(`1001:${realm}:guess-${nc}`)}:${nonce}:${ncs}:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`,
  );
  return msg('REGISTER', [
    `Authorization: Digest username="1001", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${ncs}, cnonce="${cnonce}"`,
  ]);
}

if (o.mode === 'guess') {
  s.send(msg('REGISTER'), o.port, o.host);
  for (let i = 0; i < 100 && !challenge; i++) await new Promise((r) => setTimeout(r, 20));
  if (!challenge) throw new Error('no challenge from the target');
}
const junk = msg('INVITE');
let sent = 0;
const start = Date.now();
await new Promise((resolve) => {
  const t = setInterval(() => {
    const due = Math.floor(((Date.now() - start) / 1000) * o.rate);
    while (sent < due) {
      sent++;
      s.send(o.mode === 'guess' ? guess(sent) : junk, o.port, o.host);
    }
    if (Date.now() - start >= o.seconds * 1000) {
      clearInterval(t);
      resolve();
    }
  }, 5);
});
await new Promise((r) => setTimeout(r, 300));
s.close();
process.stdout.write(`${JSON.stringify({ sent, responses, seconds: (Date.now() - start) / 1000 })}\n`);
