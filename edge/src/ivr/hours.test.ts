import { create } from '@bufbuild/protobuf';
import { BusinessHoursSchema, Weekday } from '@hcc/proto';
import { describe, expect, it } from 'vitest';
import { HoursCalendar } from './hours.ts';

const cal = new HoursCalendar();
const weekdays = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY];
const office = create(BusinessHoursSchema, {
  id: 'office',
  timeZone: 'Europe/Amsterdam',
  weekly: [
    ...weekdays.map((day) => ({ day, startMinute: 8 * 60, endMinute: 18 * 60 })),
    { day: Weekday.SUNDAY, startMinute: 120, endMinute: 180 }, // 02:00-03:00, the DST hour
  ],
});

describe('HoursCalendar', () => {
  it('opens at 08:00 local on both sides of the spring-forward change (UTC offset moves)', () => {
    // Friday 28 March 2025, CET (+1): 08:30 local is 07:30 UTC.
    expect(cal.evaluate(office, Date.UTC(2025, 2, 28, 7, 30), 'UTC')).toBe('open');
    expect(cal.evaluate(office, Date.UTC(2025, 2, 28, 6, 59), 'UTC')).toBe('closed');
    // Monday 31 March 2025, CEST (+2): 08:30 local is 06:30 UTC; a fixed +1 offset would say 07:30.
    expect(cal.evaluate(office, Date.UTC(2025, 2, 31, 6, 30), 'UTC')).toBe('open');
    expect(cal.evaluate(office, Date.UTC(2025, 2, 31, 5, 59), 'UTC')).toBe('closed');
    expect(cal.evaluate(office, Date.UTC(2025, 2, 31, 16, 0), 'UTC')).toBe('closed'); // 18:00 local
  });

  it('skips the missing hour on spring-forward and counts the repeated hour twice on fall-back', () => {
    // 30 March 2025 01:30 UTC = 03:30 CEST: 02:00-03:00 local never happened that day.
    expect(cal.localTime(Date.UTC(2025, 2, 30, 0, 59), 'Europe/Amsterdam').minute).toBe(60 + 59);
    expect(cal.localTime(Date.UTC(2025, 2, 30, 1, 0), 'Europe/Amsterdam').minute).toBe(180);
    expect(cal.evaluate(office, Date.UTC(2025, 2, 30, 1, 0), 'UTC')).toBe('closed');
    // 26 October 2025: 02:30 local happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    expect(cal.evaluate(office, Date.UTC(2025, 9, 26, 0, 30), 'UTC')).toBe('open');
    expect(cal.evaluate(office, Date.UTC(2025, 9, 26, 1, 30), 'UTC')).toBe('open');
    expect(cal.evaluate(office, Date.UTC(2025, 9, 26, 2, 0), 'UTC')).toBe('closed'); // 03:00 CET
  });

  it('uses the site zone when the hours name none, and handles US DST on its own date', () => {
    const ny = create(BusinessHoursSchema, {
      id: 'ny',
      weekly: [{ day: Weekday.MONDAY, startMinute: 9 * 60, endMinute: 17 * 60 }],
    });
    // Monday 10 March 2025 (US DST began 9 March, Europe not yet): 09:00 EDT = 13:00 UTC.
    expect(cal.evaluate(ny, Date.UTC(2025, 2, 10, 13, 0), 'America/New_York')).toBe('open');
    expect(cal.evaluate(ny, Date.UTC(2025, 2, 10, 12, 59), 'America/New_York')).toBe('closed');
    // Monday 3 March 2025 (EST): 09:00 = 14:00 UTC.
    expect(cal.evaluate(ny, Date.UTC(2025, 2, 3, 13, 30), 'America/New_York')).toBe('closed');
  });

  it('the local date decides the weekday and holidays near midnight', () => {
    const h = create(BusinessHoursSchema, {
      id: 'h',
      timeZone: 'Pacific/Auckland',
      weekly: [{ day: Weekday.MONDAY, startMinute: 0, endMinute: 1440 }],
      holidays: [{ date: { year: 2025, month: 1, day: 6 } }],
    });
    // Sunday 5 Jan 2025 12:00 UTC is Monday 6 Jan 01:00 in Auckland (+13): a holiday there.
    expect(cal.evaluate(h, Date.UTC(2025, 0, 5, 12, 0), 'UTC')).toBe('holiday');
    expect(cal.evaluate(h, Date.UTC(2025, 0, 12, 12, 0), 'UTC')).toBe('open');
  });
});
