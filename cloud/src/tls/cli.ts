/** `hcc-cloud tls-init`: makes (or takes) the hub's leafnode TLS material and says how to use it. */
import { parseArgs } from 'node:util';
import { UsageError } from '@hcc/shared';
import { hubTlsInstructions, initHubTls, localUser } from './hub-tls.ts';

const DEFAULT_DIR = '/etc/hcc/tls';
const SERVICE_USER = 'hcc';

export async function tlsInitCommand(args: string[]): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(args));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const names = values['hub-name'] ?? [];
  if (names.length === 0)
    throw new UsageError('--hub-name is required (the name or address edges reach the hub by)');
  const provided = [values.cert, values.key, values.ca];
  if (provided.some(Boolean) && !provided.every(Boolean))
    throw new UsageError(
      '--cert, --key and --ca go together (an operator-provided certificate, its key and its CA)',
    );
  const leafPort = Number(values['leaf-port'] ?? '17422');
  if (!Number.isInteger(leafPort) || leafPort < 1 || leafPort > 65535)
    throw new UsageError(`--leaf-port ${values['leaf-port']}: expected a port number`);
  const dir = values.dir ?? DEFAULT_DIR;
  const files = await initHubTls({
    dir,
    hubNames: names,
    provided: values.cert ? { certFile: values.cert, keyFile: values.key!, caFile: values.ca! } : undefined,
    owner: localUser(SERVICE_USER),
  });
  const out = process.stdout;
  if (values.cert) out.write(`hub certificate taken from ${values.cert} (checked against ${values.ca})\n`);
  else
    out.write(
      `${files.keptCa ? 'kept the existing' : 'made a new'} hub CA ${files.caFile} (key ${files.caKeyFile}: keep it safe, back it up)\n`,
    );
  out.write(
    `hub leafnode certificate ${files.certFile} for ${names.join(', ')}, valid until ${files.validTo.toISOString()}\n\n`,
  );
  out.write(hubTlsInstructions(files, names, leafPort));
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      'hub-name': { type: 'string', multiple: true },
      dir: { type: 'string' },
      'leaf-port': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
    },
  });
}
