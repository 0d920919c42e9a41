import type { DescMessage } from '@bufbuild/protobuf';
import {
  AgentSchema,
  BusinessHoursSchema,
  type ConfigBundle,
  DidSchema,
  FlowSchema,
  MailboxSchema,
  NotReadyReasonSchema,
  PromptSchema,
  QueueSchema,
  SkillSchema,
  TrunkSchema,
} from '@hcc/proto';

/**
 * The kinds of entity a site's draft holds: the URL segment of the API, the proto message of its
 * JSON body and the bundle field it compiles into. Business hours carry their holidays.
 */
export interface EntityKind {
  /** URL segment and stored kind, e.g. `flows`. */
  readonly kind: string;
  readonly label: string;
  readonly schema: DescMessage;
  readonly field: keyof Pick<
    ConfigBundle,
    | 'trunks'
    | 'dids'
    | 'flows'
    | 'prompts'
    | 'queues'
    | 'skills'
    | 'agents'
    | 'businessHours'
    | 'mailboxes'
    | 'notReadyReasons'
  >;
  /** Roles below ops may edit only these kinds (a supervisor manages agents and queues). */
  readonly supervisorEditable: boolean;
}

export const ENTITY_KINDS: readonly EntityKind[] = [
  { kind: 'trunks', label: 'Trunk', schema: TrunkSchema, field: 'trunks', supervisorEditable: false },
  { kind: 'dids', label: 'DID', schema: DidSchema, field: 'dids', supervisorEditable: false },
  { kind: 'flows', label: 'IVR flow', schema: FlowSchema, field: 'flows', supervisorEditable: false },
  { kind: 'prompts', label: 'Prompt', schema: PromptSchema, field: 'prompts', supervisorEditable: false },
  { kind: 'queues', label: 'Queue', schema: QueueSchema, field: 'queues', supervisorEditable: true },
  { kind: 'skills', label: 'Skill', schema: SkillSchema, field: 'skills', supervisorEditable: true },
  { kind: 'agents', label: 'Agent', schema: AgentSchema, field: 'agents', supervisorEditable: true },
  {
    kind: 'hours',
    label: 'Business hours and holidays',
    schema: BusinessHoursSchema,
    field: 'businessHours',
    supervisorEditable: false,
  },
  {
    kind: 'mailboxes',
    label: 'Mailbox',
    schema: MailboxSchema,
    field: 'mailboxes',
    supervisorEditable: false,
  },
  {
    kind: 'not-ready-reasons',
    label: 'Not-ready reason',
    schema: NotReadyReasonSchema,
    field: 'notReadyReasons',
    supervisorEditable: true,
  },
];

const byKind = new Map(ENTITY_KINDS.map((k) => [k.kind, k]));

export function entityKind(kind: string): EntityKind | undefined {
  return byKind.get(kind);
}

/** Entity ids as bundle.proto defines them. */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
