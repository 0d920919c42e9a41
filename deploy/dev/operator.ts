import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOperatorMaterial, newAccountKey, type OperatorMaterial } from '@hcc/shared';

/** The dev stack's NATS operator: created once, kept in the state dir (secrets/, mode 0600). */
export interface DevOperator {
  material: OperatorMaterial;
  /** The file the cloud reads (`CLOUD_NATS_AUTHORITY_FILE`): operator, system and cloud account seeds. */
  authorityFile: string;
}

export async function ensureDevOperator(state: string): Promise<DevOperator> {
  const dir = join(state, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'nats-operator.json');
  const authorityFile = join(dir, 'nats-authority.json');
  if (!existsSync(file) || !existsSync(authorityFile)) {
    const material = await createOperatorMaterial('hcc-dev');
    writeFileSync(file, `${JSON.stringify(material, null, 2)}\n`, { mode: 0o600 });
    const authority = {
      operatorSeed: material.operatorSeed,
      systemAccountSeed: material.systemAccountSeed,
      cloudAccountSeed: newAccountKey().seed,
    };
    writeFileSync(authorityFile, `${JSON.stringify(authority, null, 2)}\n`, { mode: 0o600 });
  }
  return { material: JSON.parse(readFileSync(file, 'utf8')) as OperatorMaterial, authorityFile };
}
