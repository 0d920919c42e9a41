import { IvrUnsupportedError } from '../errors.ts';
import type { IvrTask } from '../task.ts';

/**
 * Sets a flow variable or the routing priority. Expressions (the shared routing-rule language)
 * are not implemented by this edge yet: the flow checker rejects such bundles at apply time, so
 * reaching one here is a bug.
 */
export const setVariableTask: IvrTask<'setVariable'> = {
  kind: 'setVariable',
  needs: [],
  async exec(node, ctx) {
    const a = node.assignment;
    if (a.case === 'priority') {
      ctx.priority = a.value;
    } else if (a.case === 'variable') {
      const v = a.value.value;
      if (v.case === 'expression')
        throw new IvrUnsupportedError('SetVariable expressions are not supported', ctx.nodeId);
      ctx.vars.set(a.value.name, v.value ?? '');
    }
    return { next: node.nextNodeId };
  },
};
