#!/usr/bin/env node
/**
 * `hcc-edge`: the edge's one program. With no command it runs the service (what the systemd unit
 * starts); the other commands are operator tools run at the site. Each command's module is loaded
 * only when it runs.
 */
import { type CliSpec, isEntrypoint, productVersion, runCli } from '@hcc/shared';

export const edgeCli: CliSpec = {
  program: 'hcc-edge',
  version: productVersion(),
  defaultCommand: 'run',
  commands: {
    run: {
      summary: 'run the edge service (settings from the environment, see /etc/hcc/edge.env)',
      async run() {
        const { runEdge } = await import('./main.ts');
        runEdge();
        // The service runs until a signal; runService exits the process itself.
        return new Promise<number>(() => {});
      },
    },
    enroll: {
      summary:
        "enroll this site with a one-time token from the cloud's console; restarts the leaf and the edge",
      usage: '--cloud URL --token TOKEN [--enroll-dir DIR] [--ca-file PEM] [--no-restart]',
      async run(args) {
        const { enrollCommand } = await import('./enroll/cli.ts');
        return enrollCommand(args);
      },
    },
    rtpengine: {
      summary:
        "run the site's rtpengine with the edge's media settings (EDGE_RTP_HOST, EDGE_PUBLIC_ADDRESS, ...)",
      usage: '[--print] [-- more rtpengine options]',
      async run(args) {
        const { runRtpengine } = await import('./rtpengine/cli.ts');
        return runRtpengine(args);
      },
    },
    backup: {
      summary:
        'write an archive of the database, recordings, voicemail, pseudonym key and enrollment (while running)',
      usage: 'FILE   (FILE.tar, or FILE.tar.gz to compress; mode 0600)',
      async run(args) {
        return (await import('./backup/cli.ts')).runBackup(args);
      },
    },
    restore: {
      summary: 'restore an archive of `backup` on a fresh install (edge stopped; checks every SHA-256 first)',
      usage: 'FILE [--force]   (--force replaces an existing data dir, database and enrollment)',
      async run(args) {
        return (await import('./backup/cli.ts')).runRestore(args);
      },
    },
    'api-key': {
      summary: 'manage the site API keys of the customer directory API (shown once, stored hashed)',
      usage: 'create LABEL | list | revoke ID',
      async run(args) {
        return (await import('./customers/cli.ts')).apiKeyCommand(args);
      },
    },
    customers: {
      summary: 'import or export the customer directory as CSV (phone,email,name,account,notes,attr.*)',
      usage: 'import FILE | export FILE   (import prints the refused rows by line)',
      async run(args) {
        return (await import('./customers/cli.ts')).customersCommand(args);
      },
    },
  },
};

if (isEntrypoint(import.meta.url)) {
  void runCli(edgeCli, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
