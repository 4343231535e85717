// `npm run bench` (full, about 8 minutes) or `node bench/src/run.mjs --smoke` (a few seconds per
// phase). Starts its own PostgreSQL and SQS emulator, warms every target up, runs each comparison
// as alternating repetitions, writes bench/results/<timestamp>.{md,svg,summary.json} (and the raw
// .json) and prints the targets. Load goes to 127.0.0.1 only.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { COMPILE_CACHE_DIR, REPO_ROOT, startDatabase, tracingEnv } from './lib/bench-stack.mjs';
import { compileServer } from './lib/compile.mjs';
import { prodAutoscaling } from './lib/keda.mjs';
import { startOtlpSink } from './lib/otlp-sink.mjs';
import { Progress } from './lib/progress.mjs';
import { renderMarkdown } from './lib/report-markdown.mjs';
import { renderSvg } from './lib/report-svg.mjs';
import { coldStarts } from './lib/sections/cold-start.mjs';
import {
  CONSOLE_MODES,
  consoleLines,
  consolePlan,
  consoleTargets,
  consoleViews,
  renderConsoleMarkdown,
  summariseConsole,
} from './lib/sections/console.mjs';
import { endToEnd } from './lib/sections/end-to-end.mjs';
import { intake } from './lib/sections/intake.mjs';
import { processorRounds } from './lib/sections/processor.mjs';
import { MODES, planFor } from './lib/settings.mjs';
import { startSqsEmulator } from './lib/sqs-emulator.mjs';
import { summariseRun } from './lib/summary.mjs';
import { evaluateTargets } from './lib/targets.mjs';
import { Timeline } from './lib/timeline.mjs';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: join(REPO_ROOT, 'bench/results') },
    'no-fsync': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    // off: the apps run with OpenTelemetry disabled; on: traced; both: off, plus a traced gateway
    // alternated with the untraced one as its own paired comparison.
    tracing: { type: 'string', default: 'both' },
    rounds: { type: 'string' },
    // A partial run for a quick loop: these sections only (end-to-end without intake needs --rate);
    // it prints its figures and writes only the raw .json, never a report.
    only: { type: 'string' },
    rate: { type: 'string' },
    // With --only intake: these intake senders only (e.g. gateway,gatewayShipped,peer).
    senders: { type: 'string' },
    // With --only intake: the healthy-database senders loaded at the same time in each round
    // instead of one after another, so foreign load hits them alike (CPU, rates, latencies only).
    together: { type: 'boolean', default: false },
    // With --only intake: each sender at this many requests/s instead of as fast as it can go
    // (the same batching for every sender, whatever the host leaves them).
    'intake-rate': { type: 'string' },
    // With --tracing on: every exported span, one OTLP/JSON request per line, for span-timings.mjs.
    'keep-spans': { type: 'string' },
  },
});
const SECTIONS = ['cold-start', 'intake', 'processor', 'end-to-end', 'console'];
const QUARTER_LOAD_REPLICAS = 3;
const only = new Set(args.only ? args.only.split(',') : SECTIONS);
if (
  [...only].some((name) => !SECTIONS.includes(name)) ||
  (only.has('end-to-end') && !only.has('intake') && !(Number(args.rate) > 0))
) {
  process.stderr.write(
    `--only takes ${SECTIONS.join(',')}; end-to-end without intake needs --rate <orders/s>\n`,
  );
  process.exit(2);
}
const INTAKE_SENDERS = [
  'noop',
  'gateway',
  'gatewayTraced',
  'gatewaySampled',
  'gatewayShipped',
  'peer',
  'baseline',
];
const onlySenders = args.senders ? args.senders.split(',') : undefined;
if (onlySenders && (!args.only || onlySenders.some((name) => !INTAKE_SENDERS.includes(name)))) {
  process.stderr.write(
    `--senders needs --only and takes ${INTAKE_SENDERS.join(',')} (the traced ones with --tracing both)\n`,
  );
  process.exit(2);
}
if ((args.together || args['intake-rate']) && !args.only) {
  process.stderr.write('--together and --intake-rate need --only (a quick loop, not a report)\n');
  process.exit(2);
}
if (!['off', 'on', 'both'].includes(args.tracing)) {
  process.stderr.write(`--tracing must be off, on or both, not "${args.tracing}"\n`);
  process.exit(2);
}
const mode = args.smoke ? 'smoke' : 'full';
const settings = {
  ...MODES[mode],
  ...CONSOLE_MODES[mode],
  ...(args.rounds ? { rounds: Number(args.rounds) } : {}),
  durableDatabase: !args['no-fsync'],
  tracing: args.tracing,
};
if (!Number.isInteger(settings.rounds) || settings.rounds < 1) {
  process.stderr.write(`--rounds must be a whole number ≥ 1, not "${args.rounds}"\n`);
  process.exit(2);
}
const startedAtMs = Date.now();
const senders = args.tracing === 'both' ? 7 : 4;
const progress = new Progress({ ...planFor(settings, senders), ...consolePlan(settings) });
const timeline = new Timeline(startedAtMs);
const log = (line) => {
  if (!args.quiet || !line.startsWith('  [')) {
    process.stdout.write(`[bench ${progress.stamp()}] ${line}\n`);
  }
};
const step = (section, label) => {
  timeline.step(section, label);
  log(progress.step(section, label));
};

const workDir = join(REPO_ROOT, 'tmp', `bench-${process.pid}`);
const cleanups = [];

async function main() {
  const startedAt = new Date(startedAtMs).toISOString();
  log(
    `${mode} run: ${settings.rounds} rounds, ${settings.phaseSeconds} s per phase, ${settings.connections} connections, tracing ${settings.tracing}, work dir ${workDir}`,
  );
  step('setup', 'setup · no-op server, SQS emulator, PostgreSQL, OTLP sink');
  // Empty, as in a freshly built image before its warm-up step.
  await rm(COMPILE_CACHE_DIR, { recursive: true, force: true });
  const noopEntry = await compileServer(
    join(REPO_ROOT, 'bench/src/servers/noop.server.ts'),
    join(workDir, 'servers'),
  );
  const sqs = await startSqsEmulator();
  cleanups.push(() => sqs.stop());
  const otlp = await startOtlpSink({ keepIn: args['keep-spans'] });
  cleanups.push(() => otlp.stop());
  const database = await startDatabase({
    workDir,
    durable: settings.durableDatabase,
    log: (name, line) => log(`  [${name}] ${line}`),
  });
  cleanups.push(async () => {
    await database.pool.end().catch(() => undefined);
    await database.destroy().catch(() => undefined);
  });
  log(`SQS emulator ${sqs.endpoint} (pid ${sqs.pid}), PostgreSQL 127.0.0.1:${database.port}`);
  const appEnv = tracingEnv(settings.tracing === 'on', otlp.url);
  const ctx = {
    settings,
    sqs,
    database,
    log,
    step,
    timeline,
    appEnv,
    otlp,
    tracing: settings.tracing,
    onlySenders,
    together: args.together,
    intakeRate: args['intake-rate'] ? Number(args['intake-rate']) : undefined,
  };
  const sections = {};

  if (only.has('cold-start')) {
    sections.coldStart = await coldStarts({ ctx, noopEntry });
  }
  if (only.has('intake')) {
    sections.intake = await intake({ ctx, noopEntry });
  }
  if (only.has('processor')) {
    sections.processor = await processorRounds({ ctx });
  }
  if (only.has('end-to-end')) {
    sections.endToEnd = await endToEndSection(ctx, sections.intake);
    // Half the maximum needs the whole machine once processors and PostgreSQL run; a quarter is
    // a load it can carry, with the three replicas the prod overlay keeps at least.
    sections.endToEndQuarter = await endToEnd({
      ctx,
      ratePerSecond: Math.max(Math.round(sections.endToEnd.targetRatePerSecond / 2), 1),
      replicas: QUARTER_LOAD_REPLICAS,
    });
  }
  if (only.has('console')) {
    sections.console = await consoleViews({ ctx });
  }
  timeline.endStep();
  if (only.size < SECTIONS.length) {
    await writePartial(sections);
    return;
  }

  const finishedAtMs = Date.now();
  const exports = otlp.received();
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
  const summary = {
    ...summariseRun(sections, machine.cpus),
    console: summariseConsole(sections.console),
  };
  const results = {
    schemaVersion: 2,
    mode,
    startedAt,
    finishedAt: new Date(finishedAtMs).toISOString(),
    totalSeconds: Math.round((finishedAtMs - startedAtMs) / 1000),
    machine,
    settings,
    tracing: {
      mode: settings.tracing,
      otlpExportRequests: exports.requests,
      otlpExportBytes: exports.bytes,
      // A build without OpenTelemetry ignores the OTEL_* variables: nothing reaches the sink.
      active: exports.requests > 0,
    },
    summary,
    targets: [...evaluateTargets(summary), ...consoleTargets(summary.console)],
    sections,
    timeline: timeline.toJSON(),
  };

  await mkdir(args['out-dir'], { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const base = join(args['out-dir'], `${stamp}${mode === 'smoke' ? '-smoke' : ''}`);
  // The summary is the committed record: everything but the raw rounds and the per-second series.
  const short = { ...results, sections: undefined, timeline: undefined };
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.summary.json`, `${JSON.stringify(short, null, 2)}\n`);
  await writeFile(
    `${base}.md`,
    renderMarkdown(results, `${stamp}${mode === 'smoke' ? '-smoke' : ''}.svg`) +
      renderConsoleMarkdown(summary.console, sections.console),
  );
  await writeFile(`${base}.svg`, renderSvg(results));

  log('targets (median of paired rounds, min–max; ⚠ = spread above 10 %):');
  for (const target of results.targets) {
    const { median, min, max, flagged } = target.value ?? {};
    const verdict = target.met === null ? 'info  ' : target.met ? 'met   ' : 'MISSED';
    log(
      `  ${verdict} ${target.target}: ${median}${target.unit} (${min}–${max})${flagged ? ' ⚠' : ''}${target.limit ? ` limit ${target.limit}` : ''}`,
    );
  }
  log(`wrote ${base}.md, .svg, .summary.json and .json`);
}

async function endToEndSection(ctx, intakeSection) {
  // Half of the gateway's measured maximum (median of its rounds), with the replicas KEDA's
  // production settings would run for the backlog that leaves (its minimum: the queue stays short).
  const gatewayRates = intakeSection?.gateway.healthy.map((result) => result.okPerSecond);
  const rate = gatewayRates
    ? Math.max(Math.round(gatewayRates.sort((a, b) => a - b)[gatewayRates.length >> 1] / 2), 1)
    : Number(args.rate);
  let autoscaling;
  try {
    const keda = prodAutoscaling(REPO_ROOT);
    autoscaling = {
      ...keda,
      replicas: keda.replicasFor(0),
      source: 'k8s/overlays/prod ScaledObject',
    };
  } catch (error) {
    autoscaling = {
      replicas: 1,
      source: `unavailable (${error.message.split('\n')[0]}); 1 replica`,
    };
  }
  const section = await endToEnd({ ctx, ratePerSecond: rate, replicas: autoscaling.replicas });
  section.autoscaling = {
    minReplicas: autoscaling.minReplicas ?? null,
    maxReplicas: autoscaling.maxReplicas ?? null,
    queueLength: autoscaling.queueLength ?? null,
    source: autoscaling.source,
    replicasForMaxDepth: autoscaling.replicasFor
      ? autoscaling.replicasFor(Math.max(...section.rounds.map((entry) => entry.maxQueueDepth)))
      : null,
  };
  return section;
}

/** A partial run: the raw sections in <out-dir>/<timestamp>-partial.json and the key figures printed. */
async function writePartial(sections) {
  await mkdir(args['out-dir'], { recursive: true });
  const stamp = new Date(startedAtMs).toISOString().replace(/[:.]/g, '-');
  const file = join(args['out-dir'], `${stamp}-partial.json`);
  await writeFile(file, `${JSON.stringify(sections, null, 2)}\n`);
  for (const entry of sections.processor?.rounds ?? []) {
    const { one, two } = entry.drain;
    log(
      `processor round ${entry.round}: raw receive+delete ${entry.receiveDelete.messagesPerSecond}/s; drain x1 ${one.ordersPerSecond}/s (${(one.ordersPerSecond / entry.smallerPerSecond).toFixed(3)}×, CPU ms per order processor ${one.processorCpuMsPerOrder} / emulator ${one.emulatorCpuMsPerOrder} / PostgreSQL ${one.postgresCpuMsPerOrder}); drain x2 ${two.ordersPerSecond}/s`,
    );
  }
  for (const entry of [
    ...(sections.endToEnd?.rounds ?? []),
    ...(sections.endToEndQuarter?.rounds ?? []),
  ]) {
    log(
      `end to end round ${entry.round}: ${entry.gateway.okPerSecond} orders/s, p50 ${entry.latencyMs.p50} ms, p99 ${entry.latencyMs.p99} ms (gateway's own answers: p50 ${entry.gateway.latencyMs.p50} ms, p99 ${entry.gateway.latencyMs.p99} ms), deepest queue ${entry.maxQueueDepth}, ${JSON.stringify(entry.sqs)}, processor CPU ms per order ${entry.processorCpuMsPerOrder}`,
    );
  }
  if (sections.console) {
    consoleLines(sections.console).forEach((line) => log(line));
  }
  logIntakeRounds(sections.intake);
  log(`wrote ${file}`);
}

// Each round's CPU per accepted order, and the paired ratios the targets read.
function logIntakeRounds(intakeSection) {
  const healthy = (key) => intakeSection?.[key]?.healthy ?? [];
  const rounds = healthy('gateway').length || healthy('gatewayShipped').length;
  for (let index = 0; index < rounds; index++) {
    const cpu = (key) => healthy(key)[index]?.cpu.serverMsPerOk;
    const figures = INTAKE_SENDERS.filter((key) => cpu(key) !== undefined).map(
      (key) => `${key} ${cpu(key)} ms (${healthy(key)[index].okPerSecond}/s)`,
    );
    const ratio = (a, b) =>
      cpu(a) && cpu(b) ? `${a} ÷ ${b} ${(cpu(a) / cpu(b)).toFixed(3)}` : undefined;
    const ratios = [
      ratio('gatewayShipped', 'gateway'),
      ratio('gatewaySampled', 'gateway'),
      ratio('gatewayTraced', 'gateway'),
      ratio('gatewayShipped', 'peer'),
      ratio('gateway', 'peer'),
    ].filter(Boolean);
    log(`intake round ${index + 1}: CPU per order ${figures.join(', ')}; ${ratios.join(', ')}`);
  }
}

async function cleanup() {
  for (const stepFn of cleanups.reverse()) {
    await stepFn().catch((error) => log(`cleanup: ${error.message}`));
  }
  await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) {
      return;
    }
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .then(async () => {
    await cleanup();
    process.exit(0);
  })
  .catch(async (error) => {
    log(`failed: ${error.stack ?? error}`);
    await cleanup();
    process.exit(1);
  });
