import { type ConfigBundle, ConfigRejectReason, type Node } from '@hcc/proto';
import { dialPolicyProblems } from './dial-policy.ts';
import { trunkHealthProblems } from './trunk-health.ts';

/** One thing wrong with a bundle: a reason code and where (ids and field paths only, never free text). */
export interface BundleProblem {
  reason: ConfigRejectReason;
  /** Field path with entity ids, e.g. `flows.main.nodes.menu.choices.1`. */
  path: string;
}

const SITE_TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

/**
 * Validates a whole bundle before anyone runs it: every reference between entities resolves, every
 * flow is a well-formed graph, values are in range. The cloud runs it before it signs a version;
 * the edge runs it again before it switches (plus its own checks of local resources such as prompt
 * files). An empty list means valid.
 */
export function validateBundle(b: ConfigBundle): BundleProblem[] {
  const problems: BundleProblem[] = [];
  const bad = (reason: ConfigRejectReason, path: string) => problems.push({ reason, path });
  const dangling = (path: string) => bad(ConfigRejectReason.DANGLING_REFERENCE, path);
  const ids = <T extends { id: string }>(list: readonly T[], what: string): Set<string> => {
    const seen = new Set<string>();
    for (const x of list) {
      if (!x.id) bad(ConfigRejectReason.INVALID_VALUE, `${what}.<empty id>`);
      else if (seen.has(x.id)) bad(ConfigRejectReason.INVALID_VALUE, `${what}.${x.id}.duplicate`);
      seen.add(x.id);
    }
    return seen;
  };

  if (!b.siteId) bad(ConfigRejectReason.INVALID_VALUE, 'site_id');
  if (!b.site) bad(ConfigRejectReason.INVALID_VALUE, 'site');
  else if (!SITE_TIME_ZONES.has(b.site.timeZone) && b.site.timeZone !== 'UTC')
    bad(ConfigRejectReason.INVALID_VALUE, 'site.time_zone');

  const flows = ids(b.flows, 'flows');
  const prompts = ids(b.prompts, 'prompts');
  const queues = ids(b.queues, 'queues');
  const agents = ids(b.agents, 'agents');
  const skills = ids(b.skills, 'skills');
  const hours = ids(b.businessHours, 'business_hours');
  const mailboxes = ids(b.mailboxes, 'mailboxes');
  const reasons = ids(b.notReadyReasons, 'not_ready_reasons');
  ids(b.trunks, 'trunks');
  for (const t of b.trunks) for (const p of trunkHealthProblems(t)) bad(ConfigRejectReason.INVALID_VALUE, p);
  ids(b.dids, 'dids');
  const prompt = (id: string, path: string) => {
    if (id && !prompts.has(id)) dangling(path);
  };

  const numbers = new Set<string>();
  for (const d of b.dids) {
    if (!/^\+?[0-9]{2,20}$/.test(d.number)) bad(ConfigRejectReason.INVALID_VALUE, `dids.${d.id}.number`);
    if (numbers.has(d.number)) bad(ConfigRejectReason.INVALID_VALUE, `dids.${d.id}.number.duplicate`);
    numbers.add(d.number);
    const t = d.target;
    if (t.case === 'flowId' && !flows.has(t.value)) dangling(`dids.${d.id}.flow_id`);
    else if (t.case === 'queueId' && !queues.has(t.value)) dangling(`dids.${d.id}.queue_id`);
    else if (t.case === 'agentId' && !agents.has(t.value)) dangling(`dids.${d.id}.agent_id`);
    else if (t.case === undefined) bad(ConfigRejectReason.INVALID_VALUE, `dids.${d.id}.target`);
  }

  for (const f of b.flows) {
    const nodes = new Map(f.nodes.map((n) => [n.id, n]));
    const at = (n: Node, field: string) => `flows.${f.id}.nodes.${n.id}.${field}`;
    const node = (id: string, path: string) => {
      if (id && !nodes.has(id)) dangling(path);
    };
    if (!nodes.has(f.entryNodeId)) dangling(`flows.${f.id}.entry_node_id`);
    ids(f.nodes, `flows.${f.id}.nodes`);
    for (const n of f.nodes) {
      const k = n.kind;
      switch (k.case) {
        case 'play':
          if (!k.value.promptId) bad(ConfigRejectReason.INVALID_FLOW, at(n, 'prompt_id'));
          prompt(k.value.promptId, at(n, 'prompt_id'));
          node(k.value.nextNodeId, at(n, 'next_node_id'));
          break;
        case 'menu': {
          prompt(k.value.promptId, at(n, 'prompt_id'));
          prompt(k.value.invalidPromptId, at(n, 'invalid_prompt_id'));
          prompt(k.value.timeoutPromptId, at(n, 'timeout_prompt_id'));
          node(k.value.timeoutNodeId, at(n, 'timeout_node_id'));
          node(k.value.invalidNodeId, at(n, 'invalid_node_id'));
          const digits = new Set<string>();
          for (const c of k.value.choices) {
            if (!/^[0-9*#]$/.test(c.digit) || digits.has(c.digit))
              bad(ConfigRejectReason.INVALID_FLOW, at(n, `choices.${c.digit}`));
            digits.add(c.digit);
            node(c.nodeId, at(n, `choices.${c.digit}`));
          }
          if (k.value.choices.length === 0) bad(ConfigRejectReason.INVALID_FLOW, at(n, 'choices'));
          break;
        }
        case 'hoursBranch':
          if (!hours.has(k.value.hoursId)) dangling(at(n, 'hours_id'));
          node(k.value.openNodeId, at(n, 'open_node_id'));
          node(k.value.closedNodeId, at(n, 'closed_node_id'));
          node(k.value.holidayNodeId, at(n, 'holiday_node_id'));
          break;
        case 'setVariable':
          node(k.value.nextNodeId, at(n, 'next_node_id'));
          break;
        case 'branch':
          for (const c of k.value.cases) node(c.nodeId, at(n, `cases.${c.value}`));
          node(k.value.defaultNodeId, at(n, 'default_node_id'));
          break;
        case 'enqueue':
          if (!queues.has(k.value.queueId)) dangling(at(n, 'queue_id'));
          break;
        case 'transfer': {
          const t = k.value.target;
          if (t.case === 'agentId' && !agents.has(t.value)) dangling(at(n, 'agent_id'));
          if (t.case === 'queueId' && !queues.has(t.value)) dangling(at(n, 'queue_id'));
          if (t.case === undefined) bad(ConfigRejectReason.INVALID_FLOW, at(n, 'target'));
          // What goes to the carrier, and what the dial policy checks: E.164.
          if (t.case === 'external' && !/^\+[1-9][0-9]{5,14}$/.test(t.value.number))
            bad(ConfigRejectReason.INVALID_FLOW, at(n, 'external.number'));
          break;
        }
        case 'voicemail':
          if (!mailboxes.has(k.value.mailboxId)) dangling(at(n, 'mailbox_id'));
          break;
        case 'hangup':
          break;
        case undefined:
          bad(ConfigRejectReason.INVALID_FLOW, at(n, 'kind'));
          break;
      }
    }
  }

  for (const q of b.queues) {
    const at = (field: string) => `queues.${q.id}.${field}`;
    for (const s of q.requiredSkills)
      if (!skills.has(s.skillId)) dangling(at(`required_skills.${s.skillId}`));
    prompt(q.musicOnHoldPromptId, at('music_on_hold_prompt_id'));
    if (q.announcements) prompt(q.announcements.promptId, at('announcements.prompt_id'));
    const o = q.overflow?.target;
    if (o?.case === 'queueId' && (!queues.has(o.value) || o.value === q.id))
      dangling(at('overflow.queue_id'));
    if (o?.case === 'mailboxId' && !mailboxes.has(o.value)) dangling(at('overflow.mailbox_id'));
    if (o?.case === 'flowNode') {
      const f = b.flows.find((x) => x.id === o.value.flowId);
      if (!f?.nodes.some((n) => n.id === o.value.nodeId)) dangling(at('overflow.flow_node'));
    }
    if (q.ringNoAnswerReasonId && !reasons.has(q.ringNoAnswerReasonId))
      dangling(at('ring_no_answer_reason_id'));
  }

  for (const a of b.agents) {
    for (const s of a.skills) {
      if (!skills.has(s.skillId)) dangling(`agents.${a.id}.skills.${s.skillId}`);
      if (s.level < 1 || s.level > 10)
        bad(ConfigRejectReason.INVALID_VALUE, `agents.${a.id}.skills.${s.skillId}.level`);
    }
    for (const r of a.allowedNotReadyReasonIds)
      if (!reasons.has(r)) dangling(`agents.${a.id}.allowed_not_ready_reason_ids.${r}`);
    // Digest algorithms of a SIP phone: the names of RFC 8760, each at most once.
    for (const d of a.devices) {
      if (d.kind.case !== 'sip') continue;
      const algs = d.kind.value.digestAlgorithms;
      if (algs.some((x) => x !== 'SHA-256' && x !== 'MD5') || new Set(algs).size !== algs.length)
        bad(ConfigRejectReason.INVALID_VALUE, `agents.${a.id}.devices.${d.id}.digest_algorithms`);
    }
  }
  for (const m of b.mailboxes) prompt(m.greetingPromptId, `mailboxes.${m.id}.greeting_prompt_id`);
  for (const h of b.businessHours) {
    for (const [i, w] of h.weekly.entries()) {
      if (w.startMinute >= w.endMinute || w.endMinute > 1440)
        bad(ConfigRejectReason.INVALID_VALUE, `business_hours.${h.id}.weekly.${i}`);
    }
  }
  if (b.recording) {
    prompt(b.recording.announcePromptId, 'recording.announce_prompt_id');
    for (const q of b.recording.queueIds) if (!queues.has(q)) dangling(`recording.queue_ids.${q}`);
  }
  if (b.dialPolicy)
    for (const p of dialPolicyProblems(b.dialPolicy))
      bad(ConfigRejectReason.INVALID_VALUE, `dial_policy.${p.path}`);
  return problems;
}
