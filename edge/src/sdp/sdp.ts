// SDP (RFC 8866) parse and serialise for what a B2BUA rewrites: origin, connection, media ports, formats,
// attributes (rtpmap, fmtp, direction, rtcp-mux ...). Every line is kept in order, so an untouched description
// serialises back byte for byte; typed views read and write the lines that matter.

export class SdpParseError extends Error {
  override readonly name = 'SdpParseError';
}

export interface SdpLine {
  type: string;
  value: string;
}

export interface Origin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface Connection {
  netType: string;
  addrType: string;
  address: string;
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export interface Rtpmap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}

/** A section (session level or one m= block) as ordered lines with typed helpers. */
export class SdpSection {
  constructor(readonly lines: SdpLine[]) {}

  get(type: string): string | undefined {
    return this.lines.find((l) => l.type === type)?.value;
  }

  set(type: string, value: string, before?: readonly string[]): void {
    const l = this.lines.find((x) => x.type === type);
    if (l) {
      l.value = value;
      return;
    }
    // Never before a media section's own m= line.
    const at = before
      ? this.lines.findIndex((x, i) => (i > 0 || x.type !== 'm') && before.includes(x.type))
      : -1;
    if (at < 0) this.lines.push({ type, value });
    else this.lines.splice(at, 0, { type, value });
  }

  /** Values of `a=name:value` (or '' for a flag `a=name`). */
  attributes(name: string): string[] {
    const out: string[] = [];
    for (const l of this.lines) {
      if (l.type !== 'a') continue;
      const colon = l.value.indexOf(':');
      const n = colon >= 0 ? l.value.slice(0, colon) : l.value;
      if (n === name) out.push(colon >= 0 ? l.value.slice(colon + 1) : '');
    }
    return out;
  }

  attribute(name: string): string | undefined {
    return this.attributes(name)[0];
  }

  hasAttribute(name: string): boolean {
    return this.attributes(name).length > 0;
  }

  addAttribute(name: string, value?: string): void {
    this.lines.push({ type: 'a', value: value === undefined ? name : `${name}:${value}` });
  }

  removeAttribute(name: string, pred: (value: string) => boolean = () => true): void {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]!;
      if (l.type !== 'a') continue;
      const colon = l.value.indexOf(':');
      const n = colon >= 0 ? l.value.slice(0, colon) : l.value;
      if (n === name && pred(colon >= 0 ? l.value.slice(colon + 1) : '')) this.lines.splice(i, 1);
    }
  }

  get connection(): Connection | undefined {
    const c = this.get('c');
    if (c === undefined) return undefined;
    const [netType, addrType, address] = c.split(' ');
    if (!netType || !addrType || !address) throw new SdpParseError('bad c= line');
    return { netType, addrType, address };
  }

  set connection(c: Connection) {
    this.set('c', `${c.netType} ${c.addrType} ${c.address}`, ['b', 't', 'k', 'a', 'm']);
  }

  get direction(): Direction | undefined {
    for (const l of this.lines)
      if (l.type === 'a' && DIRECTIONS.includes(l.value)) return l.value as Direction;
    return undefined;
  }

  set direction(d: Direction) {
    const l = this.lines.find((x) => x.type === 'a' && DIRECTIONS.includes(x.value));
    if (l) l.value = d;
    else this.lines.push({ type: 'a', value: d });
  }
}

export class MediaDescription extends SdpSection {
  private parts(): string[] {
    const m = this.lines[0];
    if (m?.type !== 'm') throw new SdpParseError('media section without m= line');
    return m.value.split(' ');
  }

  private setPart(i: number, v: string): void {
    const p = this.parts();
    p[i] = v;
    this.lines[0]!.value = p.join(' ');
  }

  get media(): string {
    return this.parts()[0]!;
  }

  get port(): number {
    return Number(this.parts()[1]!.split('/')[0]);
  }

  set port(port: number) {
    const cur = this.parts()[1]!;
    const slash = cur.indexOf('/');
    this.setPart(1, slash >= 0 ? `${port}${cur.slice(slash)}` : String(port));
  }

  get protocol(): string {
    return this.parts()[2]!;
  }

  set protocol(p: string) {
    this.setPart(2, p);
  }

  get formats(): string[] {
    return this.parts().slice(3);
  }

  set formats(f: string[]) {
    const p = this.parts().slice(0, 3);
    this.lines[0]!.value = [...p, ...f].join(' ');
  }

  get rtpmaps(): Rtpmap[] {
    const out: Rtpmap[] = [];
    for (const v of this.attributes('rtpmap')) {
      const sp = v.indexOf(' ');
      const [encoding, rate, channels] = v.slice(sp + 1).split('/');
      out.push({
        payloadType: Number(v.slice(0, sp)),
        encoding: encoding ?? '',
        clockRate: Number(rate),
        channels: channels ? Number(channels) : undefined,
      });
    }
    return out;
  }

  /** Keeps only the listed payload types, with their rtpmap/fmtp/rtcp-fb lines. */
  keepFormats(keep: readonly string[]): void {
    this.formats = this.formats.filter((f) => keep.includes(f));
    for (const a of ['rtpmap', 'fmtp', 'rtcp-fb']) {
      this.removeAttribute(a, (v) => !keep.includes(v.split(' ')[0]!));
    }
  }
}

export class SessionDescription {
  constructor(
    readonly session: SdpSection,
    readonly media: MediaDescription[],
    /** Line separator found in the input, reused on output. */
    readonly eol: string = '\r\n',
  ) {}

  get origin(): Origin {
    const o = this.session.get('o');
    const p = o?.split(' ') ?? [];
    if (p.length !== 6) throw new SdpParseError('bad o= line');
    const [username, sessionId, sessionVersion, netType, addrType, address] = p as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { username, sessionId, sessionVersion, netType, addrType, address };
  }

  set origin(o: Origin) {
    this.session.set(
      'o',
      `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    );
  }

  /** Bumps the session version, as any change to an offer or answer requires (RFC 3264 §8). */
  bumpVersion(): void {
    const o = this.origin;
    o.sessionVersion = (BigInt(o.sessionVersion) + 1n).toString();
    this.origin = o;
  }

  toString(): string {
    const out: string[] = [];
    for (const l of this.session.lines) out.push(`${l.type}=${l.value}`);
    for (const m of this.media) for (const l of m.lines) out.push(`${l.type}=${l.value}`);
    return out.join(this.eol) + this.eol;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.toString(), 'utf8');
  }
}

/** Parses an SDP body. Lenient on line ends (CRLF or LF) and trailing blank lines; strict on `x=` form. */
export function parseSdp(input: string | Buffer): SessionDescription {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const raw = text.split(/\r?\n/);
  while (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  if (raw.length === 0 || raw[0] !== 'v=0') throw new SdpParseError('SDP must start with v=0');
  const session: SdpLine[] = [];
  const media: SdpLine[][] = [];
  for (const line of raw) {
    if (line.length < 2 || line[1] !== '=')
      throw new SdpParseError(`malformed SDP line: ${JSON.stringify(line.slice(0, 20))}`);
    const type = line[0]!;
    if (type < 'a' || type > 'z') throw new SdpParseError('SDP line type must be a lower-case letter');
    const l = { type, value: line.slice(2) };
    if (type === 'm') media.push([l]);
    else if (media.length > 0) media[media.length - 1]!.push(l);
    else session.push(l);
  }
  const sd = new SessionDescription(
    new SdpSection(session),
    media.map((m) => new MediaDescription(m)),
    eol,
  );
  void sd.origin; // o= is mandatory (RFC 8866 §5.2)
  for (const m of sd.media) {
    const p = m.lines[0]!.value.split(' ');
    if (p.length < 4 || !/^\d+(\/\d+)?$/.test(p[1]!)) throw new SdpParseError('bad m= line');
  }
  return sd;
}
