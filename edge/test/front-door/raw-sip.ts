/**
 * A raw UDP SIP client for attack tests: it sends what an attacker sends, as fast as the socket takes it, and
 * collects whatever comes back, without transactions or retransmissions.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { digestResponse, ha1, parseAuthHeader } from '../../src/sip/auth/digest.ts';
import { parseMessage, type SipResponse } from '../../src/sip/index.ts';

export class RawSip {
  readonly responses = new Map<string, SipResponse>();
  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    socket.on('message', (data) => {
      try {
        const m = parseMessage(data, { datagram: true });
        if (m.kind === 'response') this.responses.set(m.topVia.params.get('branch') ?? '', m);
      } catch {
        /* junk back: ignore */
      }
    });
  }

  static async open(address: string, target: { host: string; port: number }): Promise<RawSip> {
    const socket = createSocket('udp4');
    socket.bind(0, address);
    await once(socket, 'listening');
    return new RawSip(socket, address, socket.address().port, target);
  }

  send(text: string | Buffer): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, this.target.port, this.target.host);
  }

  /** A REGISTER for `user` with an optional Authorization header; returns its branch. */
  register(user: string, o: { authorization?: string; cseq?: number; userAgent?: string } = {}): string {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const host = this.target.host;
    const lines = [
      `REGISTER sip:${host}:${this.target.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${host}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${user}@${host}>`,
      `Call-ID: ${randomBytes(8).toString('hex')}@${this.address}`,
      `CSeq: ${o.cseq ?? 1} REGISTER`,
      `Contact: <sip:${user}@${this.address}:${this.port}>`,
      'Expires: 60',
      ...(o.userAgent ? [`User-Agent: ${o.userAgent}`] : []),
      ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
      'Content-Length: 0',
      '',
      '',
    ];
    this.send(lines.join('\r\n'));
    return branch;
  }

  /** An INVITE from extension `from` to `to` (an agent phone's call), with an optional Proxy-Authorization. */
  invite(from: string, to: string, o: { proxyAuthorization?: string; cseq?: number } = {}): string {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const host = this.target.host;
    const sdp = `v=0\r\no=- 1 1 IN IP4 ${this.address}\r\ns=-\r\nc=IN IP4 ${this.address}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n`;
    const lines = [
      `INVITE sip:${to}@${host}:${this.target.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:${from}@${host}>;tag=${randomBytes(4).toString('hex')}`,
      `To: <sip:${to}@${host}>`,
      `Call-ID: ${randomBytes(8).toString('hex')}@${this.address}`,
      `CSeq: ${o.cseq ?? 1} INVITE`,
      `Contact: <sip:${from}@${this.address}:${this.port}>`,
      ...(o.proxyAuthorization ? [`Proxy-Authorization: ${o.proxyAuthorization}`] : []),
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ];
    this.send(lines.join('\r\n'));
    return branch;
  }

  /** Waits up to `ms` for the final response to `branch` (a 100 Trying is skipped). */
  async response(branch: string, ms: number): Promise<SipResponse | undefined> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const r = this.responses.get(branch);
      if (r && r.status >= 200) return r;
      await new Promise((res) => setTimeout(res, 10));
    }
    return this.responses.get(branch);
  }

  close(): void {
    this.socket.close();
  }
}

/** The Authorization value answering `challenge` (a WWW-Authenticate value) for `user`/`password`. */
export function answer(
  challenge: string,
  user: string,
  password: string,
  uri: string,
  nc: number,
  method = 'REGISTER',
): string {
  const p = parseAuthHeader(challenge).params;
  const alg = (p.get('algorithm') ?? 'MD5') as 'MD5' | 'SHA-256';
  const realm = p.get('realm') ?? '';
  const nonce = p.get('nonce') ?? '';
  const ncs = nc.toString(16).padStart(8, '0');
  const cnonce = randomBytes(6).toString('hex');
  const response = digestResponse({
    algorithm: alg,
    ha1: ha1(alg, user, realm, password),
    method,
    uri,
    nonce,
    nc: ncs,
    cnonce,
    qop: 'auth',
  });
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${alg}, qop=auth, nc=${ncs}, cnonce="${cnonce}"`;
}
