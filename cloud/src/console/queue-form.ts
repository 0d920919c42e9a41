import { QueueSchema } from '@hcc/proto';
import { html } from 'hono/html';
import {
  checkbox,
  enumLabel,
  enumNames,
  type FormReader,
  input,
  type Obj,
  type Problems,
  row,
  rowIndexes,
  select,
} from './fields.ts';
import type { Html } from './layout.ts';

const CHANNELS = enumNames(QueueSchema, 'channels');
const STRATEGIES = enumNames(QueueSchema, 'strategy');
const OVERFLOW = [
  ['', 'none (hang up)'],
  ['queueId', 'queue'],
  ['mailboxId', 'mailbox'],
  ['flowNode', 'IVR flow node (flow/node)'],
] as const;

function overflowOf(q: Obj): [string, string] {
  const o = (q.overflow ?? {}) as Obj;
  if (typeof o.queueId === 'string') return ['queueId', o.queueId];
  if (typeof o.mailboxId === 'string') return ['mailboxId', o.mailboxId];
  const f = o.flowNode as Obj | undefined;
  if (f) return ['flowNode', `${f.flowId ?? ''}/${f.nodeId ?? ''}`];
  return ['', ''];
}

/** The queue form: routing, limits, overflow, service level, wrap-up and music on hold. */
export function queueForm(q: Obj, errs: Problems): Html {
  const skills = [...((q.requiredSkills ?? []) as Obj[]), {}];
  const chosen = new Set((q.channels ?? []) as string[]);
  const [ovKind, ovTarget] = overflowOf(q);
  return html`${row(input('name', 'Name', q.name, errs, { size: 30 }))}
<fieldset><legend>Channels</legend>${CHANNELS.map((c) => checkbox('channels', enumLabel(c, 'CHANNEL_'), chosen.has(c), c))}${errs.has('channels') ? html` <span class="field-err" role="alert">${errs.get('channels')}</span>` : ''}</fieldset>
<fieldset><legend>Required skills</legend><p class="muted">An agent is eligible only with every skill at or above its minimum level (1-10). Clear a skill id to remove the row.</p>
${skills.map((s, i) => row(input(`requiredSkills[${i}].skillId`, 'Skill id', s.skillId, errs), ' ', input(`requiredSkills[${i}].minLevel`, 'Minimum level', s.minLevel, errs, { type: 'number', size: 4 })))}</fieldset>
<fieldset><legend>Routing</legend>
${row(
  select(
    'strategy',
    'Strategy',
    String(q.strategy ?? STRATEGIES[0]),
    STRATEGIES.map((s) => [s, enumLabel(s, 'ROUTING_STRATEGY_')] as const),
    errs,
  ),
  ' ',
  input('priority', 'Priority', q.priority, errs, {
    type: 'number',
    size: 5,
    hint: 'higher is served first',
  }),
)}
${row(input('ringTimeoutSeconds', 'Ring timeout (s)', q.ringTimeoutSeconds, errs, { type: 'number', size: 5, hint: '0 means 20' }), ' ', input('ringNoAnswerReasonId', 'Not-ready reason on ring-no-answer', q.ringNoAnswerReasonId, errs, { size: 10 }))}</fieldset>
<fieldset><legend>Limits and overflow</legend>
${row(input('maxWaitSeconds', 'Max wait (s)', q.maxWaitSeconds, errs, { type: 'number', size: 6, hint: '0 = no limit' }), ' ', input('maxWaiting', 'Max waiting', q.maxWaiting, errs, { type: 'number', size: 6, hint: '0 = no limit' }))}
${row(select('overflow.kind', 'Overflow to', ovKind, OVERFLOW, errs), ' ', input('overflow.target', 'Overflow target', ovTarget, errs, { size: 20 }))}</fieldset>
<fieldset><legend>Service</legend>
${row(input('serviceLevelSeconds', 'Service level (s)', q.serviceLevelSeconds, errs, { type: 'number', size: 5, hint: 'answered within this wait counts as in service level' }))}
${row(input('wrapUpSeconds', 'Wrap-up (s)', q.wrapUpSeconds, errs, { type: 'number', size: 5 }), ' ', input('musicOnHoldPromptId', 'Music on hold prompt', q.musicOnHoldPromptId, errs))}</fieldset>`;
}

/** Reads the queue form over `base` (fields without an input, e.g. announcements, are kept). */
export function parseQueueForm(r: FormReader, form: Record<string, unknown>, base: Obj): Obj {
  const q: Obj = { ...base, name: r.text('name') };
  q.channels = r.all('channels').filter((c) => CHANNELS.includes(c));
  if (q.channels.length === 0) r.fail('channels', 'choose at least one channel');
  q.requiredSkills = rowIndexes(form, 'requiredSkills').flatMap((i) => {
    const skillId = r.text(`requiredSkills[${i}].skillId`);
    const minLevel = r.int(`requiredSkills[${i}].minLevel`, 1, 10);
    if (!skillId) return [];
    if (minLevel === undefined && !r.problems.some((p) => p.field === `requiredSkills[${i}].minLevel`))
      r.fail(`requiredSkills[${i}].minLevel`, 'required (1-10)');
    return [{ skillId, minLevel: minLevel ?? 0 }];
  });
  const strategy = r.text('strategy');
  if (!STRATEGIES.includes(strategy)) r.fail('strategy', 'choose a strategy');
  q.strategy = strategy;
  for (const f of [
    'ringTimeoutSeconds',
    'maxWaitSeconds',
    'maxWaiting',
    'serviceLevelSeconds',
    'wrapUpSeconds',
  ])
    q[f] = r.int(f, 0, 86_400) ?? 0;
  q.priority = r.int('priority', -1000, 1000) ?? 0;
  q.musicOnHoldPromptId = r.text('musicOnHoldPromptId');
  q.ringNoAnswerReasonId = r.text('ringNoAnswerReasonId');
  const kind = r.text('overflow.kind');
  const target = r.text('overflow.target');
  delete q.overflow;
  if (kind && !target) r.fail('overflow.target', 'name the overflow target');
  else if (kind === 'queueId' || kind === 'mailboxId') q.overflow = { [kind]: target };
  else if (kind === 'flowNode') {
    const [flowId, nodeId] = target.split('/').map((s) => s.trim());
    if (!flowId || !nodeId) r.fail('overflow.target', 'write the flow node as flow-id/node-id');
    else q.overflow = { flowNode: { flowId, nodeId } };
  }
  return q;
}
