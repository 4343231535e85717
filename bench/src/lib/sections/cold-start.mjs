import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayApp, noopApp, processorApp } from '../bench-stack.mjs';
import { rssMiB } from '../proc-stats.mjs';
import { pairedRatio, round, summarise } from '../stats.mjs';

export const COLD_START_APPS = ['nestNoop', 'gateway', 'processor', 'gatewayUncached'];

/**
 * (7) Spawn → first 200 on the readiness route, then idle RSS after a second of rest. One unmeasured
 * start of each app first (file and compile caches), then rounds of every app; ratios per round.
 */
export async function coldStarts({ ctx, noopEntry }) {
  const { settings, sqs, database, log, step, appEnv } = ctx;
  const queue = await sqs.createQueuePair('coldstart');
  const makers = {
    nestNoop: () => noopApp({ entry: noopEntry, log }),
    gateway: () => gatewayApp({ sqs, queue, databaseUrl: database.url, log, env: appEnv }),
    processor: () => processorApp({ sqs, queue, databaseUrl: database.url, log, env: appEnv }),
    // What the compile cache is worth: the same gateway compiling every module itself.
    gatewayUncached: () =>
      gatewayApp({
        sqs,
        queue,
        databaseUrl: database.url,
        log,
        env: { ...appEnv, NODE_DISABLE_COMPILE_CACHE: '1' },
      }),
  };
  const samples = Object.fromEntries(COLD_START_APPS.map((app) => [app, { ms: [], rss: [] }]));
  for (let repetition = 0; repetition <= settings.coldStartRounds; repetition++) {
    for (const app of COLD_START_APPS) {
      step(
        'cold start',
        repetition === 0
          ? `cold start warm-up · ${app}`
          : `cold start ${repetition}/${settings.coldStartRounds} · ${app}`,
      );
      const instance = makers[app]();
      const ms = await instance.start();
      await sleep(1000);
      const rss = rssMiB(instance.pid);
      await instance.stop();
      if (repetition > 0) {
        samples[app].ms.push(ms);
        samples[app].rss.push(rss);
      }
    }
  }
  const results = {};
  for (const app of COLD_START_APPS) {
    results[app] = {
      coldStartMs: summarise(samples[app].ms, 0),
      idleRssMiB: summarise(samples[app].rss, 1),
      coldStartRatio: pairedRatio(samples[app].ms, samples.nestNoop.ms),
      idleRssRatio: pairedRatio(samples[app].rss, samples.nestNoop.rss),
    };
    log(
      `  ${app.padEnd(10)} ready in ${round(results[app].coldStartMs.median, 0)} ms, idle RSS ${results[app].idleRssMiB.median} MiB (medians)`,
    );
  }
  results.readiness =
    '/health/ready answers 200 (gateway: SQS reachable; processor: pollers and database)';
  return results;
}
