import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertFiles, createCa, issueServerCert } from '../tls/ca.ts';
import { ClearTextListenerError } from '../tls/cleartext.ts';
import { hubConf, leafConf, tlsLeafUrl } from './conf.ts';

const run = promisify(execFile);

/** `nats-server -t`: the real binary parses the file (and loads the TLS files) and exits. */
async function natsAccepts(dir: string, name: string, conf: string): Promise<void> {
  const file = join(dir, name);
  writeFileSync(file, conf);
  await run(process.env.NATS_SERVER_BIN ?? 'nats-server', ['-t', '-c', file]);
}

describe('nats-server config rendering', () => {
  let dir: string;
  let ca: CertFiles;
  let cert: CertFiles;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcc-conf-'));
    ca = await createCa(dir, { commonName: 'conf test CA' });
    cert = await issueServerCert(ca, dir, { commonName: 'hub' }, 'hub-leaf');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const hub = (leafTls?: Parameters<typeof hubConf>[0]['leafTls']) =>
    hubConf({
      serverName: 'hub',
      host: '127.0.0.1',
      port: 4222,
      leafPort: 7422,
      storeDir: join(dir, 'js'),
      leafTls,
    });

  it('hub: leafnode TLS with the certificate and a handshake timeout, no client certificates', async () => {
    const conf = hub({ certFile: cert.certFile, keyFile: cert.keyFile });
    expect(conf).toContain(
      `"tls": {\n    "cert_file": ${JSON.stringify(cert.certFile)}\n    "key_file": ${JSON.stringify(cert.keyFile)}\n    "timeout": 5\n  }`,
    );
    expect(conf).not.toContain('verify');
    await natsAccepts(dir, 'hub.conf', conf);
  });

  it('hub without TLS renders no tls block', () => {
    expect(hub()).not.toContain('tls');
  });

  it('leaf: the remote pins the hub CA and uses tls:// URLs', async () => {
    const conf = leafConf({
      serverName: 'leaf-hq',
      domain: 'hq',
      host: '127.0.0.1',
      port: 4223,
      storeDir: join(dir, 'leaf-js'),
      hubUrls: ['nats-leaf://hub-a.example.com:7422', 'hub-b.example.com:7422', 'tls://10.0.0.5:7422'],
      credentials: '/etc/hcc/leaf.creds',
      hubCaFile: '/etc/hcc/hub-ca.pem',
    });
    expect(conf).toContain(
      [
        '    {',
        '      "urls": [',
        '        "tls://hub-a.example.com:7422",',
        '        "tls://hub-b.example.com:7422",',
        '        "tls://10.0.0.5:7422"',
        '      ]',
        '      "credentials": "/etc/hcc/leaf.creds"',
        '      "tls": {',
        '        "ca_file": "/etc/hcc/hub-ca.pem"',
        '        "timeout": 5',
        '      }',
        '    }',
      ].join('\n'),
    );
    // The binary loads ca_file: point it at a real CA to check the syntax.
    await natsAccepts(
      dir,
      'leaf.conf',
      conf.replace('/etc/hcc/hub-ca.pem', ca.certFile).replace(/"credentials".*\n/, ''),
    );
  });

  it('leaf without a pinned CA keeps the URLs as given (clear text)', () => {
    const conf = leafConf({
      serverName: 'l',
      domain: 'hq',
      host: '127.0.0.1',
      port: 4223,
      storeDir: '/x',
      hubUrls: ['nats-leaf://127.0.0.1:7422'],
    });
    expect(conf).toContain('"nats-leaf://127.0.0.1:7422"');
    expect(conf).not.toContain('tls');
  });

  it('tlsLeafUrl rewrites any scheme to tls://', () => {
    expect(tlsLeafUrl('nats-leaf://h:1')).toBe('tls://h:1');
    expect(tlsLeafUrl('nats://h:1')).toBe('tls://h:1');
    expect(tlsLeafUrl(' h:1 ')).toBe('tls://h:1');
    expect(tlsLeafUrl('tls://[::1]:7422')).toBe('tls://[::1]:7422');
  });
});

describe('no clear-text NATS listener beyond loopback', () => {
  const base = { serverName: 'hub', port: 4222, leafPort: 7422, storeDir: '/x' };
  const tls = { certFile: '/c.pem', keyFile: '/c.key' };

  it('refuses a hub client port or a clear-text leafnode port off loopback', () => {
    expect(() => hubConf({ ...base, host: '0.0.0.0' })).toThrow(ClearTextListenerError);
    expect(() => hubConf({ ...base, host: '127.0.0.1', leafHost: '0.0.0.0' })).toThrow(
      /hub leafnode port.*0\.0\.0\.0/,
    );
    expect(() =>
      leafConf({ serverName: 'l', domain: 'hq', host: '10.0.0.1', port: 1, storeDir: '/x', hubUrls: [] }),
    ).toThrow(ClearTextListenerError);
  });

  it('accepts a TLS leafnode port on any address, and clear text only when allowed', () => {
    const conf = hubConf({
      ...base,
      host: '127.0.0.1',
      leafHost: '0.0.0.0',
      advertise: 'hub.example.com:7422',
      leafTls: tls,
    });
    expect(conf).toContain('"host": "0.0.0.0"');
    expect(conf).toContain('"advertise": "hub.example.com:7422"');
    expect(hubConf({ ...base, host: '0.0.0.0', allowClearText: true })).toContain('host: "0.0.0.0"');
  });
});
