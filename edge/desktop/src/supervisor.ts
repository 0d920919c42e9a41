/**
 * Supervisor view (same page, `#supervisor`): the site's agents, queues and calls live over SSE from
 * the supervisor API, and forcing an agent ready or not ready. Only ids, names, states and times:
 * the API sends no caller numbers. Rows are keyed and updated in place, so a control keeps its
 * focus and value while the stream ticks.
 */
import type { Api, Reason } from './api.ts';
import { $, clear, el, fmtDuration } from './dom.ts';

export interface SiteView {
  agents: Array<{
    agentId: string;
    extension: string;
    name: string;
    state: string;
    reasonId: string | null;
    interactions: string[];
  }>;
  queues: Array<{
    queueId: string;
    name: string;
    waiting: number;
    longestWaitMs: number;
    agents: Array<{ state: string; count: number }>;
  }>;
  calls: Array<{ interactionId: string; state: string; queueId: string; agentId: string | null }>;
  now: number;
}

interface AgentRow {
  row: HTMLTableRowElement;
  state: HTMLElement;
  work: HTMLElement;
}

export class SupervisorView {
  private es: EventSource | undefined;
  private readonly rows = new Map<string, AgentRow>();
  private site: SiteView | undefined;

  constructor(
    private readonly api: Api,
    private readonly reasons: () => Reason[],
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.es) return;
    const es = new EventSource('/api/agent/supervisor/live');
    es.addEventListener('site', (e) => this.render(JSON.parse((e as MessageEvent<string>).data) as SiteView));
    es.onopen = () => {
      $('sup-live').textContent = '';
    };
    es.onerror = () => {
      // CLOSED: the edge refused the stream (429: too many tabs of this login open).
      $('sup-live').textContent =
        es.readyState === EventSource.CLOSED
          ? '(stopped: close other desktop tabs, then reload)'
          : '(reconnecting…)';
    };
    this.es = es;
  }

  stop(): void {
    this.es?.close();
    this.es = undefined;
  }

  private reasonName(id: string | null): string {
    return (id && this.reasons().find((r) => r.id === id)?.name) || '';
  }

  private agentName(id: string | null): string {
    const a = id ? this.site?.agents.find((x) => x.agentId === id) : undefined;
    return a ? `${a.name} (${a.extension})` : '—';
  }

  render(v: SiteView): void {
    this.site = v;
    const body = $('sup-agents');
    for (const a of v.agents) {
      const r = this.rows.get(a.agentId) ?? this.addRow(body, a);
      const reason = this.reasonName(a.reasonId);
      r.state.className = `badge ${a.state}`;
      r.state.textContent =
        a.state === 'not_ready' && reason ? `Not ready: ${reason}` : a.state.replace('_', ' ');
      r.work.textContent = a.interactions.length ? String(a.interactions.length) : '—';
    }
    for (const [id, r] of this.rows)
      if (!v.agents.some((a) => a.agentId === id)) {
        r.row.remove();
        this.rows.delete(id);
      }
    const q = $('sup-queues');
    clear(q);
    for (const x of v.queues) {
      const ready = x.agents.find((s) => s.state === 'ready')?.count ?? 0;
      q.append(
        el(
          'tr',
          {},
          el('td', {}, x.name),
          el('td', {}, String(x.waiting)),
          el('td', {}, x.waiting ? fmtDuration(x.longestWaitMs) : '—'),
          el('td', {}, String(ready)),
        ),
      );
    }
    const c = $('sup-calls');
    clear(c);
    if (v.calls.length === 0) c.append(el('tr', {}, el('td', { colspan: '3', class: 'muted' }, 'No calls')));
    for (const x of v.calls) {
      const queue = v.queues.find((y) => y.queueId === x.queueId)?.name ?? (x.queueId || '—');
      c.append(
        el('tr', {}, el('td', {}, x.state), el('td', {}, queue), el('td', {}, this.agentName(x.agentId))),
      );
    }
  }

  private addRow(body: HTMLElement, a: SiteView['agents'][number]): AgentRow {
    const label = `${a.name} (${a.extension})`;
    const state = el('span', { class: 'badge' });
    const work = el('span');
    const reason = el('select', { 'aria-label': `Not ready reason for ${label}` });
    for (const r of this.reasons()) reason.append(el('option', { value: r.id }, r.name));
    const ready = el('button', { type: 'button', 'aria-label': `Force ${label} ready` }, 'Ready');
    const notReady = el('button', { type: 'button', 'aria-label': `Force ${label} not ready` }, 'Not ready');
    ready.addEventListener(
      'click',
      () => void this.api.force(a.agentId, { state: 'ready' }).catch(this.onError),
    );
    notReady.addEventListener(
      'click',
      () =>
        void this.api.force(a.agentId, { state: 'not_ready', reasonId: reason.value }).catch(this.onError),
    );
    const row = el(
      'tr',
      { 'data-agent': a.agentId },
      el('th', { scope: 'row' }, label),
      el('td', {}, state),
      el('td', {}, work),
      el('td', {}, el('div', { class: 'row' }, ready, reason, notReady)),
    );
    body.append(row);
    const r = { row, state, work };
    this.rows.set(a.agentId, r);
    return r;
  }
}
