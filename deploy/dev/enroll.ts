import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { EdgeSitePorts } from './ports.ts';
import type { DemoSecrets } from './secrets.ts';

const run = promisify(execFile);

export interface EnrollOptions {
  root: string;
  state: string;
  host: string;
  cloudHttp: number;
  secrets: DemoSecrets;
  log(msg: string): void;
}

/** The enrollment directory of a dev-stack site (EDGE_ENROLL_DIR of its edge). */
export const enrollDirOf = (state: string, site: string) => join(state, 'enroll', site);
/** The JetStream store of a site's leaf (EDGE_LEAF_STORE_DIR when it enrolls). */
export const leafStoreOf = (state: string, site: string) => join(state, `nats-${site}`, 'js');

/** Enrolled, with the hub's CA pinned (an enrollment from before the stack's leaf link was TLS is redone). */
export const isEnrolled = (state: string, site: string) =>
  existsSync(join(enrollDirOf(state, site), 'enrollment.json')) &&
  existsSync(join(enrollDirOf(state, site), 'hub-ca.pem'));

async function api(o: EnrollOptions, method: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`http://${o.host}:${o.cloudHttp}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Enrolls each demo site that has no enrollment yet, as a real site does: the demo admin makes a
 * one-time token through the cloud's API, and the edge's own `enroll` command trades it for the
 * site's credentials in `<state>/enroll/<site>`; the cloud deploys each site's current config version
 * as it enrolls. A site enrolled by an earlier run keeps its enrollment (no new token).
 */
export async function enrollDemoSites(o: EnrollOptions, edges: readonly EdgeSitePorts[]): Promise<void> {
  const pending = edges.filter((e) => !isEnrolled(o.state, e.site));
  if (pending.length === 0) return;
  const { user, password } = o.secrets.credentials.console;
  const session = (await api(o, 'POST', '/api/v1/auth/login', { email: user, password })).token as string;
  // In parallel: each is mostly the CLI's start-up; the cloud serialises the account changes itself.
  const enrollOne = async (e: EdgeSitePorts) => {
    const started = performance.now();
    const t = await api(o, 'POST', `/api/v1/sites/${e.site}/enrollment-tokens`, {}, session);
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'edge/src/cli.ts',
        'enroll',
        '--cloud',
        `http://${o.host}:${o.cloudHttp}`,
        '--token',
        String(t.token),
        '--enroll-dir',
        enrollDirOf(o.state, e.site),
        '--no-restart',
      ],
      {
        cwd: o.root,
        env: {
          ...process.env,
          EDGE_LEAF_PORT: String(e.nats),
          EDGE_LEAF_STORE_DIR: leafStoreOf(o.state, e.site),
        },
      },
    ).catch((err: { stderr?: string; message: string }) => {
      throw new Error(`hcc-edge enroll for ${e.site} failed: ${err.stderr?.trim() || err.message}`);
    });
    o.log(
      `${e.site} enrolled with a one-time token in ${Math.round(performance.now() - started)} ms (${stdout.split('\n')[0]?.split(';')[0]})`,
    );
  };
  // Enrollment itself deploys each site's current version into its new hub bucket.
  await Promise.all(pending.map(enrollOne));
}
