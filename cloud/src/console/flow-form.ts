import type { JsonValue } from '@bufbuild/protobuf';
import { html } from 'hono/html';
import type { Html } from './layout.ts';

/**
 * The structured flow editor: one table row per node with the fields of its kind. Node references
 * are plain ids; menu choices are written `1=to-sales, 2=to-support`. Kinds without a form of their
 * own (set variable, branch, transfer) take their parameters as JSON.
 */
const FIELDS: Record<string, string[]> = {
  play: ['promptId', 'nextNodeId'],
  menu: [
    'promptId',
    'choices',
    'timeoutMs',
    'maxRetries',
    'invalidPromptId',
    'timeoutNodeId',
    'invalidNodeId',
  ],
  hoursBranch: ['hoursId', 'openNodeId', 'closedNodeId', 'holidayNodeId'],
  enqueue: ['queueId'],
  voicemail: ['mailboxId', 'greetingPromptId'],
  hangup: ['cause'],
  setVariable: ['json'],
  branch: ['json'],
  transfer: ['json'],
};
export const NODE_KINDS = Object.keys(FIELDS);
const NUMERIC = new Set(['timeoutMs', 'maxRetries']);

type Obj = Record<string, JsonValue>;

function fieldValue(field: string, params: Obj): string {
  if (field === 'json') return JSON.stringify(params);
  const v = params[field];
  if (field === 'choices' && Array.isArray(v))
    return (v as Obj[]).map((c) => `${c.digit}=${c.nodeId}`).join(', ');
  return v === undefined || v === null ? '' : String(v);
}

function row(i: number, node: Obj | undefined): Html {
  const kind = node ? (Object.keys(node).find((k) => k !== 'id') ?? 'play') : 'play';
  const params = (node?.[kind] ?? {}) as Obj;
  const inputs = NODE_KINDS.map(
    (k) =>
      html`<span data-kind="${k}" ${k === kind ? '' : 'hidden'}>${FIELDS[k]!.map(
        (f) =>
          html`<label>${f} <input name="node.${i}.${k}.${f}" value="${k === kind ? fieldValue(f, params) : ''}" size="${f === 'choices' || f === 'json' ? 28 : 12}"></label> `,
      )}</span>`,
  );
  return html`<tr data-row="${i}"><td><input name="node.${i}.id" value="${(node?.id as string) ?? ''}" size="12" placeholder="${node ? '' : 'new node id'}"></td>
<td><select name="node.${i}.kind" onchange="for(const s of this.closest('tr').querySelectorAll('[data-kind]'))s.hidden=s.dataset.kind!==this.value">${NODE_KINDS.map((k) => html`<option ${k === kind ? 'selected' : ''}>${k}</option>`)}</select></td>
<td>${inputs}</td><td>${node ? html`<label><input type="checkbox" name="node.${i}.delete"> delete</label>` : ''}</td></tr>`;
}

export function flowForm(action: string, flow: Obj): Html {
  const nodes = (flow.nodes ?? []) as Obj[];
  return html`<form method="post" action="${action}" id="flow-form">
<p><label>Name <input name="name" value="${String(flow.name ?? '')}"></label>
<label>Entry node <input name="entryNodeId" value="${String(flow.entryNodeId ?? '')}" size="12"></label></p>
<table><tr><th>Node id</th><th>Kind</th><th>Parameters</th><th></th></tr>
${nodes.map((n, i) => row(i, n))}${row(nodes.length, undefined)}</table>
<button type="submit" id="save-flow">Save draft</button></form>`;
}

export class FlowFormError extends Error {
  override readonly name = 'FlowFormError';
}

/** Reads the submitted form back into the flow's proto JSON. */
export function parseFlowForm(id: string, form: Record<string, string>): Obj {
  const nodes: Obj[] = [];
  for (let i = 0; form[`node.${i}.kind`] !== undefined; i++) {
    const nodeId = (form[`node.${i}.id`] ?? '').trim();
    if (!nodeId || form[`node.${i}.delete`]) continue;
    const kind = form[`node.${i}.kind`]!;
    if (!FIELDS[kind]) throw new FlowFormError(`node ${nodeId}: unknown kind ${kind}`);
    const params: Obj = {};
    for (const f of FIELDS[kind]!) {
      const raw = (form[`node.${i}.${kind}.${f}`] ?? '').trim();
      if (!raw) continue;
      if (f === 'json') {
        try {
          Object.assign(params, JSON.parse(raw) as Obj);
        } catch {
          throw new FlowFormError(`node ${nodeId}: parameters are not JSON`);
        }
      } else if (f === 'choices') {
        params.choices = raw.split(',').map((pair) => {
          const [digit, target] = pair.split('=').map((s) => s.trim());
          if (!digit || !target)
            throw new FlowFormError(`node ${nodeId}: choices must look like 1=node-a, 2=node-b`);
          return { digit, nodeId: target };
        });
      } else if (NUMERIC.has(f)) {
        if (!/^\d+$/.test(raw)) throw new FlowFormError(`node ${nodeId}: ${f} must be a whole number`);
        params[f] = Number(raw);
      } else params[f] = raw;
    }
    nodes.push({ id: nodeId, [kind]: params });
  }
  return { id, name: (form.name ?? '').trim(), entryNodeId: (form.entryNodeId ?? '').trim(), nodes };
}
