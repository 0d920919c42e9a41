import { create } from '@bufbuild/protobuf';
import {
  ConfigAppliedSchema,
  ConfigRejectedSchema,
  EdgeHeartbeatSchema,
  SipProtectionSchema,
  type TrunkHealth,
} from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import type { ConfigStore } from '../config/store.ts';
import type { EventSink } from '../events/sink.ts';

export interface HeartbeatFacts {
  activeCalls: number;
  registeredDevices: number;
  rtpengineHealthy: boolean;
  natsConnected: boolean;
  outboxBacklog: number;
  /** The SIP front door's counters (absent before the call layer runs). */
  sipProtection?: {
    bannedAddresses: number;
    dropped: number;
    rateLimited: number;
    overloaded: number;
    authFailures: number;
    registrationsCapped: number;
    /** Calls out refused by the dial policy or its caps. */
    dialRefused?: number;
  };
  /** Health of the applied config's trunks (OPTIONS pings), as heartbeat entries. */
  trunkHealth?: TrunkHealth[];
}

export interface FleetReporterOptions {
  nodeId: string;
  /** Edge software version (semver). */
  version: string;
  heartbeatMs: number;
  facts: () => HeartbeatFacts;
}

/**
 * Reports this edge to the fleet view through one EventSink: ConfigApplied / ConfigRejected from the
 * config store's observer (listening only: reporting can never change what is applied) and a
 * periodic EdgeHeartbeat. A failed emit is logged, never thrown. Returns a stop function.
 */
export function startFleetReporter(
  store: ConfigStore,
  sink: EventSink,
  o: FleetReporterOptions,
  log: Logger,
): () => void {
  const started = Date.now();
  const send = (what: string, p: Promise<void>) =>
    p.catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err), what }, 'fleet report not sent'),
    );
  const offApplied = store.observer.on('applied', (e) => {
    void send(
      'config_applied',
      sink.emit(
        {
          case: 'configApplied',
          value: create(ConfigAppliedSchema, { version: e.version, previousVersion: e.previousVersion }),
        },
        { configVersion: e.version },
      ),
    );
  });
  const offRejected = store.observer.on('rejected', (e) => {
    void send(
      'config_rejected',
      sink.emit({
        case: 'configRejected',
        value: create(ConfigRejectedSchema, { version: e.version, reason: e.reason, detail: e.detail }),
      }),
    );
  });
  const beat = () => {
    const f = o.facts();
    void send(
      'edge_heartbeat',
      sink.emit({
        case: 'edgeHeartbeat',
        value: create(EdgeHeartbeatSchema, {
          nodeId: o.nodeId,
          uptimeSeconds: BigInt(Math.floor((Date.now() - started) / 1000)),
          activeCalls: f.activeCalls,
          registeredDevices: f.registeredDevices,
          rtpengineHealthy: f.rtpengineHealthy,
          natsConnected: f.natsConnected,
          outboxBacklog: BigInt(f.outboxBacklog),
          version: o.version,
          ...(f.sipProtection
            ? {
                sipProtection: create(SipProtectionSchema, {
                  bannedAddresses: f.sipProtection.bannedAddresses,
                  dropped: BigInt(f.sipProtection.dropped),
                  rateLimited: BigInt(f.sipProtection.rateLimited),
                  overloaded: BigInt(f.sipProtection.overloaded),
                  authFailures: BigInt(f.sipProtection.authFailures),
                  registrationsCapped: BigInt(f.sipProtection.registrationsCapped),
                  dialRefused: BigInt(f.sipProtection.dialRefused ?? 0),
                }),
              }
            : {}),
          trunkHealth: f.trunkHealth ?? [],
        }),
      }),
    );
  };
  beat();
  const timer = setInterval(beat, o.heartbeatMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    offApplied();
    offRejected();
  };
}
