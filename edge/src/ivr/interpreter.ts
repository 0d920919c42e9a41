/**
 * Runs one IVR flow of a bundle for one interaction, from its entry node (or a given node, for a
 * queue overflowing into a flow) until a terminal node hands the interaction over. The bundle is
 * the one the interaction started with; it never changes under a running flow.
 */
import type { ConfigBundle, Node } from '@hcc/proto';
import { HangupCause } from '@hcc/proto';
import type { Clock, Logger, Observer } from '@hcc/shared';
import { FlowLoopError, FlowReferenceError, IvrTaskError, isAbort } from './errors.ts';
import type { IvrEvents, IvrInteractionRef } from './events.ts';
import type { HoursCalendar } from './hours.ts';
import type { CallerAttributes, CallerIdentity, CustomerLookup, IvrCallPort, IvrOutcome } from './ports.ts';
import { resolvePrompt } from './prompts.ts';
import type { NodeKind, TaskContext, TaskResult } from './task.ts';
import { TASKS, type TaskRegistry } from './tasks/index.ts';

/** Long-lived collaborators, built once by the composition root. */
export interface IvrDeps {
  clock: Clock;
  calendar: HoursCalendar;
  customers: CustomerLookup;
  observer: Observer<IvrEvents>;
  /** Overridable for tests; defaults to the registry of tasks/. */
  tasks?: TaskRegistry;
  /** Steps without an outcome before the run is failed (guards against a cycle). Default 500. */
  maxSteps?: number;
}

export interface FlowRun {
  bundle: ConfigBundle;
  flowId: string;
  /** Start here instead of the entry node (overflow to a flow node). */
  startNodeId?: string;
  call: IvrCallPort;
  caller: CallerIdentity;
  /** Aborted when the caller hangs up or the call session cancels the flow. */
  signal: AbortSignal;
  /** The interaction's child logger (interaction id, site); never given the caller's number. */
  log: Logger;
  vars?: Map<string, string>;
}

export class IvrInterpreter {
  private readonly tasks: TaskRegistry;
  constructor(private readonly deps: IvrDeps) {
    this.tasks = deps.tasks ?? TASKS;
  }

  async run(r: FlowRun): Promise<IvrOutcome> {
    const flow = r.bundle.flows.find((f) => f.id === r.flowId);
    if (!flow) throw new FlowReferenceError('flow not found', `flows.${r.flowId}`);
    const nodes = new Map<string, Node>(flow.nodes.map((n) => [n.id, n]));
    const ref: IvrInteractionRef = {
      interactionId: r.call.interactionId,
      channel: r.call.channel,
      configVersion: r.bundle.version,
    };
    const log = r.log.child({ module: 'ivr', flow: flow.id });
    const vars = r.vars ?? new Map<string, string>();
    const language = () => vars.get('language') || r.bundle.site?.locale || '';
    let attrs: Promise<CallerAttributes> | undefined;
    const callerAttributes = () => {
      const n = r.caller.number;
      attrs ??= n ? this.deps.customers.attributes(n, { signal: r.signal }) : Promise.resolve({});
      return attrs;
    };
    let priority: number | undefined;
    let nodeId = r.startNodeId ?? flow.entryNodeId;
    const finish = (outcome: IvrOutcome): IvrOutcome => {
      this.deps.observer.emit('flowEnded', { ...ref, flowId: flow.id, nodeId, outcome: outcome.kind });
      log.info({ node: nodeId, outcome: outcome.kind }, 'flow ended');
      return outcome;
    };
    const maxSteps = this.deps.maxSteps ?? 500;
    for (let steps = 0; ; steps++) {
      if (r.signal.aborted) return finish({ kind: 'abandoned', flowId: flow.id, nodeId });
      if (!nodeId) return finish({ kind: 'hangup', cause: HangupCause.NORMAL });
      if (steps >= maxSteps) throw new FlowLoopError('flow exceeded its step limit', `${flow.id}/${nodeId}`);
      const node = nodes.get(nodeId);
      const kind = node?.kind.case;
      if (!node || !kind) throw new FlowReferenceError('node not found', `${flow.id}/${nodeId}`);
      this.deps.observer.emit('nodeEntered', { ...ref, flowId: flow.id, nodeId, kind });
      const ctx: TaskContext = {
        bundle: r.bundle,
        flow,
        nodeId,
        call: r.call,
        signal: r.signal,
        log,
        clock: this.deps.clock,
        calendar: this.deps.calendar,
        observer: this.deps.observer,
        ref,
        vars,
        get priority() {
          return priority;
        },
        set priority(p) {
          priority = p;
        },
        callerAttributes,
        play: (promptId, bargeIn) =>
          r.call.play(resolvePrompt(r.bundle, promptId, language()), { signal: r.signal, bargeIn }),
      };
      let result: TaskResult;
      try {
        result = await this.exec(kind, node, ctx);
      } catch (err) {
        if (isAbort(err, r.signal)) return finish({ kind: 'abandoned', flowId: flow.id, nodeId });
        if (err instanceof FlowReferenceError || err instanceof IvrTaskError) throw err;
        throw new IvrTaskError(`node ${kind} failed`, `${flow.id}/${nodeId}`, { cause: err });
      }
      if ('outcome' in result) return finish(result.outcome);
      nodeId = result.next;
    }
  }

  private exec<K extends NodeKind>(kind: K, node: Node, ctx: TaskContext) {
    const task = this.tasks[kind];
    // The registry is keyed by the oneof case, so the value matches the task's node type.
    return task.exec(node.kind.value as Parameters<typeof task.exec>[0], ctx);
  }
}
