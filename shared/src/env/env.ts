/** Thrown when the process environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Typed readers over an environment map; every error names the variable and what was expected. */
export function envReader(env: NodeJS.ProcessEnv) {
  const str = (name: string, fallback?: string): string => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${name} is required`);
  };
  return {
    str,
    optional: (name: string): string | undefined => (env[name] === '' ? undefined : env[name]),
    int(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new ConfigError(`${name}=${raw}: expected an integer between ${min} and ${max}`);
      }
      return n;
    },
    port(name: string, fallback: number): number {
      return this.int(name, fallback, 1, 65535);
    },
    list(name: string, fallback: string[]): string[] {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    },
  };
}
