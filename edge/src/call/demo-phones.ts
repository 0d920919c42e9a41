/**
 * Demo only: the dev stack writes agent SIP passwords to a credentials file; the edge stores their
 * HA1 values (refs `sip-<extension>`, as the demo bundle names them) so the demo phones can register.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from '@hcc/shared';
import type { SecretStore } from '../secrets/index.ts';

export async function provisionDemoPhones(
  secrets: SecretStore,
  file: string,
  realm: string,
  log: Logger,
): Promise<void> {
  const creds = JSON.parse(await readFile(file, 'utf8')) as { agents?: Record<string, string> };
  const agents = Object.entries(creds.agents ?? {});
  for (const [ext, password] of agents) await secrets.setDevicePassword(`sip-${ext}`, ext, realm, password);
  log.info({ phones: agents.length, realm }, 'demo phone credentials provisioned');
}
