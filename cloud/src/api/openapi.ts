import {
  ConfigBundleSchema,
  DialPolicySchema,
  RecordingPolicySchema,
  RetentionPolicySchema,
} from '@hcc/proto';
import { ENTITY_KINDS } from '../config/entities.ts';
import { type JsonSchema, protoJsonSchemas } from './proto-json.ts';
import { reportSchemas } from './report-schemas.ts';
import type { RouteSpec } from './router.ts';
import { problemSchema, siteViewSchema } from './schemas.ts';

/** The OpenAPI 3.1 document of every route, generated from the route table and the proto schemas. */
export function openApiDocument(routes: readonly RouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const query = (r.query ?? []).map((q) => {
      const { name, description, schema } = typeof q === 'string' ? { name: q } : q;
      return {
        name,
        in: 'query',
        required: false,
        ...(description ? { description } : {}),
        schema: schema ?? { type: 'string' },
      };
    });
    const status = String(r.status ?? 200);
    const err = (description: string) => ({
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    const item = paths[r.path] ?? {};
    paths[r.path] = item;
    item[r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.action === 'public' ? { security: [] } : { 'x-required-permission': r.action }),
      parameters: [...params, ...query],
      ...(r.body
        ? {
            requestBody: {
              required: !r.optionalBody,
              content: { 'application/json': { schema: r.body.schema } },
            },
          }
        : {}),
      responses: {
        [status]:
          status === '204'
            ? { description: 'done' }
            : {
                description: 'ok',
                content: {
                  ...(r.csv === 'only'
                    ? {}
                    : { 'application/json': { schema: r.response ?? { type: 'object' } } }),
                  ...(r.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
                },
              },
        401: err('not authenticated'),
        403: err('role lacks the permission'),
        404: err("not found in the caller's tenant"),
        422: err('invalid input: each problem names the field'),
        ...(r.rateLimited
          ? {
              429: {
                ...err("over the caller's rate limit"),
                headers: {
                  'Retry-After': {
                    description: 'seconds until the next request is allowed',
                    schema: { type: 'integer' },
                  },
                },
              },
            }
          : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Hybrid contact center: cloud control plane API', version: '1.0.0' },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { session: [] }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'API key hcck_<id>_<secret>, scoped to one tenant',
        },
        session: { type: 'apiKey', in: 'cookie', name: 'hcc_session' },
      },
      schemas: {
        Problem: problemSchema,
        SiteView: siteViewSchema,
        ...reportSchemas,
        ...protoJsonSchemas([
          ConfigBundleSchema,
          RecordingPolicySchema,
          RetentionPolicySchema,
          DialPolicySchema,
          ...ENTITY_KINDS.map((k) => k.schema),
        ]),
      },
    },
  };
}
