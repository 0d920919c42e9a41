// The SIP stack behind the edge's real front door (buildFrontDoor from EDGE_SIP_* settings: source guard, scanner
// screen, overload guard, digest policy) with a digest registrar over an in-memory user, as a process, for
// edge/bench/sip-protect.ts. The running edge looks the user's HA1 up in PostgreSQL instead.
// Run: node --import tsx edge/bench/protect-app.ts <port>
import { silentLogger } from '@hcc/shared';
import { buildFrontDoor } from '../src/call/front-door.ts';
import { sipProtectionSettings } from '../src/settings-sip.ts';
import {
  DigestServer,
  MemoryBindingStore,
  Registrar,
  SipStack,
  systemClock,
  UdpTransport,
} from '../src/sip/index.ts';

const port = Number(process.argv[2] ?? 5070);
const door = buildFrontDoor({
  settings: sipProtectionSettings(),
  config: { current: () => undefined },
  clock: systemClock,
  log: silentLogger,
});
const stack = new SipStack({
  transports: [new UdpTransport({ host: '127.0.0.1', port })],
  rateLimiter: door.admission,
  screen: door.screen,
  overload: door.overload,
});
const auth = new DigestServer({
  realm: 'hcc-bench',
  clock: systemClock,
  algorithms: door.digest.algorithms,
  offer: door.digest.offer,
  failures: door.digest.failures,
  lookup: (u) => (u === '1001' ? { password: 'right-secret' } : undefined),
});
const registrar = new Registrar({ clock: systemClock, store: new MemoryBindingStore(), auth });
stack.use('REGISTER', registrar.handler());
stack.use('OPTIONS', (req) => void req.reply(200));
await stack.start();
console.log(`ready pid=${process.pid} port=${port}`);
setInterval(() => console.log(`counters ${JSON.stringify(door.counters(stack))}`), 1000).unref();
const stop = async () => {
  await stack.close();
  door.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
