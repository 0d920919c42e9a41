/** Test helpers for the IVR: a small bundle and a scripted call port. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Channel, type ConfigBundle, ConfigBundleSchema, HangupCause, Weekday } from '@hcc/proto';
import type { IvrCallPort, PromptRef } from '../src/ivr/ports.ts';

type BundleInit = MessageInitShape<typeof ConfigBundleSchema>;
const weekdays = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY];

/** Hours 08:00-18:00 Mon-Fri Amsterdam; IVR: hours -> vip branch -> menu (1 sales, 2 support). */
export function ivrBundle(over: Partial<BundleInit> = {}): ConfigBundle {
  const init: BundleInit = {
    tenantId: 'acme',
    siteId: 'hq',
    version: 3n,
    site: { name: 'HQ', timeZone: 'Europe/Amsterdam', locale: 'en-US' },
    flows: [
      {
        id: 'main',
        entryNodeId: 'hours',
        nodes: [
          {
            id: 'hours',
            kind: {
              case: 'hoursBranch',
              value: {
                hoursId: 'office',
                openNodeId: 'vip',
                closedNodeId: 'closed',
                holidayNodeId: 'holiday',
              },
            },
          },
          {
            id: 'vip',
            kind: {
              case: 'branch',
              value: {
                attribute: 'attr.vip_tier',
                cases: [{ value: 'gold', nodeId: 'prio' }],
                defaultNodeId: 'lang',
              },
            },
          },
          {
            id: 'prio',
            kind: {
              case: 'setVariable',
              value: { assignment: { case: 'priority', value: 10 }, nextNodeId: 'lang' },
            },
          },
          {
            id: 'lang',
            kind: {
              case: 'branch',
              value: {
                attribute: 'attr.language',
                cases: [{ value: 'nl-NL', nodeId: 'setnl' }],
                defaultNodeId: 'welcome',
              },
            },
          },
          {
            id: 'setnl',
            kind: {
              case: 'setVariable',
              value: {
                assignment: {
                  case: 'variable',
                  value: { name: 'language', value: { case: 'literal', value: 'nl-NL' } },
                },
                nextNodeId: 'welcome',
              },
            },
          },
          { id: 'welcome', kind: { case: 'play', value: { promptId: 'welcome', nextNodeId: 'menu' } } },
          {
            id: 'menu',
            kind: {
              case: 'menu',
              value: {
                promptId: 'main-menu',
                choices: [
                  { digit: '1', nodeId: 'sales' },
                  { digit: '2', nodeId: 'support' },
                  { digit: '9', nodeId: 'reception' },
                ],
                timeoutMs: 4000,
                maxRetries: 2,
                invalidPromptId: 'invalid',
                timeoutPromptId: 'timeout',
                timeoutNodeId: 'support',
                invalidNodeId: 'bye',
              },
            },
          },
          { id: 'sales', kind: { case: 'enqueue', value: { queueId: 'sales' } } },
          { id: 'support', kind: { case: 'enqueue', value: { queueId: 'support', priority: 1 } } },
          {
            id: 'reception',
            kind: {
              case: 'transfer',
              value: { target: { case: 'external', value: { number: '+15550199', trunkId: 'carrier-a' } } },
            },
          },
          { id: 'closed', kind: { case: 'voicemail', value: { mailboxId: 'general', maxSeconds: 60 } } },
          { id: 'holiday', kind: { case: 'play', value: { promptId: 'holiday', nextNodeId: 'bye' } } },
          { id: 'bye', kind: { case: 'hangup', value: { cause: HangupCause.NORMAL } } },
        ],
      },
    ],
    prompts: ['welcome', 'main-menu', 'invalid', 'timeout', 'holiday', 'greeting'].map((id) => ({
      id,
      name: id,
      variants: [
        { language: 'en-US', path: `en-US/${id}.wav` },
        { language: 'nl-NL', path: `nl-NL/${id}.wav` },
      ],
    })),
    queues: [
      { id: 'sales', name: 'Sales', channels: [Channel.VOICE], priority: 2 },
      { id: 'support', name: 'Support', channels: [Channel.VOICE] },
    ],
    businessHours: [
      {
        id: 'office',
        name: 'Office',
        timeZone: 'Europe/Amsterdam',
        weekly: weekdays.map((day) => ({ day, startMinute: 8 * 60, endMinute: 18 * 60 })),
        holidays: [
          { date: { year: 2025, month: 12, day: 25 }, name: 'Christmas' },
          {
            date: { year: 2025, month: 12, day: 24 },
            name: 'Eve',
            overrideHours: [{ startMinute: 540, endMinute: 780 }],
          },
        ],
      },
    ],
    mailboxes: [{ id: 'general', name: 'General', greetingPromptId: 'greeting' }],
  };
  return create(ConfigBundleSchema, { ...init, ...over } as BundleInit);
}

/** A call port that answers collectDigits from a script and records what happened. */
export class ScriptedCall implements IvrCallPort {
  readonly played: string[] = [];
  readonly recorded: string[] = [];
  readonly collects: { max: number; timeoutMs: number }[] = [];
  /** Called when collectDigits is reached with an empty script (e.g. to hang up). */
  onExhausted: (() => void) | undefined;
  constructor(
    private readonly digits: string[],
    readonly interactionId = 'i-1',
    readonly channel: Channel = Channel.VOICE,
  ) {}

  async play(p: PromptRef, o: { signal: AbortSignal }): Promise<void> {
    o.signal.throwIfAborted();
    this.played.push(p.path);
  }

  collectDigits(o: { max: number; timeoutMs: number; signal: AbortSignal }): Promise<string> {
    o.signal.throwIfAborted();
    this.collects.push({ max: o.max, timeoutMs: o.timeoutMs });
    const d = this.digits.shift();
    if (d !== undefined) return Promise.resolve(d);
    this.onExhausted?.();
    // Wait until the caller "hangs up".
    return new Promise((_, reject) => {
      o.signal.addEventListener('abort', () => reject(o.signal.reason), { once: true });
    });
  }

  async recordVoicemail(o: { mailboxId: string; maxSeconds: number; signal: AbortSignal }) {
    o.signal.throwIfAborted();
    this.recorded.push(`${o.mailboxId}/${o.maxSeconds}`);
    return { durationMs: 4200 };
  }
}
