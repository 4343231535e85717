import { BENCH_API_KEY, gatewayApp, processorApp } from '../bench-stack.mjs';
import { runLoad, waitForQuietMachine } from '../load.mjs';
import { SAMPLE_ORDER_JSON } from '../orders.mjs';
import {
  countsDelta,
  countStored,
  requestsPer,
  storedPerSecond,
  storedStats,
  waitFor,
} from '../pipeline-stats.mjs';
import { cpuSeconds } from '../proc-stats.mjs';
import { round } from '../stats.mjs';

/**
 * (5c) + (6) The whole pipeline at a steady rate, with the processor replicas KEDA would run:
 * gateway and processors started once and warmed up at that rate, then rounds of a fixed request
 * rate, each followed by a wait until every accepted order is stored. End-to-end latency is
 * stored_at − acceptedAt per row; SQS requests are counted over the whole trip.
 */
export async function endToEnd({ ctx, ratePerSecond, replicas }) {
  const { settings, sqs, database, log, step, timeline, appEnv } = ctx;
  const queue = await sqs.createQueuePair('e2e');
  await database.pool.query('TRUNCATE orders CASCADE');
  const gateway = gatewayApp({ sqs, queue, databaseUrl: database.url, log, env: appEnv });
  const processors = Array.from({ length: replicas }, (_, index) =>
    processorApp({ sqs, queue, databaseUrl: database.url, log, index, env: appEnv }),
  );
  const load = (label, durationSeconds, record) =>
    runLoad({
      label,
      url: `${gateway.url}/orders`,
      body: SAMPLE_ORDER_JSON,
      headers: { authorization: `Bearer ${BENCH_API_KEY}` },
      connections: settings.connections,
      durationSeconds,
      timeoutSeconds: settings.timeoutSeconds,
      overallRate: ratePerSecond,
      serverPid: gateway.pid,
      watch: { sqsEmulator: sqs.pid },
      postgresDataDir: database.dataDir,
      timeline: record ? timeline : undefined,
      series: 'pipelineGateway',
      log,
    });
  // Every accepted order stored and nothing left on the queue: an overloaded gateway may accept
  // orders after their client timed out, and those must land in this round, not the next.
  const settled = async (accepted) =>
    (await countStored(database.pool)) >= accepted && (await sqs.depth(queue.queueUrl)) === 0;
  const rounds = [];
  try {
    await Promise.all([gateway.start(), ...processors.map((processor) => processor.start())]);
    step('end to end', `end to end warm-up @ ${ratePerSecond}/s`);
    const warmup = await load('pipeline warm-up', settings.warmupSeconds, false);
    await waitFor(() => settled(warmup.ok), 30_000);
    for (let repetition = 1; repetition <= settings.rounds; repetition++) {
      await waitForQuietMachine(settings.quietWaitSeconds, `end to end round ${repetition}`, log);
      await database.pool.query('TRUNCATE orders CASCADE');
      step(
        'end to end',
        `end to end ${repetition}/${settings.rounds} @ ${ratePerSecond}/s, ${replicas} replicas`,
      );
      const countsBefore = await sqs.counts();
      const cpuBefore = processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0);
      let maxDepth = 0;
      const depthTimer = setInterval(() => {
        sqs.depth(queue.queueUrl).then(
          (depth) => (maxDepth = Math.max(maxDepth, depth)),
          () => undefined,
        );
      }, 1000);
      let result;
      try {
        result = await load(`pipeline @ ${ratePerSecond}/s`, settings.endToEndSeconds, true);
      } finally {
        clearInterval(depthTimer);
      }
      const allStored = await waitFor(() => settled(result.ok), 60_000);
      const processorCpu =
        processors.reduce((sum, processor) => sum + cpuSeconds(processor.pid), 0) - cpuBefore;
      const stats = await storedStats(database.pool);
      for (const sample of await storedPerSecond(database.pool)) {
        timeline.record({ series: 'endToEnd', ...sample });
      }
      rounds.push({
        round: repetition,
        gateway: result,
        accepted: result.ok,
        stored: stats.stored,
        allStored,
        maxQueueDepth: maxDepth,
        latencyMs: { p50: stats.p50Ms, p99: stats.p99Ms, max: stats.maxMs },
        processorCpuMsPerOrder:
          stats.stored > 0 ? round((processorCpu * 1000) / stats.stored, 4) : null,
        sqs: requestsPer(countsDelta(countsBefore, await sqs.counts()), stats.stored),
      });
      log(`  end to end p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms (${stats.stored} stored)`);
    }
    return { replicas, targetRatePerSecond: ratePerSecond, rounds };
  } finally {
    await Promise.all([gateway.stop(), ...processors.map((processor) => processor.stop())]);
  }
}
