/**
 * Runs the cloud's OCI image as Kubernetes would, on this machine: podman (runc, the ulimits the host
 * allows), host network on loopback ports, the secrets made by the image's own `hcc-cloud init` in a
 * directory owned by the image's user, the hub nats-server from the same image, then the cloud.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@hcc/shared/testing';
import { PODMAN_RUN } from '../../package/image.ts';

/** The image's service user (Containerfile). */
const IMAGE_UID = 10001;

export interface RunningImage {
  cloudUrl: string;
  /** `podman logs` of the cloud container. */
  logs(): string;
  stop(): Promise<void>;
}

const podman = (args: string[]) =>
  execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

/** `hcc-cloud <args>` in a throwaway container of the image; its stdout. */
export function runInImage(tag: string, args: string[], volumes: string[] = []): string {
  return podman(['run', '--rm', ...PODMAN_RUN, ...volumes.flatMap((v) => ['-v', v]), tag, ...args]);
}

/** Loads the OCI archive as podman would at an air-gapped site; returns the loaded image's name. */
export function loadArchive(archive: string): string {
  const out = podman(['load', '--quiet', '-i', archive]);
  return out.trim().replace(/^Loaded image(\(s\))?:\s*/, '');
}

export async function runCloudImage(tag: string): Promise<RunningImage> {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-image-'));
  chownSync(dir, IMAGE_UID, IMAGE_UID);
  const ports = { hub: await freePort(), leaf: await freePort(), http: await freePort() };
  const name = `hcc-image-test-${process.pid}`;
  const vol = `${dir}:/secrets:Z`;
  // The image's own init makes the secrets and the hub's configuration.
  podman([
    'run',
    '--rm',
    ...PODMAN_RUN,
    '-v',
    vol,
    '-e',
    `CLOUD_HUB_PORT=${ports.hub}`,
    '-e',
    `CLOUD_HUB_LEAF_PORT=${ports.leaf}`,
    '-e',
    'CLOUD_HUB_STORE_DIR=/secrets/nats',
    '-e',
    'CLOUD_HUB_SERVER_NAME=hub-0',
    tag,
    'init',
    '--secrets-dir',
    '/secrets',
    '--hub-conf',
    '/secrets/hub.conf',
  ]);
  const common = ['run', '-d', ...PODMAN_RUN, '--network=host', '-v', vol];
  podman([
    ...common,
    '--name',
    `${name}-hub`,
    '--entrypoint',
    '/usr/sbin/nats-server',
    tag,
    '-c',
    '/secrets/hub.conf',
  ]);
  podman([
    ...common,
    '--name',
    `${name}-cloud`,
    '-e',
    `CLOUD_HTTP_PORT=${ports.http}`,
    '-e',
    `CLOUD_NATS_URL=nats://127.0.0.1:${ports.hub}`,
    '-e',
    `CLOUD_HUB_LEAF_URLS=nats-leaf://127.0.0.1:${ports.leaf}`,
    '-e',
    'CLOUD_CONFIG_SIGNING_KEY_FILE=/secrets/config-signing.key',
    '-e',
    'CLOUD_NATS_AUTHORITY_FILE=/secrets/nats-authority.json',
    '-e',
    'CLOUD_SECRETS_KEY_FILE=/secrets/cloud-secrets.key',
    tag,
    'run',
  ]);
  const rm = (c: string) => spawnSync('podman', ['rm', '-f', '-t', '5', c], { stdio: 'ignore' });
  return {
    cloudUrl: `http://127.0.0.1:${ports.http}`,
    logs: () => spawnSync('podman', ['logs', `${name}-cloud`], { encoding: 'utf8' }).stdout ?? '',
    async stop() {
      rm(`${name}-cloud`);
      rm(`${name}-hub`);
      // Files the container wrote belong to its user; root removes them.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
