import { FlowReferenceError } from '../errors.ts';
import type { IvrTask, TaskContext } from '../task.ts';

const DEFAULT_MAX_SECONDS = 120;

/** Terminal: plays the greeting (the node's, else the mailbox's) and records a message. */
export const voicemailTask: IvrTask<'voicemail'> = {
  kind: 'voicemail',
  needs: ['media', 'recorder', 'caller-input'],
  async exec(node, ctx) {
    return {
      outcome: await leaveVoicemail(ctx, node.mailboxId, node.greetingPromptId, node.maxSeconds),
    };
  },
};

/** Also used for a queue overflowing to a mailbox. */
export async function leaveVoicemail(
  ctx: Pick<TaskContext, 'bundle' | 'call' | 'signal' | 'play'>,
  mailboxId: string,
  greetingPromptId: string,
  maxSeconds: number,
) {
  const mailbox = ctx.bundle.mailboxes.find((m) => m.id === mailboxId);
  if (!mailbox) throw new FlowReferenceError('mailbox not found', `mailboxes.${mailboxId}`);
  const greeting = greetingPromptId || mailbox.greetingPromptId;
  if (greeting) await ctx.play(greeting, false);
  const r = await ctx.call.recordVoicemail({
    mailboxId,
    maxSeconds: maxSeconds || DEFAULT_MAX_SECONDS,
    signal: ctx.signal,
  });
  return { kind: 'voicemail' as const, mailboxId, durationMs: r.durationMs };
}
