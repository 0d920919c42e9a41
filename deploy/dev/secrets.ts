import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPair } from '@hcc/shared';

export interface DemoSecrets {
  signingKeyFile: string;
  publicKeyFile: string;
  credentialsFile: string;
  /** AES-256-GCM key(s) sealing nkey seeds in the cloud database (CLOUD_SECRETS_KEY_FILE). */
  secretsKeyFile: string;
  credentials: DemoCredentials;
}

/** Demo passwords: generated on the first start and kept in the state dir, so restarts keep them. */
export interface DemoCredentials {
  console: { user: string; password: string };
  agents: Record<string, string>;
}

/**
 * Creates (once) the config-signing key pair, the cloud's secrets key and the demo passwords under
 * the stack's state dir.
 */
export function ensureDemoSecrets(state: string): DemoSecrets {
  const dir = join(state, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const signingKeyFile = join(dir, 'config-signing.key');
  const publicKeyFile = join(dir, 'config-signing.pub');
  if (!existsSync(signingKeyFile) || !existsSync(publicKeyFile)) {
    const pair = generateSigningKeyPair();
    writeFileSync(signingKeyFile, pair.privateKeyPem, { mode: 0o600 });
    writeFileSync(publicKeyFile, pair.publicKeyPem);
  }
  const credentialsFile = join(dir, 'demo-credentials.json');
  if (!existsSync(credentialsFile)) {
    const pw = () => randomBytes(9).toString('base64url');
    const credentials: DemoCredentials = {
      console: { user: 'admin@acme.example', password: pw() },
      agents: { '1001': pw(), '1002': pw(), '2001': pw() },
    };
    writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  }
  const secretsKeyFile = join(dir, 'cloud-secrets.key');
  if (!existsSync(secretsKeyFile))
    writeFileSync(secretsKeyFile, `v1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8')) as DemoCredentials;
  return { signingKeyFile, publicKeyFile, credentialsFile, secretsKeyFile, credentials };
}
