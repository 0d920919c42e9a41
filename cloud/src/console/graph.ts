import type { JsonValue } from '@bufbuild/protobuf';
import { html } from 'hono/html';
import type { Html } from './layout.ts';

interface FlowJson {
  entryNodeId?: string;
  nodes?: { id: string; [kind: string]: JsonValue }[];
}

const EDGE_FIELDS: Record<string, string> = {
  nextNodeId: '',
  timeoutNodeId: 'timeout',
  invalidNodeId: 'invalid',
  openNodeId: 'open',
  closedNodeId: 'closed',
  holidayNodeId: 'holiday',
  defaultNodeId: 'default',
};

/** The edges of a node: (target, label) from its kind's node references. */
export function nodeEdges(node: Record<string, JsonValue>): { to: string; label: string }[] {
  const out: { to: string; label: string }[] = [];
  for (const [kind, value] of Object.entries(node)) {
    if (kind === 'id' || typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    for (const [k, v] of Object.entries(value)) {
      if (k in EDGE_FIELDS && typeof v === 'string' && v) out.push({ to: v, label: EDGE_FIELDS[k]! });
      if ((k === 'choices' || k === 'cases') && Array.isArray(v))
        for (const c of v as Record<string, JsonValue>[])
          if (typeof c.nodeId === 'string')
            out.push({ to: c.nodeId, label: String(c.digit ?? c.value ?? '') });
    }
  }
  return out;
}

export const nodeKind = (n: Record<string, JsonValue>): string =>
  Object.keys(n).find((k) => k !== 'id') ?? '?';

/** An SVG drawing of the flow: columns by distance from the entry node, arrows labelled by digit or branch. */
export function flowGraph(flow: FlowJson): Html {
  const nodes = flow.nodes ?? [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  const queue = flow.entryNodeId && byId.has(flow.entryNodeId) ? [flow.entryNodeId] : [];
  if (queue[0]) depth.set(queue[0], 0);
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of nodeEdges(byId.get(id)!)) {
      if (byId.has(e.to) && !depth.has(e.to)) {
        depth.set(e.to, depth.get(id)! + 1);
        queue.push(e.to);
      }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const n of nodes) if (!depth.has(n.id)) depth.set(n.id, maxDepth + 1);
  const rows = new Map<number, number>();
  const pos = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    const d = depth.get(n.id)!;
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    pos.set(n.id, { x: 20 + d * 190, y: 20 + r * 70 });
  }
  const W = 20 + (Math.max(0, ...depth.values()) + 1) * 190;
  const H = 40 + Math.max(1, ...rows.values()) * 70;
  const edges = nodes.flatMap((n) =>
    nodeEdges(n).flatMap((e) => {
      const a = pos.get(n.id);
      const b = pos.get(e.to);
      if (!a || !b) return [];
      const [x1, y1, x2, y2] = [a.x + 150, a.y + 20, b.x, b.y + 20];
      return [
        html`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#7a8599" marker-end="url(#arrow)"/>${e.label ? html`<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 4}" font-size="11" fill="#3b4a66">${e.label}</text>` : ''}`,
      ];
    }),
  );
  const boxes = nodes.map((n) => {
    const p = pos.get(n.id)!;
    const entry = n.id === flow.entryNodeId;
    return html`<g data-node="${n.id}"><rect x="${p.x}" y="${p.y}" width="150" height="40" rx="6" fill="${entry ? '#dbe8ff' : '#f7f9fc'}" stroke="#3b4a66"/><text x="${p.x + 8}" y="${p.y + 17}" font-size="12" font-weight="600">${n.id}</text><text x="${p.x + 8}" y="${p.y + 32}" font-size="11" fill="#555">${nodeKind(n)}</text></g>`;
  });
  return html`<svg id="flow-graph" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#7a8599"/></marker></defs>${edges}${boxes}</svg>`;
}
