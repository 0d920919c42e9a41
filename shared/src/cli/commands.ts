/**
 * The command-line shape shared by `hcc-edge` and `hcc-cloud`: a table of named subcommands, each
 * loaded only when it runs (so `--version` and `--help` start nothing), one usage text, and exit
 * codes: 0 done, 1 the command failed, 2 a usage error.
 */

export interface CliCommand {
  /** One line for `--help`. */
  summary: string;
  /** The arguments after the command's name, e.g. `--cloud URL --token TOKEN`. */
  usage?: string;
  /** Runs the command with the arguments after its name; resolves with the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliSpec {
  /** Program name, e.g. `hcc-edge`. */
  program: string;
  version: string;
  /** The command run when none is named (the service itself). */
  defaultCommand: string;
  commands: Record<string, CliCommand>;
}

export function usageText(spec: CliSpec): string {
  const width = Math.max(...Object.keys(spec.commands).map((n) => n.length));
  const lines = Object.entries(spec.commands).map(
    ([name, c]) =>
      `  ${name.padEnd(width)}  ${c.summary}${c.usage ? `\n  ${' '.repeat(width)}    ${name} ${c.usage}` : ''}`,
  );
  return [
    `usage: ${spec.program} [command] [options]   (no command: ${spec.defaultCommand})`,
    '',
    'commands:',
    ...lines,
    '',
    `  --version   print ${spec.program}'s version`,
    '  --help      this text',
    '',
  ].join('\n');
}

/** Runs `argv` (without node and the script) against the spec; resolves with the exit code. */
export async function runCli(spec: CliSpec, argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`${spec.program} ${spec.version}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(usageText(spec));
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? spec.defaultCommand : first;
  const args = first === undefined || first.startsWith('-') ? argv : rest;
  const command = spec.commands[name];
  if (!command) {
    process.stderr.write(`${spec.program}: unknown command "${name}"\n\n${usageText(spec)}`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `${spec.program} ${name}: ${err.message}\nusage: ${spec.program} ${name} ${command.usage ?? ''}\n`,
      );
      return 2;
    }
    process.stderr.write(`${spec.program} ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
