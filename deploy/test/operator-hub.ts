import { HubAuthority, SecretBox } from '@hcc/cloud';
import { createOperatorMaterial, newAccountKey, type OperatorMaterial, silentLogger } from '@hcc/shared';
import { startTestHub, type TestHub } from '@hcc/shared/testing';

export interface OperatorHub {
  hub: TestHub;
  material: OperatorMaterial;
  /** The control plane's authority over this hub (no account pushed yet). */
  authority: HubAuthority;
}

/** A real hub in operator mode (only the system account preloaded) and the cloud's authority over it. */
export async function startOperatorHub(name = 'hub'): Promise<OperatorHub> {
  const material = await createOperatorMaterial();
  const hub = await startTestHub(name, material);
  const authority = new HubAuthority(
    { ...material, cloudAccountSeed: newAccountKey().seed },
    hub.url,
    silentLogger,
    SecretBox.generate(),
  );
  return { hub, material, authority };
}
