/** Trunk health in hcc.events.v1 terms: the TrunkStatusChanged body and the heartbeat's entries. */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  TrunkState as PbState,
  type TrunkHealth,
  TrunkHealthSchema,
  TrunkStatusChangedSchema,
  TrunkStatusReason,
} from '@hcc/proto';
import type { EventBody } from '../../events/index.ts';
import type { TrunkChangeReason, TrunkHealthView, TrunkState, TrunkStatusChange } from './health.ts';

const STATE: Record<TrunkState, PbState> = {
  unknown: PbState.UNSPECIFIED,
  up: PbState.UP,
  down: PbState.DOWN,
  unmonitored: PbState.UNMONITORED,
};

const REASON: Record<TrunkChangeReason, TrunkStatusReason> = {
  answered: TrunkStatusReason.ANSWERED,
  timeout: TrunkStatusReason.TIMEOUT,
  'error-response': TrunkStatusReason.ERROR_RESPONSE,
  'send-failed': TrunkStatusReason.SEND_FAILED,
};

export function trunkStatusBody(e: TrunkStatusChange): EventBody {
  return {
    case: 'trunkStatusChanged',
    value: create(TrunkStatusChangedSchema, {
      trunkId: e.trunkId,
      state: STATE[e.state],
      previousState: STATE[e.previous],
      reason: REASON[e.reason],
      consecutive: e.consecutive,
    }),
  };
}

export function trunkHealthEntries(views: readonly TrunkHealthView[]): TrunkHealth[] {
  return views.map((v) =>
    create(TrunkHealthSchema, {
      trunkId: v.id,
      state: STATE[v.state],
      rttMs: Math.round(v.rttMs ?? 0),
      lastChange: timestampFromMs(v.lastChange),
      failures: BigInt(v.failures),
    }),
  );
}
