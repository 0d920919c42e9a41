import type { IvrTask } from '../task.ts';

/** Terminal: hands the interaction to a queue with the node's priority, else SetVariable's, else the queue's. */
export const enqueueTask: IvrTask<'enqueue'> = {
  kind: 'enqueue',
  needs: [],
  async exec(node, ctx) {
    const queue = ctx.bundle.queues.find((q) => q.id === node.queueId);
    const priority = node.priority ?? ctx.priority ?? queue?.priority ?? 0;
    return { outcome: { kind: 'enqueue', queueId: node.queueId, priority } };
  },
};
