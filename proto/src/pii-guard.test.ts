// Guards the hard rule of the events contract: nothing that leaves a site may carry a phone
// number, a person's name or free text. Adding a string or bytes field to anything reachable
// from Event fails this test until the field is added to IDENTIFIER_FIELDS below, which is a
// deliberate, reviewed decision ("is this really an identifier?").
import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { EventSchema } from './index.ts';

type IdentifierKind = 'uuid' | 'config-id' | 'pseudonym' | 'dtmf-key' | 'semver' | 'id-path' | 'node-id';

/** Every string/bytes field reachable from Event, by full name, with what it may hold. */
const IDENTIFIER_FIELDS: ReadonlyMap<string, IdentifierKind> = new Map<string, IdentifierKind>([
  ['hcc.events.v1.Event.event_id', 'uuid'],
  ['hcc.events.v1.Event.tenant_id', 'config-id'],
  ['hcc.events.v1.Event.site_id', 'config-id'],
  ['hcc.events.v1.InteractionEvent.interaction_id', 'uuid'],
  ['hcc.events.v1.InteractionOffered.did_id', 'config-id'],
  ['hcc.events.v1.InteractionOffered.trunk_id', 'config-id'],
  ['hcc.events.v1.TrunkStatusChanged.trunk_id', 'config-id'],
  ['hcc.events.v1.TrunkHealth.trunk_id', 'config-id'],
  ['hcc.events.v1.InteractionOffered.caller_pseudonym', 'pseudonym'],
  ['hcc.events.v1.IvrChoice.flow_id', 'config-id'],
  ['hcc.events.v1.IvrChoice.node_id', 'config-id'],
  ['hcc.events.v1.IvrChoice.choice_key', 'dtmf-key'],
  ['hcc.events.v1.Queued.queue_id', 'config-id'],
  ['hcc.events.v1.Queued.overflow_from_queue_id', 'config-id'],
  ['hcc.events.v1.AgentRinging.agent_id', 'config-id'],
  ['hcc.events.v1.AgentRinging.queue_id', 'config-id'],
  ['hcc.events.v1.Answered.agent_id', 'config-id'],
  ['hcc.events.v1.Answered.queue_id', 'config-id'],
  ['hcc.events.v1.Held.agent_id', 'config-id'],
  ['hcc.events.v1.Resumed.agent_id', 'config-id'],
  ['hcc.events.v1.Transferred.from_agent_id', 'config-id'],
  ['hcc.events.v1.Transferred.agent_id', 'config-id'],
  ['hcc.events.v1.Transferred.queue_id', 'config-id'],
  ['hcc.events.v1.Abandoned.flow_id', 'config-id'],
  ['hcc.events.v1.Abandoned.node_id', 'config-id'],
  ['hcc.events.v1.Abandoned.queue_id', 'config-id'],
  ['hcc.events.v1.Abandoned.agent_id', 'config-id'],
  ['hcc.events.v1.Ended.queue_id', 'config-id'],
  ['hcc.events.v1.Ended.agent_id', 'config-id'],
  ['hcc.events.v1.AgentStateChanged.agent_id', 'config-id'],
  ['hcc.events.v1.AgentStateChanged.not_ready_reason_id', 'config-id'],
  ['hcc.events.v1.AgentStateChanged.interaction_id', 'uuid'],
  ['hcc.events.v1.QueueSnapshot.queue_id', 'config-id'],
  ['hcc.events.v1.EdgeHeartbeat.node_id', 'node-id'],
  ['hcc.events.v1.EdgeHeartbeat.version', 'semver'],
  ['hcc.events.v1.ConfigRejected.detail', 'id-path'],
  ['hcc.events.v1.DialLimitHit.agent_id', 'config-id'],
  ['hcc.events.v1.DialLimitHit.trunk_id', 'config-id'],
  ['hcc.events.v1.DialLimitHit.interaction_id', 'uuid'],
]);

/** Only these identifier kinds may be bytes. */
const BYTES_KINDS: ReadonlySet<IdentifierKind> = new Set(['pseudonym']);

/**
 * Field names that suggest personal data or free text, refused whatever their type (a phone
 * number fits in a uint64 too).
 */
const SUSPICIOUS_NAME =
  /(^|_)(phone|number|msisdn|ani|dnis|e164|cli|name|email|address|uri|url|host|ip|note|notes|text|comment|comments|transcript|message|description|digits|dtmf|payload)(_|$)/;

interface Reached {
  field: DescField;
  /** The scalar type the field carries (directly, in a list, or as a map key or value). */
  scalars: ScalarType[];
}

/** Every field of every message reachable from `root`, each message visited once. */
function reachableFields(root: DescMessage): Reached[] {
  const seen = new Set<string>();
  const out: Reached[] = [];
  const visit = (message: DescMessage): void => {
    if (seen.has(message.typeName)) return;
    seen.add(message.typeName);
    for (const field of message.fields) {
      const scalars: ScalarType[] = [];
      switch (field.fieldKind) {
        case 'scalar':
          scalars.push(field.scalar);
          break;
        case 'message':
          visit(field.message);
          break;
        case 'list':
          if (field.listKind === 'scalar') scalars.push(field.scalar);
          if (field.listKind === 'message') visit(field.message);
          break;
        case 'map':
          scalars.push(field.mapKey);
          if (field.mapKind === 'scalar') scalars.push(field.scalar);
          if (field.mapKind === 'message') visit(field.message);
          break;
        case 'enum':
          break;
      }
      out.push({ field, scalars });
    }
  };
  visit(root);
  return out;
}

const isText = (scalar: ScalarType) => scalar === ScalarType.STRING || scalar === ScalarType.BYTES;
const fullName = (field: DescField) => `${field.parent.typeName}.${field.name}`;

describe('PII guard: everything reachable from Event', () => {
  const fields = reachableFields(EventSchema);

  it('walks the whole event tree', () => {
    const messages = new Set(fields.map(({ field }) => field.parent.typeName));
    expect(messages).toContain('hcc.events.v1.Ended');
    expect(messages).toContain('hcc.events.v1.EdgeHeartbeat');
    expect(messages).toContain('google.protobuf.Timestamp');
  });

  it('has no string or bytes field outside the identifier allow-list', () => {
    const offenders = fields
      .filter(({ field, scalars }) => scalars.some(isText) && !IDENTIFIER_FIELDS.has(fullName(field)))
      .map(({ field }) => fullName(field));
    expect(offenders, 'string/bytes fields must be identifiers; see IDENTIFIER_FIELDS').toEqual([]);
  });

  it('has bytes only where the allow-list says so', () => {
    const offenders = fields
      .filter(({ scalars }) => scalars.includes(ScalarType.BYTES))
      .filter(({ field }) => !BYTES_KINDS.has(IDENTIFIER_FIELDS.get(fullName(field)) ?? 'config-id'))
      .map(({ field }) => fullName(field));
    expect(offenders).toEqual([]);
  });

  it('has no field named like personal data or free text, whatever its type', () => {
    const offenders = fields
      .filter(({ field }) => SUSPICIOUS_NAME.test(field.name))
      .map(({ field }) => fullName(field));
    expect(offenders).toEqual([]);
  });

  it('has no stale allow-list entry', () => {
    const textFields = new Set(
      fields.filter(({ scalars }) => scalars.some(isText)).map(({ field }) => fullName(field)),
    );
    expect([...IDENTIFIER_FIELDS.keys()].filter((name) => !textFields.has(name))).toEqual([]);
  });

  it('catches the fields it exists to catch', () => {
    const probe = (name: string) => SUSPICIOUS_NAME.test(name);
    expect(['caller_number', 'notes', 'agent_name', 'caller_uri', 'dialed_digits'].every(probe)).toBe(true);
    expect(['queue_id', 'caller_pseudonym', 'config_version', 'detail'].some(probe)).toBe(false);
  });
});
