// Where the gateway's CPU goes: runs it under `node --cpu-prof` with the bench's load, then ranks
// self time by origin (package) and by function. `npx nx run bench:profile` (about 40 s).
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_API_KEY, gatewayApp, REPO_ROOT } from './lib/bench-stack.mjs';
import { summariseCpuProfile } from './lib/cpu-profile.mjs';
import { runLoad } from './lib/load.mjs';
import { SAMPLE_ORDER_JSON } from './lib/orders.mjs';
import { startSqsEmulator } from './lib/sqs-emulator.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '100' },
    top: { type: 'string', default: '30' },
  },
});
const log = (line) => process.stdout.write(`[profile] ${line}\n`);

const profileDir = join(REPO_ROOT, 'tmp', 'bench-profile');
await rm(profileDir, { recursive: true, force: true });
await mkdir(profileDir, { recursive: true });
const sqs = await startSqsEmulator();
try {
  const queue = await sqs.createQueuePair('profile');
  // The gateway reads the database only for GET /orders/:id, so no database is needed here.
  const gateway = gatewayApp({
    sqs,
    queue,
    databaseUrl: 'postgres://bench:bench@127.0.0.1:1/bench',
    log,
  });
  gateway.execArgv = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  await gateway.start();
  const load = (label, seconds) =>
    runLoad({
      label,
      url: `${gateway.url}/orders`,
      body: SAMPLE_ORDER_JSON,
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
      connections: Number(args.connections),
      durationSeconds: seconds,
      timeoutSeconds: 5,
      serverPid: gateway.pid,
      watch: { sqsEmulator: sqs.pid },
      log,
    });
  await load('warm-up', 3);
  const result = await load('profiled', Number(args.seconds));
  await gateway.stop();
  const files = (await readdir(profileDir)).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length === 0) {
    throw new Error('the gateway wrote no .cpuprofile (did it exit through a signal?)');
  }
  const summary = await summariseCpuProfile(join(profileDir, files[0]), { top: Number(args.top) });
  log(
    `${result.okPerSecond} orders/s, ${result.cpu.serverMsPerOk} ms gateway CPU per order (profiler on: slower than in the bench)`,
  );
  log(
    `busy ${summary.busyMs} ms, idle ${summary.idleMs} ms (whole process lifetime, start-up included)`,
  );
  log('self time by origin:');
  for (const entry of summary.byOrigin) {
    log(
      `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`,
    );
  }
  log('self time by function:');
  for (const entry of summary.byFunction) {
    log(
      `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`,
    );
  }
  const out = join(profileDir, 'summary.json');
  await writeFile(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), load: result, ...summary }, null, 2)}\n`,
  );
  log('inclusive time (function and all it calls), packages and app only:');
  for (const entry of summary.inclusive) {
    log(
      `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`,
    );
  }
  log('native / node-internal self time by nearest JavaScript caller:');
  for (const entry of summary.nativeByCaller) {
    log(
      `  ${(entry.share * 100).toFixed(1).padStart(5)} %  ${String(entry.ms).padStart(6)} ms  ${entry.name}`,
    );
  }
  log(`summary written to ${out}; raw profile kept in ${profileDir} (open it in Chrome DevTools)`);
} finally {
  await sqs.stop();
}
