import { readFileSync } from 'node:fs';

/**
 * The product version. A production build defines `HCC_BUILD_VERSION` at bundle time (the packages'
 * version); from source it is the workspace's root package.json version.
 */
declare const HCC_BUILD_VERSION: string | undefined;

export function productVersion(): string {
  if (typeof HCC_BUILD_VERSION === 'string') return HCC_BUILD_VERSION;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0-dev';
  } catch {
    return '0.0.0-dev';
  }
}
