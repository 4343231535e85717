import { processorApp } from '../bench-stack.mjs';
import { waitForQuietMachine } from '../load.mjs';
import { acceptedOrderMessage } from '../orders.mjs';
import {
  countsDelta,
  countStored,
  perSecond,
  requestsPer,
  storedPerSecond,
  storedStats,
  waitFor,
  windowedRate,
  windowedStoreRate,
} from '../pipeline-stats.mjs';
import { cpuSeconds, machineTicks, postgresCpuSeconds, rssMiB } from '../proc-stats.mjs';
import { round } from '../stats.mjs';

const RAW_CONCURRENCY = 4;
const ROWS_PER_STATEMENT = 100;

/**
 * (5) Rounds of: raw receive+delete loop, raw 100-row INSERTs, drain with 1 processor, drain with
 * 2 processors — each on a fresh backlog of the same size, so the drain ÷ ceiling ratio pairs
 * figures from the same round. Raw loop and INSERTs are warmed up once before the first round.
 */
export async function processorRounds({ ctx }) {
  const { settings, log, step } = ctx;
  step('processor', 'processor warm-up · raw receive+delete and INSERT');
  await receiveDelete(ctx, Math.min(settings.backlogOrders, 3000), false);
  await insertCeiling(ctx, Math.min(settings.insertCeilingRows, 5000));
  const rounds = [];
  for (let repetition = 1; repetition <= settings.rounds; repetition++) {
    await waitForQuietMachine(settings.quietWaitSeconds, `processor round ${repetition}`, log);
    const of = `${repetition}/${settings.rounds}`;
    step('processor', `processor round ${of} · raw receive+delete`);
    const receive = await receiveDelete(ctx, settings.backlogOrders, true);
    step('processor', `processor round ${of} · raw INSERT`);
    const insert = await insertCeiling(ctx, settings.insertCeilingRows);
    step('processor', `processor round ${of} · drain, 1 replica`);
    const one = await drain(ctx, 1);
    step('processor', `processor round ${of} · drain, 2 replicas`);
    const two = await drain(ctx, 2);
    const smaller = Math.min(receive.messagesPerSecond, insert.rowsPerSecond);
    rounds.push({
      round: repetition,
      receiveDelete: receive,
      insert,
      smallerPerSecond: smaller,
      smallerIs: smaller === receive.messagesPerSecond ? 'receive+delete' : 'insert',
      drain: { one, two },
    });
  }
  return { rounds };
}

/** The raw consume ceiling on the same emulator: ReceiveMessage(10) + DeleteMessageBatch, 4 in flight. */
async function receiveDelete({ sqs, timeline }, messages, record) {
  const queue = await sqs.createQueuePair('ceiling');
  await sqs.fill(queue.queueUrl, messages, acceptedOrderMessage);
  const emulatorBefore = cpuSeconds(sqs.pid);
  const clientBefore = process.cpuUsage();
  const startedAt = performance.now();
  const { received, batches } = await sqs.receiveDeleteLoop(
    queue.queueUrl,
    messages,
    RAW_CONCURRENCY,
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const client = process.cpuUsage(clientBefore);
  if (record) {
    for (const sample of perSecond(batches)) {
      timeline.record({ series: 'rawReceive', ...sample });
    }
  }
  return {
    messages: received,
    seconds: round(seconds, 2),
    messagesPerSecond: round(windowedRate(batches) ?? received / seconds, 0),
    wholeRunPerSecond: round(received / seconds, 0),
    concurrency: RAW_CONCURRENCY,
    emulatorCpuMsPerMessage: round(((cpuSeconds(sqs.pid) - emulatorBefore) * 1000) / received, 4),
    // The bench process is the raw loop's client (SDK calls, nothing else).
    clientCpuMsPerMessage: round((client.user + client.system) / 1000 / received, 4),
  };
}

/** The raw write ceiling: 100-row INSERTs of order rows, 2 connections (one per core), each its own commit. */
async function insertCeiling({ database }, rowCount) {
  const statements = Math.ceil(rowCount / ROWS_PER_STATEMENT);
  const columns = 6;
  const sql = `INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at, correlation_id) VALUES ${Array.from(
    { length: ROWS_PER_STATEMENT },
    (_, row) =>
      `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`,
  ).join(', ')}`;
  let next = 0;
  const worker = async () => {
    const client = await database.pool.connect();
    try {
      while (next < statements) {
        next++;
        const values = [];
        for (let row = 0; row < ROWS_PER_STATEMENT; row++) {
          values.push(crypto.randomUUID(), 'customer-42', 'EUR', 9248, new Date(), null);
        }
        await client.query(sql, values);
      }
    } finally {
      client.release();
    }
  };
  await database.pool.query('TRUNCATE orders CASCADE');
  const postgresBefore = postgresCpuSeconds(database.dataDir);
  const startedAt = performance.now();
  await Promise.all([worker(), worker()]);
  const seconds = (performance.now() - startedAt) / 1000;
  const rows = statements * ROWS_PER_STATEMENT;
  const result = {
    rows,
    seconds: round(seconds, 2),
    rowsPerSecond: round(rows / seconds, 0),
    rowsPerStatement: ROWS_PER_STATEMENT,
    concurrency: 2,
    postgresCpuMsPerRow: round(
      ((postgresCpuSeconds(database.dataDir) - postgresBefore) * 1000) / rows,
      4,
    ),
  };
  await database.pool.query('TRUNCATE orders CASCADE');
  return result;
}

/** Drain a pre-filled backlog with `replicas` fresh processors; rate from the database's own clock. */
async function drain(ctx, replicas) {
  const { settings, sqs, database, log, timeline, appEnv } = ctx;
  const total = settings.backlogOrders;
  const queue = await sqs.createQueuePair(`drain-${replicas}`);
  await database.pool.query('TRUNCATE orders CASCADE');
  await sqs.fill(queue.queueUrl, total, acceptedOrderMessage);
  const machineBefore = machineTicks();
  const countsBefore = await sqs.counts();
  const emulatorBefore = cpuSeconds(sqs.pid);
  const postgresBefore = postgresCpuSeconds(database.dataDir);
  const processors = Array.from({ length: replicas }, (_, index) =>
    processorApp({ sqs, queue, databaseUrl: database.url, log, index, env: appEnv }),
  );
  const spawnedAt = performance.now();
  try {
    await Promise.all(processors.map((processor) => processor.start()));
    const storedAtReady = await countStored(database.pool);
    const cpuAtReady = processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0);
    let lastLog = Date.now();
    const finished = await waitFor(async () => {
      const stored = await countStored(database.pool);
      if (Date.now() - lastLog >= 3000) {
        lastLog = Date.now();
        log(
          `  drain x${replicas}  ${stored.toLocaleString('en-US')}/${total.toLocaleString('en-US')} stored`,
        );
      }
      return stored >= total && (await sqs.depth(queue.queueUrl)) === 0;
    }, 120_000);
    const wallSeconds = (performance.now() - spawnedAt) / 1000;
    const machineAfter = machineTicks();
    const cpuAfter = processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0);
    const stats = await storedStats(database.pool);
    const windowed = await windowedStoreRate(database.pool);
    for (const sample of await storedPerSecond(database.pool)) {
      timeline.record({
        series: replicas === 1 ? 'drainOne' : 'drainTwo',
        atMs: sample.atMs,
        rate: sample.rate,
      });
    }
    const storedAfterReady = stats.stored - storedAtReady;
    const result = {
      replicas,
      backlog: total,
      finished,
      stored: stats.stored,
      // Between 20 % and 95 % of the backlog, by PostgreSQL's clock: no start-up, no warm-up, no tail.
      ordersPerSecond: round(windowed ?? stats.stored / Math.max(stats.spanSeconds, 0.001), 0),
      wholeSpanPerSecond: round(stats.stored / Math.max(stats.spanSeconds, 0.001), 0),
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
      `  drain x${replicas}  ${result.ordersPerSecond} orders/s (${result.stored} in ${result.spanSeconds} s)`,
    );
    return result;
  } finally {
    await Promise.all(processors.map((processor) => processor.stop()));
  }
}
