import type { JsonSchema } from './proto-json.ts';

const ms = (description: string): JsonSchema => ({
  type: 'number',
  description: `${description}, milliseconds`,
});
const msOrNull = (description: string): JsonSchema => ({
  type: ['number', 'null'],
  description: `${description}, milliseconds; null when nothing was answered`,
});
const pct = (description: string): JsonSchema => ({
  type: ['number', 'null'],
  description: `${description}, percent with one decimal; null when nothing counts`,
});

/** Queue figures of one bucket or breakdown row (analytics/reports.ts `QueueFigures`). */
const queueFigures: Record<string, JsonSchema> = {
  offered: { type: 'integer' },
  answered: { type: 'integer' },
  abandoned: { type: 'integer', description: 'short abandons included' },
  shortAbandoned: { type: 'integer', description: 'abandoned within the short-abandon threshold' },
  answeredInSl: { type: 'integer', description: 'answered within the service-level threshold' },
  serviceLevel: pct('answeredInSl of (offered - shortAbandoned)'),
  abandonRate: pct('(abandoned - shortAbandoned) of (offered - shortAbandoned)'),
  asaMs: msOrNull('average speed of answer'),
  ahtMs: msOrNull('average handle time (talk + hold + wrap-up)'),
  talkMs: ms('talk time'),
  holdMs: ms('hold time'),
  wrapMs: ms('wrap-up time'),
  longestWaitMs: ms('longest wait'),
  late: { type: 'boolean', description: 'late data (after a WAN outage) corrected this row' },
};

const object = (props: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  required: Object.keys(props),
  properties: props,
});

export const reportSchemas: Record<string, JsonSchema> = {
  ReportIntervalRow: object({
    start: { type: 'string', format: 'date-time', description: 'bucket start, UTC' },
    ...queueFigures,
  }),
  ReportBreakdownRow: object({ siteId: { type: 'string' }, queueId: { type: 'string' }, ...queueFigures }),
  ReportAgentRow: object({
    siteId: { type: 'string' },
    agentId: { type: 'string' },
    handled: { type: 'integer' },
    ahtMs: msOrNull('average handle time'),
    occupancy: pct('busy (reserved, ringing, on call, wrap-up) share of staffed time'),
    staffedMs: ms('staffed time in the range'),
  }),
};

/** A report answer: the range it covers (defaults filled in) and its rows. */
export const reportResponse = (row: string, bucket = false): JsonSchema =>
  object({
    from: { type: 'string', format: 'date' },
    to: { type: 'string', format: 'date' },
    tz: { type: 'string' },
    site: { type: ['string', 'null'] },
    queue: { type: ['string', 'null'] },
    ...(bucket ? { bucket: { type: 'string', enum: ['15m', 'hour', 'day'] } } : {}),
    rows: { type: 'array', items: { $ref: `#/components/schemas/${row}` } },
  });
