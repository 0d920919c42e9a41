/**
 * The Kubernetes manifests of the cloud (deploy/k8s), validated against the Kubernetes API schemas that
 * the `kubernetes-models` package ships (compiled from the Kubernetes OpenAPI definitions). No cluster
 * runs here (no k3s/kind/helm on this machine): this is schema validation plus the checks our own
 * promises need (replicas, probes, hub cluster routes).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderOperatorInclude } from '@hcc/cloud';
import { createCa, createOperatorMaterial, issueServerCert } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

const DIR = fileURLToPath(new URL('../k8s', import.meta.url));

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: a manifest is untyped YAML until validated
  spec?: any;
  data?: Record<string, string>;
}

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const m = doc.toJS() as Manifest | null;
      if (m) out.push({ ...m, file });
    }
  }
  return out;
}

/** The model class of a resource: `kubernetes-models/<group>/<version>/<Kind>` (core group: `v1`). */
async function validatorOf(apiVersion: string, kind: string): Promise<(data: unknown) => void> {
  const mod = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = mod[kind];
  if (!Model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return (data) => new Model(data).validate();
}

async function validate(m: Manifest): Promise<void> {
  const { file: _file, ...resource } = m;
  (await validatorOf(m.apiVersion, m.kind))(resource);
}

const manifests = loadManifests();
const byKind = (kind: string, name: string) => {
  const m = manifests.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`${kind} ${name} missing`);
  return m;
};

describe('Kubernetes manifests (deploy/k8s)', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.kind} ${m.metadata.name}`, m] as const))(
    '%s is valid against the Kubernetes schema',
    async (_name, m) => {
      await validate(m);
      expect(m.metadata.namespace ?? (m.kind === 'Namespace' ? undefined : 'missing')).not.toBe('missing');
    },
  );

  it('the validator refuses a broken resource (a port given as text, a container without image name)', async () => {
    const api = structuredClone(byKind('Deployment', 'hcc-cloud-api'));
    api.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    await expect(validate(api)).rejects.toThrow(/containerPort must be integer/);
    const noName = structuredClone(byKind('Deployment', 'hcc-cloud-api'));
    delete noName.spec.template.spec.containers[0].name;
    await expect(validate(noName)).rejects.toThrow(/name/);
  });

  it('kustomization lists every manifest file', () => {
    const k = parseYaml(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect(new Set(k.resources)).toEqual(new Set(manifests.map((m) => m.file)));
  });

  it('API and ingest run 2 replicas each with probes on /healthz and /readyz, in their roles', () => {
    for (const [name, role] of [
      ['hcc-cloud-api', 'api'],
      ['hcc-cloud-ingest', 'ingest'],
    ] as const) {
      const d = byKind('Deployment', name);
      expect(d.spec.replicas).toBe(2);
      const c = d.spec.template.spec.containers[0];
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.env.find((e: { name: string }) => e.name === 'CLOUD_ROLE')?.value).toBe(role);
      expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
      expect(byKind('PodDisruptionBudget', name).spec.minAvailable).toBe(1);
    }
  });

  it('the hub is a 3-node StatefulSet whose cluster routes name its own pods, JetStream domain cloud', () => {
    const sts = byKind('StatefulSet', 'hcc-hub');
    expect(sts.spec.replicas).toBe(3);
    const conf = byKind('ConfigMap', 'hcc-hub').data?.['hub.conf'] ?? '';
    const routes = [...conf.matchAll(/"nats:\/\/([^:"]+):6222"/g)].map((r) => r[1]);
    expect(routes).toEqual([0, 1, 2].map((i) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}`));
    expect(conf).toMatch(/domain: "cloud"/);
    expect(conf).toMatch(/leafnodes: \{[\s\S]*tls: \{/);
    // Every cloud pod reaches every hub node.
    const cloudNats = byKind('ConfigMap', 'hcc-cloud').data?.CLOUD_NATS_URL ?? '';
    expect(cloudNats.split(',')).toHaveLength(3);
  });

  it("the hub's configuration is one nats-server 2.9 accepts, with the operator include hcc-cloud init writes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcc-k8s-hub-'));
    try {
      // As mounted in the pod: hub.conf beside the operator Secret's directory.
      mkdirSync(join(dir, 'secrets'));
      writeFileSync(
        join(dir, 'secrets', 'operator.conf'),
        renderOperatorInclude(await createOperatorMaterial()),
      );
      const ca = await createCa(dir, { commonName: 'k8s test CA' });
      const leaf = await issueServerCert(
        ca,
        dir,
        { commonName: 'hub.hcc.example.com', hosts: ['hub.hcc.example.com'] },
        'leaf',
      );
      const conf = (byKind('ConfigMap', 'hcc-hub').data?.['hub.conf'] ?? '')
        .replace('/etc/nats/tls/tls.crt', leaf.certFile)
        .replace('/etc/nats/tls/tls.key', leaf.keyFile)
        .replaceAll('"/data/', `"${dir}/data/`);
      const test = (text: string) => {
        writeFileSync(join(dir, 'hub.conf'), text);
        return spawnSync('nats-server', ['-t', '-c', join(dir, 'hub.conf')], {
          encoding: 'utf8',
          env: { ...process.env, POD_NAME: 'hcc-hub-0' },
        });
      };
      const ok = test(conf);
      expect(ok.status, ok.stderr + ok.stdout).toBe(0);
      // The check bites: an include path nats-server does not resolve (it joins even an absolute path
      // to the config's directory), and a leafnode certificate that is not there.
      expect(
        test(conf.replace('"secrets/operator.conf"', '"/etc/nats/secrets/operator.conf"')).status,
      ).not.toBe(0);
      expect(test(conf.replace(leaf.certFile, join(dir, 'absent.pem'))).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
