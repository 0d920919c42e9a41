import { HangupCause } from '@hcc/proto';
import type { IvrTask } from '../task.ts';

/** Terminal: ends the interaction with the node's cause (unspecified means normal clearing). */
export const hangupTask: IvrTask<'hangup'> = {
  kind: 'hangup',
  needs: [],
  async exec(node) {
    return { outcome: { kind: 'hangup', cause: node.cause || HangupCause.NORMAL } };
  },
};
