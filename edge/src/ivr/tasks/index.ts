/**
 * The task registry: one task per proto node kind. The mapped type makes a node kind without a
 * task (or a task under the wrong key) a compile error.
 */
import type { IvrTask, NodeKind } from '../task.ts';
import { branchTask } from './branch.ts';
import { enqueueTask } from './enqueue.ts';
import { hangupTask } from './hangup.ts';
import { hoursBranchTask } from './hours-branch.ts';
import { menuTask } from './menu.ts';
import { playTask } from './play.ts';
import { setVariableTask } from './set-variable.ts';
import { transferTask } from './transfer.ts';
import { voicemailTask } from './voicemail.ts';

export type TaskRegistry = { readonly [K in NodeKind]: IvrTask<K> };

export const TASKS: TaskRegistry = Object.freeze({
  play: playTask,
  menu: menuTask,
  hoursBranch: hoursBranchTask,
  setVariable: setVariableTask,
  branch: branchTask,
  enqueue: enqueueTask,
  transfer: transferTask,
  voicemail: voicemailTask,
  hangup: hangupTask,
});
