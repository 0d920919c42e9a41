/**
 * A desk phone's REGISTER with digest authentication, for the edge's registrar (which offers
 * SHA-256 first; SIPp 3.6 answers MD5 only, so the test registers from here and lets a SIPp UAS
 * take the calls on the registered contact).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const rand = () => randomBytes(6).toString('hex');

function params(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g))
    out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

/** Registers `user` with `password` and a Contact on `contactPort`; resolves with the final status code. */
export async function registerPhone(o: {
  server: { host: string; port: number };
  user: string;
  password: string;
  contactPort: number;
  expires: number;
}): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const local = sock.address().port;
  const uri = `sip:${o.server.host}:${o.server.port}`;
  const callId = rand();
  const tag = rand();
  const request = (cseq: number, auth?: string) =>
    [
      `REGISTER ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${rand()};rport`,
      'Max-Forwards: 70',
      `From: <sip:${o.user}@${o.server.host}>;tag=${tag}`,
      `To: <sip:${o.user}@${o.server.host}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`,
      `Contact: <sip:${o.user}@127.0.0.1:${o.contactPort}>`,
      `Expires: ${o.expires}`,
      ...(auth ? [`Authorization: ${auth}`] : []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const exchange = (msg: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no final answer to REGISTER')), 8000);
      const send = () => sock.send(msg, o.server.port, o.server.host);
      const resend = setInterval(send, 500);
      const onMsg = (b: Buffer) => {
        const text = b.toString();
        const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
        if (status < 200) return;
        clearTimeout(timer);
        clearInterval(resend);
        sock.off('message', onMsg);
        resolve({ status, text });
      };
      sock.on('message', onMsg);
      send();
    });
  try {
    const first = await exchange(request(1));
    if (first.status !== 401) return first.status;
    const challenges = first.text
      .split('\r\n')
      .filter((l) => /^WWW-Authenticate:/i.test(l))
      .map((l) => params(l.slice(l.indexOf(':') + 1)));
    const c = challenges.find((x) => (x.algorithm ?? 'MD5').toUpperCase() === 'MD5');
    if (!c) throw new Error('the registrar offered no MD5 challenge');
    const h = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = h(`${o.user}:${c.realm}:${o.password}`);
    const ha2 = h(`REGISTER:${uri}`);
    const cnonce = rand();
    const qop = c.qop ? 'auth' : undefined;
    const response = qop
      ? h(`${ha1}:${c.nonce}:00000001:${cnonce}:${qop}:${ha2}`)
      : h(`${ha1}:${c.nonce}:${ha2}`);
    const auth =
      `Digest username="${o.user}", realm="${c.realm}", nonce="${c.nonce}", uri="${uri}", response="${response}", algorithm=MD5` +
      (qop ? `, qop=${qop}, nc=00000001, cnonce="${cnonce}"` : '') +
      (c.opaque ? `, opaque="${c.opaque}"` : '');
    return (await exchange(request(2, auth))).status;
  } finally {
    sock.close();
  }
}
