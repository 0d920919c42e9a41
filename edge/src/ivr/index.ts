/** The IVR: runs flows of the config bundle against a call port. */
export { MemoryCustomerDirectory } from './customers.ts';
export { FlowLoopError, FlowReferenceError, IvrError, IvrTaskError, IvrUnsupportedError } from './errors.ts';
export type { IvrEvents, IvrInteractionRef } from './events.ts';
export { checkFlows, findInputlessCycle } from './flow-check.ts';
export { HoursCalendar, type HoursState } from './hours.ts';
export { type FlowRun, type IvrDeps, IvrInterpreter } from './interpreter.ts';
export type {
  CallerAttributes,
  CallerIdentity,
  CustomerLookup,
  IvrCallPort,
  IvrOutcome,
  PromptRef,
  TransferTarget,
} from './ports.ts';
export { resolvePrompt } from './prompts.ts';
export { TASKS, type TaskRegistry } from './tasks/index.ts';
export { leaveVoicemail } from './tasks/voicemail.ts';
