import { connectionTransport, type HubAuthority, type SiteAccount } from '@hcc/cloud';
import { issueAccountJwt, issueUser, names, type OperatorMaterial, pushAccountClaims } from '@hcc/shared';
import { startTestLeaf, type TestHub, type TestNatsServer, waitFor } from '@hcc/shared/testing';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperatorHub } from './operator-hub.ts';

// Watermarks go down over the cloud's one connection: the cloud account exports `hcc.wm.*` and each
// site account imports exactly its own `hcc.wm.<site>`. Real nats-server 2.9.10 in operator mode,
// with each site's leaf connected with its leaf credentials.

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Everything a subscription received, as `subject payload`. */
interface Tap {
  readonly got: string[];
  has(subject: string, payload?: string): boolean;
}

function tap(nc: NatsConnection, subject: string): Tap {
  const got: string[] = [];
  const sub = nc.subscribe(subject);
  void (async () => {
    for await (const m of sub) got.push(`${m.subject} ${dec.decode(m.data)}`);
  })();
  return {
    got,
    has: (s, payload) =>
      got.some((g) => (payload === undefined ? g.startsWith(`${s} `) : g === `${s} ${payload}`)),
  };
}

function siteAccounts(authority: HubAuthority, sites: string[]): Record<string, SiteAccount> {
  return Object.fromEntries(sites.map((site) => [site, authority.newSiteAccount(site)]));
}

/** Pushes the account JWTs in the order Enrollment.restore does at every start: sites, then the cloud. */
async function restoreOrder(authority: HubAuthority, accounts: Record<string, SiteAccount>): Promise<void> {
  for (const a of Object.values(accounts)) await authority.pushSiteAccount(a);
  await authority.pushCloudAccount(Object.values(accounts));
}

describe('watermarks over the cloud account export', () => {
  let hub: TestHub;
  let authority: HubAuthority;
  let accounts: Record<string, SiteAccount>;
  const leaves: TestNatsServer[] = [];
  const conns: NatsConnection[] = [];
  const dial = async (url: string) => {
    const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    conns.push(nc);
    return nc;
  };
  const leaf = async (site: string, creds: string, name?: string) => {
    const l = await startTestLeaf(site, hub, { creds, ...(name ? { name } : {}) });
    leaves.push(l);
    return l;
  };

  beforeAll(async () => {
    ({ hub, authority } = await startOperatorHub());
    accounts = siteAccounts(authority, ['hq', 'branch']);
    // A fresh install: the site accounts import from a cloud account the hub does not know yet.
    await restoreOrder(authority, accounts);
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    for (const l of leaves) await l.dispose();
    await hub?.dispose();
  });

  it("reaches the site's own account and leaf, and no other site's, not even a rogue leaf of it", async () => {
    const hqLeaf = await leaf('hq', (await authority.leafCredentials(accounts.hq!)).creds);
    const branchLeaf = await leaf('branch', (await authority.leafCredentials(accounts.branch!)).creds);
    // Someone at branch builds a leaf with branch's credentials that claims hq's domain.
    const rogueLeaf = await leaf(
      'hq',
      (await authority.leafCredentials(accounts.branch!)).creds,
      'rogue-branch-as-hq',
    );
    const cloudNc = await authority.connectCloud('test-cloud');
    conns.push(cloudNc);
    const hqAccountNc = await authority.connectSite(accounts.hq!);
    const branchAccountNc = await authority.connectSite(accounts.branch!);
    conns.push(hqAccountNc, branchAccountNc);

    const hqLeafNc = await dial(hqLeaf.url);
    const branchLeafNc = await dial(branchLeaf.url);
    const rogueNc = await dial(rogueLeaf.url);
    const wmHq = names.watermarkSubject('hq');
    const wmBranch = names.watermarkSubject('branch');
    const own = [tap(hqLeafNc, wmHq), tap(hqAccountNc, wmHq)];
    // Every subscriber of branch's account, each on a connection that also taps a wildcard, so
    // branch's own watermark (published after hq's) proves hq's would have arrived by then.
    const branchWide = [
      tap(branchLeafNc, 'hcc.wm.>'),
      tap(branchAccountNc, 'hcc.wm.>'),
      tap(rogueNc, 'hcc.wm.>'),
      tap(rogueNc, 'hcc.wm.*'),
    ];
    const branchNarrow = [tap(branchLeafNc, wmHq), tap(branchAccountNc, wmHq), tap(rogueNc, wmHq)];

    // The cloud's one connection, as the service publishes (no per-site connection or user).
    const transport = connectionTransport(cloudNc);
    let round = 0;
    await waitFor(
      'watermarks reach every subscriber through the leaf links',
      async () => {
        round++;
        await transport.publish('hq', enc.encode(`hq-${round}`));
        await transport.publish('branch', enc.encode(`branch-${round}`));
        await cloudNc.flush();
        await new Promise((r) => setTimeout(r, 100));
        return own.every((t) => t.has(wmHq)) && branchWide.every((t) => t.has(wmBranch));
      },
      20_000,
      100,
    );
    // Once more with every subscription in place: hq's watermark first, then branch's as a marker.
    await transport.publish('hq', enc.encode('hq-last'));
    await transport.publish('branch', enc.encode('branch-last'));
    await waitFor('hq receives its last watermark', () => own.every((t) => t.has(wmHq, 'hq-last')));
    await waitFor('branch receives its marker', () =>
      branchWide.every((t) => t.has(wmBranch, 'branch-last')),
    );

    for (const t of [...branchWide, ...branchNarrow])
      expect(t.got.filter((g) => g.startsWith(`${wmHq} `))).toEqual([]);
    for (const t of branchNarrow) expect(t.got).toEqual([]);
    for (const t of branchWide) expect(t.got.every((g) => g.startsWith(`${wmBranch} `))).toBe(true);
    // hq hears only its own subject, never branch's.
    for (const t of own) expect(t.got.every((g) => g.startsWith(`${wmHq} `))).toBe(true);
  });
});

// An installation from before the export: its hub holds the old account JWTs (no export, no
// imports). Enrollment.restore re-pushes every site account and then the cloud account at start;
// after that the one cloud connection reaches the existing site's leaf.
describe('watermark import after an upgrade', () => {
  let hub: TestHub;
  let material: OperatorMaterial;
  let authority: HubAuthority;
  let accounts: Record<string, SiteAccount>;
  let site: TestNatsServer | undefined;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    ({ hub, material, authority } = await startOperatorHub('hub-upgrade'));
    accounts = siteAccounts(authority, ['old-site']);
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => {})));
    await site?.dispose();
    await hub?.dispose();
  });

  it('re-pushing the accounts in restore order gives an existing site its import', async () => {
    const sys = await connect({
      servers: hub.url,
      authenticator: credsAuthenticator(
        enc.encode(
          (await issueUser({ name: 'test-sys', accountSeed: material.systemAccountSeed, ttlSeconds: 300 }))
            .creds,
        ),
      ),
    });
    conns.push(sys);
    // The JWTs as the previous version issued them.
    const a = accounts['old-site']!;
    await pushAccountClaims(
      sys,
      await issueAccountJwt(material.operatorSeed, {
        name: names.siteAccountName(a.site),
        account: a.publicKey,
        jetstream: true,
      }),
    );
    await pushAccountClaims(
      sys,
      await issueAccountJwt(material.operatorSeed, {
        name: names.CLOUD_ACCOUNT_NAME,
        account: authority.cloudAccount,
        jetstream: true,
      }),
    );
    site = await startTestLeaf(a.site, hub, { creds: (await authority.leafCredentials(a)).creds });
    const cloudNc = await authority.connectCloud('test-cloud-upgrade');
    const siteNc = await connect({ servers: site.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    conns.push(cloudNc, siteNc);
    const wm = tap(siteNc, names.watermarkSubject(a.site));
    const transport = connectionTransport(cloudNc);
    const publishUntil = (what: string, payload: string, timeoutMs: number) =>
      waitFor(
        what,
        async () => {
          await transport.publish(a.site, enc.encode(payload));
          await cloudNc.flush();
          await new Promise((r) => setTimeout(r, 100));
          return wm.has(names.watermarkSubject(a.site), payload);
        },
        timeoutMs,
        100,
      );

    // Before the upgrade nothing crosses from the cloud account into the site account.
    await expect(publishUntil('old JWTs carry no watermark', 'before', 2_000)).rejects.toThrow();
    expect(wm.got).toEqual([]);

    await restoreOrder(authority, accounts);
    await publishUntil('watermark after the re-push', 'after', 15_000);
  });
});
