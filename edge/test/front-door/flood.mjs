// A SIP flood from many loopback addresses, run as its own process (so its sending never shares the event loop of
// the edge under test): junk (random bytes, truncated requests, INVITE/OPTIONS to random extensions) and a
// password guesser per address (REGISTER, then a wrong answer to each challenge), at fixed rates, for a time.
//   node flood.mjs '{"host":"127.0.0.1","port":5060,"sources":50,"firstOctet":10,"junkPerS":150,"registerPerS":69,"durationMs":15000}'
// Prints one JSON line of what it sent and received when done.
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';

const o = JSON.parse(process.argv[2] ?? '{}');
const stats = { junk: 0, registers: 0, answers: 0, responses: 0, challenges: 0, ok: 0 };
const hex = (n) => randomBytes(n).toString('hex');
const md5 = (s) => createHash('md5').update(s).digest('hex');

function request(method, user, address, port, extra = []) {
  const branch = `z9hG4bK${hex(6)}`;
  return [
    `${method} sip:${method === 'REGISTER' ? '' : `${user}@`}${o.host}:${o.port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${address}:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${o.host}>;tag=${hex(4)}`,
    `To: <sip:${user}@${o.host}>`,
    `Call-ID: ${hex(8)}@${address}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:${user}@${address}:${port}>`,
    'User-Agent: Zoiper rv2.10',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const sources = [];
for (let i = 0; i < o.sources; i++) {
  const address = `127.0.0.${o.firstOctet + i}`;
  const s = createSocket('udp4');
  s.on('error', () => {});
  s.bind(0, address);
  await once(s, 'listening');
  const port = s.address().port;
  const src = { s, address, port };
  s.on('message', (data) => {
    stats.responses++;
    const text = data.toString('latin1');
    if (text.startsWith('SIP/2.0 200') && text.includes('REGISTER')) stats.ok++;
    if (!text.startsWith('SIP/2.0 401') || !/CSeq: 1 REGISTER/i.test(text)) return;
    stats.challenges++;
    // A guess: the challenge answered with a wrong password (MD5, the challenge that is there for it).
    const ch = /WWW-Authenticate: (Digest [^\r\n]*algorithm=MD5[^\r\n]*)/i.exec(text)?.[1];
    if (!ch) return;
    const realm = /realm="([^"]*)"/.exec(ch)?.[1] ?? '';
    const nonce = /nonce="([^"]*)"/.exec(ch)?.[1] ?? '';
    const user = /To: <sip:([^@]+)@/i.exec(text)?.[1] ?? '1001';
    const uri = `sip:${o.host}:${o.port}`;
    const cnonce = hex(4);
    const response = md5(
      `${md5(`${user}:${realm}:guess-${hex(3)}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`,
    );
    const auth = `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
    stats.answers++;
    s.send(request('REGISTER', user, address, port, [auth]).replace('CSeq: 1', 'CSeq: 2'), o.port, o.host);
  });
  sources.push(src);
}

function junk(src) {
  const kind = stats.junk % 4;
  let msg;
  if (kind === 0) msg = randomBytes(200 + (stats.junk % 300));
  else if (kind === 1)
    msg = request('INVITE', String(1000 + (stats.junk % 9000)), src.address, src.port).slice(0, 90);
  else if (kind === 2) msg = request('INVITE', String(1000 + (stats.junk % 9000)), src.address, src.port);
  else msg = request('OPTIONS', String(1000 + (stats.junk % 9000)), src.address, src.port);
  stats.junk++;
  src.s.send(msg, o.port, o.host);
}

function register(src) {
  stats.registers++;
  src.s.send(
    request('REGISTER', String(1001 + (stats.registers % 3)), src.address, src.port),
    o.port,
    o.host,
  );
}

// Paced on 10 ms ticks: whatever is due by the clock is sent, spread round-robin over the sources.
const start = Date.now();
let next = 0;
await new Promise((resolve) => {
  const t = setInterval(() => {
    const el = Date.now() - start;
    const junkDue = Math.floor((el / 1000) * o.junkPerS);
    const regDue = Math.floor((el / 1000) * o.registerPerS);
    while (stats.junk < junkDue) junk(sources[next++ % sources.length]);
    while (stats.registers < regDue) register(sources[next++ % sources.length]);
    if (el >= o.durationMs) {
      clearInterval(t);
      resolve();
    }
  }, 10);
});
await new Promise((r) => setTimeout(r, 500));
for (const { s } of sources) s.close();
process.stdout.write(`${JSON.stringify({ ...stats, seconds: (Date.now() - start) / 1000 })}\n`);
