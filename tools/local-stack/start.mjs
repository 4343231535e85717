// `npm start`: the whole pipeline on one laptop, no Docker, no cloud account.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalPostgres } from '../../libs/testing/src/stack/local-postgres.mjs';
import { startLocalSqs } from '../../libs/testing/src/stack/local-sqs.mjs';
import { REPO_ROOT, sha256Hex, startStack } from '../../libs/testing/src/stack/stack.mjs';

const env = process.env;
const port = (name, fallback) => Number(env[name] ?? fallback);
const ports = {
  gateway: port('GATEWAY_PORT', 3000),
  processor: port('PROCESSOR_PORT', 3001),
  sidecar: port('DLQ_SIDECAR_PORT', 3002),
};
const dataDir = resolve(REPO_ROOT, env.LOCAL_DATA_DIR ?? '.local');
const colours = { stack: 35, gateway: 36, processor: 33, 'dlq-sidecar': 31, migrate: 32 };
const log = (name, line) =>
  process.stdout.write(`\x1b[${colours[name] ?? 37}m${name.padEnd(11)}\x1b[0m ${line}\n`);
// Local only: a fixed, printed key so `Authorization: Bearer` can be tried; requests without a key also pass.
const DEV_API_KEY = env.LOCAL_DEV_API_KEY ?? 'local-dev-key';

const LOCK_FILE = join(dataDir, 'stack.pid');
const externalSqs = env.ORDERS_QUEUE_URL && env.ORDERS_DLQ_URL;

let stack;
let stopping = false;
let consoleLink;
const services = [];

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function pidIn(file) {
  const pid = existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : NaN;
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    const answer = (inUse) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.once('connect', () => answer(true));
    // Something accepted the connection but is not answering: still not ours to take.
    socket.once('timeout', () => answer(true));
    socket.once('error', () => answer(false));
  });
}

/** One clear line instead of a restart loop when something already holds the stack's ports. */
async function preflight() {
  const running = pidIn(LOCK_FILE);
  if (running && running !== process.pid && alive(running)) {
    throw new Error(
      `npm start is already running (pid ${running}): stop it first (Ctrl-C in its terminal, or kill ${running})`,
    );
  }
  // The apps die with a launcher that was killed hard; its PostgreSQL does not. Stop that one.
  const postmaster = pidIn(join(dataDir, 'postgres', 'postmaster.pid'));
  if (!env.DATABASE_URL && postmaster && alive(postmaster)) {
    log(
      'stack',
      `stopping PostgreSQL (pid ${postmaster}) left over from a launcher that was killed`,
    );
    process.kill(postmaster, 'SIGINT');
    for (let waited = 0; alive(postmaster) && waited < 15_000; waited += 100) {
      await sleep(100);
    }
  }
  const wanted = [
    ['gateway', ports.gateway, 'GATEWAY_PORT'],
    ['processor', ports.processor, 'PROCESSOR_PORT'],
    ['dlq-sidecar', ports.sidecar, 'DLQ_SIDECAR_PORT'],
    ...(externalSqs ? [] : [['local SQS', port('LOCAL_SQS_PORT', 4566), 'LOCAL_SQS_PORT']]),
    ...(env.DATABASE_URL
      ? []
      : [['local PostgreSQL', port('LOCAL_POSTGRES_PORT', 5433), 'LOCAL_POSTGRES_PORT']]),
  ];
  const busy = [];
  for (const [name, number, variable] of wanted) {
    if (await listening(number)) {
      busy.push(`${number} (${name}, ${variable})`);
    }
  }
  if (busy.length > 0) {
    throw new Error(
      `port ${busy.join(', ')} already in use: another stack or program holds it; stop it or set the variable to a free port`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(LOCK_FILE, `${process.pid}\n`);
  services.push(async () => rmSync(LOCK_FILE, { force: true }));
}

async function main() {
  try {
    await preflight();
  } catch (error) {
    log('stack', `cannot start: ${error.message}`);
    process.exit(1);
  }
  // Real services win: with ORDERS_QUEUE_URL/ORDERS_DLQ_URL (and SQS_ENDPOINT) or DATABASE_URL set, those are used.
  const sqs = externalSqs
    ? {
        endpoint: env.SQS_ENDPOINT,
        region: env.AWS_REGION ?? 'us-east-1',
        ordersQueueUrl: env.ORDERS_QUEUE_URL,
        ordersDlqUrl: env.ORDERS_DLQ_URL,
        stop: () => Promise.resolve(),
      }
    : await startLocalSqs({
        port: port('LOCAL_SQS_PORT', 4566),
        region: env.AWS_REGION ?? 'us-east-1',
        maxReceiveCount: port('LOCAL_MAX_RECEIVE_COUNT', 5),
      });
  services.push(() => sqs.stop());
  log(
    'stack',
    externalSqs
      ? `queues from the environment: ${sqs.ordersQueueUrl}`
      : `local SQS (fauxqs, in memory) on ${sqs.endpoint}`,
  );
  const postgres = env.DATABASE_URL
    ? { url: env.DATABASE_URL, stop: () => Promise.resolve() }
    : await startLocalPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: port('LOCAL_POSTGRES_PORT', 5433),
        durable: true,
      });
  services.push(() => postgres.stop());
  log(
    'stack',
    env.DATABASE_URL
      ? 'database from DATABASE_URL'
      : `local PostgreSQL on 127.0.0.1:${postgres.port} (data kept in ${join(dataDir, 'postgres')})`,
  );

  const apps = ['gateway', 'processor'];
  if (existsSync(join(REPO_ROOT, 'dist/apps/dlq-sidecar/main.js'))) {
    apps.push('dlq-sidecar');
  }
  stack = await startStack({
    apps,
    sqs: { ...sqs, stop: undefined },
    postgres,
    ports,
    restart: true,
    waitReady: false,
    log: (name, line) => {
      log(name, line);
      // The console's one-time sign-in link (a new one whenever the sidecar starts), as Jupyter prints it.
      consoleLink = /"consoleSignInUrl":"([^"]+)"/.exec(line)?.[1] ?? consoleLink;
      if (line.includes('"consoleSignInUrl"')) {
        log('stack', `console      ${consoleLink}   (open it to sign in; it works once)`);
      }
    },
    env: {
      ...Object.fromEntries(Object.entries(env).filter(([key]) => !['PORT'].includes(key))),
      HOST: env.HOST ?? '127.0.0.1',
      LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      ...(sqs.endpoint ? { SQS_ENDPOINT: sqs.endpoint } : {}),
      AUTH_REQUIRED: env.AUTH_REQUIRED ?? 'false',
      CONSOLE_SIGN_IN: env.CONSOLE_SIGN_IN ?? 'local-token',
      API_KEYS: env.API_KEYS ?? `local-dev:${sha256Hex(DEV_API_KEY)}`,
      // As the image runs them: V8 keeps the compiled modules, so the next start skips compiling.
      NODE_COMPILE_CACHE: env.NODE_COMPILE_CACHE ?? join(dataDir, 'compile-cache'),
    },
    appEnv: { processor: { SQS_WAIT_TIME_SECONDS: env.SQS_WAIT_TIME_SECONDS ?? '5' } },
  });
  await stack.ready(60_000).catch((error) => log('stack', `not ready yet: ${error.message}`));

  const base = stack.urls.gateway;
  log('stack', '');
  log(
    'stack',
    `gateway      ${base}   POST /orders, GET /orders/:id, /docs, /metrics, /health/ready`,
  );
  log('stack', `processor    ${stack.urls.processor}   /health/ready, /metrics`);
  if (stack.urls['dlq-sidecar']) {
    log(
      'stack',
      `dlq-sidecar  ${stack.urls['dlq-sidecar']}   /health/ready, /metrics   (CLI: npm run dlq -- list)`,
    );
  }
  if (consoleLink) {
    log('stack', `console      ${consoleLink}   (open it to sign in; it works once)`);
  }
  log(
    'stack',
    `dev API key  ${DEV_API_KEY}   (Authorization: Bearer ${DEV_API_KEY}; without a key you are "anonymous")`,
  );
  log(
    'stack',
    `try: curl -i -X POST ${base}/orders -H 'content-type: application/json' -d '{"customerId":"c-1","currency":"USD","items":[{"sku":"SKU-1","quantity":2,"unitPriceCents":1999}]}'`,
  );
  log('stack', 'Ctrl-C stops everything.');
}

async function shutdown(signal, exitCode = 0) {
  if (stopping) {
    return;
  }
  stopping = true;
  log('stack', `${signal}: stopping the apps (they drain), then PostgreSQL and SQS`);
  await stack?.stop().catch((error) => log('stack', `stop failed: ${error.message}`));
  for (const stop of services.reverse()) {
    await stop().catch((error) => log('stack', `stop failed: ${error.message}`));
  }
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

main().catch(async (error) => {
  log('stack', `failed to start: ${error.message}`);
  await shutdown('error', 1);
});
