import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { ReadinessCheck } from '../health/readiness.ts';
import type { Logger } from '../log/logger.ts';

/**
 * Connects to a nats-server and keeps reconnecting forever: a service starts even when its server is
 * not up yet, and rides out restarts and WAN cuts. Status changes are logged.
 */
export async function connectNats(opts: {
  servers: string;
  name: string;
  log: Logger;
}): Promise<NatsConnection> {
  const nc = await connect({
    servers: opts.servers,
    name: opts.name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
        opts.log.info({ nats: s.type, server: 'server' in s ? s.server : undefined }, `nats ${s.type}`);
      }
    }
  })();
  return nc;
}

/** Ready when the server answers a round trip. */
export function natsReadiness(nc: NatsConnection): ReadinessCheck {
  return {
    name: 'nats',
    async check() {
      if (nc.isClosed()) throw new Error('connection closed');
      await nc.rtt();
    },
  };
}
