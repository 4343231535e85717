// `npm run bench` (full, ~5 minutes) or `node bench/src/run.mjs --smoke` (a few seconds per phase).
// Starts its own PostgreSQL and SQS emulator, runs every phase in one go, writes
// bench/results/<timestamp>.{json,md,svg} and prints the targets. Load goes to 127.0.0.1 only.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startDatabase } from './lib/bench-stack.mjs';
import { compileServer } from './lib/compile.mjs';
import { renderMarkdown } from './lib/report-markdown.mjs';
import { renderSvg } from './lib/report-svg.mjs';
import { ceiling, coldStarts, drain, endToEnd, intake, rawCeilings } from './lib/sections.mjs';
import { MODES } from './lib/settings.mjs';
import { startSqsEmulator } from './lib/sqs-emulator.mjs';
import { evaluateTargets } from './lib/targets.mjs';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'out-dir': { type: 'string', default: join(REPO_ROOT, 'bench/results') },
    'no-fsync': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const mode = args.smoke ? 'smoke' : 'full';
const settings = { ...MODES[mode], durableDatabase: !args['no-fsync'] };
const startedAtMs = Date.now();
const log = (line) => {
  if (!args.quiet || !line.startsWith('  [')) {
    process.stdout.write(
      `[bench ${((Date.now() - startedAtMs) / 1000).toFixed(0).padStart(3)} s] ${line}\n`,
    );
  }
};

const workDir = join(REPO_ROOT, 'tmp', `bench-${process.pid}`);
const cleanups = [];

async function main() {
  const startedAt = new Date(startedAtMs).toISOString();
  log(
    `${mode} run: ${settings.phaseSeconds} s per phase, ${settings.connections} connections, work dir ${workDir}`,
  );
  const noopEntry = await compileServer(
    join(REPO_ROOT, 'bench/src/servers/noop.server.ts'),
    join(workDir, 'servers'),
  );
  const sqs = await startSqsEmulator();
  cleanups.push(() => sqs.stop());
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
  const ctx = { settings, sqs, database, log };
  const sections = {};

  log('(7) cold start and idle RSS');
  sections.coldStart = await coldStarts({ ctx, noopEntry });
  log('(1) ceiling: bare Nest-Fastify no-op POST');
  sections.ceiling = await ceiling({ ctx, noopEntry });
  log('(2)-(4) gateway and coupled baseline, database healthy / degraded / down');
  sections.intake = await intake({ ctx });
  log('(5) processor: raw ceilings');
  const ceilings = await rawCeilings({ ctx });
  log('(5) processor: backlog drain');
  const one = await drain({ ctx, replicas: 1 });
  const two = await drain({ ctx, replicas: 2 });
  // Half of the gateway's measured maximum, with the fewest replicas that drain faster than that.
  const rate = Math.max(Math.round(sections.intake.gateway.healthy.okPerSecond / 2), 1);
  const replicas = one.ordersPerSecond >= rate * 1.2 ? 1 : 2;
  log(`(5)+(6) whole pipeline at ${rate} orders/s with ${replicas} processor replica(s)`);
  const e2e = await endToEnd({ ctx, ratePerSecond: rate, replicas });
  sections.processor = { ceilings, drain: { one, two }, endToEnd: e2e };
  const intakeSqs = sections.intake.gateway.healthy.sqs;
  sections.sqsRequests = {
    endToEnd: e2e.sqs,
    intakeAtMax: intakeSqs,
    backlogDrain: one.sqs,
    saturated: {
      sendPerOrder: intakeSqs.perOrder,
      consumePerOrder: one.sqs.perOrder,
      perOrder: Number((intakeSqs.perOrder + one.sqs.perOrder).toFixed(3)),
    },
  };

  const finishedAtMs = Date.now();
  const results = {
    schemaVersion: 1,
    mode,
    startedAt,
    finishedAt: new Date(finishedAtMs).toISOString(),
    totalSeconds: Math.round((finishedAtMs - startedAtMs) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    settings,
    sections,
  };
  results.targets = evaluateTargets(sections);

  await mkdir(args['out-dir'], { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const base = join(args['out-dir'], `${stamp}${mode === 'smoke' ? '-smoke' : ''}`);
  await writeFile(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${base}.md`, renderMarkdown(results));
  await writeFile(`${base}.svg`, renderSvg(results));

  log('targets:');
  for (const target of results.targets) {
    log(
      `  ${target.met ? 'met   ' : 'MISSED'} ${target.target}: ${target.ratio}× (limit ${target.limit}; ${target.absolute})`,
    );
  }
  log(`wrote ${base}.json, .md and .svg`);
}

async function cleanup() {
  for (const step of cleanups.reverse()) {
    await step().catch((error) => log(`cleanup: ${error.message}`));
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
