/**
 * The WAN link between an edge's leaf and the hub (issue 14 item 6), on real nats-server processes
 * in operator mode: a tcpdump capture of the hub's leafnode port while events go up and config
 * comes down shows no clear-text NATS protocol, subject or payload on the TLS link, and the same
 * check finds them on the clear-text link (so it can fail). A leaf pinned to another CA never
 * connects and its log says why; pinned to the hub's CA it connects.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureHubEventsStream, ensureSiteHubEventsStream, openSiteConfigBucket } from '@hcc/cloud';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from '@hcc/edge';
import { createCa, names } from '@hcc/shared';
import { startTestLeaf, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackCapture } from './leaf-link/capture.ts';
import { clearTextNeedles, judgeLink } from './leaf-link/clear-text.ts';
import { type OperatorHub, startOperatorHub } from './operator-hub.ts';

/** A hub with one site account (hq), the cloud's and the site's hub connections, the leaf's creds. */
type LinkHub = OperatorHub & { cloud: NatsConnection; siteNc: NatsConnection; creds: string };

const CONFIG_MARKER = 'config-marker-7f3a9c';
const EVENT_MARKER = 'event-marker-51be02';

describe('leaf link TLS', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function hubWithSite(tls: boolean): Promise<LinkHub> {
    const oh = await startOperatorHub(tls ? 'hub-tls' : 'hub-clear', { tls });
    cleanups.push(() => oh.hub.dispose());
    const account = oh.authority.newSiteAccount('hq');
    await oh.authority.pushSiteAccount(account);
    await oh.authority.pushCloudAccount([account]);
    const site = await oh.authority.connectSite(account);
    cleanups.push(() => site.close());
    await ensureSiteHubEventsStream(await jetstreamManager(site), 'hq');
    const cloud = await oh.authority.connectCloud('link-test');
    cleanups.push(() => cloud.close());
    await ensureHubEventsStream(await jetstreamManager(cloud), ['hq']);
    return { ...oh, cloud, siteNc: site, creds: (await oh.authority.leafCredentials(account)).creds };
  }

  const leafPortOf = (url: string) => Number(new URL(url).port);

  /** Events up and config down across the link; returns when both arrived. */
  async function traffic({ cloud, siteNc }: LinkHub, leaf: TestNatsServer): Promise<void> {
    const nc = await connect({ servers: leaf.url });
    cleanups.push(() => nc.close());
    await waitFor('leaf events stream', async () => {
      await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
      return true;
    });
    const mirror = await waitFor('config mirror', () => openEdgeConfigMirror(nc, 'hq'), 20_000);
    for (let i = 0; i < 5; i++)
      await jetstream(nc).publish(names.eventSubject('hq', 'link'), `${EVENT_MARKER}-${i}`, {
        msgID: `e${i}`,
      });
    const jsm = await jetstreamManager(cloud);
    await waitFor(
      'events in the hub aggregate',
      async () => (await jsm.streams.info(names.HUB_EVENTS_STREAM)).state.messages === 5,
      20_000,
    );
    await (await openSiteConfigBucket(siteNc)).put('hq', CONFIG_MARKER);
    await waitFor(
      'config in the leaf mirror',
      async () => (await mirror.get('hq'))?.string() === CONFIG_MARKER,
      20_000,
    );
  }

  async function capturedRun(tls: boolean) {
    const oh = await hubWithSite(tls);
    const port = leafPortOf(oh.hub.leafUrl);
    const capture = new LoopbackCapture(port);
    cleanups.push(() => capture.dispose());
    await capture.start();
    const leaf = await startTestLeaf('hq', oh.hub, { creds: oh.creds });
    cleanups.push(() => leaf.dispose());
    await traffic(oh, leaf);
    const flows = await capture.stop();
    expect(capture.summary).toMatch(/^0 packets dropped by kernel/m);
    const needles = clearTextNeedles([
      names.eventSubject('hq', 'link'),
      names.configKvSubject('hq'),
      CONFIG_MARKER,
      EVENT_MARKER,
      'leaf-hq',
    ]);
    return { flows, verdict: judgeLink(flows, port, needles) };
  }

  it('TLS: the capture of the link during traffic shows only TLS records after the hub INFO', async () => {
    const { flows, verdict } = await capturedRun(true);
    const bytes = flows.reduce((n, f) => n + f.bytes.length, 0);
    expect(bytes).toBeGreaterThan(5_000); // the capture did see the traffic
    expect(verdict.found).toEqual([]);
    expect(verdict.notTls).toEqual([]);
    // nats-server 2.9: one clear INFO per connection, announcing TLS (no subjects, no payload).
    expect(verdict.infos.length).toBeGreaterThanOrEqual(1);
    for (const info of verdict.infos) expect(JSON.parse(info.slice(5))).toMatchObject({ tls_required: true });
  });

  it('clear text (the configuration before this issue): the same check finds protocol, subjects and payloads', async () => {
    const { verdict } = await capturedRun(false);
    expect(verdict.found).toEqual(
      expect.arrayContaining(['CONNECT {', 'LS+ ', 'LMSG ', '$JS.', CONFIG_MARKER, EVENT_MARKER]),
    );
    expect(verdict.notTls.length).toBeGreaterThan(0);
  });

  it('a leaf pinned to another CA refuses the hub and says why; the right CA connects', async () => {
    const oh = await hubWithSite(true);
    const dir = mkdtempSync(join(tmpdir(), 'hcc-other-ca-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const other = await createCa(dir, { commonName: 'someone else' });
    const pinnedOther = await startTestLeaf('hq', oh.hub, {
      creds: oh.creds,
      caFile: other.certFile,
      name: 'leaf-pinned-other',
    });
    cleanups.push(() => pinnedOther.dispose());
    const log = () => readFileSync(pinnedOther.logFile, 'utf8');
    await waitFor(
      'two refused handshakes',
      async () => (log().match(/TLS leafnode handshake error/g) ?? []).length >= 2,
      20_000,
    );
    expect(log()).toContain('x509: certificate signed by unknown authority');
    // 2.9.10 logs "connection created" before the handshake: every attempt ended in a failed handshake.
    const attempts = (log().match(/Leafnode connection created/g) ?? []).length;
    expect(
      (log().match(/Leafnode connection closed: TLS Handshake Failure/g) ?? []).length,
    ).toBeGreaterThanOrEqual(attempts - 1);
    // Nothing crossed: the leaf's stream never reaches the hub.
    const nc = await connect({ servers: pinnedOther.url });
    cleanups.push(() => nc.close());
    await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
    await jetstream(nc).publish(names.eventSubject('hq', 'link'), 'x', { msgID: 'x1' });
    const jsm = await jetstreamManager(oh.cloud);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await jsm.streams.info(names.HUB_EVENTS_STREAM)).state.messages).toBe(0);
    await pinnedOther.stop();

    const good = await startTestLeaf('hq', oh.hub, { creds: oh.creds, name: 'leaf-pinned-hub' });
    cleanups.push(() => good.dispose());
    await waitFor(
      'leaf connected',
      async () => readFileSync(good.logFile, 'utf8').includes('Leafnode connection created'),
      20_000,
    );
    await traffic(oh, good);
  });
});
