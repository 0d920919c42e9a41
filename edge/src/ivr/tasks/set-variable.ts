import { ExpressionEvalError, evaluate, parseExpression, readsAttributes, toText } from '../expr/index.ts';
import type { IvrTask, TaskContext } from '../task.ts';
import { channelName } from './branch.ts';

/**
 * Sets a flow variable (a literal, or an expression over variables, caller attributes and the
 * channel: expr/) or the routing priority. The flow checker has parsed every expression at apply
 * time; an evaluation error (e.g. arithmetic on a non-numeric attribute) sets the variable to ''
 * and logs the node id only, never values.
 */
export const setVariableTask: IvrTask<'setVariable'> = {
  kind: 'setVariable',
  needs: ['customer-data'],
  async exec(node, ctx) {
    const a = node.assignment;
    if (a.case === 'priority') {
      ctx.priority = a.value;
    } else if (a.case === 'variable') {
      const v = a.value.value;
      const value = v.case === 'expression' ? await evaluateIn(v.value, ctx) : (v.value ?? '');
      ctx.vars.set(a.value.name, value);
    }
    return { next: node.nextNodeId };
  },
};

async function evaluateIn(source: string, ctx: TaskContext): Promise<string> {
  const e = parseExpression(source);
  const attrs = readsAttributes(e) ? await ctx.callerAttributes() : {};
  try {
    return toText(
      evaluate(e, {
        attr: (k) => (Object.hasOwn(attrs, k) && typeof attrs[k] === 'string' ? attrs[k] : ''),
        variable: (n) => ctx.vars.get(n) ?? '',
        channel: channelName(ctx.call.channel),
      }),
    );
  } catch (err) {
    if (!(err instanceof ExpressionEvalError)) throw err;
    ctx.log.warn({ node: ctx.nodeId, err: err.message }, 'expression failed: variable set to empty');
    return '';
  }
}
