import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  baselineApp,
  BENCH_API_KEY,
  gatewayApp,
  noopApp,
  peerApp,
  tracingEnv,
} from '../bench-stack.mjs';
import { runLoad, waitForQuietMachine } from '../load.mjs';
import { SAMPLE_ORDER_JSON } from '../orders.mjs';
import { countsDelta, requestsPer, waitFor } from '../pipeline-stats.mjs';
import { rssMiB } from '../proc-stats.mjs';
import { round } from '../stats.mjs';

export const DATABASE_STATES = ['healthy', 'degraded', 'down'];
const SQS_SETTLE_MS = 1000;
// Who runs in which database state; the ones that never touch the database run only while it is healthy.
const DATABASE_SENDERS = ['gateway', 'baseline'];

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
 * (1)–(4) and the peer: every HTTP target runs at once, each is warmed up, then rounds alternate
 * them with the same load — database healthy: no-op, gateway, [gateway traced, exporting 10 %, as shipped],
 * peer, coupled
 * baseline; degraded (lock waits): gateway, baseline; down (PostgreSQL stopped): gateway, baseline.
 * Every figure has one sample per round, so ratios pair samples taken a few seconds apart.
 */
export async function intake({ ctx, noopEntry }) {
  const { settings, sqs, database, log, step, timeline, appEnv, tracing, otlp } = ctx;
  const queue = await sqs.createQueuePair('intake');
  const auth = { authorization: `Bearer ${BENCH_API_KEY}` };
  const gatewayOptions = { sqs, queue, databaseUrl: database.url, log };
  const senders = {
    noop: { app: noopApp({ entry: noopEntry, log }), label: 'no-op' },
    gateway: {
      app: gatewayApp({ ...gatewayOptions, env: appEnv }),
      label: 'gateway',
      headers: auth,
      usesSqs: true,
    },
    ...(tracing === 'both'
      ? {
          gatewayTraced: {
            app: gatewayApp({
              ...gatewayOptions,
              name: 'gateway-traced',
              env: tracingEnv(true, otlp.url),
            }),
            label: 'gateway traced',
            headers: auth,
            usesSqs: true,
            exportsTraces: true,
          },
          // Only the endpoint set: exported at the default sampling (10 % of requests).
          gatewaySampled: {
            app: gatewayApp({
              ...gatewayOptions,
              name: 'gateway-sampled',
              env: tracingEnv('sampled', otlp.url),
            }),
            label: 'gateway exporting 10 %',
            headers: auth,
            usesSqs: true,
            exportsTraces: true,
          },
          // No OTEL_* variable at all: the SDK on, trace ids in messages and logs, nothing exported.
          gatewayShipped: {
            app: gatewayApp({ ...gatewayOptions, name: 'gateway-shipped', env: {} }),
            label: 'gateway as shipped',
            headers: auth,
            usesSqs: true,
          },
        }
      : {}),
    peer: { app: peerApp({ sqs, queue, log }), label: 'SQS peer', usesSqs: true },
    baseline: { app: baselineApp({ databaseUrl: database.url, log }), label: 'coupled' },
  };
  for (const key of Object.keys(senders)) {
    if (ctx.onlySenders && !ctx.onlySenders.includes(key)) {
      delete senders[key];
    }
  }
  const results = Object.fromEntries(
    Object.keys(senders).map((key) => [
      key,
      Object.fromEntries(DATABASE_STATES.map((state) => [state, []])),
    ]),
  );
  results.queueUrl = queue.queueUrl;

  // together: several senders loaded at the same time; the emulator's counts and the OTLP sink's
  // are shared then, so only CPU, rates and latencies are the sender's own.
  const load = async (key, label, durationSeconds, record = true, together = false) => {
    const sender = senders[key];
    const countsBefore = sender.usesSqs && !together ? await sqs.counts() : undefined;
    const tracesBefore = sender.exportsTraces && !together ? otlp.received() : undefined;
    const result = await runLoad({
      label,
      url: `${sender.app.url}/orders`,
      body: SAMPLE_ORDER_JSON,
      headers: sender.headers,
      connections: settings.connections,
      durationSeconds,
      timeoutSeconds: settings.timeoutSeconds,
      overallRate: ctx.intakeRate,
      serverPid: sender.app.pid,
      watch: sender.usesSqs ? { sqsEmulator: sqs.pid } : {},
      postgresDataDir: database.dataDir,
      timeline: record ? timeline : undefined,
      series: key,
      log,
    });
    if (together) {
      return result;
    }
    if (sender.usesSqs) {
      // Requests the client gave up on may still reach SQS: count them here, not in the next phase.
      await sleep(SQS_SETTLE_MS);
      result.sqs = requestsPer(countsDelta(countsBefore, await sqs.counts()), result.ok);
      // Keep the emulator's queue small between phases; its cost is not the sender's.
      await sqs.client.send(new PurgeQueueCommand({ QueueUrl: queue.queueUrl }));
    }
    if (sender.exportsTraces) {
      const after = otlp.received();
      result.otlpExports = {
        requests: after.requests - tracesBefore.requests,
        bytes: after.bytes - tracesBefore.bytes,
      };
    }
    return result;
  };

  await Promise.all(Object.values(senders).map(({ app }) => app.start()));
  try {
    for (const [key, sender] of Object.entries(senders)) {
      step('intake warm-up', `warm-up · ${sender.label}`);
      await load(key, `${sender.label} warm-up`, settings.warmupSeconds, false);
    }
    for (let repetition = 1; repetition <= settings.rounds; repetition++) {
      await waitForQuietMachine(settings.quietWaitSeconds, `intake round ${repetition}`, log);
      for (const state of DATABASE_STATES) {
        const keys = state === 'healthy' ? Object.keys(senders) : DATABASE_SENDERS;
        if (keys.some((key) => !senders[key])) {
          continue;
        }
        if (state === 'down') {
          await database.stop();
        }
        try {
          if (ctx.together && state === 'healthy') {
            step(
              'intake',
              `intake round ${repetition}/${settings.rounds} · all at once / db healthy`,
            );
            const together = await Promise.all(
              keys.map((key) =>
                load(key, `${senders[key].label} (together)`, settings.phaseSeconds, true, true),
              ),
            );
            keys.forEach((key, index) =>
              results[key][state].push({ ...together[index], round: repetition }),
            );
            await sqs.client.send(new PurgeQueueCommand({ QueueUrl: queue.queueUrl }));
            continue;
          }
          // Each round starts with another sender, so none always follows the same one (a traced
          // gateway's export backlog, a purge) and pairs are not biased by their place in the round.
          for (const key of keys.map((_, i) => keys[(i + repetition - 1) % keys.length])) {
            const label = `${senders[key].label} / db ${state}`;
            step('intake', `intake round ${repetition}/${settings.rounds} · ${label}`);
            const stopLocks =
              state === 'degraded'
                ? startLockPulses(database.pool, settings.degradedLockMs, settings.degradedPeriodMs)
                : undefined;
            const result = await load(key, label, settings.phaseSeconds);
            if (stopLocks) {
              result.lockHeldFraction = await stopLocks();
            }
            result.round = repetition;
            results[key][state].push(result);
          }
        } finally {
          if (state === 'down') {
            await database.start();
            await baselineRecovered(senders.baseline.app.url);
          }
        }
      }
    }
    if (senders.gateway) {
      results.gateway.idleRssMiBAfter = round(rssMiB(senders.gateway.app.pid), 1);
    }
  } finally {
    await Promise.all(Object.values(senders).map(({ app }) => app.stop()));
  }
  await database.pool.query('TRUNCATE orders CASCADE');
  return results;
}

/** After the outage the next round starts healthy: wait until the baseline stores an order again. */
async function baselineRecovered(baseUrl) {
  await waitFor(async () => {
    try {
      const response = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: SAMPLE_ORDER_JSON,
        signal: AbortSignal.timeout(2000),
      });
      return response.status === 201;
    } catch {
      return false;
    }
  }, 20_000);
}
