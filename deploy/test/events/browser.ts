import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium as launchTestChromium, type TestChromium } from '@hcc/shared/testing';

export const ARTIFACTS = fileURLToPath(new URL('../../../.artifacts/', import.meta.url));

/** Debian's Chromium, headless, with the artifacts dir ready for screenshots. */
export async function launchChromium(): Promise<TestChromium> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return launchTestChromium();
}
