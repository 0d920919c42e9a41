import { WeekdaySchema } from '@hcc/proto';
import { html } from 'hono/html';
import {
  enumLabel,
  type FormReader,
  hhmm,
  input,
  type Obj,
  type Problems,
  row,
  rowIndexes,
  select,
} from './fields.ts';
import type { Html } from './layout.ts';

const DAYS = WeekdaySchema.values.map((v) => v.name).filter((n) => !n.endsWith('_UNSPECIFIED'));
const DAY_OPTIONS = [['', '(remove)'] as const, ...DAYS.map((d) => [d, enumLabel(d, 'WEEKDAY_')] as const)];

const isoDate = (d: Obj | undefined) =>
  d ? `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}` : '';
const ranges = (xs: Obj[] | undefined) =>
  (xs ?? []).map((x) => `${hhmm(Number(x.startMinute ?? 0))}-${hhmm(Number(x.endMinute ?? 0))}`).join(', ');

/** The business hours form: open intervals per weekday, and holidays (closed or special hours). */
export function hoursForm(h: Obj, errs: Problems): Html {
  const weekly = [...((h.weekly ?? []) as Obj[]), {}, {}];
  const holidays = [...((h.holidays ?? []) as Obj[]), {}];
  return html`${row(input('name', 'Name', h.name, errs, { size: 30 }), ' ', input('timeZone', 'Time zone', h.timeZone, errs, { size: 20, hint: 'IANA name; empty = the site’s' }))}
<fieldset><legend>Weekly open intervals</legend><p class="muted">Local time, end exclusive; 24:00 is midnight at the end of the day. An interval across midnight is two intervals.</p>
${weekly.map((w, i) => row(select(`weekly[${i}].day`, 'Day', String(w.day ?? ''), DAY_OPTIONS, errs), ' ', input(`weekly[${i}].start`, 'Opens', w.day ? hhmm(Number(w.startMinute ?? 0)) : '', errs, { size: 5, hint: 'HH:MM' }), ' ', input(`weekly[${i}].end`, 'Closes', w.day ? hhmm(Number(w.endMinute ?? 0)) : '', errs, { size: 5, hint: 'HH:MM' })))}</fieldset>
<fieldset><legend>Holidays</legend><p class="muted">A holiday replaces that day’s weekly hours: leave the hours empty for closed all day, or write e.g. 09:00-12:00, 13:00-15:00. Clear the date to remove it.</p>
${holidays.map((d, i) => row(input(`holidays[${i}].date`, 'Date', isoDate(d.date as Obj | undefined), errs, { type: 'date', size: 10 }), ' ', input(`holidays[${i}].name`, 'Name', d.name, errs, { size: 20 }), ' ', input(`holidays[${i}].hours`, 'Open hours', ranges(d.overrideHours as Obj[] | undefined), errs, { size: 26 })))}</fieldset>`;
}

function interval(r: FormReader, start: string, end: string): Obj | undefined {
  const a = r.minutes(start);
  const b = r.minutes(end);
  if (a === undefined || b === undefined) return undefined;
  if (a >= b) {
    r.fail(end, 'must be after the opening time');
    return undefined;
  }
  return { startMinute: a, endMinute: b };
}

/** Reads the hours form over `base`. */
export function parseHoursForm(r: FormReader, form: Record<string, unknown>, base: Obj): Obj {
  const h: Obj = { ...base, name: r.text('name'), timeZone: r.text('timeZone') };
  if (h.timeZone) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: h.timeZone as string });
    } catch {
      r.fail('timeZone', 'not a known IANA time zone');
    }
  }
  h.weekly = rowIndexes(form, 'weekly').flatMap((i) => {
    const day = r.text(`weekly[${i}].day`);
    if (!day) return [];
    if (!DAYS.includes(day)) {
      r.fail(`weekly[${i}].day`, 'choose a day');
      return [];
    }
    const iv = interval(r, `weekly[${i}].start`, `weekly[${i}].end`);
    return iv ? [{ day, ...iv }] : [];
  });
  h.holidays = rowIndexes(form, 'holidays').flatMap((i) => {
    const p = `holidays[${i}]`;
    const raw = r.text(`${p}.date`);
    if (!raw) return [];
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
    const date = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : undefined;
    const real = date && new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDate() === date.day;
    if (!date || !real || date.month > 12) {
      r.fail(`${p}.date`, 'must be a date YYYY-MM-DD');
      return [];
    }
    const overrideHours: Obj[] = [];
    const text = r.text(`${p}.hours`);
    for (const part of text ? text.split(',') : []) {
      const [a, b] = part.split('-').map((s) => s.trim());
      const am = /^(\d{1,2}):(\d{2})$/.exec(a ?? '');
      const bm = /^(\d{1,2}):(\d{2})$/.exec(b ?? '');
      const s = am ? Number(am[1]) * 60 + Number(am[2]) : Number.NaN;
      const e = bm ? Number(bm[1]) * 60 + Number(bm[2]) : Number.NaN;
      if (!(s >= 0 && e <= 1440 && s < e)) {
        r.fail(`${p}.hours`, 'write open hours as HH:MM-HH:MM, separated by commas');
        break;
      }
      overrideHours.push({ startMinute: s, endMinute: e });
    }
    return [{ date, name: r.text(`${p}.name`), overrideHours }];
  });
  return h;
}
