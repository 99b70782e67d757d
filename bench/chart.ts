import type { BenchResults } from './results.js';

const W = 460;
const H = 300;
const PAD = { left: 60, right: 16, top: 34, bottom: 44 };
const COLORS = { baton: '#1f6feb', plain: '#9a6700' };

interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

/**
 * Two panels side by side: throughput and p99 latency against concurrency
 * (log scale), Baton beside plain Temporal. Plain SVG, no dependencies.
 */
export function renderChart(r: BenchResults): string {
  const xs = r.baton.map((b) => b.concurrency);
  const tp: Series[] = [
    { label: 'Baton', color: COLORS.baton, points: r.baton.map((b) => [b.concurrency, b.throughput]) },
    { label: 'plain Temporal', color: COLORS.plain, points: r.plainTemporal.map((p) => [p.concurrency, p.throughput]) },
  ];
  const p99: Series[] = [
    { label: 'Baton', color: COLORS.baton, points: r.baton.map((b) => [b.concurrency, b.latency.p99Ms]) },
    {
      label: 'plain Temporal',
      color: COLORS.plain,
      points: r.plainTemporal.map((p) => [p.concurrency, p.latency.p99Ms]),
    },
  ];
  const title = `${r.machine.cpuModel}, ${r.machine.cores} cores, ${r.mode} run ${r.startedAt.slice(0, 16)}Z`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 24}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${W}" y="${H + 16}" text-anchor="middle" fill="#555">${escape(title)}</text>`,
    panel(0, 'Processes completed at all 3 members per second', 'per second', xs, tp),
    panel(W, 'p99 latency, REST start to final state at the last member', 'ms', xs, p99),
    '</svg>',
    '',
  ].join('\n');
}

function panel(x0: number, title: string, unit: string, xs: number[], series: Series[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const values = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const yMax = niceCeil(Math.max(1e-9, ...values));
  const lx = (c: number) => Math.log10(c);
  const [xMin, xMax] = [lx(Math.min(...xs)), lx(Math.max(...xs))];
  const px = (c: number) => x0 + PAD.left + (xMax === xMin ? plotW / 2 : ((lx(c) - xMin) / (xMax - xMin)) * plotW);
  const py = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const out = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${escape(title)}</text>`];
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(
      `<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`,
      `<text x="${x0 + PAD.left - 6}" y="${py(v) + 4}" text-anchor="end" fill="#555">${fmt(v)}</text>`,
    );
  }
  for (const c of xs)
    out.push(`<text x="${px(c)}" y="${H - PAD.bottom + 16}" text-anchor="middle" fill="#555">${c}</text>`);
  out.push(
    `<text x="${x0 + PAD.left + plotW / 2}" y="${H - 8}" text-anchor="middle" fill="#555">processes in flight</text>`,
    `<text x="${x0 + 14}" y="${PAD.top + plotH / 2}" text-anchor="middle" fill="#555" transform="rotate(-90 ${x0 + 14} ${PAD.top + plotH / 2})">${unit}</text>`,
    `<rect x="${x0 + PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map(([c, v]) => `${px(c).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`,
      ...pts.map(([c, v]) => `<circle cx="${px(c).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${s.color}"/>`),
      `<rect x="${x0 + PAD.left + 10}" y="${PAD.top + 8 + i * 16}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${x0 + PAD.left + 26}" y="${PAD.top + 17 + i * 16}">${escape(s.label)}</text>`,
    );
  });
  return out.join('\n');
}

function niceCeil(v: number): number {
  const e = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * e >= v) return m * e;
  return 10 * e;
}

function fmt(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
