import { create, equals } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demoBundle, sampleBodies, sampleEvent } from './fixtures.ts';
import {
  ConfigBundleSchema,
  decodeBundle,
  decodeEvent,
  decodeEventBatch,
  decodeIngestWatermark,
  EventBatchSchema,
  EventSchema,
  encodeBundle,
  encodeEvent,
  encodeEventBatch,
  encodeIngestWatermark,
  IngestWatermarkSchema,
  InteractionEventSchema,
  ProtoDecodeError,
} from './index.ts';

function expectDecodeError(decode: () => unknown, typeName: string): ProtoDecodeError {
  let caught: unknown;
  try {
    decode();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ProtoDecodeError);
  const error = caught as ProtoDecodeError;
  expect(error.name).toBe('ProtoDecodeError');
  expect(error.typeName).toBe(typeName);
  expect(error.cause).toBeInstanceOf(Error);
  return error;
}

describe('config bundle codec', () => {
  it('round-trips the demo bundle', () => {
    const bundle = demoBundle();
    const decoded = decodeBundle(encodeBundle(bundle));
    expect(equals(ConfigBundleSchema, decoded, bundle)).toBe(true);
    expect(decoded.flows[0]?.nodes.map((node) => node.kind.case)).toEqual([
      'hoursBranch',
      'branch',
      'setVariable',
      'menu',
      'enqueue',
      'enqueue',
      'transfer',
      'voicemail',
      'hangup',
    ]);
  });

  it('turns truncated bytes into ProtoDecodeError', () => {
    const bytes = encodeBundle(demoBundle());
    expectDecodeError(() => decodeBundle(bytes.subarray(0, bytes.length - 3)), 'hcc.config.v1.ConfigBundle');
  });
});

describe('event codec', () => {
  it('round-trips one event of every body kind', () => {
    sampleBodies.forEach((body, i) => {
      const event = sampleEvent(body, BigInt(i + 1));
      expect(equals(EventSchema, decodeEvent(encodeEvent(event)), event)).toBe(true);
    });
  });

  it('has a sample for every Event and InteractionEvent body kind', () => {
    const kinds = (schema: typeof EventSchema | typeof InteractionEventSchema) =>
      schema.oneofs.find((oneof) => oneof.name === 'body')?.fields.map((field) => field.localName);
    const eventKinds = new Set(sampleBodies.map((body) => body?.case));
    const interactionKinds = new Set(
      sampleBodies.flatMap((body) => (body?.case === 'interaction' ? [body.value.body?.case] : [])),
    );
    expect([...eventKinds].sort()).toEqual(kinds(EventSchema)?.sort());
    expect([...interactionKinds].sort()).toEqual(kinds(InteractionEventSchema)?.sort());
  });

  it.each([
    ['truncated length-delimited field', [0x0a, 0x10, 0x61]],
    ['varint overflowing a tag', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['field number 0', [0x00, 0x01]],
    ['invalid UTF-8 in a string field', [0x0a, 0x02, 0xc3, 0x28]],
    ['unterminated varint', [0x20, 0x80]],
  ])('turns %s into ProtoDecodeError', (_label, bytes) => {
    expectDecodeError(() => decodeEvent(new Uint8Array(bytes)), 'hcc.events.v1.Event');
  });

  it('never throws anything but ProtoDecodeError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeEvent(bytes);
        } catch (error) {
          return error instanceof ProtoDecodeError;
        }
        return true;
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('ingest watermark codec', () => {
  it('round-trips and rejects garbage', () => {
    const watermark = create(IngestWatermarkSchema, { siteId: 'hq', seq: 2n ** 63n + 5n });
    expect(
      equals(IngestWatermarkSchema, decodeIngestWatermark(encodeIngestWatermark(watermark)), watermark),
    ).toBe(true);
    expectDecodeError(
      () => decodeIngestWatermark(new Uint8Array([0x0a, 0x05, 0x68])),
      'hcc.events.v1.IngestWatermark',
    );
  });
});

describe('event batch codec', () => {
  it('carries each event byte for byte, so each decodes alone', () => {
    const events = sampleBodies.map((body, i) => encodeEvent(sampleEvent(body, BigInt(i + 1))));
    const bytes = encodeEventBatch(create(EventBatchSchema, { siteId: 'hq', firstSeq: 1n, events }));
    const batch = decodeEventBatch(bytes);
    expect(batch.siteId).toBe('hq');
    expect(batch.firstSeq).toBe(1n);
    expect(batch.events).toEqual(events);
    expect(batch.events.map((e) => decodeEvent(e).seq)).toEqual(events.map((_, i) => BigInt(i + 1)));
    expectDecodeError(
      () => decodeEventBatch(bytes.subarray(0, bytes.length - 3)),
      'hcc.events.v1.EventBatch',
    );
  });
});
