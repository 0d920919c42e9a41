import { describe, expect, it } from 'vitest';
import { parseAgentForm } from './agent-form.ts';
import { FormReader, Problems } from './fields.ts';
import { parseHoursForm } from './hours-form.ts';
import { parseQueueForm, queueForm } from './queue-form.ts';

const read = <T>(
  parse: (r: FormReader, f: Record<string, string | string[]>, base: Record<string, never>) => T,
  f: Record<string, string | string[]>,
) => {
  const r = new FormReader(f);
  return { value: parse(r, f, {}), problems: r.problems };
};

describe('structured entity forms', () => {
  it('reads a queue and names the field of each problem', () => {
    const ok = read(parseQueueForm, {
      name: 'Sales',
      channels: ['CHANNEL_VOICE'],
      'requiredSkills[0].skillId': 'sales',
      'requiredSkills[0].minLevel': '3',
      'requiredSkills[1].skillId': '',
      'requiredSkills[1].minLevel': '',
      strategy: 'ROUTING_STRATEGY_LONGEST_IDLE',
      serviceLevelSeconds: '25',
      'overflow.kind': 'queueId',
      'overflow.target': 'support',
    });
    expect(ok.problems).toEqual([]);
    expect(ok.value).toMatchObject({
      channels: ['CHANNEL_VOICE'],
      requiredSkills: [{ skillId: 'sales', minLevel: 3 }],
      serviceLevelSeconds: 25,
      overflow: { queueId: 'support' },
    });
    const bad = read(parseQueueForm, {
      name: 'Sales',
      'requiredSkills[0].skillId': 'sales',
      'requiredSkills[0].minLevel': '11',
      strategy: 'ROUTING_STRATEGY_LONGEST_IDLE',
      serviceLevelSeconds: 'soon',
      'overflow.kind': 'flowNode',
      'overflow.target': 'main',
    });
    expect(bad.problems.map((p) => p.field).sort()).toEqual([
      'channels',
      'overflow.target',
      'requiredSkills[0].minLevel',
      'serviceLevelSeconds',
    ]);
  });

  it('shows a problem next to its input, with the value as typed', async () => {
    const errs = new Problems([{ field: 'serviceLevelSeconds', problem: 'must be a whole number' }], {
      serviceLevelSeconds: 'soon',
    });
    const out = String(await queueForm({ name: 'Sales' }, errs));
    expect(out).toMatch(/name="serviceLevelSeconds"[^>]*value="soon"[^>]*aria-invalid="true"/);
    expect(out).toContain('id="f-serviceLevelSeconds-err" role="alert">must be a whole number');
  });

  it('reads an agent with skills and devices', () => {
    const { value, problems } = read(parseAgentForm, {
      extension: '1001',
      displayName: 'Ann',
      'skills[0].skillId': 'sales',
      'skills[0].level': '9',
      'devices[0].id': 'phone',
      'devices[0].kind': 'sip',
      'devices[0].p1': '1001',
      'devices[0].p2': 'sip-1001',
      'devices[1].id': 'pbx',
      'devices[1].kind': 'staticContact',
      'devices[1].p1': 'not-a-uri',
      autoReadyOnRegister: 'on',
    });
    expect(value).toMatchObject({
      skills: [{ skillId: 'sales', level: 9 }],
      devices: [{ id: 'phone', sip: { authUsername: '1001', passwordHashRef: 'sip-1001' } }, { id: 'pbx' }],
      autoReadyOnRegister: true,
    });
    expect(problems).toEqual([{ field: 'devices[1].p1', problem: 'must be a sip: or sips: URI' }]);
  });

  it('reads weekly hours and holidays', () => {
    const { value, problems } = read(parseHoursForm, {
      name: 'Office',
      timeZone: 'Europe/Berlin',
      'weekly[0].day': 'WEEKDAY_MONDAY',
      'weekly[0].start': '08:30',
      'weekly[0].end': '17:00',
      'weekly[1].day': 'WEEKDAY_TUESDAY',
      'weekly[1].start': '18:00',
      'weekly[1].end': '09:00',
      'holidays[0].date': '2026-12-24',
      'holidays[0].name': 'Christmas Eve',
      'holidays[0].hours': '09:00-12:00',
      'holidays[1].date': '2026-02-30',
    });
    expect(value).toMatchObject({
      weekly: [{ day: 'WEEKDAY_MONDAY', startMinute: 510, endMinute: 1020 }],
      holidays: [
        {
          date: { year: 2026, month: 12, day: 24 },
          overrideHours: [{ startMinute: 540, endMinute: 720 }],
        },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual(['weekly[1].end', 'holidays[1].date']);
  });
});
