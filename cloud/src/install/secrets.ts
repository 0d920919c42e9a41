/**
 * The cloud's secrets on an installed system, created once (`hcc-cloud init`, run by the package's
 * postinst): the config-signing key pair, the NATS operator authority and the key sealing nkey seeds
 * in the database. Existing files are never replaced: they are the installation's identity.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createOperatorMaterial,
  generateSigningKeyPair,
  newAccountKey,
  type OperatorMaterial,
} from '@hcc/shared';

export interface CloudSecretFiles {
  dir: string;
  /** CLOUD_CONFIG_SIGNING_KEY_FILE */
  signingKey: string;
  /** The public half, handed to edges by enrollment. */
  signingPublicKey: string;
  /** CLOUD_NATS_AUTHORITY_FILE */
  authority: string;
  /** Operator and system account JWTs and seeds: what the hub's configuration is rendered from. */
  operator: string;
  /** CLOUD_SECRETS_KEY_FILE */
  secretsKey: string;
}

export function cloudSecretFiles(dir: string): CloudSecretFiles {
  return {
    dir,
    signingKey: join(dir, 'config-signing.key'),
    signingPublicKey: join(dir, 'config-signing.pub'),
    authority: join(dir, 'nats-authority.json'),
    operator: join(dir, 'nats-operator.json'),
    secretsKey: join(dir, 'cloud-secrets.key'),
  };
}

/** Owner given to created files: the service user's uid/gid, or none (keep root's). */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** Creates the secrets that are missing; returns the names of the files it created. */
export async function ensureCloudSecrets(f: CloudSecretFiles, owner?: FileOwner): Promise<string[]> {
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(f.dir, owner.uid, owner.gid);
  const created: string[] = [];
  const write = (file: string, content: string, mode = 0o600) => {
    writeFileSync(file, content, { mode, flag: 'wx' });
    if (owner) chownSync(file, owner.uid, owner.gid);
    created.push(file);
  };
  if (!existsSync(f.signingKey)) {
    const pair = generateSigningKeyPair();
    write(f.signingKey, pair.privateKeyPem);
    if (!existsSync(f.signingPublicKey)) write(f.signingPublicKey, pair.publicKeyPem, 0o644);
  }
  if (!existsSync(f.operator)) {
    const material = await createOperatorMaterial('hcc');
    write(f.operator, `${JSON.stringify(material, null, 2)}\n`);
    if (!existsSync(f.authority))
      write(
        f.authority,
        `${JSON.stringify(
          {
            operatorSeed: material.operatorSeed,
            systemAccountSeed: material.systemAccountSeed,
            cloudAccountSeed: newAccountKey().seed,
          },
          null,
          2,
        )}\n`,
      );
  }
  if (!existsSync(f.secretsKey)) write(f.secretsKey, `v1:${randomBytes(32).toString('base64')}\n`);
  return created;
}

export function readOperator(f: CloudSecretFiles): OperatorMaterial {
  return JSON.parse(readFileSync(f.operator, 'utf8')) as OperatorMaterial;
}
