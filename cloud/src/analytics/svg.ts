/** Minimal inline-SVG charts for the analyst pages (no scripts, no external assets). */

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface StackSeries {
  label: string;
  color: string;
  values: number[];
}

const W = 860;
const H = 220;
const PAD = { l: 48, r: 12, t: 12, b: 36 };

function axis(labels: string[], max: number, unit: string): string {
  const ih = H - PAD.t - PAD.b;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.t + ih * (1 - f);
    const v = max * f;
    return `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y}" y2="${y}" stroke="#e5e7eb"/><text x="${PAD.l - 6}" y="${y + 4}" text-anchor="end" font-size="11" fill="#6b7280">${Math.round(v)}${unit}</text>`;
  });
  const step = Math.max(1, Math.ceil(labels.length / 12));
  const iw = W - PAD.l - PAD.r;
  const xl = labels
    .map((l, i) =>
      i % step === 0
        ? `<text x="${PAD.l + (iw * (i + 0.5)) / labels.length}" y="${H - PAD.b + 16}" text-anchor="middle" font-size="11" fill="#6b7280">${esc(l)}</text>`
        : '',
    )
    .join('');
  return ticks.join('') + xl;
}

/** Stacked bars per bucket; `flags` marks buckets (late data) with a dot above the bar. */
export function stackedBars(
  title: string,
  labels: string[],
  series: StackSeries[],
  flags: boolean[] = [],
): string {
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const bw = iw / Math.max(1, labels.length);
  let bars = '';
  labels.forEach((label, i) => {
    let y = PAD.t + ih;
    for (const s of series) {
      const h = (ih * (s.values[i] ?? 0)) / max;
      y -= h;
      bars += `<rect x="${PAD.l + i * bw + bw * 0.1}" y="${y}" width="${bw * 0.8}" height="${h}" fill="${s.color}"><title>${esc(label)} ${esc(s.label)}: ${s.values[i] ?? 0}</title></rect>`;
    }
    if (flags[i])
      bars += `<circle cx="${PAD.l + i * bw + bw / 2}" cy="${y - 6}" r="3.5" fill="#d97706"><title>late data corrected this interval</title></circle>`;
  });
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${PAD.l + i * 120}" y="${H - 12}" width="10" height="10" fill="${s.color}"/><text x="${PAD.l + i * 120 + 14}" y="${H - 3}" font-size="11">${esc(s.label)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${axis(labels, max, '')}${bars}${legend}</svg></figure>`;
}

/** A line per series over the buckets (null = gap). */
export function lines(
  title: string,
  labels: string[],
  series: { label: string; color: string; values: (number | null)[] }[],
  unit: string,
  fixedMax?: number,
): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = fixedMax ?? Math.max(1, ...all);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (i: number) => PAD.l + (iw * (i + 0.5)) / Math.max(1, labels.length);
  const y = (v: number) => PAD.t + ih * (1 - v / max);
  const paths = series
    .map((s) => {
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      });
      const dots = s.values
        .map((v, i) =>
          v === null
            ? ''
            : `<circle cx="${x(i)}" cy="${y(v)}" r="2.5" fill="${s.color}"><title>${esc(labels[i] ?? '')} ${esc(s.label)}: ${v}${unit}</title></circle>`,
        )
        .join('');
      return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>${dots}`;
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${PAD.l + i * 160}" y="${H - 12}" width="10" height="10" fill="${s.color}"/><text x="${PAD.l + i * 160 + 14}" y="${H - 3}" font-size="11">${esc(s.label)}</text>`,
    )
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${axis(labels, max, unit)}${paths}${legend}</svg></figure>`;
}
