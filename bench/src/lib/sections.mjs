import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { baselineApp, BENCH_API_KEY, gatewayApp, noopApp, processorApp } from './bench-stack.mjs';
import { runLoad, waitForQuietMachine } from './load.mjs';
import { acceptedOrderMessage, SAMPLE_ORDER_JSON } from './orders.mjs';
import { cpuSeconds, machineTicks, postgresCpuSeconds, rssMiB } from './proc-stats.mjs';

const round = (value, digits = 2) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)];
};
// The SQS calls an order's trip costs (billed per request); probes and admin calls are listed apart.
export const ORDER_PATH_ACTIONS = [
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
];

function countsDelta(before, after) {
  const delta = {};
  for (const [action, count] of Object.entries(after)) {
    const difference = count - (before[action] ?? 0);
    if (difference > 0) {
      delta[action] = difference;
    }
  }
  return delta;
}

function requestsPer(delta, orders) {
  const orderPath = ORDER_PATH_ACTIONS.reduce((sum, action) => sum + (delta[action] ?? 0), 0);
  return {
    orders,
    orderPathRequests: orderPath,
    perOrder: orders > 0 ? round(orderPath / orders, 3) : null,
    byAction: delta,
  };
}

async function storedStats(pool) {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS stored,
            extract(epoch FROM max(stored_at) - min(stored_at)) AS span_seconds,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)) * 1000 AS p50_ms,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM stored_at - accepted_at)) * 1000 AS p99_ms,
            max(extract(epoch FROM stored_at - accepted_at)) * 1000 AS max_ms
       FROM orders`,
  );
  const row = rows[0];
  return {
    stored: row.stored,
    spanSeconds: Number(row.span_seconds ?? 0),
    p50Ms: round(Number(row.p50_ms), 1),
    p99Ms: round(Number(row.p99_ms), 1),
    maxMs: round(Number(row.max_ms), 1),
  };
}

async function countStored(pool) {
  const { rows } = await pool.query('SELECT count(*)::int AS stored FROM orders');
  return rows[0].stored;
}

async function waitFor(check, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await sleep(intervalMs);
  }
  return false;
}

/** (7) Spawn → first 200 on the readiness route, then idle RSS after a second of rest; median of repeats. */
export async function coldStarts({ ctx, noopEntry }) {
  const { settings, sqs, database, log } = ctx;
  const queue = await sqs.createQueuePair('coldstart');
  const makers = {
    nestNoop: () => noopApp({ entry: noopEntry, log }),
    gateway: () => gatewayApp({ sqs, queue, databaseUrl: database.url, log }),
    processor: () => processorApp({ sqs, queue, databaseUrl: database.url, log }),
  };
  const results = {};
  for (const [name, make] of Object.entries(makers)) {
    const starts = [];
    const rss = [];
    for (let repeat = 0; repeat < settings.coldStartRepeats; repeat++) {
      const app = make();
      starts.push(await app.start());
      await sleep(1000);
      rss.push(rssMiB(app.pid));
      await app.stop();
    }
    results[name] = {
      coldStartMs: round(median(starts), 0),
      idleRssMiB: round(median(rss), 1),
      samplesMs: starts.map((value) => round(value, 0)),
      samplesRssMiB: rss.map((value) => round(value, 1)),
    };
    log(
      `  ${name.padEnd(10)} ready in ${results[name].coldStartMs} ms, idle RSS ${results[name].idleRssMiB} MiB`,
    );
  }
  const ready =
    '/health/ready answers 200 (gateway: SQS reachable; processor: pollers and database)';
  return { ...results, readiness: ready };
}

/** (1) The ceiling: bare Nest + Fastify, no-op POST, same body and connections as the gateway. */
export async function ceiling({ ctx, noopEntry }) {
  const { settings, log } = ctx;
  const app = noopApp({ entry: noopEntry, log });
  await app.start();
  try {
    const url = `${app.url}/orders`;
    const load = (label, durationSeconds) =>
      runLoad({
        label,
        url,
        body: SAMPLE_ORDER_JSON,
        connections: settings.connections,
        durationSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        quietWaitSeconds: settings.quietWaitSeconds,
        serverPid: app.pid,
        log,
      });
    await load('nest-noop warm-up', settings.warmupSeconds);
    return await load('nest-noop', settings.phaseSeconds);
  } finally {
    await app.stop();
  }
}

/** Holds ACCESS EXCLUSIVE on orders for lockMs of every periodMs: writers queue behind it (lock waits). */
function startLockPulses(pool, lockMs, periodMs) {
  let running = true;
  let heldMs = 0;
  const startedAt = Date.now();
  const done = (async () => {
    const client = await pool.connect();
    try {
      while (running) {
        await client.query('BEGIN');
        const lockedAt = Date.now();
        await client.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
        await sleep(lockMs);
        await client.query('COMMIT');
        heldMs += Date.now() - lockedAt;
        await sleep(periodMs - lockMs);
      }
    } finally {
      client.release();
    }
  })();
  return async () => {
    running = false;
    await done;
    return round(heldMs / (Date.now() - startedAt), 2);
  };
}

/**
 * (2)–(4) The gateway and the coupled baseline, side by side, with the database healthy, degraded
 * (lock waits) and down (server stopped). The processor is not running here: the intake alone is measured.
 */
export async function intake({ ctx }) {
  const { settings, sqs, database, log } = ctx;
  const queue = await sqs.createQueuePair('intake');
  const gateway = gatewayApp({ sqs, queue, databaseUrl: database.url, log });
  const baseline = baselineApp({ databaseUrl: database.url, log });
  await Promise.all([gateway.start(), baseline.start()]);
  const results = { gateway: {}, baseline: {}, queueUrl: queue.queueUrl };
  try {
    const loadGateway = async (label, durationSeconds) => {
      const before = await sqs.counts();
      const result = await runLoad({
        label,
        url: `${gateway.url}/orders`,
        body: SAMPLE_ORDER_JSON,
        headers: { authorization: `Bearer ${BENCH_API_KEY}` },
        connections: settings.connections,
        durationSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        quietWaitSeconds: settings.quietWaitSeconds,
        serverPid: gateway.pid,
        watch: { sqsEmulator: sqs.pid },
        postgresDataDir: database.dataDir,
        log,
      });
      result.sqs = requestsPer(countsDelta(before, await sqs.counts()), result.ok);
      // Keep the emulator's queue small between phases; its cost is not the gateway's.
      await sqs.client.send(new PurgeQueueCommand({ QueueUrl: queue.queueUrl }));
      return result;
    };
    const loadBaseline = (label, durationSeconds) =>
      runLoad({
        label,
        url: `${baseline.url}/orders`,
        body: SAMPLE_ORDER_JSON,
        connections: settings.connections,
        durationSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        quietWaitSeconds: settings.quietWaitSeconds,
        serverPid: baseline.pid,
        postgresDataDir: database.dataDir,
        log,
      });

    log('database healthy');
    await loadGateway('gateway warm-up', settings.warmupSeconds);
    await loadBaseline('coupled warm-up', settings.warmupSeconds);
    results.gateway.healthy = await loadGateway('gateway / db healthy', settings.phaseSeconds);
    results.baseline.healthy = await loadBaseline('coupled / db healthy', settings.phaseSeconds);

    log(
      `database degraded: orders locked ${settings.degradedLockMs} ms of every ${settings.degradedPeriodMs} ms`,
    );
    for (const [app, load] of [
      ['gateway', loadGateway],
      ['baseline', loadBaseline],
    ]) {
      const stopLocks = startLockPulses(
        database.pool,
        settings.degradedLockMs,
        settings.degradedPeriodMs,
      );
      const result = await load(
        `${app === 'gateway' ? 'gateway' : 'coupled'} / db degraded`,
        settings.phaseSeconds,
      );
      result.lockHeldFraction = await stopLocks();
      results[app].degraded = result;
    }

    log('database down: PostgreSQL stopped');
    await database.stop();
    try {
      results.gateway.down = await loadGateway('gateway / db down', settings.phaseSeconds);
      results.baseline.down = await loadBaseline('coupled / db down', settings.phaseSeconds);
    } finally {
      await database.start();
      log('database started again');
    }
    results.gateway.idleRssMiBAfter = round(rssMiB(gateway.pid), 1);
  } finally {
    await Promise.all([gateway.stop(), baseline.stop()]);
  }
  await database.pool.query('TRUNCATE orders CASCADE');
  return results;
}

/** (5a) Raw ceilings in this run: receive+delete on the same emulator, 100-row INSERTs into the same database. */
export async function rawCeilings({ ctx }) {
  const { settings, sqs, database, log } = ctx;
  const queue = await sqs.createQueuePair('ceiling');
  await sqs.fill(queue.queueUrl, settings.backlogOrders, acceptedOrderMessage);
  await waitForQuietMachine(settings.quietWaitSeconds, 'raw ceilings', log);
  const emulatorBefore = cpuSeconds(sqs.pid);
  let startedAt = performance.now();
  const received = await sqs.receiveDeleteLoop(queue.queueUrl, settings.backlogOrders, 4);
  const receiveSeconds = (performance.now() - startedAt) / 1000;
  const receiveDelete = {
    messages: received,
    seconds: round(receiveSeconds, 2),
    messagesPerSecond: round(received / receiveSeconds, 0),
    concurrency: 4,
    emulatorCpuMsPerMessage: round(((cpuSeconds(sqs.pid) - emulatorBefore) * 1000) / received, 4),
  };
  log(`  receive+delete loop      ${receiveDelete.messagesPerSecond} msg/s`);

  // 100-row INSERTs of order rows, 2 connections (one per core), each statement its own commit.
  const rowsPerStatement = 100;
  const statements = Math.ceil(settings.insertCeilingRows / rowsPerStatement);
  let next = 0;
  const columns = 6;
  const sql = `INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at, correlation_id) VALUES ${Array.from(
    { length: rowsPerStatement },
    (_, row) =>
      `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`,
  ).join(', ')}`;
  const worker = async () => {
    const client = await database.pool.connect();
    try {
      while (next < statements) {
        next++;
        const values = [];
        for (let row = 0; row < rowsPerStatement; row++) {
          values.push(crypto.randomUUID(), 'customer-42', 'EUR', 9248, new Date(), null);
        }
        await client.query(sql, values);
      }
    } finally {
      client.release();
    }
  };
  const postgresBefore = postgresCpuSeconds(database.dataDir);
  startedAt = performance.now();
  await Promise.all([worker(), worker()]);
  const insertSeconds = (performance.now() - startedAt) / 1000;
  const rows = statements * rowsPerStatement;
  const insert = {
    rows,
    seconds: round(insertSeconds, 2),
    rowsPerSecond: round(rows / insertSeconds, 0),
    rowsPerStatement,
    concurrency: 2,
    postgresCpuMsPerRow: round(
      ((postgresCpuSeconds(database.dataDir) - postgresBefore) * 1000) / rows,
      4,
    ),
  };
  log(`  100-row INSERT           ${insert.rowsPerSecond} rows/s`);
  await database.pool.query('TRUNCATE orders CASCADE');
  const smaller = Math.min(receiveDelete.messagesPerSecond, insert.rowsPerSecond);
  return {
    receiveDelete,
    insert,
    smallerPerSecond: smaller,
    smallerIs: smaller === receiveDelete.messagesPerSecond ? 'receive+delete' : 'insert',
  };
}

/** (5b) Drain a pre-filled backlog with `replicas` processors; rate from the database's own stored_at clock. */
export async function drain({ ctx, replicas }) {
  const { settings, sqs, database, log } = ctx;
  const total = settings.backlogOrders;
  const queue = await sqs.createQueuePair(`drain-${replicas}`);
  await database.pool.query('TRUNCATE orders CASCADE');
  await sqs.fill(queue.queueUrl, total, acceptedOrderMessage);
  await waitForQuietMachine(settings.quietWaitSeconds, `drain x${replicas}`, log);
  const machineBefore = machineTicks();
  const countsBefore = await sqs.counts();
  const emulatorBefore = cpuSeconds(sqs.pid);
  const postgresBefore = postgresCpuSeconds(database.dataDir);
  const processors = Array.from({ length: replicas }, (_, index) =>
    processorApp({ sqs, queue, databaseUrl: database.url, log, index }),
  );
  const spawnedAt = performance.now();
  let storedAtReady = 0;
  let cpuAtReady = 0;
  try {
    await Promise.all(processors.map((processor) => processor.start()));
    storedAtReady = await countStored(database.pool);
    cpuAtReady = processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0);
    let lastLog = Date.now();
    const finished = await waitFor(async () => {
      const stored = await countStored(database.pool);
      if (Date.now() - lastLog >= 2000) {
        lastLog = Date.now();
        log(
          `  drain x${replicas}                 ${stored.toLocaleString('en-US')}/${total.toLocaleString('en-US')} stored`,
        );
      }
      return stored >= total && (await sqs.depth(queue.queueUrl)) === 0;
    }, 120_000);
    const wallSeconds = (performance.now() - spawnedAt) / 1000;
    const machineAfter = machineTicks();
    const cpuAfter = processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0);
    const stats = await storedStats(database.pool);
    const storedAfterReady = stats.stored - storedAtReady;
    const result = {
      replicas,
      backlog: total,
      finished,
      stored: stats.stored,
      // First to last commit, by PostgreSQL's clock: excludes process start-up.
      ordersPerSecond: round(stats.stored / Math.max(stats.spanSeconds, 0.001), 0),
      spanSeconds: round(stats.spanSeconds, 2),
      wallSecondsFromSpawn: round(wallSeconds, 2),
      processorCpuMsPerOrder:
        storedAfterReady > 0 ? round(((cpuAfter - cpuAtReady) * 1000) / storedAfterReady, 4) : null,
      emulatorCpuMsPerOrder: round(
        ((cpuSeconds(sqs.pid) - emulatorBefore) * 1000) / stats.stored,
        4,
      ),
      postgresCpuMsPerOrder: round(
        ((postgresCpuSeconds(database.dataDir) - postgresBefore) * 1000) / stats.stored,
        4,
      ),
      processorRssMiB: processors.map((processor) => round(rssMiB(processor.pid), 1)),
      machineBusy: round(
        (machineAfter.busy - machineBefore.busy) /
          (machineAfter.busy - machineBefore.busy + machineAfter.idle - machineBefore.idle),
        3,
      ),
    };
    result.sqs = requestsPer(countsDelta(countsBefore, await sqs.counts()), stats.stored);
    log(
      `  drain x${replicas}                 ${result.ordersPerSecond} orders/s (${result.stored} in ${result.spanSeconds} s)`,
    );
    return result;
  } finally {
    await Promise.all(processors.map((processor) => processor.stop()));
  }
}

/**
 * (5c) + (6) The whole pipeline at a steady rate: gateway and processors running, fixed request
 * rate, then wait until every accepted order is stored. End-to-end latency is stored_at − acceptedAt
 * per row; SQS requests are counted over the whole trip (send, receive, delete, visibility).
 */
export async function endToEnd({ ctx, ratePerSecond, replicas }) {
  const { settings, sqs, database, log } = ctx;
  const queue = await sqs.createQueuePair('e2e');
  await database.pool.query('TRUNCATE orders CASCADE');
  const gateway = gatewayApp({ sqs, queue, databaseUrl: database.url, log });
  const processors = Array.from({ length: replicas }, (_, index) =>
    processorApp({ sqs, queue, databaseUrl: database.url, log, index }),
  );
  try {
    await Promise.all([gateway.start(), ...processors.map((processor) => processor.start())]);
    const load = (label, durationSeconds) =>
      runLoad({
        label,
        url: `${gateway.url}/orders`,
        body: SAMPLE_ORDER_JSON,
        headers: { authorization: `Bearer ${BENCH_API_KEY}` },
        connections: settings.connections,
        durationSeconds,
        timeoutSeconds: settings.timeoutSeconds,
        quietWaitSeconds: settings.quietWaitSeconds,
        overallRate: ratePerSecond,
        serverPid: gateway.pid,
        watch: { sqsEmulator: sqs.pid },
        postgresDataDir: database.dataDir,
        log,
      });
    // Fresh processes: warm them up at the same rate, let that settle, then start from an empty table.
    const warmup = await load('pipeline warm-up', settings.warmupSeconds);
    await waitFor(async () => (await countStored(database.pool)) >= warmup.ok, 30_000);
    await database.pool.query('TRUNCATE orders CASCADE');
    const countsBefore = await sqs.counts();
    const processorCpuBefore = processors.reduce(
      (sum, processor) => sum + cpuSeconds(processor.pid),
      0,
    );
    const result = await load(`pipeline @ ${ratePerSecond}/s`, settings.endToEndSeconds);
    const allStored = await waitFor(
      async () => (await countStored(database.pool)) >= result.ok,
      60_000,
    );
    const processorCpu =
      processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0) -
      processorCpuBefore;
    const stats = await storedStats(database.pool);
    const sqsRequests = requestsPer(countsDelta(countsBefore, await sqs.counts()), stats.stored);
    return {
      replicas,
      targetRatePerSecond: ratePerSecond,
      gateway: result,
      accepted: result.ok,
      stored: stats.stored,
      allStored,
      latencyMs: { p50: stats.p50Ms, p99: stats.p99Ms, max: stats.maxMs },
      processorCpuMsPerOrder:
        stats.stored > 0 ? round((processorCpu * 1000) / stats.stored, 4) : null,
      sqs: sqsRequests,
    };
  } finally {
    await Promise.all([gateway.stop(), ...processors.map((processor) => processor.stop())]);
  }
}
