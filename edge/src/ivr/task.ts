/**
 * The contract of one IVR task (one per node kind, in tasks/): what it needs from the call, and
 * `exec`, which runs one node and names the next node or ends the flow with an outcome. Tasks
 * cancel cooperatively: every wait goes through a port that honours `ctx.signal`.
 */
import type { ConfigBundle, Flow, Node } from '@hcc/proto';
import type { Clock, Logger, Observer } from '@hcc/shared';
import type { IvrEvents, IvrInteractionRef } from './events.ts';
import type { HoursCalendar } from './hours.ts';
import type { CallerAttributes, IvrCallPort, IvrOutcome } from './ports.ts';

export type NodeKind = Exclude<Node['kind']['case'], undefined>;
export type NodeOf<K extends NodeKind> = Extract<Node['kind'], { case: K }>['value'];

/**
 * What a task uses. `caller-input` marks a task that waits for the caller (a cycle through it is
 * a legitimate retry loop); the flow checker relies on it.
 */
export type TaskNeed = 'media' | 'caller-input' | 'recorder' | 'customer-data' | 'clock';

export type TaskResult = { next: string } | { outcome: IvrOutcome };

export interface TaskContext {
  readonly bundle: ConfigBundle;
  readonly flow: Flow;
  readonly nodeId: string;
  readonly call: IvrCallPort;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly clock: Clock;
  readonly calendar: HoursCalendar;
  readonly observer: Observer<IvrEvents>;
  readonly ref: IvrInteractionRef;
  /** Flow variables of this interaction ("language" selects prompt variants). */
  readonly vars: Map<string, string>;
  /** Routing priority set by SetVariable; undefined until set. */
  priority: number | undefined;
  /** Caller attributes from the customer data, looked up once per run. */
  callerAttributes(): Promise<CallerAttributes>;
  /** Plays a prompt by id in the interaction's language. */
  play(promptId: string, bargeIn: boolean): Promise<void>;
}

export interface IvrTask<K extends NodeKind> {
  readonly kind: K;
  readonly needs: readonly TaskNeed[];
  exec(node: NodeOf<K>, ctx: TaskContext): Promise<TaskResult>;
}

/** An empty node id means "hang up normally" (proto Flow). */
export const next = (nodeId: string): TaskResult => ({ next: nodeId });
