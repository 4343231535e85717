import { pairedRatio, SPREAD_FLAG } from './stats.mjs';
import { n, range } from './targets.mjs';

const row = (cells) => `| ${cells.join(' | ')} |`;
const table = (header, rows) =>
  [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
const pct = (share) =>
  share === null || share === undefined ? '–' : `${Math.round(share * 100)} %`;
/** "1.23× (1.2–1.3)" with ⚠ when the rounds spread more than 10 % around the median. */
const fig = (figure, unit = '×') =>
  figure?.median === null || figure?.median === undefined
    ? '–'
    : `${n(figure.median)}${unit} (${n(figure.min)}–${n(figure.max)})${figure.flagged ? ' ⚠' : ''}`;
const spread = (figure) =>
  figure?.spread === null || figure?.spread === undefined
    ? '–'
    : `${pct(figure.spread)}${figure.flagged ? ' ⚠' : ''}`;

const LABELS = {
  noop: 'bare Nest-Fastify no-op',
  gateway: 'gateway (202 after SQS holds it)',
  gatewayTraced: 'gateway, tracing on',
  gatewayShipped: 'gateway, OpenTelemetry as shipped (ids, no export)',
  gatewaySampled: 'gateway, exporting at the default 10 % sampling',
  peer: 'SQS peer (Fastify + SendMessage)',
  baseline: 'coupled baseline (201 after INSERT)',
};

function failures(results) {
  const counts = {};
  let errors = 0;
  let timeouts = 0;
  for (const result of results) {
    for (const [status, count] of Object.entries(result.statusCounts)) {
      if (!status.startsWith('2')) {
        counts[status] = (counts[status] ?? 0) + count;
      }
    }
    errors += result.errors - result.timeouts;
    timeouts += result.timeouts;
  }
  const parts = Object.entries(counts).map(([status, count]) => `${n(count)}×${status}`);
  if (errors > 0) {
    parts.push(`${n(errors)} errors`);
  }
  if (timeouts > 0) {
    parts.push(`${n(timeouts)} timeouts`);
  }
  return parts.join(', ') || 'none';
}

/** The run as Markdown: chart and targets first, then every section, ratios before absolute figures. */
export function renderMarkdown(results, svgName) {
  const { summary: s, targets, sections, settings } = results;
  const lines = [];
  const push = (...text) => lines.push(...text, '');
  const foreign = Object.values(sections.intake)
    .filter((entry) => typeof entry === 'object' && entry.healthy)
    .flatMap((entry) => [...entry.healthy, ...entry.degraded, ...entry.down])
    .map((result) => result.machine.foreignCores);
  push(`# Bench run ${results.startedAt} (${results.mode})`);
  push(
    `${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}; ${settings.rounds} alternating rounds, ` +
      `${settings.phaseSeconds} s per load phase after ${settings.warmupSeconds} s of warm-up per target, ${settings.connections} connections; ` +
      `PostgreSQL ${settings.durableDatabase ? 'with fsync (durable commits)' : 'without fsync'}; tracing ${settings.tracing}. ` +
      `Load generator, apps, SQS emulator and PostgreSQL share the machine. Total ${results.totalSeconds} s. ` +
      `CPU used by processes outside the bench during load phases ("foreign cores"): up to ${Math.max(...foreign, 0)} of ${results.machine.cpus}` +
      `${Math.max(...foreign, 0) > 0.1 ? ' — the machine was not quiet, absolute figures read pessimistic' : ''}.`,
  );
  push(
    `Every figure is the median of its rounds with min–max in brackets; every ratio pairs the two figures of the same round. ` +
      `⚠ marks a spread (max − min ÷ median) above ${SPREAD_FLAG * 100} %.`,
  );
  push(`![throughput and p99 per second, every phase](${svgName})`);

  push('## Targets');
  push(
    table(
      ['Target', 'Median (min–max)', 'Spread', 'Limit', 'Result', 'Every round', 'Absolute'],
      targets.map((t) => [
        t.target,
        fig(t.value, t.unit),
        spread(t.value),
        t.limit ?? '–',
        t.met === null ? 'reported' : t.met ? 'met' : '**missed**',
        t.everyRound === null ? '–' : t.everyRound === 'same' ? 'same verdict' : 'mixed',
        t.absolute,
      ]),
    ),
  );

  push(
    '## 1–4. Intake: no-op, gateway, SQS peer, coupled baseline; database healthy / degraded / down',
  );
  push(
    `Degraded = \`LOCK TABLE orders IN ACCESS EXCLUSIVE MODE\` held ${settings.degradedLockMs} ms of every ${settings.degradedPeriodMs} ms; down = PostgreSQL stopped. ` +
      'The processor is not running here. Each round runs every row below in this order.',
  );
  const intakeRows = [];
  const noopRuns = sections.intake.noop.healthy;
  for (const key of Object.keys(LABELS).filter((name) => sections.intake[name])) {
    for (const state of ['healthy', 'degraded', 'down']) {
      const runs = sections.intake[key][state];
      if (!runs?.length) {
        continue;
      }
      const f = s.intake[key][state];
      intakeRows.push([
        `${LABELS[key]}, db ${state}`,
        fig(
          pairedRatio(
            runs.map((r) => r.okPerSecond),
            noopRuns.map((r) => r.okPerSecond),
          ),
        ),
        fig(
          pairedRatio(
            runs.map((r) => r.cpu.serverMsPerOk),
            noopRuns.map((r) => r.cpu.serverMsPerOk),
          ),
        ),
        fig(f.rate, ''),
        `${n(f.p50.median)} / ${fig(f.p99, '')}`,
        fig(f.cpu, ''),
        failures(runs),
        String(Math.max(...runs.map((r) => r.machine.foreignCores))),
      ]);
    }
  }
  push(
    table(
      [
        'Phase',
        '2xx/s ÷ no-op',
        'CPU per 2xx ÷ no-op',
        '2xx/s',
        'p50 / p99 ms',
        'CPU ms per 2xx',
        'Failed answers (all rounds)',
        'foreign cores (max)',
      ],
      intakeRows,
    ),
  );

  const r = s.ratios;
  const g = s.intake.gateway.healthy;
  const peer = s.intake.peer.healthy;
  push('### The peer a user would write');
  push(
    'A plain Fastify handler (`bench/src/servers/sqs-peer.server.ts`) with the contract’s DTO factory and validation rules, the same body, ' +
      'and one `SendMessage` per request, run with the same load in every round of the gateway, a few phases after it.',
  );
  push(
    table(
      ['Per accepted order', 'gateway', 'SQS peer', 'gateway ÷ peer (paired)', 'goal'],
      [
        ['CPU ms', fig(g.cpu, ''), fig(peer.cpu, ''), fig(r.gatewayCpuVsPeer), '≤ 0.4×'],
        ['p99 ms', fig(g.p99, ''), fig(peer.p99, ''), fig(r.gatewayP99VsPeer), '≤ 0.6×'],
        ['SQS requests', fig(g.sqs, ''), fig(peer.sqs, ''), fig(r.gatewaySqsVsPeer), '≤ 0.15×'],
        ['throughput (2xx/s)', fig(g.rate, ''), fig(peer.rate, ''), fig(r.gatewayRateVsPeer), '–'],
      ],
    ),
  );

  push('### Tracing on ÷ off, and as shipped');
  if (r.tracedCpu) {
    const t = s.intake.gatewayTraced.healthy;
    const d = s.intake.gatewayShipped.healthy;
    const e = s.intake.gatewaySampled.healthy;
    push(
      results.tracing.active
        ? `The traced gateway exported ${n(results.tracing.otlpExportRequests)} OTLP requests (${n(results.tracing.otlpExportBytes)} bytes) to the bench’s sink; “tracing on” samples every request (\`OTEL_TRACES_SAMPLER=always_on\`), the 10 % row as shipped.`
        : '**No span reached the OTLP sink: this build has no tracing**, so both gateways run the same code and the ratios below only show the noise between two identical processes.',
    );
    push(
      table(
        ['Gateway', 'CPU ms per 2xx', 'p99 ms', '2xx/s'],
        [
          [
            'tracing off (`OTEL_SDK_DISABLED=true`)',
            fig(g.cpu, ''),
            fig(g.p99, ''),
            fig(g.rate, ''),
          ],
          ['tracing on', fig(t.cpu, ''), fig(t.p99, ''), fig(t.rate, '')],
          ['on ÷ off (paired)', fig(r.tracedCpu), fig(r.tracedP99), fig(r.tracedRate)],
          [
            'as shipped: no `OTEL_*` set (trace ids travel and are logged, nothing exported)',
            fig(d.cpu, ''),
            fig(d.p99, ''),
            fig(d.rate, ''),
          ],
          ['as shipped ÷ off (paired)', fig(r.shippedCpu), fig(r.shippedP99), fig(r.shippedRate)],
          [
            'exporting at the default sampling (`OTEL_EXPORTER_OTLP_ENDPOINT` only: 10 %)',
            fig(e.cpu, ''),
            fig(e.p99, ''),
            fig(e.rate, ''),
          ],
          [
            '10 % exported ÷ off (paired)',
            fig(r.sampledCpu),
            fig(r.sampledP99),
            fig(r.sampledRate),
          ],
        ],
      ),
    );
  } else {
    push(`Not compared in this run (\`--tracing ${settings.tracing}\`).`);
  }

  const limits = s.limits;
  push('### Where the CPU goes per accepted order, and what this machine allows');
  push(
    table(
      [
        'Target',
        'server',
        'SQS emulator',
        'load generator',
        `orders/s the ${limits.cores} cores allow at that cost`,
      ],
      [
        [
          'bare no-op',
          fig(s.intake.noop.healthy.cpu, ''),
          '–',
          fig(s.intake.noop.healthy.loadGeneratorCpu, ''),
          n(limits.noopAsMeasured),
        ],
        [
          'gateway',
          fig(g.cpu, ''),
          fig(g.emulatorCpu, ''),
          fig(g.loadGeneratorCpu, ''),
          n(limits.gatewayAsMeasured),
        ],
        [
          'SQS peer',
          fig(peer.cpu, ''),
          fig(peer.emulatorCpu, ''),
          fig(peer.loadGeneratorCpu, ''),
          n(limits.peerAsMeasured),
        ],
      ],
    ),
  );
  push(
    `CPU ms per answer, from /proc of each process. A gateway that cost nothing itself would still be held to ${n(limits.gatewayWithoutOwnCpu)} orders/s here by the load generator and the emulator it needs.`,
  );

  const p = s.processor;
  const cpuOne = p.cpuPerOrder.one;
  push('## 5. Processor');
  push(
    `Each round: raw \`ReceiveMessage(10)\` + \`DeleteMessageBatch\` loop (4 in flight) on a fresh ${n(settings.backlogOrders)}-message queue, raw 100-row INSERTs (2 connections), ` +
      `then a fresh ${n(settings.backlogOrders)}-order backlog drained by 1 and by 2 new processors (4 pollers each, as in prod). Rates count the orders between 20 % and 95 % of each backlog ` +
      '(the first fifth warms the new process up; the tail is pollers running dry), drain rates by PostgreSQL’s own `stored_at` clock.',
  );
  push(
    table(
      [
        'What',
        'Rate (median, min–max)',
        '÷ smaller raw ceiling (paired)',
        'CPU ms per order: processor / emulator / PostgreSQL',
      ],
      [
        [
          'raw ceiling: receive + delete',
          `${fig(p.receiveDelete, '')} msg/s`,
          '–',
          `– / ${fig(p.rawEmulatorCpuMsPerMessage, '')} / – (client ${fig(p.rawClientCpuMsPerMessage, '')})`,
        ],
        ['raw ceiling: 100-row INSERT', `${fig(p.insert, '')} rows/s`, '–', '–'],
        [
          'drain, 1 replica',
          `${fig(p.drainOne, '')} orders/s`,
          fig(r.drainOneVsCeiling),
          `${fig(cpuOne.processorCpuMsPerOrder, '')} / ${fig(cpuOne.emulatorCpuMsPerOrder, '')} / ${fig(cpuOne.postgresCpuMsPerOrder, '')}`,
        ],
        [
          'drain, 2 replicas',
          `${fig(p.drainTwo, '')} orders/s`,
          fig(r.drainTwoVsCeiling),
          `${fig(p.cpuPerOrder.two.processorCpuMsPerOrder, '')} / ${fig(p.cpuPerOrder.two.emulatorCpuMsPerOrder, '')} / ${fig(p.cpuPerOrder.two.postgresCpuMsPerOrder, '')}`,
        ],
      ],
    ),
  );
  push(
    `Smaller ceiling: ${p.smallerIs}. At the CPU they cost per order, the ${limits.cores} cores allow ${n(limits.drainAsMeasured)} orders/s for the 1-replica drain; ` +
      `a processor that cost nothing would still be held to ${n(limits.drainWithoutOwnCpu)} orders/s by the emulator and PostgreSQL alone ` +
      `(${n(limits.drainWithoutOwnCpu && p.smallerCeiling.median ? Number((limits.drainWithoutOwnCpu / p.smallerCeiling.median).toFixed(2)) : null)}× the raw ceiling).`,
  );

  const e = s.endToEnd;
  const auto = sections.endToEnd.autoscaling;
  push('### End to end at half and at a quarter load');
  push(
    `Gateway at ${n(e.ratePerSecond)} orders/s (half its median maximum), ${e.replicas} processor replica${e.replicas > 1 ? 's' : ''} ` +
      `(${auto.source}: minReplicaCount ${auto.minReplicas ?? '–'}, queueLength ${auto.queueLength ?? '–'}; the deepest queue seen, ${n(e.maxQueueDepth)}, ` +
      `would make KEDA run ${auto.replicasForMaxDepth ?? '–'}). ${settings.rounds} rounds of ${settings.endToEndSeconds} s after a ${settings.warmupSeconds} s warm-up; latency = \`stored_at − acceptedAt\` per row` +
      `${e.allStored ? '' : '; **not every accepted order was stored in time**'}.`,
  );
  push(
    table(
      [
        'load',
        'accepted → stored p50 ms',
        'p99 ms',
        'max ms',
        'gateway p99 ms',
        'SQS requests per stored order',
      ],
      [e, s.endToEndQuarter]
        .filter(Boolean)
        .map((row) => [
          `${n(row.ratePerSecond)}/s, ${row.replicas} replicas`,
          fig(row.p50, ''),
          fig(row.p99, ''),
          fig(row.max, ''),
          fig(row.gatewayP99, ''),
          fig(row.sqsPerOrder, ''),
        ]),
    ),
  );

  push('## 6. SQS requests per stored order');
  const byAction = (entries) => {
    const total = {};
    for (const entry of entries) {
      for (const [action, count] of Object.entries(entry.byAction)) {
        total[action] = (total[action] ?? 0) + count;
      }
    }
    return Object.entries(total)
      .map(([action, count]) => `${action} ${n(count)}`)
      .join(', ');
  };
  push(
    table(
      ['Scenario', 'Requests per order', 'Calls counted at the emulator (all rounds)'],
      [
        [
          'whole pipeline at half load (send + receive + delete + visibility)',
          fig(e.sqsPerOrder, ''),
          byAction(sections.endToEnd.rounds.map((entry) => entry.sqs)),
        ],
        [
          'gateway intake at max load',
          fig(g.sqs, ''),
          byAction(sections.intake.gateway.healthy.map((entry) => entry.sqs)),
        ],
        [
          'SQS peer intake at max load',
          fig(peer.sqs, ''),
          byAction(sections.intake.peer.healthy.map((entry) => entry.sqs)),
        ],
        [
          'backlog drain, 1 replica',
          fig(p.drainOneSqsPerOrder, ''),
          byAction(sections.processor.rounds.map((entry) => entry.drain.one.sqs)),
        ],
        [
          'saturated pipeline (gateway at max + backlog drain)',
          fig(s.saturatedSqsPerOrder, ''),
          'lower bound of the design: full batches of 10 on both sides',
        ],
      ],
    ),
  );

  const c = s.coldStart;
  const COLD_START_LABELS = {
    nestNoop: 'bare Nest-Fastify (no-op)',
    gatewayUncached: 'gateway, no compile cache',
  };
  push('## 7. Cold start and idle memory');
  push(
    `${settings.coldStartRounds} rounds of bare app, gateway, processor and the gateway without compile cache, after one unmeasured start of each; spawn → first 200 on \`/health/ready\`, RSS after one idle second. Gateway and processor run with Node's compile cache (\`NODE_COMPILE_CACHE\`) as the image ships it, filled by that first start; the bare app, as written without it.`,
  );
  push(
    table(
      [
        'App',
        'cold start ÷ bare (paired)',
        'idle RSS ÷ bare (paired)',
        'cold start ms',
        'idle RSS MiB',
      ],
      ['nestNoop', 'gateway', 'processor', 'gatewayUncached'].map((app) => [
        COLD_START_LABELS[app] ?? app,
        fig(c[app].coldStartRatio),
        fig(c[app].idleRssRatio),
        range(c[app].coldStartMs),
        range(c[app].idleRssMiB),
      ]),
    ),
  );
  return `${lines.join('\n').trimEnd()}\n`;
}
