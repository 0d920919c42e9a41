/**
 * `hcc-cloud init`: creates the installation's secrets when missing (the package's postinst runs it
 * as root) and, with `--hub-conf FILE`, renders the hub nats-server's configuration from the operator
 * authority and the `CLOUD_HUB_*` settings (the hub unit runs it before every start).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '@hcc/shared';
import { hubSettings, renderHubConf, renderOperatorInclude } from './hub-conf.ts';
import { cloudSecretFiles, ensureCloudSecrets, type FileOwner, readOperator } from './secrets.ts';

/** uid/gid of a system user, or undefined when it does not exist. */
function ownerOf(user: string): FileOwner | undefined {
  try {
    const uid = Number(
      execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    const gid = Number(
      execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    );
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export async function runInit(args: string[]): Promise<number> {
  let values: { 'secrets-dir'?: string; owner?: string; 'hub-conf'?: string; 'hub-operator-conf'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        'secrets-dir': { type: 'string' },
        owner: { type: 'string' },
        'hub-conf': { type: 'string' },
        'hub-operator-conf': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const files = cloudSecretFiles(values['secrets-dir'] ?? process.env.CLOUD_SECRETS_DIR ?? '/etc/hcc/cloud');
  const owner = values.owner ? ownerOf(values.owner) : undefined;
  if (values.owner && !owner) throw new UsageError(`no such user: ${values.owner}`);
  const created = await ensureCloudSecrets(files, owner);
  for (const f of created) process.stdout.write(`created ${f}\n`);
  const writeConf = (file: string, text: string) => {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
  };
  const hubFile = values['hub-conf'];
  if (hubFile) writeConf(hubFile, renderHubConf(hubSettings(), readOperator(files)));
  const includeFile = values['hub-operator-conf'];
  if (includeFile) writeConf(includeFile, renderOperatorInclude(readOperator(files)));
  return 0;
}
