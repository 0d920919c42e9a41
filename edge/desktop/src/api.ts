/** The edge's agent API as the desktop uses it: cookie session + X-CSRF-Token on every change. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`${status} ${code}`);
    this.name = 'ApiError';
  }
}

export interface Reason {
  id: string;
  name: string;
}

export interface Me {
  agentId: string;
  extension: string;
  displayName: string;
  state: string;
  csrfToken?: string;
}

export interface Live {
  agentId: string;
  displayName: string;
  extension: string;
  state: string;
  presence: string;
  reasonId: string | null;
  work: Array<{ interactionId: string; state: string; queueId: string; wrapUpEndsAt: number | null }>;
  queues: Array<{ queueId: string; name: string; waiting: number; longestWaitMs: number; ready: number }>;
  now: number;
}

export interface DesktopConfig {
  agentId: string;
  dispositionCodes: Reason[];
  reasons: Reason[];
  queues: Reason[];
  agents: Array<{ id: string; extension: string; name: string }>;
}

export interface SipConfig {
  username: string;
  password: string;
  realm: string;
  ws: { port: number; secure: boolean; path: string };
}

export interface ScreenPop {
  interactionId: string;
  callerNumber: string | null;
  customer: { name: string; account: string; notes: string } | null;
  ivrPath: string[];
  lastContacts: Array<{ at: string; disposition: string; code: string | null }>;
}

export interface HistoryRow {
  interactionId: string;
  startedAt: string;
  callerNumber: string | null;
  customerName: string | null;
  queueId: string;
  talkMs: number;
  disposition: string;
  code: string | null;
  notes: string | null;
}

export class Api {
  private csrf = sessionStorage.getItem('hcc-csrf') ?? '';

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = this.csrf;
    const res = await fetch(`/api/agent${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) throw new ApiError(res.status, json.error ?? 'error');
    return json as T;
  }

  async login(extension: string, password: string): Promise<Me> {
    const me = await this.call<Me>('POST', '/login', { extension, password });
    this.csrf = me.csrfToken ?? '';
    sessionStorage.setItem('hcc-csrf', this.csrf);
    return me;
  }

  async logout(): Promise<void> {
    await this.call('POST', '/logout', {});
    this.csrf = '';
    sessionStorage.removeItem('hcc-csrf');
  }

  me = () => this.call<Me>('GET', '/me');
  config = () => this.call<DesktopConfig>('GET', '/desktop/config');
  sip = () => this.call<SipConfig>('POST', '/desktop/sip', {});
  ready = () => this.call<Me>('POST', '/state', { state: 'ready' });
  notReady = (reasonId: string) => this.call<Me>('POST', '/state', { state: 'not_ready', reasonId });
  screenPop = (id: string) => this.call<ScreenPop>('GET', `/desktop/interactions/${encodeURIComponent(id)}`);
  history = () => this.call<{ calls: HistoryRow[] }>('GET', '/desktop/history');
  dispose = (interactionId: string, code: string, notes: string) =>
    this.call('POST', '/desktop/dispositions', { interactionId, code, notes });

  /** Supervisors only (403 otherwise): the site snapshot, and forcing an agent's state. */
  supervisorSite = () => this.call<unknown>('GET', '/supervisor/site');
  force = (agentId: string, body: { state: 'ready' } | { state: 'not_ready'; reasonId: string }) =>
    this.call('POST', `/supervisor/agents/${encodeURIComponent(agentId)}/state`, body);

  /** Live agent state and queue stats (SSE); reconnects by itself (EventSource). */
  /** `closed`: the edge refused the stream (e.g. 429, too many open tabs); the browser gives up. */
  live(onData: (l: Live) => void, onState: (s: 'up' | 'retrying' | 'closed') => void): () => void {
    const es = new EventSource('/api/agent/desktop/live');
    es.addEventListener('live', (e) => onData(JSON.parse((e as MessageEvent<string>).data) as Live));
    es.onopen = () => onState('up');
    es.onerror = () => onState(es.readyState === EventSource.CLOSED ? 'closed' : 'retrying');
    return () => es.close();
  }
}
