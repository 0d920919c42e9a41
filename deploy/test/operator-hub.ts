import { HubAuthority, SecretBox } from '@hcc/cloud';
import { createOperatorMaterial, newAccountKey, type OperatorMaterial, silentLogger } from '@hcc/shared';
import { startTestHub, type TestHub, type TestHubOptions } from '@hcc/shared/testing';

export interface OperatorHub {
  hub: TestHub;
  material: OperatorMaterial;
  /** The control plane's authority over this hub (no account pushed yet). */
  authority: HubAuthority;
}

/**
 * A real hub in operator mode (only the system account preloaded), its leafnode port TLS with a CA
 * of its own that leaves pin (unless `opts.tls` is false), and the cloud's authority over it.
 */
export async function startOperatorHub(name = 'hub', opts: TestHubOptions = {}): Promise<OperatorHub> {
  const material = await createOperatorMaterial();
  const hub = await startTestHub(name, material, opts);
  const authority = new HubAuthority(
    { ...material, cloudAccountSeed: newAccountKey().seed },
    hub.url,
    silentLogger,
    SecretBox.generate(),
  );
  return { hub, material, authority };
}
