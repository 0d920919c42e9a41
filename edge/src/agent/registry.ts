/**
 * All agents of the site and their state machine. Every change goes through the transition tables
 * and emits an AgentStateChanged on the observer; `onAvailability` tells the router (synchronously)
 * whenever an agent's availability may have changed. Wrap-up runs on the injected clock.
 */
import { AgentStateCause as Cause, Channel, type ConfigBundle, AgentState as S } from '@hcc/proto';
import type { Clock, Logger, Observer } from '@hcc/shared';
import { AgentRuntime, type WorkItem } from './agent.ts';
import {
  AgentBusyError,
  IllegalAgentTransitionError,
  ReasonNotAllowedError,
  UnknownAgentError,
} from './errors.ts';
import type { AgentEvents } from './events.ts';
import { assertPresence, assertWork, type Presence, type WorkState } from './transitions.ts';

export interface AgentRegistryDeps {
  clock: Clock;
  observer: Observer<AgentEvents>;
  log: Logger;
}

export class AgentRegistry {
  private readonly agents = new Map<string, AgentRuntime>();
  private bundle: ConfigBundle | undefined;
  private readonly listeners = new Set<(a: AgentRuntime) => void>();

  constructor(private readonly deps: AgentRegistryDeps) {}

  /** Subscribes to "availability may have changed" (the router keeps its indexes with it). */
  onAvailability(fn: (a: AgentRuntime) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Takes the agents of a newly applied bundle; removed agents are logged out (after their work). */
  applyConfig(bundle: ConfigBundle): void {
    this.bundle = bundle;
    const seen = new Set<string>();
    for (const cfg of bundle.agents) {
      seen.add(cfg.id);
      const a = this.agents.get(cfg.id);
      if (a) {
        a.setConfig(cfg);
        a.removed = false;
      } else this.agents.set(cfg.id, new AgentRuntime(cfg, this.deps.clock.now()));
    }
    for (const a of this.agents.values()) {
      if (seen.has(a.id)) this.changed(a);
      else if (a.work.size > 0) a.removed = true;
      else {
        if (a.presence !== S.LOGGED_OUT) this.setPresence(a, S.LOGGED_OUT, '', Cause.SYSTEM);
        this.agents.delete(a.id);
      }
    }
  }

  get(agentId: string): AgentRuntime {
    const a = this.agents.get(agentId);
    if (!a) throw new UnknownAgentError(agentId);
    return a;
  }

  find(agentId: string): AgentRuntime | undefined {
    return this.agents.get(agentId);
  }

  all(): IterableIterator<AgentRuntime> {
    return this.agents.values();
  }

  /** Desktop login: READY if the agent is configured for auto-ready, else NOT_READY without a reason. */
  login(agentId: string, cause: Cause = Cause.AGENT): void {
    const a = this.get(agentId);
    if (a.presence !== S.LOGGED_OUT) return;
    this.setPresence(a, a.config.autoReadyOnRegister ? S.READY : S.NOT_READY, '', cause);
  }

  /** A device registered: a LOGGED_OUT agent with auto-ready goes straight to READY. */
  deviceRegistered(agentId: string): void {
    const a = this.get(agentId);
    if (a.presence === S.LOGGED_OUT && a.config.autoReadyOnRegister)
      this.setPresence(a, S.READY, '', Cause.DEVICE);
  }

  logout(agentId: string, cause: Cause = Cause.AGENT): void {
    const a = this.get(agentId);
    if (a.work.size > 0) throw new AgentBusyError(`agent ${agentId} still handles interactions`, agentId);
    if (a.presence !== S.LOGGED_OUT) this.setPresence(a, S.LOGGED_OUT, '', cause);
  }

  setReady(agentId: string, cause: Cause = Cause.AGENT): void {
    const a = this.get(agentId);
    if (a.presence !== S.READY) this.setPresence(a, S.READY, '', cause);
  }

  /**
   * NOT_READY with a reason of the bundle (and of the agent's allowed list unless forced by the
   * system). Allowed while handling interactions: it only stops new offers.
   */
  setNotReady(agentId: string, reasonId: string, cause: Cause = Cause.AGENT): void {
    const a = this.get(agentId);
    if (cause === Cause.AGENT || cause === Cause.SUPERVISOR) this.checkReason(a, reasonId);
    this.setPresence(a, S.NOT_READY, reasonId, cause);
  }

  /** The reasons this agent may choose (the bundle's, narrowed by the agent's list). */
  allowedReasons(agentId: string): string[] {
    const a = this.get(agentId);
    const all = (this.bundle?.notReadyReasons ?? []).map((r) => r.id);
    const own = a.config.allowedNotReadyReasonIds;
    return own.length ? all.filter((r) => own.includes(r)) : all;
  }

  // --- work items (driven by the router) ---

  reserve(agentId: string, w: Omit<WorkItem, 'state' | 'since'>): void {
    const a = this.get(agentId);
    assertWork(agentId, 'free', S.RESERVED);
    // Only a READY agent with free capacity on the channel can be reserved.
    if (!a.isAvailable(w.channel))
      throw new IllegalAgentTransitionError(agentId, a.displayState(w.channel), S.RESERVED);
    const item: WorkItem = { ...w, state: S.RESERVED, since: this.deps.clock.now() };
    a.work.set(w.interactionId, item);
    this.emitWork(a, item, S.READY, S.RESERVED, Cause.ROUTING);
    this.changed(a);
  }

  ringing(agentId: string, interactionId: string): void {
    this.move(agentId, interactionId, S.RINGING, Cause.ROUTING);
  }

  answered(agentId: string, interactionId: string): void {
    this.move(agentId, interactionId, S.ON_CALL, Cause.ROUTING);
  }

  /**
   * Ends a work item that was not answered (or lost a ring-all, or the caller left). With a reason,
   * the agent goes NOT_READY (ring-no-answer, unreachable device).
   */
  release(agentId: string, interactionId: string, opts: { cause: Cause; notReadyReasonId?: string }): void {
    const a = this.get(agentId);
    const w = a.work.get(interactionId);
    if (!w) return;
    assertWork(agentId, w.state, 'free');
    a.work.delete(interactionId);
    if (opts.notReadyReasonId !== undefined && a.presence !== S.LOGGED_OUT) {
      a.presence = S.NOT_READY;
      a.reasonId = opts.notReadyReasonId;
    }
    this.emitWork(a, w, w.state, a.presence, opts.cause, a.presence === S.NOT_READY ? a.reasonId : '');
    this.finished(a);
  }

  /** The interaction ended for the agent: wrap-up for `wrapUpMs`, or free at once. */
  endInteraction(agentId: string, interactionId: string, wrapUpMs: number): void {
    const a = this.get(agentId);
    const w = a.work.get(interactionId);
    if (!w) return;
    if (wrapUpMs <= 0 || w.state !== S.ON_CALL) {
      this.release(agentId, interactionId, { cause: Cause.ROUTING });
      return;
    }
    this.move(agentId, interactionId, S.WRAP_UP, Cause.ROUTING);
    w.wrapTimer = this.deps.clock.setTimeout(() => this.finishWrapUp(agentId, interactionId), wrapUpMs);
  }

  /** Wrap-up over (timer, or the agent pressed "done"). */
  finishWrapUp(agentId: string, interactionId: string): void {
    const a = this.find(agentId);
    const w = a?.work.get(interactionId);
    if (!a || !w || w.state !== S.WRAP_UP) return;
    this.deps.clock.clearTimeout(w.wrapTimer);
    this.release(agentId, interactionId, { cause: Cause.ROUTING });
  }

  private move(agentId: string, interactionId: string, to: WorkState, cause: Cause): void {
    const a = this.get(agentId);
    const w = a.work.get(interactionId);
    if (!w) throw new AgentBusyError(`agent ${agentId} has no interaction ${interactionId}`, agentId);
    assertWork(agentId, w.state, to);
    const from = w.state;
    w.state = to;
    w.since = this.deps.clock.now();
    this.emitWork(a, w, from, to, cause);
  }

  private finished(a: AgentRuntime): void {
    a.idleSince = this.deps.clock.now();
    if (a.removed && a.work.size === 0) {
      if (a.presence !== S.LOGGED_OUT) this.setPresence(a, S.LOGGED_OUT, '', Cause.SYSTEM);
      this.agents.delete(a.id);
      return;
    }
    this.changed(a);
  }

  private checkReason(a: AgentRuntime, reasonId: string): void {
    if (!this.allowedReasons(a.id).includes(reasonId)) throw new ReasonNotAllowedError(a.id, reasonId);
  }

  private setPresence(a: AgentRuntime, to: Presence, reasonId: string, cause: Cause): void {
    assertPresence(a.id, a.presence, to);
    const from = a.presence;
    a.presence = to;
    a.reasonId = to === S.NOT_READY ? reasonId : '';
    if (to === S.READY) a.idleSince = this.deps.clock.now();
    this.deps.log.info({ agent: a.id, from: S[from], to: S[to], reason: a.reasonId }, 'agent state');
    this.deps.observer.emit('agentStateChanged', {
      agentId: a.id,
      fromState: from,
      toState: to,
      cause,
      notReadyReasonId: a.reasonId,
      channel: Channel.UNSPECIFIED,
      interactionId: '',
      configVersion: this.bundle?.version ?? 0n,
    });
    this.changed(a);
  }

  private emitWork(a: AgentRuntime, w: WorkItem, from: S, to: S, cause: Cause, reason = ''): void {
    this.deps.observer.emit('agentStateChanged', {
      agentId: a.id,
      fromState: from,
      toState: to,
      cause,
      notReadyReasonId: reason,
      channel: w.channel,
      interactionId: w.interactionId,
      configVersion: w.configVersion,
    });
  }

  private changed(a: AgentRuntime): void {
    for (const fn of this.listeners) fn(a);
  }
}
