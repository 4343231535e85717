// A hand-written SVG: throughput bars on the left, p50/p99 latency (log scale) on the right.
const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLOURS = {
  noop: '#9e9e9e',
  gateway: '#1e88e5',
  baseline: '#e53935',
  processor: '#43a047',
  ceiling: '#bdbdbd',
};

export function renderSvg(results) {
  const { sections: s } = results;
  const rows = [
    {
      label: 'bare Nest no-op',
      kind: 'noop',
      rate: s.ceiling.okPerSecond,
      p50: s.ceiling.latencyMs.p50,
      p99: s.ceiling.latencyMs.p99,
    },
    ...['healthy', 'degraded', 'down'].map((state) => ({
      label: `gateway, db ${state}`,
      kind: 'gateway',
      ...phase(s.intake.gateway[state]),
    })),
    ...['healthy', 'degraded', 'down'].map((state) => ({
      label: `coupled, db ${state}`,
      kind: 'baseline',
      ...phase(s.intake.baseline[state]),
    })),
    {
      label: 'raw receive+delete',
      kind: 'ceiling',
      rate: s.processor.ceilings.receiveDelete.messagesPerSecond,
    },
    { label: 'drain, 1 processor', kind: 'processor', rate: s.processor.drain.one.ordersPerSecond },
    {
      label: 'drain, 2 processors',
      kind: 'processor',
      rate: s.processor.drain.two.ordersPerSecond,
    },
    {
      label: 'end to end @ half load',
      kind: 'processor',
      p50: s.processor.endToEnd.latencyMs.p50,
      p99: s.processor.endToEnd.latencyMs.p99,
    },
  ];
  const rowHeight = 26;
  const top = 70;
  const labelWidth = 170;
  const panelWidth = 330;
  const gap = 60;
  const width = labelWidth + panelWidth * 2 + gap + 30;
  const height = top + rows.length * rowHeight + 50;
  const maxRate = Math.max(...rows.map((r) => r.rate ?? 0), 1);
  const latencies = rows.flatMap((r) => [r.p50, r.p99]).filter((v) => Number.isFinite(v) && v > 0);
  const minLog = Math.floor(Math.log10(Math.max(Math.min(...latencies, 1), 0.1)));
  const maxLog = Math.ceil(Math.log10(Math.max(...latencies, 10)));
  const rateX = labelWidth;
  const latencyX = labelWidth + panelWidth + gap;
  const latencyScale = (value) =>
    ((Math.log10(Math.max(value, 10 ** minLog)) - minLog) / (maxLog - minLog)) * panelWidth;

  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="10" y="20" font-size="15" font-weight="bold">${escape(`Order intake bench ${results.startedAt} (${results.mode})`)}</text>`,
  );
  parts.push(
    `<text x="${rateX}" y="${top - 22}" font-weight="bold">Throughput (2xx or stored per second)</text>`,
  );
  parts.push(
    `<text x="${latencyX}" y="${top - 22}" font-weight="bold">Latency ms, log scale (■ p50  □ p99)</text>`,
  );

  for (let tick = 0; tick <= 4; tick++) {
    const value = (maxRate * tick) / 4;
    const xPos = rateX + (panelWidth * tick) / 4;
    parts.push(
      `<line x1="${xPos}" y1="${top - 8}" x2="${xPos}" y2="${top + rows.length * rowHeight}" stroke="#eeeeee"/>`,
    );
    parts.push(
      `<text x="${xPos}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#666">${Math.round(value).toLocaleString('en-US')}</text>`,
    );
  }
  for (let exponent = minLog; exponent <= maxLog; exponent++) {
    const xPos = latencyX + latencyScale(10 ** exponent);
    parts.push(
      `<line x1="${xPos}" y1="${top - 8}" x2="${xPos}" y2="${top + rows.length * rowHeight}" stroke="#eeeeee"/>`,
    );
    parts.push(
      `<text x="${xPos}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#666">${10 ** exponent >= 1 ? (10 ** exponent).toLocaleString('en-US') : 10 ** exponent}</text>`,
    );
  }

  rows.forEach((r, index) => {
    const y = top + index * rowHeight;
    const colour = COLOURS[r.kind];
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escape(r.label)}</text>`,
    );
    if (Number.isFinite(r.rate)) {
      const barWidth = Math.max((r.rate / maxRate) * panelWidth, 1);
      parts.push(
        `<rect x="${rateX}" y="${y + 4}" width="${barWidth.toFixed(1)}" height="${rowHeight - 10}" fill="${colour}"/>`,
      );
      parts.push(
        `<text x="${rateX + barWidth + 4}" y="${y + 15}" fill="#333">${Math.round(r.rate).toLocaleString('en-US')}</text>`,
      );
    }
    if (Number.isFinite(r.p99) && r.p99 > 0) {
      parts.push(
        `<rect x="${latencyX}" y="${y + 4}" width="${latencyScale(r.p99).toFixed(1)}" height="${rowHeight - 10}" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
      );
      parts.push(
        `<text x="${latencyX + latencyScale(r.p99) + 4}" y="${y + 15}" fill="#333">${r.p50} / ${r.p99}</text>`,
      );
    }
    if (Number.isFinite(r.p50) && r.p50 > 0) {
      parts.push(
        `<rect x="${latencyX}" y="${y + 4}" width="${latencyScale(r.p50).toFixed(1)}" height="${rowHeight - 10}" fill="${colour}"/>`,
      );
    }
  });
  parts.push(
    `<text x="10" y="${height - 10}" fill="#666">${escape(`${results.machine.cpus} cores, ${results.settings.connections} connections, ${results.settings.phaseSeconds} s per phase; degraded = orders table locked ${results.settings.degradedLockMs} of every ${results.settings.degradedPeriodMs} ms; down = PostgreSQL stopped`)}</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function phase(result) {
  // A phase that answered nothing successfully has no meaningful latency for accepted orders.
  return { rate: result.okPerSecond, p50: result.latencyMs.p50, p99: result.latencyMs.p99 };
}
