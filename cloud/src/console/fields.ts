import type { DescMessage, JsonValue } from '@bufbuild/protobuf';
import { html } from 'hono/html';
import type { FieldProblem } from '../api/proto-json.ts';
import type { Html } from './layout.ts';

/**
 * Building blocks of the structured entity forms. Every input is named by the proto JSON path of
 * its value (`requiredSkills[0].minLevel`), the same path the API names in a `{field, problem}`
 * list, so a problem is shown next to the input it belongs to.
 */
export type Obj = Record<string, JsonValue>;

/** Problems by field path, and (after a rejected save) what was submitted, shown back as typed. */
export class Problems extends Map<string, string> {
  constructor(
    ps: readonly FieldProblem[] = [],
    readonly submitted?: Record<string, string | string[]>,
  ) {
    super();
    for (const p of ps) if (!this.has(p.field)) this.set(p.field, p.problem);
  }
}

const idOf = (path: string) => `f-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function errorOf(path: string, errs: Problems): Html | string {
  const e = errs.get(path);
  return e ? html` <span class="field-err" id="${idOf(path)}-err" role="alert">${e}</span>` : '';
}

const described = (path: string, errs: Problems) => (errs.has(path) ? `${idOf(path)}-err` : undefined);

/** A labelled text or number input with its problem beside it. */
export function input(
  path: string,
  label: string,
  value: JsonValue | undefined,
  errs: Problems,
  o: { type?: 'text' | 'number' | 'time' | 'date'; size?: number; hint?: string } = {},
): Html {
  const typed = errs.submitted?.[path];
  const v =
    typed !== undefined
      ? String(Array.isArray(typed) ? (typed[0] ?? '') : typed)
      : value === undefined || value === null
        ? ''
        : String(value);
  return html`<label for="${idOf(path)}">${label}</label> <input id="${idOf(path)}" name="${path}" type="${o.type ?? 'text'}" value="${v}" size="${o.size ?? 14}" ${o.type === 'number' ? html`step="1"` : ''} aria-invalid="${errs.has(path) ? 'true' : 'false'}" aria-describedby="${described(path, errs) ?? ''}">${o.hint ? html` <span class="muted">${o.hint}</span>` : ''}${errorOf(path, errs)}`;
}

/** A labelled select of `options` ([value, text]). */
export function select(
  path: string,
  label: string,
  value: string,
  options: readonly (readonly [string, string])[],
  errs: Problems,
): Html {
  return html`<label for="${idOf(path)}">${label}</label> <select id="${idOf(path)}" name="${path}" aria-invalid="${errs.has(path) ? 'true' : 'false'}">${options.map(([v, t]) => html`<option value="${v}" ${v === value ? 'selected' : ''}>${t}</option>`)}</select>${errorOf(path, errs)}`;
}

export function checkbox(path: string, label: string, checked: boolean, value = 'on'): Html {
  return html`<label><input type="checkbox" name="${path}" value="${value}" ${checked ? 'checked' : ''}> ${label}</label>`;
}

/** A paragraph of fields. */
export const row = (...parts: (Html | string)[]): Html => html`<p class="field">${parts}</p>`;

/** Enum value names of a field (proto JSON form), without the `_UNSPECIFIED` zero value. */
export function enumNames(desc: DescMessage, jsonName: string): string[] {
  const f = desc.fields.find((x) => x.jsonName === jsonName);
  const e =
    f && (f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum')) ? f.enum : undefined;
  return (e?.values ?? []).map((v) => v.name).filter((n) => !n.endsWith('_UNSPECIFIED'));
}

/** `ROUTING_STRATEGY_LONGEST_IDLE` -> `longest idle` for a human label. */
export const enumLabel = (name: string, prefix: string) =>
  name.slice(prefix.length).toLowerCase().replaceAll('_', ' ');

/** Reads submitted values, collecting `{field, problem}` for what does not parse. */
export class FormReader {
  readonly problems: FieldProblem[] = [];
  constructor(private readonly form: Record<string, string | string[]>) {}

  all(path: string): string[] {
    const v = this.form[path];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
  text(path: string): string {
    return (this.all(path)[0] ?? '').trim();
  }
  has(path: string): boolean {
    return this.form[path] !== undefined;
  }
  /** A whole number in [min, max]; empty gives `undefined` (proto default 0). */
  int(path: string, min = 0, max = 2 ** 31 - 1): number | undefined {
    const raw = this.text(path);
    if (raw === '') return undefined;
    if (!/^-?\d+$/.test(raw)) {
      this.problems.push({ field: path, problem: 'must be a whole number' });
      return undefined;
    }
    const n = Number(raw);
    if (n < min || n > max) {
      this.problems.push({ field: path, problem: `must be between ${min} and ${max}` });
      return undefined;
    }
    return n;
  }
  /** `HH:MM` as minutes after midnight (0-1440). */
  minutes(path: string): number | undefined {
    const raw = this.text(path);
    const m = /^(\d{1,2}):(\d{2})$/.exec(raw);
    const n = m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
    if (!m || Number(m[2]) > 59 || n > 1440) {
      this.problems.push({ field: path, problem: 'must be a time HH:MM between 00:00 and 24:00' });
      return undefined;
    }
    return n;
  }
  fail(path: string, problem: string): void {
    this.problems.push({ field: path, problem });
  }
}

/** Minutes after midnight as `HH:MM`. */
export const hhmm = (n: number | undefined) =>
  n === undefined ? '' : `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;

/** Indexes of the repeated rows the form submitted for `list` (`list[0].x`, `list[1].x`, ...). */
export function rowIndexes(form: Record<string, unknown>, list: string): number[] {
  const out = new Set<number>();
  const re = new RegExp(`^${list.replace(/[[\].]/g, '\\$&')}\\[(\\d+)\\]\\.`);
  for (const k of Object.keys(form)) {
    const m = re.exec(k);
    if (m) out.add(Number(m[1]));
  }
  return [...out].sort((a, b) => a - b);
}
