export { chooseTrunks, outboundTrunks, type TrunkChoice, trunkFailed } from './choose.ts';
export {
  CONFIG_CHECK_MS,
  PING_TIMEOUT_MS,
  type Pinger,
  type PingOutcome,
  type TrunkChangeReason,
  TrunkHealthCounter,
  type TrunkHealthEvents,
  TrunkHealthMonitor,
  type TrunkHealthReader,
  type TrunkHealthView,
  type TrunkState,
  type TrunkStatusChange,
  trunkStatusView,
} from './health.ts';
export { optionsPinger, pingAnswered, trunkPingHop } from './ping.ts';
export { trunkHealthEntries, trunkStatusBody } from './proto.ts';
