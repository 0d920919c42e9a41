// Test fixtures for this package's tests: the demo hq bundle and one event per body kind.
// Not exported from index.ts.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Channel } from '../gen/hcc/common/v1/channel_pb.ts';
import {
  type ConfigBundle,
  ConfigBundleSchema,
  HangupCause,
  RoutingStrategy,
  SipTransport,
  TrunkKind,
  Weekday,
} from '../gen/hcc/config/v1/bundle_pb.ts';
import {
  AbandonStage,
  AgentState,
  AgentStateCause,
  ConfigRejectReason,
  DialRefusal,
  Disposition,
  EndedBy,
  type Event,
  EventSchema,
  IvrChoiceOutcome,
  QueueEntry,
  TransferKind,
  TrunkState,
  TrunkStatusReason,
} from '../gen/hcc/events/v1/events_pb.ts';

const weekdays = [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY];

/** The demo hq site: DID +15550100 -> IVR "main" (1 = sales, 2 = support), agents 1001/1002. */
export function demoBundle(): ConfigBundle {
  return create(ConfigBundleSchema, {
    tenantId: 'acme',
    siteId: 'hq',
    version: 7n,
    createdAt: timestampFromMs(Date.UTC(2025, 0, 15, 9, 30)),
    site: { name: 'HQ', timeZone: 'Europe/Amsterdam', locale: 'en-US' },
    trunks: [
      {
        id: 'carrier-a',
        name: 'Carrier A',
        kind: TrunkKind.CARRIER,
        host: 'sip.carrier-a.example',
        port: 5060,
        transport: SipTransport.UDP,
        allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'],
        outboundAuth: { username: 'acme-hq', realm: '', secretRef: 'trunk/carrier-a/digest' },
        register: true,
        registerExpiresSeconds: 600,
        normalization: { countryCode: '1', nationalPrefix: '', internationalPrefix: '011' },
        codecs: ['PCMU', 'PCMA'],
        maxConcurrentCalls: 30,
      },
    ],
    dids: [{ id: 'main-line', number: '+15550100', target: { case: 'flowId', value: 'main' } }],
    flows: [
      {
        id: 'main',
        name: 'Main menu',
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
                holidayNodeId: 'closed',
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
                defaultNodeId: 'menu',
              },
            },
          },
          {
            id: 'prio',
            kind: {
              case: 'setVariable',
              value: { assignment: { case: 'priority', value: 10 }, nextNodeId: 'menu' },
            },
          },
          {
            id: 'menu',
            kind: {
              case: 'menu',
              value: {
                promptId: 'main-menu',
                choices: [
                  { digit: '1', nodeId: 'sales' },
                  { digit: '2', nodeId: 'support' },
                  { digit: '#', nodeId: 'reception' },
                ],
                timeoutMs: 5000,
                maxRetries: 2,
                invalidPromptId: 'invalid',
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
              value: {
                target: { case: 'external', value: { number: '+15550199', trunkId: 'carrier-a' } },
              },
            },
          },
          {
            id: 'closed',
            kind: { case: 'voicemail', value: { mailboxId: 'general', maxSeconds: 120 } },
          },
          { id: 'bye', kind: { case: 'hangup', value: { cause: HangupCause.NORMAL } } },
        ],
      },
    ],
    prompts: [
      {
        id: 'main-menu',
        name: 'Main menu',
        variants: [
          { language: 'en-US', path: 'en-US/main-menu.wav' },
          { language: 'nl-NL', path: 'nl-NL/main-menu.wav' },
        ],
      },
      { id: 'invalid', name: 'Invalid choice', variants: [{ language: 'en-US', path: 'en-US/invalid.wav' }] },
      { id: 'moh', name: 'Music on hold', variants: [{ language: 'en-US', path: 'moh.wav' }] },
    ],
    queues: [
      {
        id: 'sales',
        name: 'Sales',
        channels: [Channel.VOICE],
        requiredSkills: [{ skillId: 'sales', minLevel: 3 }],
        priority: 1,
        strategy: RoutingStrategy.LONGEST_IDLE,
        ringTimeoutSeconds: 20,
        maxWaitSeconds: 300,
        overflow: { target: { case: 'queueId', value: 'support' } },
        serviceLevelSeconds: 20,
        wrapUpSeconds: 10,
        musicOnHoldPromptId: 'moh',
        announcements: { announcePosition: true, announceExpectedWait: true, intervalSeconds: 60 },
        ringNoAnswerReasonId: 'missed',
      },
      {
        id: 'support',
        name: 'Support',
        channels: [Channel.VOICE, Channel.CHAT],
        requiredSkills: [{ skillId: 'support', minLevel: 1 }],
        strategy: RoutingStrategy.SKILL_WEIGHTED,
        overflow: { target: { case: 'mailboxId', value: 'general' } },
        serviceLevelSeconds: 30,
      },
    ],
    skills: [
      { id: 'sales', name: 'Sales' },
      { id: 'support', name: 'Support' },
    ],
    agents: [
      {
        id: 'a-1001',
        extension: '1001',
        displayName: 'Demo Agent 1001',
        skills: [{ skillId: 'sales', level: 7 }],
        devices: [
          {
            id: 'phone',
            kind: { case: 'sip', value: { authUsername: '1001', passwordHashRef: 'agent/1001/ha1' } },
          },
          { id: 'desk', kind: { case: 'browser', value: {} } },
        ],
        capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
        autoReadyOnRegister: true,
        allowedNotReadyReasonIds: ['break', 'lunch'],
      },
      {
        id: 'a-1002',
        extension: '1002',
        displayName: 'Demo Agent 1002',
        skills: [{ skillId: 'support', level: 10 }],
        devices: [{ id: 'pbx', kind: { case: 'staticContact', value: { uri: 'sip:1002@pbx.example' } } }],
        capacities: [
          { channel: Channel.VOICE, maxConcurrent: 1 },
          { channel: Channel.CHAT, maxConcurrent: 3 },
        ],
      },
    ],
    businessHours: [
      {
        id: 'office',
        name: 'Office hours',
        timeZone: 'Europe/Amsterdam',
        weekly: weekdays.map((day) => ({ day, startMinute: 8 * 60, endMinute: 18 * 60 })),
        holidays: [
          { date: { year: 2025, month: 12, day: 25 }, name: 'Christmas' },
          {
            date: { year: 2025, month: 12, day: 24 },
            name: 'Christmas Eve',
            overrideHours: [{ startMinute: 9 * 60, endMinute: 13 * 60 }],
          },
        ],
      },
    ],
    notReadyReasons: [
      { id: 'break', name: 'Break' },
      { id: 'lunch', name: 'Lunch' },
      { id: 'missed', name: 'Missed call' },
      { id: 'training', name: 'Training', productive: true },
    ],
    mailboxes: [{ id: 'general', name: 'General', greetingPromptId: 'main-menu' }],
    recording: { enabled: true, queueIds: ['support'], announcePromptId: 'main-menu' },
    retention: { recordingDays: 90, cdrDetailDays: 365 },
    signingKeyId: 'cloud-2025-01',
    signature: new Uint8Array(64).fill(0xab),
  });
}

type EventBody = MessageInitShape<typeof EventSchema>['body'];

const interaction = { interactionId: '01943a4e-7c00-7000-8000-000000000001', channel: Channel.VOICE };

/** One sample per Event body kind and per InteractionEvent body kind. */
export const sampleBodies: EventBody[] = [
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: {
        case: 'offered',
        value: { didId: 'main-line', trunkId: 'carrier-a', callerPseudonym: new Uint8Array(32).fill(7) },
      },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: {
        case: 'ivrChoice',
        value: {
          flowId: 'main',
          nodeId: 'menu',
          outcome: IvrChoiceOutcome.MATCHED,
          choiceKey: '1',
          attempt: 1,
        },
      },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: { case: 'queued', value: { queueId: 'sales', priority: 10, entry: QueueEntry.FLOW } },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: { case: 'agentRinging', value: { agentId: 'a-1001', queueId: 'sales', attempt: 1 } },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: { case: 'answered', value: { agentId: 'a-1001', queueId: 'sales', waitMs: 12_345n } },
    },
  },
  { case: 'interaction', value: { ...interaction, body: { case: 'held', value: { agentId: 'a-1001' } } } },
  {
    case: 'interaction',
    value: { ...interaction, body: { case: 'resumed', value: { agentId: 'a-1001', holdMs: 30_000n } } },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: {
        case: 'transferred',
        value: { kind: TransferKind.BLIND, fromAgentId: 'a-1001', target: { case: 'external', value: true } },
      },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: { case: 'abandoned', value: { stage: AbandonStage.QUEUE, waitMs: 45_000n, queueId: 'sales' } },
    },
  },
  {
    case: 'interaction',
    value: {
      ...interaction,
      body: {
        case: 'ended',
        value: {
          disposition: Disposition.ANSWERED,
          endedBy: EndedBy.CALLER,
          queueId: 'sales',
          agentId: 'a-1001',
          totalMs: 300_000n,
          ivrMs: 20_000n,
          queueWaitMs: 12_345n,
          ringMs: 4_000n,
          talkMs: 223_655n,
          holdMs: 30_000n,
          wrapMs: 10_000n,
          answeredWithinSl: true,
          recordingPresent: true,
          transferCount: 0,
        },
      },
    },
  },
  {
    case: 'agentStateChanged',
    value: {
      agentId: 'a-1001',
      fromState: AgentState.READY,
      toState: AgentState.NOT_READY,
      cause: AgentStateCause.AGENT,
      notReadyReasonId: 'lunch',
    },
  },
  {
    case: 'queueSnapshot',
    value: {
      queueId: 'sales',
      waiting: 3,
      longestWaitMs: 61_000n,
      agents: [
        { state: AgentState.READY, count: 1 },
        { state: AgentState.ON_CALL, count: 4 },
      ],
    },
  },
  {
    case: 'edgeHeartbeat',
    value: {
      nodeId: 'edge-1',
      uptimeSeconds: 86_400n,
      activeCalls: 12,
      registeredDevices: 40,
      rtpengineHealthy: true,
      natsConnected: false,
      outboxBacklog: 1_024n,
      version: '0.1.0',
      trunkHealth: [
        { trunkId: 'carrier-a', state: TrunkState.DOWN, rttMs: 0, failures: 3n },
        { trunkId: 'carrier-b', state: TrunkState.UP, rttMs: 14, failures: 0n },
      ],
    },
  },
  {
    case: 'trunkStatusChanged',
    value: {
      trunkId: 'carrier-a',
      state: TrunkState.DOWN,
      previousState: TrunkState.UP,
      reason: TrunkStatusReason.TIMEOUT,
      consecutive: 3,
    },
  },
  { case: 'configApplied', value: { version: 7n, previousVersion: 6n } },
  {
    case: 'configRejected',
    value: { version: 8n, reason: ConfigRejectReason.DANGLING_REFERENCE, detail: 'main/n3' },
  },
  {
    case: 'dialLimitHit',
    value: {
      reason: DialRefusal.PREMIUM,
      agentId: 'a-1001',
      trunkId: 'carrier-a',
      interactionId: '01943a4e-7c00-7000-8000-000000000001',
    },
  },
];

export function sampleEvent(body: EventBody, seq: bigint): Event {
  return create(EventSchema, {
    eventId: `01943a4e-7c00-7000-8000-${seq.toString().padStart(12, '0')}`,
    tenantId: 'acme',
    siteId: 'hq',
    seq,
    occurredAt: timestampFromMs(Date.UTC(2025, 0, 15, 10, 0) + Number(seq)),
    configVersion: 7n,
    body,
  });
}
