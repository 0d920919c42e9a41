/**
 * `hcc-edge` as a site runs it, on the network settings of edge.env: the service refuses a
 * clear-text desktop on a non-loopback address before it opens anything, and `hcc-edge rtpengine`
 * turns EDGE_RTP_HOST / EDGE_PUBLIC_ADDRESS into rtpengine's --interface.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const execp = promisify(execFile);

async function hccEdge(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EDGE_')));
  return execp(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...clean, ...env },
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

describe('hcc-edge on a real network', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-edge-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to serve the desktop in clear text on a non-loopback address, naming the TLS settings', async () => {
    const r = await hccEdge(['run'], { EDGE_HTTP_HOST: '0.0.0.0', EDGE_DATA_DIR: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^edge failed to start: EDGE_HTTP_HOST=0\.0\.0\.0 is not a loopback address/);
    expect(r.stderr).toContain('EDGE_TLS_CERT and EDGE_TLS_KEY');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 40_000);

  it('runs rtpengine on EDGE_RTP_HOST, advertising EDGE_PUBLIC_ADDRESS in SDP', async () => {
    const r = await hccEdge(['rtpengine', '--print'], {
      EDGE_SIP_HOST: '0.0.0.0',
      EDGE_RTP_HOST: '192.0.2.10',
      EDGE_PUBLIC_ADDRESS: '203.0.113.7',
      EDGE_RTPENGINE_NG: '127.0.0.1:22300',
      EDGE_MEDIA_PORT_MIN: '40000',
      EDGE_MEDIA_PORT_MAX: '40999',
      EDGE_DTMF_PORT: '22301',
      EDGE_DATA_DIR: dir,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const args = r.stdout.trim().split(' ');
    expect(args[0]).toBe('rtpengine');
    expect(args).toEqual(
      expect.arrayContaining([
        '--interface=192.0.2.10!203.0.113.7',
        '--listen-ng=127.0.0.1:22300',
        '--port-min=40000',
        '--port-max=40999',
        '--dtmf-log-dest=127.0.0.1:22301',
        `--recording-dir=${join(dir, 'recordings-spool')}`,
      ]),
    );
  }, 40_000);
});
