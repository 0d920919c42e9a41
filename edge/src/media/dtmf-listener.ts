/**
 * Receives the JSON rtpengine sends to `--dtmf-log-dest` for every RFC 4733 event and hands typed digits to
 * per-call subscribers. Malformed datagrams are counted and ignored.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type Logger, Observer, silentLogger } from '@hcc/shared';

export type DtmfDigit =
  | '0'
  | '1'
  | '2'
  | '3'
  | '4'
  | '5'
  | '6'
  | '7'
  | '8'
  | '9'
  | '*'
  | '#'
  | 'A'
  | 'B'
  | 'C'
  | 'D';

export interface DtmfEvent {
  callId: string;
  /** The tag of the party that sent the digit. */
  sourceTag: string;
  /** Every tag of the call rtpengine listed. */
  tags: string[];
  digit: DtmfDigit;
  /** The RFC 4733 event code. */
  event: number;
  durationMs: number;
  volume: number | undefined;
  /** rtpengine's timestamp (seconds since the epoch). */
  timestamp: number | undefined;
  sourceIp: string | undefined;
}

const DIGITS = '0123456789*#ABCD';

export interface DtmfListenerEvents extends Record<string, unknown> {
  digit: DtmfEvent;
}

export interface DtmfListenerStats {
  received: number;
  digits: number;
  malformed: number;
}

export class DtmfListener {
  readonly observer: Observer<DtmfListenerEvents>;
  private readonly perCall = new Map<string, Set<(e: DtmfEvent) => void>>();
  private readonly counters: DtmfListenerStats = { received: 0, digits: 0, malformed: 0 };

  private constructor(
    private readonly socket: Socket,
    private readonly logger: Logger,
  ) {
    this.observer = new Observer(logger);
    socket.on('message', (msg) => this.onDatagram(msg));
    socket.on('error', (err) => logger.error({ err }, 'dtmf socket error'));
  }

  /** Binds the UDP socket rtpengine's `--dtmf-log-dest` points at (port 0: any free port). */
  static async bind(opts: { host: string; port: number; logger?: Logger }): Promise<DtmfListener> {
    const socket = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port, opts.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new DtmfListener(socket, opts.logger ?? silentLogger);
  }

  get address(): { host: string; port: number } {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  get stats(): Readonly<DtmfListenerStats> {
    return { ...this.counters };
  }

  /** Subscribes to the digits of one call; returns the unsubscribe function. */
  onCall(callId: string, fn: (e: DtmfEvent) => void): () => void {
    let set = this.perCall.get(callId);
    if (!set) {
      set = new Set();
      this.perCall.set(callId, set);
    }
    set.add(fn);
    return () => {
      const s = this.perCall.get(callId);
      s?.delete(fn);
      if (s?.size === 0) this.perCall.delete(callId);
    };
  }

  /** Handles one datagram; public so tests and other transports can feed it. */
  onDatagram(msg: Buffer): void {
    this.counters.received++;
    const event = parseDtmf(msg);
    if (!event) {
      this.counters.malformed++;
      this.logger.debug({ bytes: msg.length }, 'malformed dtmf datagram ignored');
      return;
    }
    this.counters.digits++;
    this.observer.emit('digit', event);
    for (const fn of [...(this.perCall.get(event.callId) ?? [])]) {
      try {
        fn(event);
      } catch (err) {
        this.logger.error({ err, call_id: event.callId }, 'dtmf subscriber threw');
      }
    }
  }

  close(): void {
    this.perCall.clear();
    this.socket.close();
  }
}

/** Parses rtpengine's DTMF JSON; undefined if it is not a well-formed digit event. */
export function parseDtmf(msg: Buffer): DtmfEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(msg.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (o['type'] !== undefined && o['type'] !== 'DTMF') return undefined;
  const callId = o['callid'];
  const sourceTag = o['source_tag'];
  const event = o['event'];
  if (typeof callId !== 'string' || typeof sourceTag !== 'string') return undefined;
  if (typeof event !== 'number' || !Number.isInteger(event) || event < 0 || event >= DIGITS.length)
    return undefined;
  const tags = Array.isArray(o['tags']) ? o['tags'].filter((t): t is string => typeof t === 'string') : [];
  return {
    callId,
    sourceTag,
    tags,
    digit: DIGITS[event] as DtmfDigit,
    event,
    durationMs: typeof o['duration'] === 'number' ? o['duration'] : 0,
    volume: typeof o['volume'] === 'number' ? o['volume'] : undefined,
    timestamp: typeof o['timestamp'] === 'number' ? o['timestamp'] : undefined,
    sourceIp: typeof o['source_ip'] === 'string' ? o['source_ip'] : undefined,
  };
}
