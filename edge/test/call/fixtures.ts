/** The config bundle of the call tests: a carrier trunk, DID +15550100 -> IVR main, two queues, agents on static contacts. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  Channel,
  type ConfigBundle,
  ConfigBundleSchema,
  RoutingStrategy,
  SipTransport,
  TrunkKind,
} from '@hcc/proto';

type Init = MessageInitShape<typeof ConfigBundleSchema>;
type AgentInit = NonNullable<Init['agents']>[number];
type QueueInit = NonNullable<Init['queues']>[number];

export const DID = '+15550100';
export const CALLER = '+15551230001';

const prompt = (id: string) => ({ id, name: id, variants: [{ language: 'en', path: `en/${id}.wav` }] });

export function agentOn(
  id: string,
  ext: string,
  skills: Record<string, number>,
  contactPort: number | undefined,
): AgentInit {
  return {
    id,
    extension: ext,
    displayName: `Agent ${ext}`,
    skills: Object.entries(skills).map(([skillId, level]) => ({ skillId, level })),
    devices:
      contactPort === undefined
        ? [
            {
              id: 'phone',
              kind: { case: 'sip', value: { authUsername: ext, passwordHashRef: `sip-${ext}` } },
            },
          ]
        : [
            {
              id: 'desk',
              kind: { case: 'staticContact', value: { uri: `sip:${ext}@127.0.0.1:${contactPort}` } },
            },
          ],
    capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
    autoReadyOnRegister: true,
  };
}

export function queueOf(id: string, extra: Partial<QueueInit> = {}): QueueInit {
  return {
    id,
    name: id,
    channels: [Channel.VOICE],
    requiredSkills: [{ skillId: id, minLevel: 1 }],
    strategy: RoutingStrategy.LONGEST_IDLE,
    ringTimeoutSeconds: 4,
    serviceLevelSeconds: 20,
    musicOnHoldPromptId: 'moh',
    ringNoAnswerReasonId: 'no-answer',
    ...extra,
  } as QueueInit;
}

export function callBundle(o: {
  agents: AgentInit[];
  queues?: QueueInit[];
  carrierPort?: number;
  /** The carrier trunk's concurrent call limit (0: none). */
  carrierMaxCalls?: number;
  record?: boolean;
  extra?: Partial<Init>;
}): ConfigBundle {
  const init: Init = {
    tenantId: 'acme',
    siteId: 'hq',
    version: 1n,
    site: { name: 'HQ', timeZone: 'UTC', locale: 'en-US' },
    trunks: [
      {
        id: 'carrier',
        name: 'carrier',
        kind: TrunkKind.CARRIER,
        host: '127.0.0.1',
        port: o.carrierPort ?? 9,
        transport: SipTransport.UDP,
        // The caller SIPp binds 127.0.0.2: only that address is the trunk.
        allowedSourceCidrs: ['127.0.0.2/32'],
        outboundAuth: { username: 'edge-hq', realm: '', secretRef: 'trunk/carrier' },
        normalization: { countryCode: '1' },
        codecs: ['PCMA', 'PCMU'],
        maxConcurrentCalls: o.carrierMaxCalls ?? 0,
        // The tests' carriers are SIPp scenarios that expect an INVITE: an OPTIONS ping would be their one
        // call (trunk-health.test.ts pings trunks of its own).
        optionsPingOff: true,
      },
    ],
    dids: [{ id: 'did-main', number: DID, target: { case: 'flowId', value: 'main' } }],
    prompts: ['welcome', 'main-menu', 'invalid', 'moh', 'recording-notice', 'greeting'].map(prompt),
    flows: [
      {
        id: 'main',
        name: 'Main',
        entryNodeId: 'welcome',
        nodes: [
          { id: 'welcome', kind: { case: 'play', value: { promptId: 'welcome', nextNodeId: 'menu' } } },
          {
            id: 'menu',
            kind: {
              case: 'menu',
              value: {
                promptId: 'main-menu',
                choices: [
                  { digit: '1', nodeId: 'to-sales' },
                  { digit: '2', nodeId: 'to-support' },
                ],
                timeoutMs: 6000,
                maxRetries: 1,
                invalidPromptId: 'invalid',
                timeoutNodeId: 'to-support',
                invalidNodeId: 'to-support',
              },
            },
          },
          { id: 'to-sales', kind: { case: 'enqueue', value: { queueId: 'sales' } } },
          { id: 'to-support', kind: { case: 'enqueue', value: { queueId: 'support' } } },
        ],
      },
    ],
    skills: [
      { id: 'sales', name: 'Sales' },
      { id: 'support', name: 'Support' },
    ],
    queues: o.queues ?? [queueOf('sales'), queueOf('support')],
    agents: o.agents,
    notReadyReasons: [
      { id: 'break', name: 'Break' },
      { id: 'no-answer', name: 'Missed' },
    ],
    mailboxes: [{ id: 'general', name: 'General', greetingPromptId: 'greeting' }],
    recording: {
      enabled: o.record ?? false,
      queueIds: [],
      announcePromptId: o.record ? 'recording-notice' : '',
    },
    retention: { recordingDays: 30, cdrDetailDays: 90 },
    ...o.extra,
  } as Init;
  return create(ConfigBundleSchema, init);
}
