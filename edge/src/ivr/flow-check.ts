/**
 * Edge-side checks of IVR flows on top of @hcc/shared's validateBundle (which checks references):
 * - a cycle that passes through no node waiting for caller input (it would spin forever);
 * - SetVariable expressions parse (expr/), else INVALID_VALUE with the column and what was expected;
 * - variable names, business-hours time zones and holiday intervals.
 * Problems carry ids and field paths only.
 */
import { type ConfigBundle, ConfigRejectReason, type Flow, type Node } from '@hcc/proto';
import type { BundleProblem } from '@hcc/shared';
import { ExpressionSyntaxError, parseExpression } from './expr/index.ts';
import { TASKS } from './tasks/index.ts';

const VARIABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Node ids a node can continue to ('' = hang up, left out). */
export function successors(node: Node): string[] {
  const k = node.kind;
  let ids: string[] = [];
  switch (k.case) {
    case 'play':
    case 'setVariable':
      ids = [k.value.nextNodeId];
      break;
    case 'menu':
      ids = [...k.value.choices.map((c) => c.nodeId), k.value.timeoutNodeId, k.value.invalidNodeId];
      break;
    case 'hoursBranch':
      ids = [k.value.openNodeId, k.value.closedNodeId, k.value.holidayNodeId];
      break;
    case 'branch':
      ids = [...k.value.cases.map((c) => c.nodeId), k.value.defaultNodeId];
      break;
    default:
      ids = [];
  }
  return ids.filter((x) => x !== '');
}

function waitsForInput(node: Node): boolean {
  const kind = node.kind.case;
  return kind !== undefined && (TASKS[kind].needs as readonly string[]).includes('caller-input');
}

/** Returns the id of a node on a cycle made only of nodes that wait for no input, if any. */
export function findInputlessCycle(flow: Flow): string | undefined {
  const nodes = new Map(flow.nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): string | undefined => {
    const n = nodes.get(id);
    if (!n || waitsForInput(n)) return undefined;
    const s = state.get(id);
    if (s === 'visiting') return id;
    if (s === 'done') return undefined;
    state.set(id, 'visiting');
    for (const next of successors(n)) {
      const hit = visit(next);
      if (hit) return hit;
    }
    state.set(id, 'done');
    return undefined;
  };
  for (const n of flow.nodes) {
    const hit = visit(n.id);
    if (hit) return hit;
  }
  return undefined;
}

/** Why an expression does not parse ("column 7: expected ')'"), or undefined when it does. */
export function expressionError(source: string): string | undefined {
  try {
    parseExpression(source);
    return undefined;
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) return err.message;
    throw err;
  }
}

export function checkFlows(b: ConfigBundle): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const zones = new Set(Intl.supportedValuesOf('timeZone'));
  for (const f of b.flows) {
    const loop = findInputlessCycle(f);
    if (loop)
      problems.push({ reason: ConfigRejectReason.INVALID_FLOW, path: `flows.${f.id}.nodes.${loop}.cycle` });
    for (const n of f.nodes) {
      if (n.kind.case !== 'setVariable') continue;
      const a = n.kind.value.assignment;
      const at = `flows.${f.id}.nodes.${n.id}`;
      if (a.case === 'variable') {
        if (!VARIABLE_NAME.test(a.value.name))
          problems.push({ reason: ConfigRejectReason.INVALID_VALUE, path: `${at}.variable.name` });
        const v = a.value.value;
        if (v.case === 'expression') {
          const err = expressionError(v.value);
          if (err)
            problems.push({
              reason: ConfigRejectReason.INVALID_VALUE,
              path: `${at}.variable.expression (${err})`,
            });
        }
      }
    }
  }
  for (const h of b.businessHours) {
    if (h.timeZone && h.timeZone !== 'UTC' && !zones.has(h.timeZone))
      problems.push({ reason: ConfigRejectReason.INVALID_VALUE, path: `business_hours.${h.id}.time_zone` });
    for (const hol of h.holidays) {
      const d = hol.date;
      const date = d ? `${d.year}-${d.month}-${d.day}` : 'date';
      if (!d || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31)
        problems.push({
          reason: ConfigRejectReason.INVALID_VALUE,
          path: `business_hours.${h.id}.holidays.${date}`,
        });
      for (const i of hol.overrideHours)
        if (i.startMinute >= i.endMinute || i.endMinute > 1440)
          problems.push({
            reason: ConfigRejectReason.INVALID_VALUE,
            path: `business_hours.${h.id}.holidays.${date}.override_hours`,
          });
    }
  }
  return problems;
}
