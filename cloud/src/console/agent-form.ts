import { html } from 'hono/html';
import {
  checkbox,
  type FormReader,
  input,
  type Obj,
  type Problems,
  row,
  rowIndexes,
  select,
} from './fields.ts';
import type { Html } from './layout.ts';

const DEVICE_KINDS = [
  ['sip', 'SIP phone (registers)'],
  ['browser', 'Agent desktop (browser)'],
  ['staticContact', 'Fixed SIP URI'],
] as const;

/** The two text parameters of each device kind: [json name, label]. */
const DEVICE_PARAMS: Record<string, readonly (readonly [string, string])[]> = {
  sip: [
    ['authUsername', 'Auth user'],
    ['passwordHashRef', 'Password hash ref'],
  ],
  browser: [],
  staticContact: [
    ['uri', 'SIP URI'],
    ['trunkId', 'Trunk'],
  ],
};

function deviceRow(d: Obj, i: number, errs: Problems): Html {
  const kind = DEVICE_KINDS.map(([k]) => k).find((k) => d[k] !== undefined) ?? 'sip';
  const params = (d[kind] ?? {}) as Obj;
  const p = `devices[${i}]`;
  return row(
    input(`${p}.id`, 'Device id', d.id, errs, { size: 10 }),
    ' ',
    select(`${p}.kind`, 'Kind', kind, DEVICE_KINDS, errs),
    ' ',
    html`${['p1', 'p2'].map((slot, j) => {
      const [name, label] = DEVICE_PARAMS[kind]![j] ?? ['', `Parameter ${j + 1}`];
      return html`${input(`${p}.${slot}`, label, name ? params[name] : '', errs, { size: 18 })} `;
    })}`,
  );
}

/** The agent form: extension, name, skills with levels, devices, auto-ready. */
export function agentForm(a: Obj, errs: Problems): Html {
  const skills = [...((a.skills ?? []) as Obj[]), {}];
  const devices = [...((a.devices ?? []) as Obj[]), {}];
  return html`${row(input('extension', 'Extension', a.extension, errs, { size: 8 }), ' ', input('displayName', 'Display name', a.displayName, errs, { size: 30 }))}
<fieldset><legend>Skills</legend><p class="muted">Level 1-10; clear a skill id to remove the row.</p>
${skills.map((s, i) => row(input(`skills[${i}].skillId`, 'Skill id', s.skillId, errs), ' ', input(`skills[${i}].level`, 'Level', s.level, errs, { type: 'number', size: 4 })))}</fieldset>
<fieldset><legend>Devices</legend><p class="muted">All devices ring together. SIP phone: auth user and password hash ref; fixed SIP URI: URI and trunk (optional). Clear a device id to remove it.</p>
${devices.map((d, i) => deviceRow(d, i, errs))}</fieldset>
${row(checkbox('autoReadyOnRegister', 'Ready as soon as a device registers or the desktop logs in', a.autoReadyOnRegister === true))}`;
}

/** Reads the agent form over `base` (capacities and allowed reasons are kept). */
export function parseAgentForm(r: FormReader, form: Record<string, unknown>, base: Obj): Obj {
  const a: Obj = { ...base, extension: r.text('extension'), displayName: r.text('displayName') };
  if (!/^\d{2,8}$/.test(a.extension as string)) r.fail('extension', 'must be 2-8 digits');
  a.skills = rowIndexes(form, 'skills').flatMap((i) => {
    const skillId = r.text(`skills[${i}].skillId`);
    const level = r.int(`skills[${i}].level`, 1, 10);
    if (!skillId) return [];
    if (level === undefined && !r.problems.some((p) => p.field === `skills[${i}].level`))
      r.fail(`skills[${i}].level`, 'required (1-10)');
    return [{ skillId, level: level ?? 0 }];
  });
  const ids = new Set<string>();
  a.devices = rowIndexes(form, 'devices').flatMap((i) => {
    const p = `devices[${i}]`;
    const id = r.text(`${p}.id`);
    if (!id) return [];
    if (ids.has(id)) r.fail(`${p}.id`, 'device ids must be unique within the agent');
    ids.add(id);
    const kind = r.text(`${p}.kind`);
    const spec = DEVICE_PARAMS[kind];
    if (!spec) {
      r.fail(`${p}.kind`, 'choose a device kind');
      return [];
    }
    const params: Obj = {};
    spec.forEach(([name], j) => {
      const v = r.text(`${p}.p${j + 1}`);
      if (v) params[name] = v;
    });
    if (kind === 'sip' && !params.authUsername) r.fail(`${p}.p1`, 'a SIP phone needs its auth user');
    if (kind === 'staticContact' && !/^sips?:/.test(String(params.uri ?? '')))
      r.fail(`${p}.p1`, 'must be a sip: or sips: URI');
    return [{ id, [kind]: params }];
  });
  a.autoReadyOnRegister = r.has('autoReadyOnRegister');
  return a;
}
