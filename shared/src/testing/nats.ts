import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubConf, leafConf } from '../nats/conf.ts';
import type { OperatorMaterial } from '../nats/operator.ts';
import { freePort, type ManagedChild, startChild, waitForTcp } from '../process/child.ts';
import { type CertFiles, createCa, issueServerCert } from '../tls/ca.ts';

/** A real nats-server process started by a test, restartable with the same ports and store. */
export interface TestNatsServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** nats-server's log (appended across restarts). */
  readonly logFile: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process and deletes its directory. */
  dispose(): Promise<void>;
  running(): boolean;
}

export interface TestHub extends TestNatsServer {
  /** `tls://127.0.0.1:<port>` when the leafnode port is TLS, else `nats-leaf://127.0.0.1:<port>`. */
  readonly leafUrl: string;
  /** The CA that signed the hub's leafnode certificate (leaves pin it); undefined in clear text. */
  readonly caFile?: string;
  /** The hub's leafnode certificate and key (a test proxy on the link presents them). */
  readonly leafCert?: CertFiles;
}

export interface TestHubOptions {
  /** Leafnode TLS with a CA made for this hub. Default: on in operator mode (the production shape). */
  tls?: boolean;
}

/** A CA for one test hub and the hub's leafnode certificate (127.0.0.1, localhost). */
export async function testHubTls(
  dir: string,
  name = 'hub',
): Promise<{ caFile: string; leafCert: CertFiles }> {
  const ca = await createCa(join(dir, 'tls'), { commonName: `${name} test CA` });
  const leafCert = await issueServerCert(ca, join(dir, 'tls'), { commonName: name }, 'hub-leaf');
  return { caFile: ca.certFile, leafCert };
}

const NATS_BIN = process.env.NATS_SERVER_BIN ?? 'nats-server';

function serverFromConf(name: string, dir: string, port: number, conf: string): TestNatsServer {
  const confFile = join(dir, `${name}.conf`);
  writeFileSync(confFile, conf);
  let child: ManagedChild | undefined;
  const logFile = join(dir, `${name}.log`);
  return {
    name,
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir: join(dir, 'js'),
    logFile,
    async start() {
      if (child && child.process.exitCode === null) return;
      child = startChild({
        name,
        command: NATS_BIN,
        args: ['-c', confFile],
        logFile,
      });
      await waitForTcp('127.0.0.1', port, 15_000, child);
    },
    async stop() {
      await child?.stop();
      child = undefined;
    },
    async dispose() {
      await child?.stop();
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
    running: () => child !== undefined && child.process.exitCode === null,
  };
}

/**
 * Starts a hub (JetStream domain `cloud`) listening for leaf connections; open, or in operator mode.
 * In operator mode its leafnode port is TLS (a CA of its own) unless `opts.tls` is false.
 */
export async function startTestHub(
  name = 'hub',
  operator?: OperatorMaterial,
  opts: TestHubOptions = {},
): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), `hcc-nats-${name}-`));
  mkdirSync(join(dir, 'js'));
  const port = await freePort();
  const leafPort = await freePort();
  const tls = (opts.tls ?? operator !== undefined) ? await testHubTls(dir, name) : undefined;
  const conf = hubConf({
    serverName: name,
    host: '127.0.0.1',
    port,
    leafPort,
    storeDir: join(dir, 'js'),
    operator: operator && {
      operatorJwt: operator.operatorJwt,
      systemAccount: operator.systemAccount,
      systemAccountJwt: operator.systemAccountJwt,
      resolverDir: join(dir, 'resolver'),
    },
    leafTls: tls && { certFile: tls.leafCert.certFile, keyFile: tls.leafCert.keyFile },
  });
  const server = serverFromConf(name, dir, port, conf);
  await server.start();
  return {
    ...server,
    leafUrl: `${tls ? 'tls' : 'nats-leaf'}://127.0.0.1:${leafPort}`,
    caFile: tls?.caFile,
    leafCert: tls?.leafCert,
  };
}

/**
 * Starts an edge's leaf server: JetStream domain = site id, connected to the hub (with the site's
 * leaf credentials when the hub runs in operator mode), pinning the hub's CA when it has one
 * (`opts.caFile` pins another).
 */
export async function startTestLeaf(
  site: string,
  hub: Pick<TestHub, 'leafUrl' | 'caFile'>,
  opts: { creds?: string; name?: string; caFile?: string } = {},
): Promise<TestNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), `hcc-nats-${site}-`));
  mkdirSync(join(dir, 'js'));
  let credentials: string | undefined;
  if (opts.creds) {
    credentials = join(dir, 'leaf.creds');
    writeFileSync(credentials, opts.creds, { mode: 0o600 });
  }
  const port = await freePort();
  const conf = leafConf({
    serverName: opts.name ?? `leaf-${site}`,
    domain: site,
    host: '127.0.0.1',
    port,
    storeDir: join(dir, 'js'),
    hubUrls: [hub.leafUrl],
    credentials,
    hubCaFile: opts.caFile ?? hub.caFile,
  });
  const server = serverFromConf(opts.name ?? `leaf-${site}`, dir, port, conf);
  await server.start();
  return server;
}
