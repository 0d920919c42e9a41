import { FlowReferenceError } from '../errors.ts';
import type { IvrTask } from '../task.ts';

/** Branches on business hours in the hours' time zone (else the site's), at the injected clock's now. */
export const hoursBranchTask: IvrTask<'hoursBranch'> = {
  kind: 'hoursBranch',
  needs: ['clock'],
  async exec(node, ctx) {
    const hours = ctx.bundle.businessHours.find((h) => h.id === node.hoursId);
    if (!hours) throw new FlowReferenceError('business hours not found', `business_hours.${node.hoursId}`);
    const state = ctx.calendar.evaluate(hours, ctx.clock.now(), ctx.bundle.site?.timeZone ?? 'UTC');
    ctx.log.debug({ node: ctx.nodeId, hours: hours.id, state }, 'hours evaluated');
    if (state === 'open') return { next: node.openNodeId };
    if (state === 'holiday') return { next: node.holidayNodeId || node.closedNodeId };
    return { next: node.closedNodeId };
  },
};
