import { ConfigRejectReason } from '@hcc/proto';
import { validateBundle } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { ivrBundle } from '../../test/ivr-fixtures.ts';
import { checkFlows } from './flow-check.ts';

describe('checkFlows', () => {
  it('accepts the fixture (menu retry loops wait for input)', () => {
    const b = ivrBundle();
    expect(validateBundle(b).filter((p) => !p.path.startsWith('prompts'))).toEqual([]);
    expect(checkFlows(b)).toEqual([]);
  });

  it('rejects a cycle that waits for no input, but not one through a menu', () => {
    const b = ivrBundle();
    const nodes = b.flows[0]!.nodes;
    const welcome = nodes.find((n) => n.id === 'welcome')!;
    if (welcome.kind.case === 'play') welcome.kind.value.nextNodeId = 'lang';
    expect(checkFlows(b)).toEqual([
      { reason: ConfigRejectReason.INVALID_FLOW, path: 'flows.main.nodes.lang.cycle' },
    ]);
    if (welcome.kind.case === 'play') welcome.kind.value.nextNodeId = 'menu';
    const menu = nodes.find((n) => n.id === 'menu')!;
    if (menu.kind.case === 'menu') menu.kind.value.timeoutNodeId = 'welcome';
    expect(checkFlows(b)).toEqual([]);
  });

  it('rejects bad expressions (with the column), bad variable names, zones and holiday intervals', () => {
    const b = ivrBundle();
    const setnl = b.flows[0]!.nodes.find((n) => n.id === 'setnl')!;
    if (setnl.kind.case === 'setVariable' && setnl.kind.value.assignment.case === 'variable') {
      setnl.kind.value.assignment.value.name = 'Language';
      setnl.kind.value.assignment.value.value = {
        case: 'expression',
        value: "attr.vip_tier == 'gold' ? 'vip' 'std'",
      };
    }
    b.businessHours[0]!.timeZone = 'Mars/Olympus';
    b.businessHours[0]!.holidays[1]!.overrideHours[0]!.endMinute = 1500;
    expect(checkFlows(b).map((p) => [ConfigRejectReason[p.reason], p.path])).toEqual([
      ['INVALID_VALUE', 'flows.main.nodes.setnl.variable.name'],
      ['INVALID_VALUE', "flows.main.nodes.setnl.variable.expression (column 33: expected ':')"],
      ['INVALID_VALUE', 'business_hours.office.time_zone'],
      ['INVALID_VALUE', 'business_hours.office.holidays.2025-12-24.override_hours'],
    ]);
  });

  it('accepts a well-formed expression', () => {
    const b = ivrBundle();
    const setnl = b.flows[0]!.nodes.find((n) => n.id === 'setnl')!;
    if (setnl.kind.case === 'setVariable' && setnl.kind.value.assignment.case === 'variable')
      setnl.kind.value.assignment.value.value = {
        case: 'expression',
        value: "attr.vip_tier == 'gold' ? 'vip' : 'std'",
      };
    expect(checkFlows(b)).toEqual([]);
  });
});
