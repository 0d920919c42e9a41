import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createCa, issueServerCert } from '@hcc/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeSettings } from './settings.ts';
import { sipTlsSettings } from './settings-sip-tls.ts';

let dir: string;
let files: { cert: string; key: string; otherKey: string; ca: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sip-tls-settings-'));
  const ca = await createCa(dir, { commonName: 'settings test CA' });
  const a = await issueServerCert(ca, dir, { commonName: 'edge' }, 'edge');
  const b = await issueServerCert(ca, dir, { commonName: 'other' }, 'other');
  files = { cert: a.certFile, key: a.keyFile, otherKey: b.keyFile, ca: ca.certFile };
}, 30_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIP over TLS settings', () => {
  it('is off without a certificate and key, and on with them (port 5061, CA optional)', () => {
    expect(sipTlsSettings({})).toBeUndefined();
    const on = sipTlsSettings({ EDGE_SIP_TLS_CERT: files.cert, EDGE_SIP_TLS_KEY: files.key });
    expect(on?.port).toBe(5061);
    expect(on?.ca).toBeUndefined();
    expect(on?.cert).toMatch(/BEGIN CERTIFICATE/);
    const withCa = sipTlsSettings({
      EDGE_SIP_TLS_CERT: files.cert,
      EDGE_SIP_TLS_KEY: files.key,
      EDGE_SIP_TLS_CA: files.ca,
      EDGE_SIP_TLS_PORT: '5071',
    });
    expect(withCa).toMatchObject({ port: 5071, ca: expect.stringMatching(/BEGIN CERTIFICATE/) });
  });

  it('stops the start with a clear error on an incomplete or mismatched pair, a bad CA or a port clash', () => {
    const bad = (env: NodeJS.ProcessEnv, re: RegExp) => {
      expect(() => edgeSettings(env)).toThrow(ConfigError);
      expect(() => edgeSettings(env)).toThrow(re);
    };
    bad({ EDGE_SIP_TLS_CERT: files.cert }, /EDGE_SIP_TLS_CERT and EDGE_SIP_TLS_KEY go together/);
    bad(
      { EDGE_SIP_TLS_CERT: files.cert, EDGE_SIP_TLS_KEY: files.otherKey },
      /EDGE_SIP_TLS_CERT\/EDGE_SIP_TLS_KEY/,
    );
    bad({ EDGE_SIP_TLS_CA: files.ca }, /need EDGE_SIP_TLS_CERT and EDGE_SIP_TLS_KEY/);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate');
    bad(
      { EDGE_SIP_TLS_CERT: files.cert, EDGE_SIP_TLS_KEY: files.key, EDGE_SIP_TLS_CA: junk },
      /holds no PEM certificate/,
    );
    bad(
      {
        EDGE_SIP_TLS_CERT: files.cert,
        EDGE_SIP_TLS_KEY: files.key,
        EDGE_SIP_TLS_CA: join(dir, 'missing.pem'),
      },
      /EDGE_SIP_TLS_CA: cannot read/,
    );
    bad(
      { EDGE_SIP_TLS_CERT: files.cert, EDGE_SIP_TLS_KEY: files.key, EDGE_SIP_TLS_PORT: '5060' },
      /EDGE_SIP_TLS_PORT=5060 is EDGE_SIP_PORT/,
    );
    expect(edgeSettings({ EDGE_SIP_TLS_CERT: files.cert, EDGE_SIP_TLS_KEY: files.key }).sipTls?.port).toBe(
      5061,
    );
  });
});
