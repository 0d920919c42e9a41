#!/usr/bin/env node
/**
 * `hcc-cloud`: the control plane's one program. With no command it runs the service; the other
 * commands are operator tools. Each command's module is loaded only when it runs.
 */
import { type CliSpec, isEntrypoint, productVersion, runCli } from '@hcc/shared';

export const cloudCli: CliSpec = {
  program: 'hcc-cloud',
  version: productVersion(),
  defaultCommand: 'run',
  commands: {
    run: {
      summary: 'run the cloud service (settings from the environment, see /etc/hcc/cloud.env)',
      async run() {
        const { runCloud } = await import('./main.ts');
        runCloud();
        return new Promise<number>(() => {});
      },
    },
    'tls-init': {
      summary:
        "make the hub's leafnode TLS material (a private CA kept across runs + the hub certificate), or check and take an operator-provided one",
      usage:
        '--hub-name NAME [--hub-name NAME ...] [--dir DIR] [--leaf-port PORT] [--cert PEM --key PEM --ca PEM]',
      async run(args) {
        const { tlsInitCommand } = await import('./tls/cli.ts');
        return tlsInitCommand(args);
      },
    },
    backup: {
      summary:
        'write an archive of the database, NATS authority, secrets key and config signing key (while running)',
      usage: 'FILE   (FILE.tar, or FILE.tar.gz to compress; mode 0600)',
      async run(args) {
        return (await import('./backup/cli.ts')).runBackup(args);
      },
    },
    restore: {
      summary:
        'restore an archive of `backup` into a fresh database (cloud stopped; checks every SHA-256 first)',
      usage: 'FILE [--force]   (--force replaces an existing database and secret files)',
      async run(args) {
        return (await import('./backup/cli.ts')).runRestore(args);
      },
    },
    init: {
      summary:
        'create the cloud secrets that are missing; --hub-conf also writes the hub nats-server config, --hub-operator-conf only its operator part (for a hub configured elsewhere, e.g. Kubernetes)',
      usage: '[--secrets-dir DIR] [--owner USER] [--hub-conf FILE] [--hub-operator-conf FILE]',
      async run(args) {
        const { runInit } = await import('./install/cli.ts');
        return runInit(args);
      },
    },
  },
};

if (isEntrypoint(import.meta.url)) {
  void runCli(cloudCli, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
