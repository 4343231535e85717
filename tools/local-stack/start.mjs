// `npm start`: the whole pipeline on one laptop, no Docker, no cloud account.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalPostgres } from '../../libs/testing/src/stack/local-postgres.mjs';
import { startLocalSqs } from '../../libs/testing/src/stack/local-sqs.mjs';
import { runOnce, Supervised } from './supervisor.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const port = (name, fallback) => Number(env[name] ?? fallback);
const ports = {
  sqs: port('LOCAL_SQS_PORT', 4566),
  postgres: port('LOCAL_POSTGRES_PORT', 5433),
  gateway: port('GATEWAY_PORT', 3000),
  processor: port('PROCESSOR_PORT', 3001),
  sidecar: port('DLQ_SIDECAR_PORT', 3002),
};
const dataDir = resolve(root, env.LOCAL_DATA_DIR ?? '.local');
const colours = { stack: 35, gateway: 36, processor: 33, 'dlq-sidecar': 31, migrate: 32 };
const log = (name, line) => process.stdout.write(`\x1b[${colours[name] ?? 37}m${name.padEnd(11)}\x1b[0m ${line}\n`);

const started = [];
let shuttingDown = false;

async function main() {
  for (const app of ['gateway', 'processor']) {
    if (!existsSync(join(root, 'dist/apps', app, 'main.js'))) {
      throw new Error(`dist/apps/${app}/main.js is missing: run "npm start" (it builds first) or "npx nx run-many -t build"`);
    }
  }

  // Real services win: SQS_ENDPOINT/ORDERS_QUEUE_URL and DATABASE_URL from the environment are used as they are.
  let queues;
  if (env.ORDERS_QUEUE_URL && env.ORDERS_DLQ_URL) {
    queues = { endpoint: env.SQS_ENDPOINT, ordersQueueUrl: env.ORDERS_QUEUE_URL, ordersDlqUrl: env.ORDERS_DLQ_URL, region: env.AWS_REGION ?? 'us-east-1' };
    log('stack', `using the queues from the environment: ${queues.ordersQueueUrl}`);
  } else {
    const sqs = await startLocalSqs({ port: ports.sqs, region: env.AWS_REGION ?? 'us-east-1', maxReceiveCount: port('LOCAL_MAX_RECEIVE_COUNT', 5) });
    started.push(() => sqs.stop());
    queues = sqs;
    log('stack', `local SQS (fauxqs, in memory) on ${sqs.endpoint}`);
  }

  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    log('stack', 'using DATABASE_URL from the environment');
  } else {
    const postgres = await startLocalPostgres({ dataDir: join(dataDir, 'postgres'), port: ports.postgres, durable: true });
    started.push(() => postgres.stop());
    databaseUrl = postgres.url;
    log('stack', `local PostgreSQL on 127.0.0.1:${postgres.port} (data in ${join(dataDir, 'postgres')})`);
  }

  const shared = {
    ...env,
    AWS_REGION: queues.region,
    ...(queues.endpoint ? { SQS_ENDPOINT: queues.endpoint } : {}),
    ORDERS_QUEUE_URL: queues.ordersQueueUrl,
    ORDERS_DLQ_URL: queues.ordersDlqUrl,
    DATABASE_URL: databaseUrl,
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
  };
  await runOnce('migrate', join(root, 'dist/apps/processor/migrate.js'), shared, log);

  const apps = [
    new Supervised('gateway', join(root, 'dist/apps/gateway/main.js'), { ...shared, PORT: String(ports.gateway) }, log),
    new Supervised('processor', join(root, 'dist/apps/processor/main.js'), { ...shared, PORT: String(ports.processor), SQS_WAIT_TIME_SECONDS: env.SQS_WAIT_TIME_SECONDS ?? '5' }, log),
  ];
  const sidecarEntry = join(root, 'dist/apps/dlq-sidecar/main.js');
  if (existsSync(sidecarEntry)) {
    apps.push(new Supervised('dlq-sidecar', sidecarEntry, { ...shared, PORT: String(ports.sidecar) }, log));
  }
  for (const app of apps) {
    app.start();
    started.unshift(() => app.stop());
  }

  log('stack', '');
  log('stack', `gateway      http://127.0.0.1:${ports.gateway}   (POST /orders, GET /orders/:id, /docs, /metrics, /health/ready)`);
  log('stack', `processor    http://127.0.0.1:${ports.processor}   (/health/ready, /metrics)`);
  if (apps.length > 2) {
    log('stack', `dlq-sidecar  http://127.0.0.1:${ports.sidecar}   (/health/ready, /metrics)`);
  }
  log('stack', `try: curl -i -X POST http://127.0.0.1:${ports.gateway}/orders -H 'content-type: application/json' -d '{"customerId":"c-1","currency":"USD","items":[{"sku":"SKU-1","quantity":2,"unitPriceCents":1999}]}'`);
  log('stack', 'Ctrl-C stops everything.');
}

async function shutdown(signal, exitCode = 0) {
  if (shuttingDown) {
    return;
  }
  shuttingDown = true;
  log('stack', `${signal}: stopping apps, then PostgreSQL and SQS`);
  // Apps first (they drain), then the services they drain into.
  for (const stop of started) {
    await stop().catch((error) => log('stack', `stop failed: ${error}`));
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

main().catch(async (error) => {
  log('stack', `failed to start: ${error.message}`);
  await shutdown('error', 1);
});
