/**
 * Media inactivity of answered calls: every few seconds the edge asks rtpengine (`query`) how many packets it
 * received from each caller. A caller that sent nothing for the media timeout (the hold timeout when its own SDP
 * says it does not send: a=inactive or a=recvonly), or whose call rtpengine already deleted (its own --timeout),
 * is gone: the session ends with CDR step 'media-timeout'. Only the caller -> rtpengine direction counts: prompts,
 * music, the park branch and agent legs are the edge's own media and say nothing about the caller. A caller in
 * the IVR, in a queue or on hold still sends RTP, so it is never cut.
 */
import type { Clock, Logger, TimerHandle } from '@hcc/shared';
import { NgError, type QueryReply } from '../media/index.ts';
import type { CallRegistry } from './registry.ts';
import { offerDirection } from './sdp-direction.ts';
import type { CallSession } from './session.ts';
import type { LegRef } from './types.ts';

export interface MediaTimeouts {
  /** Silence from a sending caller before the call ends; 0 switches the check off. */
  timeoutMs: number;
  /** Silence allowed when the caller's SDP says it sends nothing (a=inactive, a=recvonly). */
  holdTimeoutMs: number;
}

export interface MediaWatchOptions extends MediaTimeouts {
  registry: CallRegistry<CallSession, LegRef>;
  /** rtpengine's `query` on the engine that holds the call; undefined when no engine holds it. */
  query(callId: string, fromTag: string): Promise<QueryReply> | undefined;
  clock: Clock;
  log: Logger;
  /** Poll period; default a third of the timeout, between 1 s and 10 s. */
  intervalMs?: number;
  /** Queries in flight at once. Default 16. */
  concurrency?: number;
}

interface Seen {
  packets: number;
  /** When the packet count last moved (edge clock, ms). */
  since: number;
}

export class MediaWatch {
  private readonly seen = new WeakMap<CallSession, Seen>();
  private readonly intervalMs: number;
  private timer: TimerHandle | undefined;
  private running = false;
  private sweep: Promise<void> | undefined;

  constructor(private readonly o: MediaWatchOptions) {
    this.intervalMs = o.intervalMs ?? Math.min(10_000, Math.max(1000, Math.floor(o.timeoutMs / 3)));
  }

  start(): void {
    if (this.running || this.o.timeoutMs <= 0) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.o.clock.clearTimeout(this.timer);
    await this.sweep;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.o.clock.setTimeout(() => {
      this.sweep = this.checkAll().finally(() => {
        this.sweep = undefined;
        this.schedule();
      });
    }, this.intervalMs);
  }

  /** One pass over the answered calls (never throws). */
  async checkAll(): Promise<void> {
    const calls = [...this.o.registry.all()].filter((s) => s.callerDialog && !s.ended);
    const width = this.o.concurrency ?? 16;
    for (let i = 0; i < calls.length; i += width)
      await Promise.all(calls.slice(i, i + width).map((s) => this.check(s)));
  }

  private async check(s: CallSession): Promise<void> {
    const now = this.o.clock.now();
    let reply: QueryReply | undefined;
    try {
      reply = await this.o.query(s.interactionId, s.callerTag);
    } catch (err) {
      // rtpengine deleted the call (its --timeout ran out): the caller's media is gone.
      if (err instanceof NgError && /unknown call/i.test(err.reason ?? '')) {
        if (!s.ended) s.disconnect('media-timeout');
        return;
      }
      // rtpengine not answering: the pool's health check deals with it; no verdict on the caller.
      this.o.log.debug({ err: (err as Error).name }, 'media query failed');
      return;
    }
    if (!reply || s.ended) return;
    const packets = reply.tags[s.callerTag]?.packetsIn ?? 0;
    const prev = this.seen.get(s);
    if (!prev || packets !== prev.packets) {
      // First look, or the caller sent something since the last one: silence counts from now.
      this.seen.set(s, { packets, since: now });
      return;
    }
    const dir = offerDirection(s.media.callerOffer);
    const limit = dir === 'inactive' || dir === 'recvonly' ? this.o.holdTimeoutMs : this.o.timeoutMs;
    if (now - prev.since >= limit) s.disconnect('media-timeout');
  }
}
