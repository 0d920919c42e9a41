/**
 * Business hours evaluated in an IANA time zone. The instant is converted to the zone's local
 * wall-clock fields with Intl.DateTimeFormat (the platform's tz database), so DST transitions are
 * right by construction: there is no offset arithmetic to get wrong. Formatters are cached per
 * zone in the calendar instance (no module-global state).
 */
import { type BusinessHours, Weekday } from '@hcc/proto';

export type HoursState = 'open' | 'closed' | 'holiday';

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes after local midnight, 0-1439. */
  minute: number;
}

const WEEKDAYS: Record<string, Weekday> = {
  Mon: Weekday.MONDAY,
  Tue: Weekday.TUESDAY,
  Wed: Weekday.WEDNESDAY,
  Thu: Weekday.THURSDAY,
  Fri: Weekday.FRIDAY,
  Sat: Weekday.SATURDAY,
  Sun: Weekday.SUNDAY,
};

export class HoursCalendar {
  private readonly formatters = new Map<string, Intl.DateTimeFormat>();

  /** Local date, weekday and minute of `epochMs` in `timeZone`. Throws RangeError for an unknown zone. */
  localTime(epochMs: number, timeZone: string): LocalTime {
    let f = this.formatters.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        weekday: 'short',
      });
      this.formatters.set(timeZone, f);
    }
    const parts: Record<string, string> = {};
    for (const p of f.formatToParts(epochMs)) parts[p.type] = p.value;
    const hour = Number(parts.hour) % 24;
    return {
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      weekday: WEEKDAYS[parts.weekday ?? ''] ?? Weekday.UNSPECIFIED,
      minute: hour * 60 + Number(parts.minute),
    };
  }

  /**
   * Open, closed, or holiday (a holiday without override hours, or outside its override hours).
   * `siteTimeZone` applies when the hours name none.
   */
  evaluate(hours: BusinessHours, epochMs: number, siteTimeZone: string): HoursState {
    const t = this.localTime(epochMs, hours.timeZone || siteTimeZone || 'UTC');
    const holiday = hours.holidays.find(
      (h) => h.date && h.date.year === t.year && h.date.month === t.month && h.date.day === t.day,
    );
    if (holiday) {
      const open = holiday.overrideHours.some((i) => t.minute >= i.startMinute && t.minute < i.endMinute);
      return open ? 'open' : 'holiday';
    }
    const open = hours.weekly.some(
      (w) => w.day === t.weekday && t.minute >= w.startMinute && t.minute < w.endMinute,
    );
    return open ? 'open' : 'closed';
  }
}
