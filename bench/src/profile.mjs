// Where the CPU goes: runs one app under `node --cpu-prof` with the bench's load, then ranks self
// and inclusive time by origin (package) and by function. `npx nx run bench:profile -- --target X`:
//   gateway    POST /orders at full load (about 25 s)
//   peer       the SQS peer under the same load
//   processor  one replica draining a backlog
//   startup    gateway and processor from spawn to ready (what cold start pays for)
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_API_KEY,
  gatewayApp,
  peerApp,
  processorApp,
  REPO_ROOT,
  startDatabase,
  tracingEnv,
} from './lib/bench-stack.mjs';
import { summariseCpuProfile } from './lib/cpu-profile.mjs';
import { runLoad } from './lib/load.mjs';
import { startOtlpSink } from './lib/otlp-sink.mjs';
import { acceptedOrderMessage, SAMPLE_ORDER_JSON } from './lib/orders.mjs';
import { countStored, waitFor } from './lib/pipeline-stats.mjs';
import { startSqsEmulator } from './lib/sqs-emulator.mjs';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'gateway' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '100' },
    backlog: { type: 'string', default: '30000' },
    top: { type: 'string', default: '30' },
    // off: OpenTelemetry disabled (as the bench's untraced rows); default: as shipped, trace ids
    // propagate and nothing is exported; sampled: exporting at the default 10 % to a local sink.
    tracing: { type: 'string', default: 'off' },
  },
});
const TARGETS = ['gateway', 'peer', 'processor', 'startup'];
if (!TARGETS.includes(args.target)) {
  process.stderr.write(`--target must be one of ${TARGETS.join(', ')}, not "${args.target}"\n`);
  process.exit(2);
}
const log = (line) => process.stdout.write(`[profile ${args.target}] ${line}\n`);
const profileDir = join(REPO_ROOT, 'tmp', `bench-profile-${args.target}`);
const workDir = join(REPO_ROOT, 'tmp', `bench-profile-${process.pid}`);
await rm(profileDir, { recursive: true, force: true });
await mkdir(profileDir, { recursive: true });
const profiledNames = [];
const profiled = (app, name) => {
  profiledNames.push(name);
  app.execArgv = [...app.execArgv, '--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`];
  return app;
};
if (!['off', 'default', 'sampled'].includes(args.tracing)) {
  process.stderr.write(`--tracing must be off, default or sampled, not "${args.tracing}"\n`);
  process.exit(2);
}
const otlp = args.tracing === 'sampled' ? await startOtlpSink() : undefined;
const tracingVariables =
  args.tracing === 'default'
    ? {}
    : args.tracing === 'sampled'
      ? tracingEnv('sampled', otlp.url)
      : tracingEnv(false);

const sqs = await startSqsEmulator();
let database;
const notes = {};
// Per profiled app: how much of the profile's beginning is start-up and warm-up, not load.
const skipFirstMs = {};
try {
  const queue = await sqs.createQueuePair('profile');
  if (args.target === 'gateway' || args.target === 'peer') {
    // The gateway reads the database only for GET /orders/:id, so no database is needed here.
    const app = profiled(
      args.target === 'gateway'
        ? gatewayApp({
            sqs,
            queue,
            databaseUrl: 'postgres://bench:bench@127.0.0.1:1/bench',
            log,
            env: tracingVariables,
          })
        : peerApp({ sqs, queue, log }),
      args.target,
    );
    const readyMs = await app.start();
    const load = (label, seconds) =>
      runLoad({
        label,
        url: `${app.url}/orders`,
        body: SAMPLE_ORDER_JSON,
        headers: { authorization: `Bearer ${BENCH_API_KEY}` },
        connections: Number(args.connections),
        durationSeconds: seconds,
        timeoutSeconds: 5,
        serverPid: app.pid,
        watch: { sqsEmulator: sqs.pid },
        log,
      });
    const warmupStartedMs = performance.now();
    await load('warm-up', 5);
    skipFirstMs[args.target] = readyMs + (performance.now() - warmupStartedMs);
    const result = await load('profiled', Number(args.seconds));
    await app.stop();
    notes.load = `${result.okPerSecond} orders/s, ${result.cpu.serverMsPerOk} ms CPU per order (profiler on: slower than in the bench)`;
  } else {
    database = await startDatabase({ workDir, durable: true, log: () => undefined });
    if (args.target === 'processor') {
      const backlog = Number(args.backlog);
      await sqs.fill(queue.queueUrl, backlog, acceptedOrderMessage);
      const app = profiled(
        processorApp({ sqs, queue, databaseUrl: database.url, log, env: tracingVariables }),
        'processor',
      );
      const startedAt = performance.now();
      skipFirstMs.processor = await app.start();
      await waitFor(async () => (await countStored(database.pool)) >= backlog, 180_000, 250);
      const seconds = (performance.now() - startedAt) / 1000;
      await app.stop();
      notes.load = `${backlog} orders drained in ${seconds.toFixed(1)} s from spawn (profiler on)`;
    } else {
      for (const [name, make] of [
        [
          'gateway',
          () => gatewayApp({ sqs, queue, databaseUrl: database.url, log, env: tracingVariables }),
        ],
        [
          'processor',
          () => processorApp({ sqs, queue, databaseUrl: database.url, log, env: tracingVariables }),
        ],
      ]) {
        const app = profiled(make(), name);
        notes[name] = `ready in ${Math.round(await app.start())} ms (profiler on)`;
        await app.stop();
      }
    }
  }

  const summaries = {};
  for (const name of profiledNames) {
    const files = (await readdir(join(profileDir, name)).catch(() => [])).filter((file) =>
      file.endsWith('.cpuprofile'),
    );
    if (files.length === 0) {
      throw new Error(`${name} wrote no .cpuprofile (did it exit through a signal?)`);
    }
    summaries[name] = await summariseCpuProfile(join(profileDir, name, files[0]), {
      top: Number(args.top),
      skipFirstMs: skipFirstMs[name] ?? 0,
    });
  }
  for (const [key, note] of Object.entries(notes)) {
    log(`${key}: ${note}`);
  }
  for (const [name, summary] of Object.entries(summaries)) {
    log(
      `${name}: busy ${summary.busyMs} ms, idle ${summary.idleMs} ms (${skipFirstMs[name] ? `after the first ${Math.round(skipFirstMs[name])} ms of start-up and warm-up` : 'whole process lifetime'})`,
    );
    for (const [title, list] of [
      ['self time by origin', summary.byOrigin],
      ['time by outermost package on the stack (with all it calls)', summary.byPackageEntered],
      ['self time by function', summary.byFunction],
      ['inclusive time (function and all it calls), packages and app only', summary.inclusive],
      ['native / node-internal self time by nearest JavaScript caller', summary.nativeByCaller],
      [
        `tracing's own time: nearest JavaScript frame in OpenTelemetry or a tracing helper (${(summary.tracingShare * 100).toFixed(2)} % in all)`,
        summary.tracing,
      ],
    ]) {
      log(`${name}: ${title}:`);
      for (const entry of list) {
        log(
          `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`,
        );
      }
    }
  }
  const out = join(profileDir, 'summary.json');
  await writeFile(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), target: args.target, notes, summaries }, null, 2)}\n`,
  );
  log(
    `summary written to ${out}; raw profiles kept in ${profileDir} (open them in Chrome DevTools)`,
  );
} finally {
  await otlp?.stop();
  await sqs.stop();
  if (database) {
    await database.pool.end().catch(() => undefined);
    await database.destroy().catch(() => undefined);
  }
  await rm(workDir, { recursive: true, force: true });
}
