import { type JsonValue, toJson } from '@bufbuild/protobuf';
import { type ConfigBundle, ConfigBundleSchema } from '@hcc/proto';

/** One difference between two bundles, at a path of field names and entity ids (`flows.main.nodes.menu`). */
export interface Change {
  path: string;
  op: 'added' | 'removed' | 'changed';
  before?: JsonValue;
  after?: JsonValue;
}

const ENVELOPE = new Set(['version', 'createdAt', 'signingKeyId', 'signature']);

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const keyed = (v: JsonValue | undefined): v is Obj[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x) && typeof x.id === 'string');

function walk(path: string, a: JsonValue | undefined, b: JsonValue | undefined, out: Change[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a === undefined) {
    out.push({ path, op: 'added', after: b });
    return;
  }
  if (b === undefined) {
    out.push({ path, op: 'removed', before: a });
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(path ? `${path}.${k}` : k, a[k], b[k], out);
    return;
  }
  if (
    (keyed(a) || (Array.isArray(a) && a.length === 0)) &&
    (keyed(b) || (Array.isArray(b) && b.length === 0))
  ) {
    const ma = new Map((a as Obj[]).map((x) => [x.id as string, x]));
    const mb = new Map((b as Obj[]).map((x) => [x.id as string, x]));
    for (const id of new Set([...ma.keys(), ...mb.keys()]))
      walk(`${path}.${id}`, ma.get(id), mb.get(id), out);
    return;
  }
  out.push({ path, op: 'changed', before: a, after: b });
}

/** The content changes from `from` to `to` (the version envelope and signature are ignored). */
export function diffBundles(from: ConfigBundle, to: ConfigBundle): Change[] {
  const strip = (b: ConfigBundle): Obj => {
    const j = toJson(ConfigBundleSchema, b) as Obj;
    for (const k of ENVELOPE) delete j[k];
    return j;
  };
  const out: Change[] = [];
  walk('', strip(from), strip(to), out);
  return out;
}
