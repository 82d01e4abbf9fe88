// The national bench's chart, as SVG: the national dashboard's p50 latency against the
// number of members (the scaling curve), and against the alternatives (log scale).
interface CurvePoint {
  scale: number;
  members: number;
  off: number;
  cached: number;
  floor: number;
}

interface Result {
  scenario: string;
  variant: string;
  timing: { p50: number };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const nice = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function drawChart(curve: CurvePoint[], results: Result[]): string {
  const W = 960;
  const H = 380;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  // Left: latency against members.
  const L = { x: 60, y: 40, w: 360, h: 260 };
  const lines: [keyof CurvePoint, string, string][] = [
    ['off', 'API, cache off', '#d62728'],
    ['cached', 'API, response cache', '#2ca02c'],
    ['floor', 'floor: its SQL, raw', '#1f77b4'],
  ];
  const maxMembers = Math.max(...curve.map((c) => c.members));
  const maxMs = Math.max(1, ...curve.flatMap((c) => [c.off, c.cached, c.floor])) * 1.15;
  const px = (m: number) => L.x + (m / maxMembers) * L.w;
  const py = (ms: number) => L.y + L.h - (ms / maxMs) * L.h;
  out.push(`<text x="${L.x}" y="24" font-weight="bold">National dashboard p50 (ms) against members</text>`);
  out.push(`<line x1="${L.x}" y1="${L.y + L.h}" x2="${L.x + L.w}" y2="${L.y + L.h}" stroke="#333"/><line x1="${L.x}" y1="${L.y}" x2="${L.x}" y2="${L.y + L.h}" stroke="#333"/>`);
  for (let i = 0; i <= 4; i += 1) {
    const ms = (maxMs / 4) * i;
    out.push(`<text x="${L.x - 6}" y="${py(ms) + 4}" text-anchor="end">${nice(ms)}</text><line x1="${L.x}" y1="${py(ms)}" x2="${L.x + L.w}" y2="${py(ms)}" stroke="#eee"/>`);
  }
  for (const c of curve) out.push(`<text x="${px(c.members)}" y="${L.y + L.h + 16}" text-anchor="middle">${(c.members / 1e6).toFixed(1)} M</text>`);
  lines.forEach(([key, label, color], i) => {
    const points = curve.map((c) => `${px(c.members)},${py(c[key] as number)}`).join(' ');
    out.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const c of curve) out.push(`<circle cx="${px(c.members)}" cy="${py(c[key] as number)}" r="3" fill="${color}"/>`);
    out.push(`<rect x="${L.x + 10}" y="${L.y + L.h + 30 + i * 16}" width="10" height="10" fill="${color}"/><text x="${L.x + 26}" y="${L.y + L.h + 39 + i * 16}">${esc(label)}</text>`);
  });
  // Right: the national dashboard, each variant, log scale.
  const R = { x: 640, y: 40, w: 290, h: 260 };
  const dashboard = results.filter((r) => r.scenario.startsWith('national dashboard:') && !r.scenario.includes('previous') && !r.scenario.includes(' @ '));
  const maxLog = Math.log10(Math.max(...dashboard.map((r) => r.timing.p50)) * 2);
  const minLog = Math.floor(Math.log10(Math.min(...dashboard.map((r) => r.timing.p50))));
  const bx = (ms: number) => R.x + ((Math.log10(ms) - minLog) / (maxLog - minLog)) * R.w;
  out.push(`<text x="${R.x - 170}" y="24" font-weight="bold">National dashboard p50 (ms, log scale) by implementation</text>`);
  const bar = Math.min(34, R.h / Math.max(1, dashboard.length) - 8);
  dashboard.forEach((r, i) => {
    const y = R.y + i * (bar + 8);
    out.push(`<text x="${R.x - 6}" y="${y + bar / 2 + 4}" text-anchor="end">${esc(r.variant)}</text>`);
    out.push(`<rect x="${R.x}" y="${y}" width="${Math.max(1, bx(r.timing.p50) - R.x)}" height="${bar}" fill="#888"/>`);
    out.push(`<text x="${bx(r.timing.p50) + 4}" y="${y + bar / 2 + 4}">${nice(r.timing.p50)}</text>`);
  });
  for (let d = minLog; d <= Math.floor(maxLog); d += 1) {
    out.push(`<line x1="${bx(10 ** d)}" y1="${R.y - 4}" x2="${bx(10 ** d)}" y2="${R.y + R.h}" stroke="#ddd"/><text x="${bx(10 ** d)}" y="${R.y + R.h + 16}" text-anchor="middle">${10 ** d >= 1 ? 10 ** d : (10 ** d).toFixed(Math.abs(d))}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
