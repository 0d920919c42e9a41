import { IvrChoiceOutcome } from '@hcc/proto';
import type { IvrTask, TaskContext } from '../task.ts';

const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Plays the menu prompt (barge-in allowed) and collects one digit. A timeout or an invalid digit
 * plays the configured prompt and replays the menu, up to max_retries times; then the timeout or
 * invalid node is taken. Each attempt emits an IvrChoice with only the configured key, never
 * anything else the caller typed.
 */
export const menuTask: IvrTask<'menu'> = {
  kind: 'menu',
  needs: ['media', 'caller-input'],
  async exec(node, ctx) {
    const timeoutMs = node.timeoutMs || DEFAULT_TIMEOUT_MS;
    const attempts = node.maxRetries + 1;
    for (let attempt = 1; ; attempt++) {
      await ctx.play(node.promptId, true);
      const digits = await ctx.call.collectDigits({
        max: 1,
        timeoutMs,
        interDigitMs: timeoutMs,
        signal: ctx.signal,
      });
      const digit = digits.slice(0, 1);
      const choice = digit ? node.choices.find((c) => c.digit === digit) : undefined;
      if (choice) {
        choice_(ctx, IvrChoiceOutcome.MATCHED, choice.digit, attempt);
        return { next: choice.nodeId };
      }
      const timedOut = digit === '';
      choice_(ctx, timedOut ? IvrChoiceOutcome.TIMEOUT : IvrChoiceOutcome.INVALID, '', attempt);
      if (attempt >= attempts) return { next: timedOut ? node.timeoutNodeId : node.invalidNodeId };
      const retryPrompt = timedOut ? node.timeoutPromptId : node.invalidPromptId;
      if (retryPrompt) await ctx.play(retryPrompt, false);
    }
  },
};

function choice_(ctx: TaskContext, outcome: IvrChoiceOutcome, choiceKey: string, attempt: number): void {
  ctx.log.debug({ node: ctx.nodeId, outcome: IvrChoiceOutcome[outcome], attempt }, 'menu choice');
  ctx.observer.emit('ivrChoice', {
    ...ctx.ref,
    flowId: ctx.flow.id,
    nodeId: ctx.nodeId,
    outcome,
    choiceKey,
    attempt,
  });
}
