import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CliSpec, runCli, UsageError } from './commands.ts';

function spec(run: (args: string[]) => Promise<number>): CliSpec {
  return {
    program: 'hcc-test',
    version: '9.8.7',
    defaultCommand: 'run',
    commands: {
      run: { summary: 'the service', run },
      enroll: { summary: 'enroll', usage: '--token T', run },
    },
  };
}

describe('runCli', () => {
  const out: string[] = [];
  const err: string[] = [];
  afterEach(() => {
    out.length = 0;
    err.length = 0;
    vi.restoreAllMocks();
  });
  const capture = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
  };

  it('prints the version and the usage without running anything', async () => {
    capture();
    const run = vi.fn(async () => 0);
    expect(await runCli(spec(run), ['--version'])).toBe(0);
    expect(out.join('')).toBe('hcc-test 9.8.7\n');
    expect(await runCli(spec(run), ['--help'])).toBe(0);
    expect(out.join('')).toContain('enroll --token T');
    expect(run).not.toHaveBeenCalled();
  });

  it('runs the default command with no command or only options, and a named one with the rest', async () => {
    const run = vi.fn(async (_args: string[]) => 3);
    expect(await runCli(spec(run), [])).toBe(3);
    expect(await runCli(spec(run), ['--flag'])).toBe(3);
    expect(run).toHaveBeenLastCalledWith(['--flag']);
    expect(await runCli(spec(run), ['enroll', '--token', 'x'])).toBe(3);
    expect(run).toHaveBeenLastCalledWith(['--token', 'x']);
  });

  it('maps an unknown command and a usage error to 2, a failure to 1, with one clear line', async () => {
    capture();
    expect(
      await runCli(
        spec(async () => 0),
        ['nope'],
      ),
    ).toBe(2);
    expect(err.join('')).toContain('unknown command "nope"');
    err.length = 0;
    expect(
      await runCli(
        spec(async () => {
          throw new UsageError('--token is required');
        }),
        ['enroll'],
      ),
    ).toBe(2);
    expect(err.join('')).toContain('hcc-test enroll: --token is required\nusage: hcc-test enroll --token T');
    err.length = 0;
    expect(
      await runCli(
        spec(async () => {
          throw new Error('token expired');
        }),
        ['enroll'],
      ),
    ).toBe(1);
    expect(err.join('')).toBe('hcc-test enroll: token expired\n');
  });
});
