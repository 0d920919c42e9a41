/**
 * Config entities travel through the API in the proto3 JSON form of their message in
 * hcc.config.v1. This module checks such JSON against the message descriptor, naming the field and
 * the problem (`nodes[2].menu.choices[0].digit: expected a string`), and derives the JSON Schema
 * the OpenAPI document publishes for it. One source of truth: the .proto files.
 */
import { type DescEnum, type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';

export interface FieldProblem {
  field: string;
  problem: string;
}

const INT32 = new Set([ScalarType.INT32, ScalarType.SINT32, ScalarType.SFIXED32]);
const UINT32 = new Set([ScalarType.UINT32, ScalarType.FIXED32]);
const INT64 = new Set([
  ScalarType.INT64,
  ScalarType.SINT64,
  ScalarType.SFIXED64,
  ScalarType.UINT64,
  ScalarType.FIXED64,
]);

type Kind = { scalar: ScalarType } | { enum: DescEnum } | { message: DescMessage };

function elementKind(f: DescField): Kind | undefined {
  switch (f.fieldKind) {
    case 'scalar':
      return { scalar: f.scalar };
    case 'enum':
      return { enum: f.enum };
    case 'message':
      return { message: f.message };
    case 'list':
      if (f.listKind === 'scalar') return { scalar: f.scalar };
      if (f.listKind === 'enum') return { enum: f.enum };
      return { message: f.message };
    default:
      return undefined;
  }
}

function checkValue(kind: Kind, v: unknown, path: string, out: FieldProblem[]): void {
  const bad = (problem: string) => out.push({ field: path, problem });
  if ('message' in kind) {
    checkProtoJson(kind.message, v, path, out);
    return;
  }
  if ('enum' in kind) {
    const names = kind.enum.values.map((x) => x.name);
    if (typeof v === 'string' ? !names.includes(v) : !Number.isInteger(v))
      bad(`expected one of ${names.filter((n) => !n.endsWith('_UNSPECIFIED')).join(', ')}`);
    return;
  }
  const s = kind.scalar;
  if (s === ScalarType.STRING) {
    if (typeof v !== 'string') bad('expected a string');
  } else if (s === ScalarType.BOOL) {
    if (typeof v !== 'boolean') bad('expected true or false');
  } else if (s === ScalarType.BYTES) {
    if (typeof v !== 'string') bad('expected base64 text');
  } else if (INT32.has(s) || UINT32.has(s)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) bad('expected an integer');
    else if (UINT32.has(s) && v < 0) bad('must not be negative');
  } else if (INT64.has(s)) {
    if (!(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v)))
      bad('expected an integer');
  } else if (typeof v !== 'number') bad('expected a number');
}

/** Problems of `value` as the proto3 JSON of `desc`; empty when it decodes cleanly. */
export function checkProtoJson(
  desc: DescMessage,
  value: unknown,
  path = '',
  out: FieldProblem[] = [],
): FieldProblem[] {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    out.push({ field: path || '(body)', problem: 'expected an object' });
    return out;
  }
  const oneofSeen = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const f = desc.fields.find((x) => x.jsonName === key || x.name === key);
    if (!f) {
      out.push({ field: at(key), problem: 'unknown field' });
      continue;
    }
    if (v === null) continue;
    if (f.oneof) {
      const other = oneofSeen.get(f.oneof.name);
      if (other) out.push({ field: at(key), problem: `only one of ${other} and ${f.jsonName} may be set` });
      oneofSeen.set(f.oneof.name, f.jsonName);
    }
    const kind = elementKind(f);
    if (!kind) {
      out.push({ field: at(key), problem: 'unsupported field' });
    } else if (f.fieldKind === 'list') {
      if (!Array.isArray(v)) out.push({ field: at(key), problem: 'expected a list' });
      else for (const [i, x] of v.entries()) checkValue(kind, x, `${at(key)}[${i}]`, out);
    } else checkValue(kind, v, at(key), out);
  }
  return out;
}

export type JsonSchema = Record<string, unknown>;

function kindSchema(kind: Kind, refs: Map<string, DescMessage>): JsonSchema {
  if ('message' in kind) {
    if (kind.message.typeName === 'google.protobuf.Timestamp') return { type: 'string', format: 'date-time' };
    refs.set(kind.message.typeName, kind.message);
    return { $ref: `#/components/schemas/${kind.message.typeName}` };
  }
  if ('enum' in kind) return { type: 'string', enum: kind.enum.values.map((x) => x.name) };
  const s = kind.scalar;
  if (s === ScalarType.STRING) return { type: 'string' };
  if (s === ScalarType.BOOL) return { type: 'boolean' };
  if (s === ScalarType.BYTES) return { type: 'string', format: 'byte' };
  if (INT32.has(s)) return { type: 'integer', format: 'int32' };
  if (UINT32.has(s)) return { type: 'integer', minimum: 0 };
  if (INT64.has(s)) return { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }] };
  return { type: 'number' };
}

/**
 * JSON Schemas (OpenAPI components) of `root` and every message it reaches, keyed by proto type
 * name. Oneof members are documented as "at most one of".
 */
export function protoJsonSchemas(roots: readonly DescMessage[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  const refs = new Map<string, DescMessage>(roots.map((r) => [r.typeName, r]));
  while (refs.size > Object.keys(out).length) {
    for (const [name, desc] of [...refs]) {
      if (out[name]) continue;
      const properties: Record<string, JsonSchema> = {};
      for (const f of desc.fields) {
        const kind = elementKind(f);
        if (!kind) continue;
        const schema = kindSchema(kind, refs);
        properties[f.jsonName] = f.fieldKind === 'list' ? { type: 'array', items: schema } : schema;
        if (f.oneof)
          properties[f.jsonName] = { ...properties[f.jsonName], description: `oneof ${f.oneof.name}` };
      }
      out[name] = { type: 'object', additionalProperties: false, properties };
    }
  }
  return out;
}
