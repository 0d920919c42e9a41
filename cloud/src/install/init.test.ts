import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForTcp } from '@hcc/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { runInit } from './cli.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'hcc-init-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const quiet = async (args: string[]) => {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await runInit(args);
  } finally {
    process.stdout.write = write;
  }
};

describe('hcc-cloud init', () => {
  it('creates each secret once (0600), keeps them on a second run, and renders a hub config nats-server runs', async () => {
    const dir = temp();
    const secrets = join(dir, 'secrets');
    const files = ['config-signing.key', 'nats-authority.json', 'nats-operator.json', 'cloud-secrets.key'];
    expect(await quiet(['--secrets-dir', secrets])).toBe(0);
    const first = files.map((f) => readFileSync(join(secrets, f), 'utf8'));
    for (const f of files) expect(statSync(join(secrets, f)).mode & 0o777, f).toBe(0o600);
    expect(await quiet(['--secrets-dir', secrets])).toBe(0);
    expect(files.map((f) => readFileSync(join(secrets, f), 'utf8'))).toEqual(first);

    const [port, leafPort] = [await freePort(), await freePort()];
    const hubConf = join(dir, 'run', 'hub.conf');
    const env = { ...process.env };
    Object.assign(process.env, {
      CLOUD_HUB_PORT: String(port),
      CLOUD_HUB_LEAF_PORT: String(leafPort),
      CLOUD_HUB_STORE_DIR: join(dir, 'nats'),
    });
    try {
      expect(await quiet(['--secrets-dir', secrets, '--hub-conf', hubConf])).toBe(0);
    } finally {
      process.env = env;
    }
    const conf = readFileSync(hubConf, 'utf8');
    const operator = JSON.parse(first[2] ?? '{}') as { operatorJwt: string; systemAccount: string };
    expect(conf).toContain(operator.operatorJwt);
    expect(conf).toContain(`system_account: "${operator.systemAccount}"`);
    expect(conf).toContain(`"port": ${leafPort}`);
    const hub = spawn('nats-server', ['-c', hubConf], { stdio: 'ignore' });
    try {
      await waitForTcp('127.0.0.1', port, 15_000);
      await waitForTcp('127.0.0.1', leafPort, 15_000);
    } finally {
      hub.kill('SIGINT');
    }
  });

  it('refuses an unknown owner and bad options as usage errors, writing nothing', async () => {
    const dir = temp();
    await expect(quiet(['--secrets-dir', join(dir, 's'), '--owner', 'no-such-user-hcc'])).rejects.toThrow(
      'no such user',
    );
    await expect(quiet(['--bogus'])).rejects.toThrow(/bogus/);
    expect(() => statSync(join(dir, 's'))).toThrow();
  });

  it("is the cloud command line's init command", () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'cloud/src/cli.ts', '--help'], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/init\s+create the cloud secrets/);
  });
});
