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
