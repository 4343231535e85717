import { ratio } from './targets.mjs';

const x = (value) => (value === null || value === undefined ? '–' : `${value}×`);
const n = (value) =>
  value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US');
const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (header, rows) =>
  [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');

function failures(result) {
  const parts = [];
  for (const [status, count] of Object.entries(result.statusCounts)) {
    if (!status.startsWith('2')) {
      parts.push(`${n(count)}×${status}`);
    }
  }
  if (result.errors - result.timeouts > 0) {
    parts.push(`${n(result.errors - result.timeouts)} errors`);
  }
  if (result.timeouts > 0) {
    parts.push(`${n(result.timeouts)} timeouts`);
  }
  return parts.join(', ') || 'none';
}

/** The run as Markdown: targets first, then every section with ratios before absolute figures. */
export function renderMarkdown(results) {
  const { sections: s, targets } = results;
  const noop = s.ceiling;
  const lines = [];
  lines.push(`# Bench run ${results.startedAt} (${results.mode})`);
  lines.push('');
  lines.push(
    `${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, ${results.settings.connections} connections, ${results.settings.phaseSeconds} s per phase, ` +
      `PostgreSQL ${results.settings.durableDatabase ? 'with fsync (durable commits)' : 'without fsync'}; load generator, apps, SQS emulator and PostgreSQL share the machine. Total ${results.totalSeconds} s.`,
  );
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push(
    table(
      ['Target', 'Measured ratio', 'Limit', 'Result', 'Absolute'],
      targets.map((t) => [t.target, x(t.ratio), t.limit, t.met ? 'met' : '**missed**', t.absolute]),
    ),
  );
  lines.push('');

  lines.push('## 1–4. Intake: gateway vs coupled baseline, database healthy / degraded / down');
  lines.push('');
  lines.push(
    `Ceiling (1): bare Nest 11 + Fastify no-op POST = ${n(noop.okPerSecond)} req/s, p50 ${noop.latencyMs.p50} ms, p99 ${noop.latencyMs.p99} ms, ${noop.cpu.serverMsPerOk} ms CPU/request, RSS ${noop.rssMiB.peak} MiB (host busy ${Math.round(noop.machine.busy * 100)} %, foreign cores ${noop.machine.foreignCores}). ` +
      `Degraded = \`LOCK TABLE orders IN ACCESS EXCLUSIVE MODE\` held ${results.settings.degradedLockMs} ms of every ${results.settings.degradedPeriodMs} ms; down = PostgreSQL stopped. The processor is not running here.`,
  );
  lines.push('');
  const intakeRows = [];
  for (const [app, name] of [
    ['gateway', 'gateway (202 after SQS holds it)'],
    ['baseline', 'coupled baseline (201 after INSERT)'],
  ]) {
    for (const state of ['healthy', 'degraded', 'down']) {
      const r = s.intake[app][state];
      intakeRows.push([
        `${name}, db ${state}`,
        x(ratio(r.okPerSecond, noop.okPerSecond)),
        x(ratio(r.okPerSecond, s.intake[app].healthy.okPerSecond)),
        x(ratio(r.latencyMs.p99, s.intake[app].healthy.latencyMs.p99)),
        x(ratio(r.cpu.serverMsPerOk, noop.cpu.serverMsPerOk)),
        n(r.okPerSecond),
        `${r.latencyMs.p50} / ${r.latencyMs.p99}`,
        r.cpu.serverMsPerOk ?? '–',
        r.rssMiB.peak,
        failures(r),
        `${Math.round(r.machine.busy * 100)} % / ${r.machine.foreignCores}`,
      ]);
    }
  }
  lines.push(
    table(
      [
        'Phase',
        '2xx/s ÷ no-op',
        '2xx/s ÷ own healthy',
        'p99 ÷ own healthy',
        'CPU/2xx ÷ no-op',
        '2xx/s',
        'p50 / p99 ms',
        'CPU ms per 2xx',
        'RSS peak MiB',
        'Failed answers',
        'host busy / foreign cores',
      ],
      intakeRows,
    ),
  );
  lines.push('');
  lines.push(
    '"Foreign cores": CPU used during the phase by processes outside the bench (other work on the host); above ~0.1 the phase shared the machine and its figures are pessimistic.',
  );
  lines.push('');
  lines.push(
    'Where the CPU goes per accepted gateway order (ms, from /proc of each process, database healthy):',
  );
  lines.push('');
  const g = s.intake.gateway.healthy;
  const perOk = (seconds) =>
    g.ok > 0 && seconds !== undefined ? Number(((seconds * 1000) / g.ok).toFixed(4)) : '–';
  lines.push(
    table(
      [
        'gateway',
        'SQS emulator',
        'load generator',
        'PostgreSQL',
        'no-op server per request (reference)',
      ],
      [
        [
          perOk(g.cpu.serverSeconds),
          perOk(g.cpu.sqsEmulatorSeconds),
          perOk(g.cpu.loadGeneratorSeconds),
          perOk(g.cpu.postgresSeconds),
          noop.cpu.serverMsPerOk,
        ],
      ],
    ),
  );
  lines.push('');

  const p = s.processor;
  lines.push('## 5. Processor');
  lines.push('');
  lines.push(
    table(
      ['What', '÷ smaller raw ceiling', 'Rate', 'Detail'],
      [
        [
          'raw ceiling: ReceiveMessage(10) + DeleteMessageBatch loop, 4 in flight',
          x(ratio(p.ceilings.receiveDelete.messagesPerSecond, p.ceilings.smallerPerSecond)),
          `${n(p.ceilings.receiveDelete.messagesPerSecond)} msg/s`,
          `${n(p.ceilings.receiveDelete.messages)} messages`,
        ],
        [
          'raw ceiling: 100-row INSERT into orders, 2 connections',
          x(ratio(p.ceilings.insert.rowsPerSecond, p.ceilings.smallerPerSecond)),
          `${n(p.ceilings.insert.rowsPerSecond)} rows/s`,
          `${n(p.ceilings.insert.rows)} rows`,
        ],
        ...['one', 'two'].map((key) => {
          const d = p.drain[key];
          return [
            `drain ${n(d.backlog)}-order backlog, ${d.replicas} replica${d.replicas > 1 ? 's' : ''}`,
            x(ratio(d.ordersPerSecond, p.ceilings.smallerPerSecond)),
            `${n(d.ordersPerSecond)} orders/s`,
            `${d.stored} stored in ${d.spanSeconds} s (${d.wallSecondsFromSpawn} s from spawn); CPU ms/order: processor ${d.processorCpuMsPerOrder}, emulator ${d.emulatorCpuMsPerOrder}, PostgreSQL ${d.postgresCpuMsPerOrder}; host busy ${Math.round(d.machineBusy * 100)} %`,
          ];
        }),
      ],
    ),
  );
  lines.push('');
  const e = p.endToEnd;
  lines.push(
    `End to end (acceptedAt → stored_at) with the gateway at ${n(e.targetRatePerSecond)} orders/s (half of its measured maximum) and ${e.replicas} processor replica${e.replicas > 1 ? 's' : ''}: ` +
      `**p50 ${e.latencyMs.p50} ms, p99 ${e.latencyMs.p99} ms** (max ${e.latencyMs.max} ms); ${n(e.accepted)} accepted, ${n(e.stored)} stored${e.allStored ? '' : ' (not all stored in time)'}; ` +
      `gateway p50/p99 ${e.gateway.latencyMs.p50}/${e.gateway.latencyMs.p99} ms.`,
  );
  lines.push('');

  const q = s.sqsRequests;
  lines.push('## 6. SQS requests per stored order');
  lines.push('');
  const breakdown = (byAction) =>
    Object.entries(byAction)
      .map(([action, count]) => `${action} ${n(count)}`)
      .join(', ');
  lines.push(
    table(
      ['Scenario', 'Requests per order', 'Calls counted at the emulator'],
      [
        [
          'whole pipeline at half load (send + receive + delete + visibility)',
          q.endToEnd.perOrder,
          breakdown(q.endToEnd.byAction),
        ],
        [
          'intake at max load (SendMessageBatch only)',
          q.saturated.sendPerOrder,
          breakdown(q.intakeAtMax.byAction),
        ],
        [
          'backlog drain, 1 replica (receive + delete)',
          q.saturated.consumePerOrder,
          breakdown(q.backlogDrain.byAction),
        ],
        [
          'saturated pipeline (the two above added)',
          q.saturated.perOrder,
          'lower bound of the design: full batches of 10 on both sides',
        ],
      ],
    ),
  );
  lines.push('');

  const c = s.coldStart;
  lines.push('## 7. Cold start and idle memory');
  lines.push('');
  lines.push(
    table(
      [
        'App',
        'cold start ÷ bare',
        'idle RSS ÷ bare',
        'cold start ms (spawn → ready)',
        'idle RSS MiB',
      ],
      ['nestNoop', 'gateway', 'processor'].map((app) => [
        app === 'nestNoop' ? 'bare Nest-Fastify (no-op)' : app,
        x(ratio(c[app].coldStartMs, c.nestNoop.coldStartMs)),
        x(ratio(c[app].idleRssMiB, c.nestNoop.idleRssMiB)),
        `${c[app].coldStartMs} (${c[app].samplesMs.join(', ')})`,
        c[app].idleRssMiB,
      ]),
    ),
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}
