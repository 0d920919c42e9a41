import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerCert } from '@hcc/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDevTls, ensureEdgeSipCert } from './dev-ca.ts';

describe('dev stack CA', () => {
  const state = mkdtempSync(join(tmpdir(), 'hcc-dev-ca-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('is made on the first start and kept; the hub certificate is re-issued by the same CA when missing', async () => {
    const first = await ensureDevTls(state);
    expect(first.caFile).toBe(join(state, 'tls', 'ca.pem'));
    checkServerCert(first.hubCert, first.caFile, ['127.0.0.1', 'localhost']);
    const ca = readFileSync(first.caFile, 'utf8');
    const cert = readFileSync(first.hubCert.certFile, 'utf8');

    const again = await ensureDevTls(state);
    expect(readFileSync(again.caFile, 'utf8')).toBe(ca);
    expect(readFileSync(again.hubCert.certFile, 'utf8')).toBe(cert);

    unlinkSync(first.hubCert.certFile);
    const reissued = await ensureDevTls(state);
    expect(readFileSync(reissued.caFile, 'utf8')).toBe(ca);
    expect(readFileSync(reissued.hubCert.certFile, 'utf8')).not.toBe(cert);
    checkServerCert(reissued.hubCert, reissued.caFile, ['127.0.0.1']);
  });

  it("issues an edge's SIP TLS certificate from the same CA for its SIP host, kept while it fits", async () => {
    const { caFile } = await ensureDevTls(state);
    const cert = await ensureEdgeSipCert(state, 'hq', ['127.0.0.2']);
    checkServerCert(cert, caFile, ['127.0.0.1', '127.0.0.2']);
    const pem = readFileSync(cert.certFile, 'utf8');
    expect(readFileSync((await ensureEdgeSipCert(state, 'hq', ['127.0.0.2'])).certFile, 'utf8')).toBe(pem);
    // Another SIP host: a new certificate that names it.
    const moved = await ensureEdgeSipCert(state, 'hq', ['127.0.0.9']);
    checkServerCert(moved, caFile, ['127.0.0.9']);
  });
});
