/** Typed IVR events, shaped like the proto's InteractionEvent bodies (ids and enums only, never PII). */
import type { Channel, IvrChoiceOutcome } from '@hcc/proto';
import type { IvrOutcome } from './ports.ts';

export interface IvrInteractionRef {
  interactionId: string;
  channel: Channel;
  /** The bundle version the interaction runs with. */
  configVersion: bigint;
}

export interface IvrEvents {
  /** hcc.events.v1.IvrChoice: only configured keys are reported, never what else was typed. */
  ivrChoice: IvrInteractionRef & {
    flowId: string;
    nodeId: string;
    outcome: IvrChoiceOutcome;
    choiceKey: string;
    attempt: number;
  };
  /** Local monitoring only (not a proto event): the interpreter entered a node. */
  nodeEntered: IvrInteractionRef & { flowId: string; nodeId: string; kind: string };
  /** Local monitoring only: the run ended. `outcome` never carries PII except an external number. */
  flowEnded: IvrInteractionRef & { flowId: string; nodeId: string; outcome: IvrOutcome['kind'] };
}
