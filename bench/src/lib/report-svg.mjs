// A hand-written SVG time series of the whole run: throughput per second (top) and p99 per second
// (bottom, log scale) of every measured phase, on the run's clock, with sections and database
// states shaded behind them.
const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const SERIES = {
  noop: { colour: '#757575', label: 'bare Nest no-op' },
  gateway: { colour: '#1e88e5', label: 'gateway' },
  gatewayTraced: { colour: '#8e24aa', label: 'gateway, tracing on' },
  gatewayShipped: { colour: '#00897b', label: 'gateway, OpenTelemetry as shipped' },
  gatewaySampled: { colour: '#c0ca33', label: 'gateway, exporting 10 %' },
  peer: { colour: '#fb8c00', label: 'SQS peer' },
  baseline: { colour: '#e53935', label: 'coupled baseline' },
  rawReceive: { colour: '#9ccc65', label: 'raw receive+delete' },
  drainOne: { colour: '#43a047', label: 'drain, 1 processor' },
  drainTwo: { colour: '#1b5e20', label: 'drain, 2 processors' },
  pipelineGateway: { colour: '#00acc1', label: 'gateway @ half load' },
  endToEnd: { colour: '#00695c', label: 'pipeline: stored/s, e2e p99' },
};

const SECTION_SHADES = ['#fafafa', '#f0f4f8'];
const STATE_SHADES = { 'db degraded': '#fff8e1', 'db down': '#ffebee' };

export function renderSvg(results) {
  const { samples, steps } = results.timeline;
  const width = 1200;
  const left = 70;
  const right = 20;
  const plotWidth = width - left - right;
  const rateTop = 60;
  const panelHeight = 200;
  const latencyTop = rateTop + panelHeight + 40;
  const legendTop = latencyTop + panelHeight + 40;
  const height = legendTop + 50;
  const end = Math.max(results.totalSeconds, ...samples.map((sample) => sample.t), 1);
  const xOf = (t) => left + (t / end) * plotWidth;
  const maxRate = niceCeiling(Math.max(...samples.map((sample) => sample.rate ?? 0), 1));
  const rateY = (rate) => rateTop + panelHeight - (rate / maxRate) * panelHeight;
  const latencies = samples.map((sample) => sample.p99).filter((value) => value > 0);
  const minLog = Math.floor(Math.log10(Math.max(Math.min(...latencies, 10), 0.1)));
  const maxLog = Math.max(Math.ceil(Math.log10(Math.max(...latencies, 10))), minLog + 1);
  const latencyY = (value) =>
    latencyTop +
    panelHeight -
    ((Math.log10(Math.max(value, 10 ** minLog)) - minLog) / (maxLog - minLog)) * panelHeight;

  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(`Bench ${results.startedAt} (${results.mode}): every second of every measured phase`)}</text>`,
  );

  // Sections (alternating shades, name on top) and database states behind the curves.
  const sections = [];
  for (const step of steps) {
    const last = sections.at(-1);
    if (last && last.name === step.section) {
      last.end = step.end ?? end;
    } else {
      sections.push({ name: step.section, start: step.start, end: step.end ?? end });
    }
  }
  sections.forEach((section, index) => {
    const x = xOf(section.start);
    const w = Math.max(xOf(section.end) - x, 0.5);
    for (const top of [rateTop, latencyTop]) {
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${panelHeight}" fill="${SECTION_SHADES[index % 2]}"/>`,
      );
    }
    if (w > 40) {
      parts.push(
        `<text x="${(x + w / 2).toFixed(1)}" y="${rateTop - 6}" text-anchor="middle" fill="#555">${escape(section.name)}</text>`,
      );
    }
  });
  for (const step of steps) {
    const state = Object.keys(STATE_SHADES).find((name) => step.label.includes(name));
    if (!state) {
      continue;
    }
    const x = xOf(step.start);
    const w = Math.max(xOf(step.end ?? end) - x, 0.5);
    for (const top of [rateTop, latencyTop]) {
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${panelHeight}" fill="${STATE_SHADES[state]}"/>`,
      );
    }
  }

  // Axes and grid.
  parts.push(
    `<text x="${left}" y="${rateTop - 22}" font-weight="bold">Throughput per second (2xx answers, or orders stored / messages received)</text>`,
  );
  parts.push(
    `<text x="${left}" y="${latencyTop - 8}" font-weight="bold">p99 per second, ms (log scale): HTTP answers; for the pipeline, accepted → stored</text>`,
  );
  for (let tick = 0; tick <= 4; tick++) {
    const value = (maxRate * tick) / 4;
    const y = rateY(value);
    parts.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#e0e0e0"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end" fill="#666">${Math.round(value).toLocaleString('en-US')}</text>`,
    );
  }
  for (let exponent = minLog; exponent <= maxLog; exponent++) {
    const y = latencyY(10 ** exponent);
    parts.push(
      `<line x1="${left}" y1="${y}" x2="${left + plotWidth}" y2="${y}" stroke="#e0e0e0"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end" fill="#666">${(10 ** exponent).toLocaleString('en-US')}</text>`,
    );
  }
  const timeStep = niceCeiling(end / 12);
  for (let t = 0; t <= end; t += timeStep) {
    const x = xOf(t);
    parts.push(
      `<text x="${x.toFixed(1)}" y="${latencyTop + panelHeight + 16}" text-anchor="middle" fill="#666">${t} s</text>`,
    );
  }

  // One polyline per series and contiguous stretch (a gap of more than 2 s starts a new one).
  const bySeries = new Map();
  for (const sample of [...samples].sort((a, b) => a.t - b.t)) {
    const list = bySeries.get(sample.series) ?? [];
    list.push(sample);
    bySeries.set(sample.series, list);
  }
  for (const [series, list] of bySeries) {
    const colour = SERIES[series]?.colour ?? '#000000';
    for (const stretch of stretches(list)) {
      const rate = stretch.map(
        (sample) => `${xOf(sample.t).toFixed(1)},${rateY(sample.rate).toFixed(1)}`,
      );
      parts.push(polyline(rate, colour));
      const latency = stretch
        .filter((sample) => sample.p99 > 0)
        .map((sample) => `${xOf(sample.t).toFixed(1)},${latencyY(sample.p99).toFixed(1)}`);
      if (latency.length > 0) {
        parts.push(polyline(latency, colour));
      }
    }
  }

  // Legend.
  const present = Object.entries(SERIES).filter(([key]) => bySeries.has(key));
  const entries = [
    ...present.map(([, { colour, label }]) => ({ colour, label, line: true })),
    { colour: STATE_SHADES['db degraded'], label: 'database degraded' },
    { colour: STATE_SHADES['db down'], label: 'database down' },
  ];
  const perRow = 6;
  entries.forEach((entry, index) => {
    const x = left + (index % perRow) * 190;
    const y = legendTop + Math.floor(index / perRow) * 18;
    parts.push(
      entry.line
        ? `<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${entry.colour}" stroke-width="2.5"/>`
        : `<rect x="${x}" y="${y - 10}" width="18" height="10" fill="${entry.colour}" stroke="#bbb"/>`,
    );
    parts.push(`<text x="${x + 24}" y="${y}">${escape(entry.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function stretches(list) {
  const out = [];
  let current = [];
  for (const sample of list) {
    if (current.length > 0 && sample.t - current.at(-1).t > 2) {
      out.push(current);
      current = [];
    }
    current.push(sample);
  }
  if (current.length > 0) {
    out.push(current);
  }
  return out;
}

function polyline(points, colour) {
  return points.length === 1
    ? `<circle cx="${points[0].split(',')[0]}" cy="${points[0].split(',')[1]}" r="2" fill="${colour}"/>`
    : `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-linejoin="round"/>`;
}

/** 1, 2 or 5 times a power of ten, at or above value. */
function niceCeiling(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1e-9)));
  return [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= value);
}
