import { HangupCause, IvrChoiceOutcome } from '@hcc/proto';
import { FakeClock, type Logger, Observer, silentLogger } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { ivrBundle, ScriptedCall } from '../../test/ivr-fixtures.ts';
import { MemoryCustomerDirectory } from './customers.ts';
import type { IvrEvents } from './events.ts';
import { ExpressionSyntaxError } from './expr/index.ts';
import { HoursCalendar } from './hours.ts';
import { IvrInterpreter } from './interpreter.ts';

const MONDAY_11_LOCAL = Date.UTC(2025, 0, 6, 10, 0);
const CALLER = '+31612345678';

function setup(at = MONDAY_11_LOCAL) {
  const clock = new FakeClock(at);
  const customers = new MemoryCustomerDirectory();
  const observer = new Observer<IvrEvents>();
  const choices: IvrEvents['ivrChoice'][] = [];
  observer.on('ivrChoice', (e) => choices.push(e));
  const lines: string[] = [];
  const log: Logger = {
    debug: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')),
    info: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')),
    warn: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')),
    error: (o, m) => lines.push(JSON.stringify(o) + (m ?? '')),
    child: () => log,
  };
  const ivr = new IvrInterpreter({ clock, calendar: new HoursCalendar(), customers, observer });
  const run = (call: ScriptedCall, signal = new AbortController().signal, bundle = ivrBundle()) =>
    ivr.run({ bundle, flowId: 'main', call, caller: { number: CALLER }, signal, log });
  return { clock, customers, choices, lines, run, ivr };
}

describe('IvrInterpreter', () => {
  it('routes a menu choice to its queue with the queue priority and reports the key', async () => {
    const t = setup();
    const call = new ScriptedCall(['1']);
    expect(await t.run(call)).toEqual({ kind: 'enqueue', queueId: 'sales', priority: 2 });
    expect(call.played).toEqual(['en-US/welcome.wav', 'en-US/main-menu.wav']);
    expect(call.collects).toEqual([{ max: 1, timeoutMs: 4000 }]);
    expect(t.choices).toMatchObject([
      {
        flowId: 'main',
        nodeId: 'menu',
        outcome: IvrChoiceOutcome.MATCHED,
        choiceKey: '1',
        attempt: 1,
        configVersion: 3n,
      },
    ]);
  });

  it('gives a gold VIP priority 10, speaks their language, and never logs the number', async () => {
    const t = setup();
    t.customers.set(CALLER, { vip_tier: 'gold', language: 'nl-NL' });
    const call = new ScriptedCall(['1']);
    expect(await t.run(call)).toEqual({ kind: 'enqueue', queueId: 'sales', priority: 10 });
    expect(call.played).toEqual(['nl-NL/welcome.wav', 'nl-NL/main-menu.wav']);
    expect(t.lines.length).toBeGreaterThan(0);
    expect(t.lines.join('\n')).not.toContain(CALLER);
    expect(t.lines.join('\n')).not.toContain('gold');
  });

  it('an Enqueue priority overrides SetVariable', async () => {
    const t = setup();
    t.customers.set(CALLER, { vip_tier: 'gold' });
    expect(await t.run(new ScriptedCall(['2']))).toEqual({
      kind: 'enqueue',
      queueId: 'support',
      priority: 1,
    });
  });

  it('replays on timeout with the timeout prompt, then takes the timeout node', async () => {
    const t = setup();
    const call = new ScriptedCall(['', '', '']);
    expect(await t.run(call)).toEqual({ kind: 'enqueue', queueId: 'support', priority: 1 });
    expect(call.played.filter((p) => p.endsWith('timeout.wav'))).toHaveLength(2);
    expect(t.choices.map((c) => [c.outcome, c.attempt])).toEqual([
      [IvrChoiceOutcome.TIMEOUT, 1],
      [IvrChoiceOutcome.TIMEOUT, 2],
      [IvrChoiceOutcome.TIMEOUT, 3],
    ]);
  });

  it('an invalid digit plays the invalid prompt; a later valid one wins; unknown keys are never reported', async () => {
    const t = setup();
    const call = new ScriptedCall(['7', '9']);
    const out = await t.run(call);
    expect(out).toEqual({
      kind: 'transfer',
      target: { kind: 'external', number: '+15550199', trunkId: 'carrier-a' },
    });
    expect(call.played).toContain('en-US/invalid.wav');
    expect(t.choices.map((c) => [c.outcome, c.choiceKey])).toEqual([
      [IvrChoiceOutcome.INVALID, ''],
      [IvrChoiceOutcome.MATCHED, '9'],
    ]);
  });

  it('exhausted invalid retries take the invalid node (hangup)', async () => {
    const t = setup();
    expect(await t.run(new ScriptedCall(['5', '6', '7']))).toEqual({
      kind: 'hangup',
      cause: HangupCause.NORMAL,
    });
  });

  it('closed hours go to voicemail with the mailbox greeting', async () => {
    const t = setup(Date.UTC(2025, 0, 11, 10, 0)); // Saturday
    const call = new ScriptedCall([]);
    expect(await t.run(call)).toEqual({ kind: 'voicemail', mailboxId: 'general', durationMs: 4200 });
    expect(call.played).toEqual(['en-US/greeting.wav']);
    expect(call.recorded).toEqual(['general/60']);
  });

  it('a holiday takes the holiday node; override hours on a holiday are open', async () => {
    const christmas = setup(Date.UTC(2025, 11, 25, 10, 0));
    const c1 = new ScriptedCall([]);
    expect(await christmas.run(c1)).toEqual({ kind: 'hangup', cause: HangupCause.NORMAL });
    expect(c1.played).toEqual(['en-US/holiday.wav']);
    const eveMorning = setup(Date.UTC(2025, 11, 24, 10, 0)); // 11:00 local, override 09-13
    expect((await eveMorning.run(new ScriptedCall(['1']))).kind).toBe('enqueue');
    const eveAfternoon = setup(Date.UTC(2025, 11, 24, 14, 0)); // 15:00 local
    const c3 = new ScriptedCall([]);
    await eveAfternoon.run(c3);
    expect(c3.played).toEqual(['en-US/holiday.wav']);
  });

  it('a hang-up while waiting for a digit abandons at that node', async () => {
    const t = setup();
    const ac = new AbortController();
    const call = new ScriptedCall([]);
    call.onExhausted = () => queueMicrotask(() => ac.abort(new DOMException('caller hung up', 'AbortError')));
    expect(await t.run(call, ac.signal)).toEqual({ kind: 'abandoned', flowId: 'main', nodeId: 'menu' });
  });

  it('an empty next node hangs up normally; a withheld number skips the lookup', async () => {
    const t = setup();
    const bundle = ivrBundle();
    const welcome = bundle.flows[0]!.nodes.find((n) => n.id === 'welcome')!;
    if (welcome.kind.case === 'play') welcome.kind.value.nextNodeId = '';
    const out = await t.ivr.run({
      bundle,
      flowId: 'main',
      call: new ScriptedCall([]),
      caller: { number: undefined },
      signal: new AbortController().signal,
      log: silentLogger,
    });
    expect(out).toEqual({ kind: 'hangup', cause: HangupCause.NORMAL });
  });

  it('starts at a given node (overflow into a flow); evaluates an expression, fails clearly on a bad one', async () => {
    const t = setup();
    const bundle = ivrBundle();
    bundle.flows[0]!.nodes.push({
      $typeName: 'hcc.config.v1.Node',
      id: 'expr',
      kind: {
        case: 'setVariable',
        value: {
          $typeName: 'hcc.config.v1.SetVariable',
          assignment: {
            case: 'variable',
            value: {
              $typeName: 'hcc.config.v1.VariableAssignment',
              name: 'x',
              value: { case: 'expression', value: "attr.vip_tier == 'gold'" },
            },
          },
          nextNodeId: '',
        },
      },
    });
    const vars = new Map<string, string>();
    const run = (startNodeId: string, number?: string) =>
      t.ivr.run({
        bundle,
        flowId: 'main',
        startNodeId,
        call: new ScriptedCall(['1']),
        caller: { number },
        signal: new AbortController().signal,
        log: silentLogger,
        vars,
      });
    expect(await run('menu')).toEqual({ kind: 'enqueue', queueId: 'sales', priority: 2 });
    expect(await run('expr')).toEqual({ kind: 'hangup', cause: HangupCause.NORMAL });
    expect(vars.get('x')).toBe('false');
    t.customers.set(CALLER, { vip_tier: 'gold' });
    await run('expr', CALLER);
    expect(vars.get('x')).toBe('true');
    const node = bundle.flows[0]!.nodes.at(-1)!;
    if (node.kind.case === 'setVariable' && node.kind.value.assignment.case === 'variable')
      node.kind.value.assignment.value.value = { case: 'expression', value: "attr.vip_tier == 'gold" };
    await expect(run('expr')).rejects.toMatchObject({
      name: 'IvrTaskError',
      cause: expect.any(ExpressionSyntaxError),
    });
  });
});
