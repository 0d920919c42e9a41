import { IvrError } from '../errors.ts';
import type { IvrTask } from '../task.ts';

/** Terminal: transfer out of the IVR to an agent, a queue or an external number (via a trunk). */
export const transferTask: IvrTask<'transfer'> = {
  kind: 'transfer',
  needs: [],
  async exec(node, ctx) {
    const t = node.target;
    switch (t.case) {
      case 'agentId':
        return { outcome: { kind: 'transfer', target: { kind: 'agent', agentId: t.value } } };
      case 'queueId': {
        const q = ctx.bundle.queues.find((x) => x.id === t.value);
        const priority = ctx.priority ?? q?.priority ?? 0;
        return { outcome: { kind: 'transfer', target: { kind: 'queue', queueId: t.value, priority } } };
      }
      case 'external':
        return {
          outcome: {
            kind: 'transfer',
            target: { kind: 'external', number: t.value.number, trunkId: t.value.trunkId },
          },
        };
      default:
        throw new IvrError('transfer without target', ctx.nodeId);
    }
  },
};
