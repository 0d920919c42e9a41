// The minimal test application as a process, for the signalling benchmarks.
// Run: node --import tsx edge/bench/sip-app.ts <port>
import { startTestApp } from '../test/sip/test-app.ts';

const port = Number(process.argv[2] ?? 5070);
const app = await startTestApp({ host: '127.0.0.1', udpPort: port, algorithms: ['MD5'] });
console.log(`ready pid=${process.pid} port=${port}`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
