import type { AgentRow, BreakdownRow, Bucket, ReportRange, SeriesRow } from './reports.ts';
import { esc, lines, stackedBars } from './svg.ts';

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#1f2937;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:center}
header a{color:#d1d5db;text-decoration:none}header a.on{color:#fff;font-weight:600}
main{padding:16px 20px;max-width:1100px}form{display:flex;gap:10px;flex-wrap:wrap;align-items:end;margin-bottom:12px}
label{display:flex;flex-direction:column;font-size:12px;color:#4b5563}input,select,button{font:inherit;padding:4px 6px}
figure{background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:0 0 14px;padding:10px}
figcaption{font-weight:600;margin-bottom:4px}table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:14px}
th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:right}th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
.late{color:#b45309;font-weight:600}.stale{color:#9ca3af}.kpi{display:flex;gap:12px;margin-bottom:14px}
.kpi div{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:8px 14px}.kpi b{display:block;font-size:22px}`;

const nav = (on: 'reports' | 'wallboard') =>
  `<header><strong>Contact center analytics</strong><a href="/analytics" class="${on === 'reports' ? 'on' : ''}">Reports</a><a href="/analytics/wallboard" class="${on === 'wallboard' ? 'on' : ''}">Wallboard</a></header>`;

const secs = (ms: number | null) => (ms === null ? '–' : `${Math.round(ms / 1000)} s`);
const pct = (v: number | null) => (v === null ? '–' : `${v} %`);

/** The bucket label in the viewer's zone. */
function label(iso: string, bucket: Bucket, tz: string): string {
  const opts: Intl.DateTimeFormatOptions =
    bucket === 'day'
      ? { timeZone: tz, month: 'short', day: 'numeric' }
      : { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  return new Intl.DateTimeFormat('en-GB', opts).format(new Date(iso));
}

export interface ReportView {
  range: ReportRange;
  bucket: Bucket;
  series: SeriesRow[];
  breakdown: BreakdownRow[];
  agents: AgentRow[];
  sites: string[];
  queues: string[];
}

/** Server-rendered report page; the only script sets the viewer's time zone on first visit. */
export function reportPage(v: ReportView, query: string): string {
  const r = v.range;
  const labels = v.series.map((s) => label(s.start, v.bucket, r.tz));
  const total = v.breakdown.reduce(
    (a, b) => ({ offered: a.offered + b.offered, answered: a.answered + b.answered, late: a.late || b.late }),
    { offered: 0, answered: 0, late: false },
  );
  const opt = (vals: string[], sel: string | undefined, all: string) =>
    `<option value="">${all}</option>${vals.map((x) => `<option${x === sel ? ' selected' : ''} value="${esc(x)}">${esc(x || '(no queue)')}</option>`).join('')}`;
  const row = (b: BreakdownRow) =>
    `<tr${b.late ? ' class="late"' : ''}><td>${esc(b.siteId)}</td><td>${esc(b.queueId || '(no queue)')}</td><td>${b.offered}</td><td>${b.answered}</td><td>${b.abandoned - b.shortAbandoned}</td><td>${b.shortAbandoned}</td><td>${pct(b.serviceLevel)}</td><td>${pct(b.abandonRate)}</td><td>${secs(b.asaMs)}</td><td>${secs(b.ahtMs)}</td><td>${secs(b.longestWaitMs)}</td><td>${b.late ? 'late data' : ''}</td></tr>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Reports</title><style>${STYLE}</style>
<script>if(!new URLSearchParams(location.search).has('tz')){const u=new URL(location.href);u.searchParams.set('tz',Intl.DateTimeFormat().resolvedOptions().timeZone);location.replace(u)}</script></head>
<body>${nav('reports')}<main>
<form method="get" action="/analytics"><label>From<input type="date" name="from" value="${esc(r.from)}"></label>
<label>To<input type="date" name="to" value="${esc(r.to)}"></label>
<label>Interval<select name="bucket">${(['15m', 'hour', 'day'] as const).map((b) => `<option${b === v.bucket ? ' selected' : ''}>${b}</option>`).join('')}</select></label>
<label>Site<select name="site">${opt(v.sites, r.siteId, 'All sites')}</select></label>
<label>Queue<select name="queue">${opt(v.queues, r.queueId, 'All queues')}</select></label>
<label>Time zone<input name="tz" value="${esc(r.tz)}" size="18"></label><button type="submit">Show</button>
<a id="csv" href="/analytics/export.csv?${esc(query)}">Export CSV</a></form>
<div class="kpi"><div>Offered<b id="kpi-offered">${total.offered}</b></div><div>Answered<b id="kpi-answered">${total.answered}</b></div>
<div>Intervals with late data<b>${v.series.filter((s) => s.late).length}</b></div></div>
${stackedBars(
  'Interactions per interval',
  labels,
  [
    { label: 'answered', color: '#2563eb', values: v.series.map((s) => s.answered) },
    { label: 'abandoned', color: '#dc2626', values: v.series.map((s) => s.abandoned - s.shortAbandoned) },
    { label: 'short abandon', color: '#fca5a5', values: v.series.map((s) => s.shortAbandoned) },
    {
      label: 'other',
      color: '#9ca3af',
      values: v.series.map((s) => Math.max(0, s.offered - s.answered - s.abandoned)),
    },
  ],
  v.series.map((s) => s.late),
)}
${lines(
  'Service level and abandon rate',
  labels,
  [
    { label: 'service level %', color: '#059669', values: v.series.map((s) => s.serviceLevel) },
    { label: 'abandon rate %', color: '#dc2626', values: v.series.map((s) => s.abandonRate) },
  ],
  '%',
  100,
)}
${lines(
  'ASA and AHT',
  labels,
  [
    {
      label: 'ASA (s)',
      color: '#7c3aed',
      values: v.series.map((s) => (s.asaMs === null ? null : Math.round(s.asaMs / 1000))),
    },
    {
      label: 'AHT (s)',
      color: '#0891b2',
      values: v.series.map((s) => (s.ahtMs === null ? null : Math.round(s.ahtMs / 1000))),
    },
  ],
  's',
)}
<h3>By site and queue</h3><table id="breakdown"><thead><tr><th>Site</th><th>Queue</th><th>Offered</th><th>Answered</th><th>Abandoned</th><th>Short abandons</th><th>Service level</th><th>Abandon rate</th><th>ASA</th><th>AHT</th><th>Longest wait</th><th></th></tr></thead>
<tbody>${v.breakdown.map(row).join('')}</tbody></table>
<h3>Agents</h3><table id="agents"><thead><tr><th>Site</th><th>Agent</th><th>Handled</th><th>AHT</th><th>Occupancy</th><th>Staffed</th></tr></thead>
<tbody>${v.agents.map((a) => `<tr><td>${esc(a.siteId)}</td><td>${esc(a.agentId)}</td><td>${a.handled}</td><td>${secs(a.ahtMs)}</td><td>${pct(a.occupancy)}</td><td>${Math.round(a.staffedMs / 60_000)} min</td></tr>`).join('')}</tbody></table>
<p>Intervals are 15 minutes of arrival; buckets and dates are in ${esc(r.tz)}. <span class="late">Late data</span>: events that reached the cloud long after they happened (after a WAN outage) corrected the row.</p>
</main></body></html>`;
}

/** The live wallboard: polls the JSON every second and redraws. */
export function wallboardPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wallboard</title><style>${STYLE}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px}
.card h2{margin:0 0 6px;font-size:18px}.big{display:flex;gap:20px}.big div{font-size:12px;color:#4b5563}.big b{display:block;font-size:30px;color:#111827}
.card table{margin:8px 0 0}</style></head><body>${nav('wallboard')}<main><p id="updated">connecting…</p><div class="grid" id="queues"></div></main>
<script>
const q=document.getElementById('queues'),u=document.getElementById('updated');
const t=(ms)=>{const s=Math.round(ms/1000);return Math.floor(s/60)+':'+String(s%60).padStart(2,'0')};
const e=(s)=>String(s).replace(/[&<>"']/g,(c)=>'&#'+c.charCodeAt(0)+';');
const ag=(a)=>Object.entries(a).map(([k,v])=>e(k.replace('_',' '))+' '+v).join(', ')||'–';
async function tick(){try{const r=await fetch('/analytics/api/wallboard',{cache:'no-store'});if(!r.ok)throw new Error(r.status);const w=await r.json();
q.innerHTML=w.queues.map((x)=>'<section class="card" data-queue="'+e(x.queueId)+'"><h2>'+e(x.queueId||'(no queue)')+'</h2><div class="big"><div>Waiting<b class="waiting">'+x.waiting+'</b></div><div>Longest wait<b class="longest">'+t(x.longestWaitMs)+'</b></div></div><div>Agents: <span class="agents">'+ag(x.agents)+'</span></div><table><tr><th>Site</th><th>Waiting</th><th>Longest</th><th>Agents</th></tr>'+x.sites.map((s)=>'<tr class="'+(s.stale?'stale':'')+'"><td>'+e(s.siteId)+(s.stale?' (no data)':'')+'</td><td>'+s.waiting+'</td><td>'+t(s.longestWaitMs)+'</td><td>'+ag(s.agents)+'</td></tr>').join('')+'</table></section>').join('');
u.textContent='Updated '+new Date(w.generatedAt).toLocaleTimeString();}catch(err){u.textContent='Reconnecting… ('+err.message+')'}}
tick();setInterval(tick,1000);
</script></body></html>`;
}
