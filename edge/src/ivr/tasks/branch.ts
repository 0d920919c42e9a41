import { Channel } from '@hcc/proto';
import type { IvrTask, TaskContext } from '../task.ts';

/**
 * Branches on "attr.<key>" (site-local customer data), "var.<name>" (flow variable) or "channel".
 * Missing attributes compare as ''. Values are never logged: they may be customer data.
 */
export const branchTask: IvrTask<'branch'> = {
  kind: 'branch',
  needs: ['customer-data'],
  async exec(node, ctx) {
    const value = await readAttribute(node.attribute, ctx);
    const hit = node.cases.find((c) => c.value === value);
    ctx.log.debug({ node: ctx.nodeId, attribute: node.attribute, matched: hit !== undefined }, 'branch');
    return { next: hit ? hit.nodeId : node.defaultNodeId };
  },
};

export async function readAttribute(key: string, ctx: TaskContext): Promise<string> {
  if (key === 'channel') return channelName(ctx.call.channel);
  if (key.startsWith('var.')) return ctx.vars.get(key.slice(4)) ?? '';
  if (key.startsWith('attr.')) {
    const attrs = await ctx.callerAttributes();
    const k = key.slice(5);
    // Own string values only: `attr.constructor` or a nested JSON value is not an attribute.
    return Object.hasOwn(attrs, k) && typeof attrs[k] === 'string' ? attrs[k] : '';
  }
  return '';
}

/** "voice", "chat", "email" (the proto enum name, lower case). */
export function channelName(c: Channel): string {
  return (Channel[c] ?? 'UNSPECIFIED').toLowerCase();
}
