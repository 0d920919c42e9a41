import type { IvrTask } from '../task.ts';

/** Plays a prompt, then continues. No barge-in: a plain announcement is heard to the end. */
export const playTask: IvrTask<'play'> = {
  kind: 'play',
  needs: ['media'],
  async exec(node, ctx) {
    await ctx.play(node.promptId, false);
    return { next: node.nextNodeId };
  },
};
