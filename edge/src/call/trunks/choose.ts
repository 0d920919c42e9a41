/**
 * Which trunks a call out tries, in order: the trunk the flow or transfer named first, then the
 * site's other outbound trunks (carriers; every trunk when the site has no carrier) by `priority`,
 * lowest first, ties in bundle order. Trunks marked down go last and only when no other remains:
 * when every trunk is down the call still tries them in order (a peer that ignores OPTIONS may still
 * take INVITEs; refusing would turn a monitoring fault into an outage).
 */
import { type ConfigBundle, type Trunk, TrunkKind } from '@hcc/proto';
import type { TrunkHealthReader } from './health.ts';

export interface TrunkChoice {
  /** Trunks to try, in order (sequential failover). */
  trunks: Trunk[];
  /** Trunks left out because they are marked down (CDR step `trunk-down-skip`). */
  skipped: Trunk[];
}

/** The site's outbound trunks by priority (lowest first; ties keep the bundle's order). */
export function outboundTrunks(bundle: ConfigBundle): Trunk[] {
  const carriers = bundle.trunks.filter((t) => t.kind === TrunkKind.CARRIER);
  const pool = carriers.length > 0 ? carriers : bundle.trunks;
  return pool
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.priority - b.t.priority || a.i - b.i)
    .map((x) => x.t);
}

/** The trunks a call out tries, healthy ones first; `namedId` (a flow's or transfer's trunk) leads. */
export function chooseTrunks(
  bundle: ConfigBundle,
  health?: TrunkHealthReader,
  namedId?: string,
): TrunkChoice {
  const named = namedId ? bundle.trunks.find((t) => t.id === namedId) : undefined;
  const order = named
    ? [named, ...outboundTrunks(bundle).filter((t) => t !== named)]
    : outboundTrunks(bundle);
  if (!health) return { trunks: order, skipped: [] };
  const usable = order.filter((t) => health.state(t.id) !== 'down');
  if (usable.length === 0) return { trunks: order, skipped: [] };
  return { trunks: usable, skipped: order.filter((t) => !usable.includes(t)) };
}

/**
 * Whether an INVITE's failure is the trunk's (try the next one) rather than the called party's
 * answer: no response (timeout), 408, or a 5xx. 4xx and 6xx come from the far end and stand.
 */
export function trunkFailed(status: number | undefined): boolean {
  return status === undefined || status === 408 || (status >= 500 && status < 600);
}
