import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  type AgentSchema,
  Channel,
  type ConfigBundle,
  ConfigBundleSchema,
  HangupCause,
  RoutingStrategy,
  SipTransport,
  TrunkKind,
  Weekday,
} from '@hcc/proto';

/**
 * The demo tenant of the architecture doc: tenant `acme`; DID +15550100 rings hq's IVR `main`
 * (1 = sales, 2 = support), +15550200 rings the branch; agents 1001 (sales) and 1002 (support) at
 * hq, 2001 at the branch. Returned unsigned and unversioned; publishing assigns both.
 */
type BundleInit = MessageInitShape<typeof ConfigBundleSchema>;

// The demo answers around the clock, so whoever tries it hears the menu; the holiday still sends
// callers to the closed message.
const everyDay = [
  Weekday.MONDAY,
  Weekday.TUESDAY,
  Weekday.WEDNESDAY,
  Weekday.THURSDAY,
  Weekday.FRIDAY,
  Weekday.SATURDAY,
  Weekday.SUNDAY,
];
const officeHours = (id: string, timeZone: string) => ({
  id,
  name: 'Demo hours (always open)',
  timeZone,
  weekly: everyDay.map((day) => ({ day, startMinute: 0, endMinute: 24 * 60 })),
  holidays: [{ date: { year: 2026, month: 12, day: 25 }, name: 'Christmas Day' }],
});
const prompt = (id: string, name: string) => ({
  id,
  name,
  variants: [{ language: 'en', path: `demo/${id}.wav` }],
});
const voice = [{ channel: Channel.VOICE, maxConcurrent: 1 }];
const localTrunk = {
  id: 'demo-carrier',
  name: 'Demo carrier (SIPp on loopback)',
  kind: TrunkKind.CARRIER,
  host: '127.0.0.1',
  port: 5090,
  transport: SipTransport.UDP,
  allowedSourceCidrs: ['127.0.0.0/8', '::1/128'],
  normalization: { countryCode: '1', nationalPrefix: '', internationalPrefix: '011' },
  codecs: ['PCMU', 'PCMA'],
  maxConcurrentCalls: 500,
};
const common = {
  notReadyReasons: [
    { id: 'break', name: 'Break' },
    { id: 'lunch', name: 'Lunch' },
    { id: 'training', name: 'Training', productive: true },
    { id: 'no-answer', name: 'Missed a call' },
  ],
  recording: { enabled: true, queueIds: [], announcePromptId: 'recording-notice' },
  retention: { recordingDays: 90, cdrDetailDays: 365 },
  // Toll fraud: numbers in +1 go out (the demo's SIPp carrier answers them); international and
  // premium-rate numbers (the built-in list: +1900 ...) are refused; 2 calls out per agent, 10 per site.
  dialPolicy: {
    homeCountryCode: '1',
    allowInternational: false,
    allowPremium: false,
    maxOutboundPerAgent: 2,
    maxOutboundPerSite: 10,
  },
};

export function demoHqBundle(): ConfigBundle {
  const tz = 'America/New_York';
  const init: BundleInit = {
    tenantId: 'acme',
    siteId: 'hq',
    site: { name: 'Acme HQ', timeZone: tz, locale: 'en-US' },
    trunks: [localTrunk],
    dids: [{ id: 'did-main', number: '+15550100', target: { case: 'flowId', value: 'main' } }],
    prompts: [
      prompt('welcome', 'Welcome to Acme'),
      prompt('main-menu', 'For sales press 1, for support press 2'),
      prompt('invalid', 'Sorry, that is not a valid choice'),
      prompt('closed', 'We are closed'),
      prompt('moh', 'Music on hold'),
      prompt('recording-notice', 'This call may be recorded'),
      prompt('goodbye', 'Goodbye'),
    ],
    flows: [
      {
        id: 'main',
        name: 'Main IVR',
        entryNodeId: 'hours',
        nodes: [
          {
            id: 'hours',
            kind: {
              case: 'hoursBranch',
              value: {
                hoursId: 'office',
                openNodeId: 'welcome',
                closedNodeId: 'closed',
                holidayNodeId: 'closed',
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
                  { digit: '1', nodeId: 'to-sales' },
                  { digit: '2', nodeId: 'to-support' },
                ],
                timeoutMs: 5000,
                maxRetries: 2,
                invalidPromptId: 'invalid',
                timeoutNodeId: 'to-support',
                invalidNodeId: 'goodbye',
              },
            },
          },
          { id: 'to-sales', kind: { case: 'enqueue', value: { queueId: 'sales' } } },
          { id: 'to-support', kind: { case: 'enqueue', value: { queueId: 'support' } } },
          { id: 'closed', kind: { case: 'play', value: { promptId: 'closed', nextNodeId: 'hangup' } } },
          { id: 'goodbye', kind: { case: 'play', value: { promptId: 'goodbye', nextNodeId: 'hangup' } } },
          { id: 'hangup', kind: { case: 'hangup', value: { cause: HangupCause.NORMAL } } },
        ],
      },
    ],
    skills: [
      { id: 'sales', name: 'Sales' },
      { id: 'support', name: 'Support' },
    ],
    queues: [
      {
        id: 'sales',
        name: 'Sales',
        channels: [Channel.VOICE],
        requiredSkills: [{ skillId: 'sales', minLevel: 1 }],
        strategy: RoutingStrategy.LONGEST_IDLE,
        ringTimeoutSeconds: 20,
        maxWaitSeconds: 300,
        overflow: { target: { case: 'queueId', value: 'support' } },
        serviceLevelSeconds: 20,
        wrapUpSeconds: 10,
        musicOnHoldPromptId: 'moh',
      },
      {
        id: 'support',
        name: 'Support',
        channels: [Channel.VOICE],
        requiredSkills: [{ skillId: 'support', minLevel: 1 }],
        strategy: RoutingStrategy.SKILL_WEIGHTED,
        ringTimeoutSeconds: 20,
        maxWaitSeconds: 600,
        serviceLevelSeconds: 30,
        wrapUpSeconds: 15,
        musicOnHoldPromptId: 'moh',
      },
    ],
    agents: [
      agent('a-1001', '1001', 'Agent 1001', [{ skillId: 'sales', level: 8 }]),
      agent('a-1002', '1002', 'Agent 1002', [{ skillId: 'support', level: 7 }]),
    ],
    businessHours: [officeHours('office', tz)],
    ...common,
  };
  return create(ConfigBundleSchema, init);
}

export function demoBranchBundle(): ConfigBundle {
  const tz = 'America/Chicago';
  const init: BundleInit = {
    tenantId: 'acme',
    siteId: 'branch',
    site: { name: 'Acme Branch', timeZone: tz, locale: 'en-US' },
    trunks: [localTrunk],
    dids: [{ id: 'did-branch', number: '+15550200', target: { case: 'queueId', value: 'branch' } }],
    prompts: [prompt('moh', 'Music on hold'), prompt('recording-notice', 'This call may be recorded')],
    skills: [{ id: 'general', name: 'General' }],
    queues: [
      {
        id: 'branch',
        name: 'Branch',
        channels: [Channel.VOICE],
        strategy: RoutingStrategy.LONGEST_IDLE,
        ringTimeoutSeconds: 20,
        maxWaitSeconds: 300,
        serviceLevelSeconds: 20,
        wrapUpSeconds: 10,
        musicOnHoldPromptId: 'moh',
      },
    ],
    agents: [agent('a-2001', '2001', 'Agent 2001', [{ skillId: 'general', level: 5 }])],
    businessHours: [officeHours('office', tz)],
    ...common,
  };
  return create(ConfigBundleSchema, init);
}

function agent(
  id: string,
  extension: string,
  displayName: string,
  skills: { skillId: string; level: number }[],
): MessageInitShape<typeof AgentSchema> {
  return {
    id,
    extension,
    displayName,
    skills,
    devices: [
      {
        id: 'phone',
        kind: { case: 'sip', value: { authUsername: extension, passwordHashRef: `sip-${extension}` } },
      },
      { id: 'desktop', kind: { case: 'browser', value: {} } },
    ],
    capacities: voice,
    autoReadyOnRegister: true,
  };
}
