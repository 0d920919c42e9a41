// SIPp against the minimal test application, over UDP and TCP.
import { join } from 'node:path';
import { freePort, startChild } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './test-app.ts';

const scenarios = join(import.meta.dirname, 'scenarios');
const CPS_XML = '/work/shared/bench/uac-cps.xml';

let app: Awaited<ReturnType<typeof startTestApp>>;
let udpPort: number;
let tcpPort: number;

beforeAll(async () => {
  udpPort = await freePort();
  tcpPort = await freePort();
  // SIPp 3.6 answers only MD5 challenges (and picks the first one), so this app offers MD5 alone;
  // SHA-256 is covered by the unit tests and by baresip.
  app = await startTestApp({ host: '127.0.0.1', udpPort, tcpPort, algorithms: ['MD5'] });
});

afterAll(async () => {
  await app?.close();
});

interface SippRun {
  code: number | null;
  output: string;
}

async function sipp(
  scenario: string,
  args: string[],
  opts: { tcp?: boolean; timeoutS?: number } = {},
): Promise<SippRun> {
  const port = await freePort();
  const target = `127.0.0.1:${opts.tcp ? tcpPort : udpPort}`;
  const child = startChild({
    name: 'sipp',
    command: 'sipp',
    args: [
      '-sf',
      scenario,
      target,
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      opts.tcp ? 't1' : 'u1',
      '-nostdin',
      '-timeout',
      `${opts.timeoutS ?? 40}s`,
      '-timeout_error',
      '-max_recv_loops',
      '1000',
      ...args,
    ],
  });
  try {
    const exit = await child.exited;
    return { code: exit.code, output: child.tail() };
  } finally {
    await child.stop();
  }
}

describe('SIPp against the stack', () => {
  for (const tcp of [false, true]) {
    const proto = tcp ? 'TCP' : 'UDP';
    it(`basic calls INVITE/200/ACK/BYE (${proto})`, async () => {
      const before = app.stats.byes;
      const r = await sipp(CPS_XML, ['-s', 'service', '-m', '50', '-r', '25', '-l', '50'], { tcp });
      expect(r.code, r.output).toBe(0);
      expect(app.stats.byes - before).toBe(50);
    });

    it(`CANCEL before answer gets 200 and 487 (${proto})`, async () => {
      const before = app.stats.cancels;
      const r = await sipp(join(scenarios, 'uac-cancel.xml'), ['-s', 'slow', '-m', '10', '-r', '10'], {
        tcp,
      });
      expect(r.code, r.output).toBe(0);
      expect(app.stats.cancels - before).toBe(10);
    });

    it(`REGISTER with digest authentication (${proto})`, async () => {
      const r = await sipp(join(scenarios, 'uac-register.xml'), ['-s', 'sipp', '-m', '5', '-r', '5'], {
        tcp,
      });
      expect(r.code, r.output).toBe(0);
      expect(await app.registrar.lookup('sip:sipp@127.0.0.1')).toHaveLength(0);
    });

    it(`a re-INVITE inside the call (${proto})`, async () => {
      const r = await sipp(join(scenarios, 'uac-reinvite.xml'), ['-s', 'service', '-m', '10', '-r', '10'], {
        tcp,
      });
      expect(r.code, r.output).toBe(0);
    });

    it(`the application hangs up with BYE (${proto})`, async () => {
      const before = app.stats.hangups;
      const r = await sipp(
        join(scenarios, 'uac-callee-hangs-up.xml'),
        ['-s', 'hangup', '-m', '10', '-r', '10'],
        { tcp },
      );
      expect(r.code, r.output).toBe(0);
      expect(app.stats.hangups - before).toBe(10);
    });
  }

  it('basic calls with 10% packet loss (-lost 10, UDP)', async () => {
    const r = await sipp(
      CPS_XML,
      ['-s', 'service', '-m', '30', '-r', '10', '-l', '30', '-lost', '10', '-recv_timeout', '20000'],
      {
        timeoutS: 90,
      },
    );
    expect(r.code, r.output).toBe(0);
  }, 120_000);
});
