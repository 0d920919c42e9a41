/**
 * Agent desktop: login, state, softphone with screen pop, wrap-up with disposition, queue stats
 * and call history. Customer data is only ever in this page's memory and the edge's database.
 */
import { Api, ApiError, type DesktopConfig, type Live, type ScreenPop } from './api.ts';
import { $, clear, el, fmtDuration } from './dom.ts';
import {
  type ConsultState,
  checkMicrophone,
  type IncomingCall,
  microphones,
  Phone,
  type PhoneStatus,
} from './phone.ts';
import { SupervisorView } from './supervisor.ts';
import { startRing, stopRing, tone } from './tones.ts';

const api = new Api();
let cfg: DesktopConfig | undefined;
let live: Live | undefined;
let stopLive: (() => void) | undefined;
let callStart = 0;
let muted = false;
let held = false;
/** The interaction the wrap-up form is for. */
let wrapFor = '';
/** Whom the last consultation called, as the page names it (for messages once it is over). */
let consultLabel = '';
let isSupervisor = false;
const supervisor = new SupervisorView(
  api,
  () => cfg?.reasons ?? [],
  (err) => showError(err),
);

const phone = new Phone({
  status: (s, detail) => setPhoneStatus(s, detail),
  incoming: (c) => void onIncoming(c),
  confirmed: () => onConnected(),
  ended: (id, cause) => onEnded(id, cause),
  replaced: (c) => void onReplaced(c),
  consult: (state, detail, reason) => onConsult(state, detail, reason),
});
// Support and tests read the call's audio counters here.
(window as unknown as { hccPhone: Phone }).hccPhone = phone;

function banner(msg: string | undefined): void {
  const b = $('banner');
  b.textContent = msg ?? '';
  b.hidden = !msg;
}

function setPhoneStatus(s: PhoneStatus, detail?: string): void {
  const b = $('phone-status');
  b.className = `badge ${s}`;
  b.textContent =
    s === 'registered' ? 'Phone ready' : s === 'connecting' ? 'Phone connecting…' : 'Phone offline';
  if (s === 'registered') banner(undefined);
  else if (s === 'disconnected')
    banner('Connection to the phone system lost. Reconnecting automatically — calls cannot ring until then.');
  else if (s === 'failed') banner(`The phone could not register (${detail ?? 'error'}). Retrying.`);
}

async function showLogin(): Promise<void> {
  $('desk-view').hidden = true;
  $('login-view').hidden = false;
  $<HTMLInputElement>('login-ext').focus();
}

async function showDesk(): Promise<void> {
  $('login-view').hidden = true;
  $('desk-view').hidden = false;
  cfg = await api.config();
  fillSelect($<HTMLSelectElement>('reason-select'), cfg.reasons);
  fillSelect($<HTMLSelectElement>('wrap-code'), cfg.dispositionCodes);
  const t = $<HTMLSelectElement>('transfer-target');
  clear(t);
  t.append(el('option', { value: '' }, '— choose —'));
  const ga = el('optgroup', { label: 'Agents' });
  for (const a of cfg.agents) ga.append(el('option', { value: a.extension }, `${a.name} (${a.extension})`));
  const gq = el('optgroup', { label: 'Queues' });
  for (const q of cfg.queues) gq.append(el('option', { value: `queue-${q.id}` }, q.name));
  t.append(ga, gq);
  await fillMics();
  stopLive = api.live(onLive, (s) => {
    $('live-status').textContent =
      s === 'up' ? '' : s === 'retrying' ? '(reconnecting…)' : '(stopped: too many desktop tabs open?)';
    if (s === 'closed')
      banner('Live updates stopped. Close other tabs of the agent desktop, then reload this page.');
  });
  phone.start(await api.sip());
  void refreshHistory();
  isSupervisor = await api.supervisorSite().then(
    () => true,
    () => false,
  );
  $('link-supervisor').hidden = !isSupervisor;
  route();
}

/** `#supervisor` shows the site view (supervisors only); anything else the agent's desk. */
function route(): void {
  const sup = isSupervisor && location.hash === '#supervisor';
  $('sup-view').hidden = !sup;
  $('desk-layout').hidden = sup;
  if (sup) supervisor.start();
  else supervisor.stop();
}

function fillSelect(s: HTMLSelectElement, items: Array<{ id: string; name: string }>): void {
  clear(s);
  for (const i of items) s.append(el('option', { value: i.id }, i.name));
}

async function fillMics(): Promise<void> {
  const problem = await checkMicrophone(phone.micId);
  if (problem) banner(problem);
  const s = $<HTMLSelectElement>('mic-select');
  clear(s);
  s.append(el('option', { value: '' }, 'System default'));
  for (const m of await microphones().catch(() => []))
    if (m.deviceId && m.deviceId !== 'default')
      s.append(el('option', { value: m.deviceId }, m.label || 'Microphone'));
  s.value = phone.micId;
}

function onLive(l: Live): void {
  live = l;
  $('agent-name').textContent = l.displayName;
  $('agent-ext').textContent = `ext. ${l.extension}`;
  const badge = $('state-badge');
  const reason = cfg?.reasons.find((r) => r.id === l.reasonId)?.name;
  badge.className = `badge ${l.state}`;
  badge.textContent = l.state === 'not_ready' && reason ? `Not ready: ${reason}` : l.state.replace('_', ' ');
  const rows = $('queue-rows');
  clear(rows);
  for (const q of l.queues)
    rows.append(
      el(
        'tr',
        {},
        el('td', {}, q.name),
        el('td', {}, String(q.waiting)),
        el('td', {}, q.waiting ? fmtDuration(q.longestWaitMs) : '—'),
        el('td', {}, String(q.ready)),
      ),
    );
  tickWrap();
}

function tickWrap(): void {
  const w = live?.work.find((x) => x.wrapUpEndsAt !== null);
  const skew = live ? Date.now() - live.now : 0;
  $('wrap-countdown').textContent = w?.wrapUpEndsAt
    ? `wrap-up ${Math.max(0, Math.ceil((w.wrapUpEndsAt + skew - Date.now()) / 1000))} s`
    : '';
}

async function onIncoming(c: IncomingCall): Promise<void> {
  startRing();
  $('idle-msg').hidden = true;
  $('wrap-form').hidden = true;
  $('toast').hidden = false;
  $('toast-name').textContent = c.from || 'Unknown caller';
  $('toast-detail').textContent = '';
  $<HTMLButtonElement>('btn-answer').focus();
  if (!c.interactionId) return;
  const pop = await api.screenPop(c.interactionId).catch(() => undefined);
  if (!pop || phone.current !== c) return;
  showCustomer(pop);
  $('toast-name').textContent = pop.customer?.name ?? pop.callerNumber ?? 'Unknown caller';
  $('toast-detail').textContent = [pop.callerNumber, pop.customer?.account, pop.ivrPath.at(-1)]
    .filter(Boolean)
    .join(' · ');
}

/** End of an attended transfer on the consulted agent's page: the customer's call replaces the consultation. */
async function onReplaced(c: IncomingCall): Promise<void> {
  $('call-state').textContent = 'On call';
  // The edge assigns the call to this agent as it completes the transfer: retry briefly until then.
  for (let i = 0; i < 8 && c.interactionId && phone.current === c; i++) {
    const pop = await api.screenPop(c.interactionId).catch(() => undefined);
    if (pop) {
      if (phone.current === c) showCustomer(pop);
      return;
    }
    await new Promise((r) => setTimeout(r, 250 * (i + 1)));
  }
}

function onConsult(state: ConsultState, detail?: string, reason?: string): void {
  const over = state === 'ended' || state === 'failed';
  const target = consultLabel;
  $('consult-panel').hidden = over;
  $<HTMLButtonElement>('btn-consult').disabled = !over;
  $<HTMLButtonElement>('btn-complete').disabled = state !== 'talking' && state !== 'transfer-failed';
  $('consult-state').textContent =
    state === 'calling'
      ? 'Consulting: ringing…'
      : state === 'transferring'
        ? 'Transferring…'
        : state === 'transfer-failed'
          ? 'Transfer failed'
          : 'Consulting';
  if (state === 'calling' || state === 'talking') $('consult-audio').textContent = '';
  if (state === 'talking') $<HTMLButtonElement>('btn-complete').focus();
  if (state === 'transfer-failed') {
    banner(
      `The transfer to ${target} did not go through (${detail ?? 'error'}). You are still talking to ${target}; the customer is on hold. Try "Complete transfer" again, or "Cancel consult" to go back to the customer.`,
    );
    $<HTMLButtonElement>('btn-cancel-consult').focus();
  }
  if (state === 'failed') {
    showHeld(phone.current?.session.isOnHold().local ?? false);
    // A queue with nobody free (or its agent not answering) says so in the reason phrase.
    const why = reason && /^No (agent|answer|device)/.test(reason) ? reason : undefined;
    banner(
      why
        ? `${target}: ${why}. You are back with the customer.`
        : `${target} could not be reached (${detail ?? 'failed'}). You are back with the customer.`,
    );
  }
  if (state === 'ended' && phone.current) {
    const h = phone.current.session.isOnHold().local;
    showHeld(h);
    const normal = !detail || detail === 'Terminated' || detail === 'Canceled' || detail === 'BYE';
    if (detail === 'transferring') return;
    if (!normal) banner(`Consultation ended: ${detail}`);
    else if (h) banner('The consultation ended. The customer is on hold: press Resume to continue.');
  }
}

function showHeld(h: boolean): void {
  held = h;
  setPressed('btn-hold', held);
  $('btn-hold').textContent = held ? 'Resume' : 'Hold';
  $('call-state').textContent = held ? 'On hold' : 'On call';
}

function showCustomer(p: ScreenPop): void {
  const dl = $('cust');
  clear(dl);
  const kv = (k: string, v: string) => dl.append(el('dt', {}, k), el('dd', {}, v || '—'));
  kv('Name', p.customer?.name ?? 'Unknown caller');
  kv('Number', p.callerNumber ?? 'withheld');
  kv('Account', p.customer?.account ?? '');
  kv('Notes', p.customer?.notes ?? '');
  const path = $('ivr-path');
  clear(path);
  for (const s of p.ivrPath) path.append(el('li', {}, s));
  const last = $('last-contacts');
  clear(last);
  if (p.lastContacts.length === 0) last.append(el('li', { class: 'muted' }, 'None'));
  for (const c of p.lastContacts)
    last.append(
      el('li', {}, `${new Date(c.at).toLocaleString()} — ${c.code ?? c.disposition.toLowerCase()}`),
    );
}

function answer(): void {
  if (!phone.current || $('toast').hidden) return;
  stopRing();
  phone.answer();
}

function onConnected(): void {
  stopRing();
  $('toast').hidden = true;
  $('incall').hidden = false;
  callStart = Date.now();
  muted = false;
  held = false;
  setPressed('btn-mute', false);
  setPressed('btn-hold', false);
  $('call-state').textContent = 'On call';
  $('call-state').className = 'badge on_call';
  $<HTMLButtonElement>('btn-hangup').focus();
}

function onEnded(interactionId: string, cause: string): void {
  stopRing();
  const wasTalking = !$('incall').hidden;
  $('toast').hidden = true;
  $('incall').hidden = true;
  $('keypad').hidden = true;
  $('idle-msg').hidden = false;
  if (wasTalking && interactionId) {
    wrapFor = interactionId;
    $('wrap-form').hidden = false;
    $('wrap-saved').textContent = '';
    $<HTMLTextAreaElement>('wrap-notes').value = '';
    $<HTMLSelectElement>('wrap-code').focus();
  } else if (cause && cause !== 'Canceled' && cause !== 'Rejected') banner(`Call ended: ${cause}`);
  void refreshHistory();
}

function setPressed(id: string, on: boolean): void {
  $(id).setAttribute('aria-pressed', String(on));
}

async function refreshHistory(): Promise<void> {
  const { calls } = await api.history().catch(() => ({ calls: [] }));
  const rows = $('history-rows');
  clear(rows);
  for (const c of calls)
    rows.append(
      el(
        'tr',
        {},
        el('td', {}, new Date(c.startedAt).toLocaleString()),
        el('td', {}, c.customerName ?? c.callerNumber ?? 'withheld'),
        el('td', {}, cfg?.queues.find((q) => q.id === c.queueId)?.name ?? c.queueId),
        el('td', {}, fmtDuration(c.talkMs)),
        el('td', {}, c.code ?? '—'),
      ),
    );
}

function wire(): void {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const ext = $<HTMLInputElement>('login-ext').value.trim();
    const pw = $<HTMLInputElement>('login-pw').value;
    $('login-error').textContent = '';
    api
      .login(ext, pw)
      .then(() => showDesk())
      .catch((err: unknown) => {
        const status = err instanceof ApiError ? err.status : 0;
        $('login-error').textContent =
          status === 401
            ? 'Wrong extension or password.'
            : status === 429
              ? 'Too many failed logins. Wait a minute, then try again.'
              : 'Login failed.';
      });
  });
  $('btn-ready').addEventListener('click', () => void api.ready().catch(showError));
  $('btn-not-ready').addEventListener(
    'click',
    () => void api.notReady($<HTMLSelectElement>('reason-select').value).catch(showError),
  );
  $('btn-logout').addEventListener('click', () => {
    void api
      .logout()
      .then(() => {
        phone.stop();
        stopLive?.();
        supervisor.stop();
        isSupervisor = false;
        void showLogin();
      })
      .catch(showError);
  });
  $('mic-select').addEventListener('change', (e) => {
    phone.micId = (e.target as HTMLSelectElement).value;
    localStorage.setItem('hcc-mic', phone.micId);
    void checkMicrophone(phone.micId).then((p) => banner(p));
  });
  $('btn-answer').addEventListener('click', answer);
  $('btn-decline').addEventListener('click', () => {
    stopRing();
    phone.decline();
  });
  $('btn-hangup').addEventListener('click', () => phone.hangup());
  $('btn-mute').addEventListener('click', () => {
    muted = !muted;
    phone.setMuted(muted);
    setPressed('btn-mute', muted);
  });
  $('btn-hold').addEventListener('click', () => {
    const want = !held;
    phone
      .setHeld(want)
      .then(() => showHeld(want))
      .catch(showError);
  });
  const pad = $('keypad');
  for (const d of '123456789*0#')
    pad.append(el('button', { type: 'button', 'aria-label': `Digit ${d}`, 'data-digit': d }, d));
  pad.addEventListener('click', (e) => {
    const d = (e.target as HTMLElement).dataset.digit;
    if (!d) return;
    tone(d);
    phone.dtmf(d);
  });
  $('btn-keypad').addEventListener('click', () => {
    pad.hidden = !pad.hidden;
    $('btn-keypad').setAttribute('aria-expanded', String(!pad.hidden));
  });
  $('transfer-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const num = $<HTMLInputElement>('transfer-number').value.replace(/[^\d+]/g, '');
    const target = num || $<HTMLSelectElement>('transfer-target').value;
    if (target) phone.transfer(target);
  });
  $('btn-consult').addEventListener('click', () => {
    // An agent or a queue (a free agent of it) of the list, or an outside number typed in (called
    // through the carrier trunk).
    const num = $<HTMLInputElement>('transfer-number').value.replace(/[^\d+]/g, '');
    const select = $<HTMLSelectElement>('transfer-target');
    const target = num || select.value;
    if (!/^\+?\d+$/.test(target) && !/^queue-[\w.-]+$/.test(target)) {
      banner('Choose an agent or a queue, or type a number to consult.');
      return;
    }
    consultLabel =
      num || (target.startsWith('queue-') ? `Queue ${select.selectedOptions[0]?.text ?? target}` : target);
    banner(undefined);
    phone
      .consult(target)
      .then(() => {
        if (phone.consulting) showHeld(true);
      })
      .catch(showError);
  });
  $('btn-complete').addEventListener('click', () => phone.completeTransfer());
  $('btn-cancel-consult').addEventListener('click', () => {
    banner(undefined);
    void phone
      .cancelConsult()
      .then(() => showHeld(false))
      .catch(showError);
  });
  $('wrap-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const code = $<HTMLSelectElement>('wrap-code').value;
    void api
      .dispose(wrapFor, code, $<HTMLTextAreaElement>('wrap-notes').value)
      .then(() => {
        $('wrap-saved').textContent = 'Saved.';
        void refreshHistory();
      })
      .catch(showError);
  });
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', (e) => {
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key.toLowerCase();
    if (k === 'a' && phone.current && !$('toast').hidden) {
      e.preventDefault();
      answer();
    } else if (k === 'h' && phone.current) {
      e.preventDefault();
      phone.hangup();
    }
  });
  setInterval(() => {
    tickWrap();
    if (!$('incall').hidden) $('call-timer').textContent = fmtDuration(Date.now() - callStart);
    if (phone.current && !$('incall').hidden)
      void phone.audioStats().then((s) => {
        $('call-audio').textContent = `audio in ${s.packetsReceived} pkts · out ${s.packetsSent} pkts`;
      });
    if (phone.consulting)
      void phone.audioStats('consult').then((s) => {
        $('consult-audio').textContent = `audio in ${s.packetsReceived} pkts · out ${s.packetsSent} pkts`;
      });
  }, 1000);
}

function showError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    void showLogin();
    return;
  }
  banner(err instanceof Error ? err.message : String(err));
}

wire();
api
  .me()
  .then(() => showDesk())
  .catch(() => showLogin());
