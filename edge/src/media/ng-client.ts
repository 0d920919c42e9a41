/**
 * rtpengine NG protocol client over UDP, shaped like mediasoup's Channel: cookie -> pending request,
 * a timeout per attempt, retransmission with the SAME cookie (rtpengine caches the reply per cookie, so a
 * retry never runs a command twice), and close() rejecting everything pending. A window bounds the
 * requests on the wire and the retransmit timer adapts to rtpengine's round-trip time (ng-flow.ts).
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type Clock, type Logger, silentLogger, systemClock, type TimerHandle } from '@hcc/shared';
import { type BencodeDict, decode, type Encodable, encode, isDict } from './bencode.ts';
import { NgClosedError, NgError, NgProtocolError, NgTimeoutError } from './errors.ts';
import { NgFlow } from './ng-flow.ts';
import {
  blockArgs,
  deleteArgs,
  type NgArgs,
  num,
  playDtmfArgs,
  playMediaArgs,
  baseReply as reply,
  sdpArgs,
  str,
  toQueryReply,
  toSdpReply,
} from './ng-options.ts';
import type {
  AnswerOptions,
  BlockOptions,
  CallRef,
  DeleteOptions,
  NgReplyBase,
  OfferOptions,
  PlayDtmfOptions,
  PlayMediaOptions,
  PlayMediaReply,
  QueryReply,
  SdpReply,
} from './ng-types.ts';

export interface NgClientOptions {
  host: string;
  port: number;
  /**
   * Wait for the first attempt before retransmitting. Default 1000 ms. It grows with rtpengine's smoothed
   * round-trip time and doubles on each retransmission (capped at 8 times this value).
   */
  timeoutMs?: number;
  /** Retransmissions after the first attempt. Default 2. */
  retries?: number;
  /**
   * Requests awaiting their first reply at once; later ones wait in order and start their timer when sent.
   * Default: no limit. Measured on the full-flow bench, a window of 64-128 made offers and deletes queue
   * behind slow `play media` commands on a loaded machine (more abandoned calls), so it is opt-in.
   */
  maxInFlight?: number;
  logger?: Logger;
  clock?: Clock;
  /** Called for every reply that carries a `warning`. */
  onWarning?: (command: string, warning: string) => void;
}

export interface RequestOptions {
  timeoutMs?: number;
  retries?: number;
}

interface Pending {
  command: string;
  packet: Buffer;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  /** When the first attempt was sent (0 = still waiting for a slot in the window). */
  sentAt: number;
  /**
   * Holds a slot of the window: from the first send until the reply or the first timeout. A request being
   * retransmitted gives its slot back, so a lost packet never stalls the requests queued behind it.
   */
  slot: boolean;
  timer: TimerHandle;
  resolve: (reply: BencodeDict) => void;
  reject: (err: Error) => void;
}

export class NgClient {
  readonly host: string;
  readonly port: number;
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly cookiePrefix = randomBytes(6).toString('hex');
  private nextId = 0;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly onWarning: ((command: string, warning: string) => void) | undefined;
  private readonly flow: NgFlow;

  private constructor(socket: Socket, opts: NgClientOptions) {
    this.socket = socket;
    this.host = opts.host;
    this.port = opts.port;
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.retries = opts.retries ?? 2;
    this.logger = opts.logger ?? silentLogger;
    this.clock = opts.clock ?? systemClock;
    this.onWarning = opts.onWarning;
    this.flow = new NgFlow(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {});
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => this.logger.error({ err, ng: this.target }, 'ng socket error'));
  }

  /** Binds an ephemeral UDP socket for talking to the rtpengine at host:port. */
  static async create(opts: NgClientOptions): Promise<NgClient> {
    const socket = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, isIPv6(opts.host) ? '::' : undefined, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // Replies carry SDP: at hundreds of calls/s, a short stall of the event loop overflows the default
    // ~200 KiB buffer and every dropped reply costs a retransmission timeout (the kernel caps it at rmem_max).
    socket.setRecvBufferSize(4 * 1024 * 1024);
    return new NgClient(socket, opts);
  }

  get target(): string {
    return `${this.host}:${this.port}`;
  }

  /** Requests not answered yet (on the wire or waiting for a slot). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Requests waiting for a slot in the window. */
  get queuedCount(): number {
    return this.flow.queued;
  }

  /** rtpengine's smoothed round-trip time in ms, once measured. */
  get smoothedRttMs(): number | undefined {
    return this.flow.smoothedRttMs;
  }

  /** Sends one command; resolves with the raw reply, rejects with NgError on `result: error`. */
  request(command: string, args: NgArgs = {}, opts: RequestOptions = {}): Promise<BencodeDict> {
    if (this.closed) return Promise.reject(new NgClosedError(command));
    const cookie = `${this.cookiePrefix}_${(this.nextId++).toString(36)}`;
    const body: Record<string, Encodable | undefined> = { ...args, command };
    const packet = Buffer.concat([Buffer.from(`${cookie} `), encode(body)]);
    return new Promise<BencodeDict>((resolve, reject) => {
      const p: Pending = {
        command,
        packet,
        attempts: 0,
        maxAttempts: 1 + (opts.retries ?? this.retries),
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
        sentAt: 0,
        slot: false,
        timer: undefined,
        resolve,
        reject,
      };
      this.pending.set(cookie, p);
      this.flow.acquire(() => {
        if (this.pending.get(cookie) !== p) {
          this.flow.release(); // settled (closed) while waiting
          return;
        }
        p.sentAt = this.clock.now();
        p.slot = true;
        this.transmit(cookie, p);
      });
    });
  }

  private transmit(cookie: string, p: Pending): void {
    p.attempts++;
    if (p.attempts > 1)
      this.logger.debug({ cookie, command: p.command, attempt: p.attempts }, 'ng retransmit');
    this.socket.send(p.packet, this.port, this.host, (err) => {
      if (err) this.logger.warn({ err, cookie, command: p.command }, 'ng send failed');
    });
    p.timer = this.clock.setTimeout(
      () => this.onTimeout(cookie),
      this.flow.timeoutFor(p.attempts, p.timeoutMs),
    );
  }

  private onTimeout(cookie: string): void {
    const p = this.pending.get(cookie);
    if (!p) return;
    this.releaseSlot(p);
    if (p.attempts < p.maxAttempts) {
      this.transmit(cookie, p);
      return;
    }
    this.pending.delete(cookie);
    p.reject(new NgTimeoutError(p.command, cookie, p.attempts));
  }

  private releaseSlot(p: Pending): void {
    if (!p.slot) return;
    p.slot = false;
    this.flow.release();
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    if (port !== this.port || !sameHost(address, this.host)) {
      this.logger.warn({ from: `${address}:${port}` }, 'ng reply from an unexpected address ignored');
      return;
    }
    const space = msg.indexOf(0x20);
    if (space <= 0) {
      this.logger.warn({ bytes: msg.length }, 'ng reply without cookie ignored');
      return;
    }
    const cookie = msg.toString('latin1', 0, space);
    const p = this.pending.get(cookie);
    if (!p) {
      this.logger.debug({ cookie }, 'ng reply for no pending request (late duplicate)');
      return;
    }
    this.pending.delete(cookie);
    this.clock.clearTimeout(p.timer);
    if (p.attempts === 1) this.flow.sample(this.clock.now() - p.sentAt);
    this.releaseSlot(p);
    let reply: BencodeDict;
    try {
      const v = decode(msg.subarray(space + 1));
      if (!isDict(v)) throw new NgProtocolError('reply is not a dictionary');
      reply = v;
    } catch (err) {
      p.reject(new NgProtocolError(`undecodable reply to ${p.command}`, { cause: err }));
      return;
    }
    const result = str(reply['result']);
    if (result === 'error') {
      p.reject(new NgError(p.command, str(reply['error-reason']) ?? 'unknown'));
      return;
    }
    if (result === undefined) {
      p.reject(new NgProtocolError(`reply to ${p.command} has no result`));
      return;
    }
    const warning = str(reply['warning']);
    if (warning !== undefined) {
      this.logger.warn({ command: p.command, warning }, 'rtpengine warning');
      this.onWarning?.(p.command, warning);
    }
    p.resolve(reply);
  }

  /** Closes the socket; every pending and later request rejects with NgClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flow.clear();
    for (const [cookie, p] of this.pending) {
      this.clock.clearTimeout(p.timer);
      this.pending.delete(cookie);
      p.reject(new NgClosedError(p.command));
    }
    this.socket.close();
  }

  // --- typed commands -------------------------------------------------------------------------------

  async ping(opts?: RequestOptions): Promise<void> {
    const reply = await this.request('ping', {}, opts);
    if (str(reply['result']) !== 'pong') throw new NgProtocolError(`ping answered ${str(reply['result'])}`);
  }

  async offer(o: OfferOptions): Promise<SdpReply> {
    return toSdpReply('offer', await this.request('offer', sdpArgs(o)));
  }

  async answer(o: AnswerOptions): Promise<SdpReply> {
    return toSdpReply('answer', await this.request('answer', sdpArgs(o)));
  }

  /** Deletes a call or one dialogue of it, with `delete delay: 0` unless told otherwise. */
  async delete(o: DeleteOptions): Promise<NgReplyBase> {
    return reply(await this.request('delete', deleteArgs(o)));
  }

  async query(ref: CallRef): Promise<QueryReply> {
    return toQueryReply(
      await this.request('query', { 'call-id': ref.callId, 'from-tag': ref.fromTag, 'to-tag': ref.toTag }),
    );
  }

  /** Call ids rtpengine currently holds. */
  async list(limit = 1000): Promise<string[]> {
    const r = await this.request('list', { limit });
    const calls = r['calls'];
    return Array.isArray(calls) ? calls.map(str).filter((c): c is string => c !== undefined) : [];
  }

  async playMedia(o: PlayMediaOptions): Promise<PlayMediaReply> {
    const raw = await this.request('play media', playMediaArgs(o));
    const durationMs = num(raw['duration']);
    return durationMs === undefined ? reply(raw) : { ...reply(raw), durationMs };
  }

  async stopMedia(o: { callId: string; fromTag: string; toTag?: string }): Promise<NgReplyBase> {
    return reply(
      await this.request('stop media', { 'call-id': o.callId, 'from-tag': o.fromTag, 'to-tag': o.toTag }),
    );
  }

  async playDTMF(o: PlayDtmfOptions): Promise<NgReplyBase> {
    return reply(await this.request('play DTMF', playDtmfArgs(o)));
  }

  async blockMedia(o: BlockOptions): Promise<NgReplyBase> {
    return reply(await this.request('block media', blockArgs(o)));
  }

  async unblockMedia(o: BlockOptions): Promise<NgReplyBase> {
    return reply(await this.request('unblock media', blockArgs(o)));
  }

  async startRecording(o: CallRef): Promise<NgReplyBase> {
    return reply(await this.request('start recording', { 'call-id': o.callId, 'from-tag': o.fromTag }));
  }

  async stopRecording(o: CallRef): Promise<NgReplyBase> {
    return reply(await this.request('stop recording', { 'call-id': o.callId, 'from-tag': o.fromTag }));
  }

  /** rtpengine's global statistics, raw. */
  async statistics(): Promise<BencodeDict> {
    const r = await this.request('statistics');
    const stats = r['statistics'];
    return isDict(stats) ? stats : r;
  }
}

function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const strip = (s: string) => s.replace(/^::ffff:/, '');
  return strip(a) === strip(b) || (b === 'localhost' && (a === '127.0.0.1' || a === '::1'));
}
