/** One agent's live state: presence, work items per interaction, idle time. Mutated only by AgentRegistry. */
import { type Agent, AgentState, Channel } from '@hcc/proto';
import type { TimerHandle } from '@hcc/shared';
import type { Presence, WorkState } from './transitions.ts';

export interface WorkItem {
  interactionId: string;
  channel: Channel;
  state: WorkState;
  queueId: string;
  configVersion: bigint;
  since: number;
  wrapTimer?: TimerHandle;
}

export class AgentRuntime {
  presence: Presence = AgentState.LOGGED_OUT;
  reasonId = '';
  readonly work = new Map<string, WorkItem>();
  /** When the agent last became free (ready, or finished an interaction): longest-idle orders by it. */
  idleSince: number;
  /** Removed from the config while busy: logged out when the last item ends. */
  removed = false;
  /** The agent's device answered busy: the ACD offers it nothing before this time (ms). */
  busyUntil = 0;
  private readonly caps = new Map<Channel, number>();

  constructor(
    public config: Agent,
    now: number,
  ) {
    this.idleSince = now;
    this.setConfig(config);
  }

  get id(): string {
    return this.config.id;
  }

  setConfig(config: Agent): void {
    this.config = config;
    this.caps.clear();
    for (const c of config.capacities) this.caps.set(c.channel, c.maxConcurrent);
  }

  capacity(channel: Channel): number {
    return this.caps.get(channel) ?? 0;
  }

  load(channel: Channel): number {
    if (this.work.size === 0) return 0; // the common case: the ACD asks every idle agent per routed call
    let n = 0;
    for (const w of this.work.values()) if (w.channel === channel) n++;
    return n;
  }

  /** Ready and below capacity on this channel. */
  isAvailable(channel: Channel): boolean {
    return this.presence === AgentState.READY && !this.removed && this.load(channel) < this.capacity(channel);
  }

  /**
   * The state a desktop or wallboard shows: the most advanced work state (on the channel, if
   * given), else the presence.
   */
  displayState(channel?: Channel): AgentState {
    const order = [AgentState.ON_CALL, AgentState.RINGING, AgentState.RESERVED, AgentState.WRAP_UP];
    let best: AgentState | undefined;
    for (const w of this.work.values()) {
      if (channel !== undefined && channel !== Channel.UNSPECIFIED && w.channel !== channel) continue;
      if (best === undefined || order.indexOf(w.state) < order.indexOf(best)) best = w.state;
    }
    return best ?? this.presence;
  }
}
