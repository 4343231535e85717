import { readFileSync } from 'node:fs';
import {
  APPS,
  mib,
  runLoad,
  startLimitedStack,
  warmUp,
  writeFigures,
} from './support/limited-stack';

// A bench mode, run on demand (`npx nx run spike:bench`), not in `npm test`: the gateway's
// sustainable throughput inside the prod limits, the shed rate above it, then the soak at half of
// it with resident memory sampled (BENCH_SOAK_SECONDS, 600 by default).
const env = process.env;
const STEP_SECONDS = Number(env.BENCH_STEP_SECONDS ?? 20);
const SOAK_SECONDS = Number(env.BENCH_SOAK_SECONDS ?? 600);
const STEPS = [4, 16, 64, 200];

describe('bench: capacity within the prod memory limits, and the soak at half of it', () => {
  it('should report sustainable throughput, the shed rate above it, and a flat RSS in the soak', async () => {
    const stack = await startLimitedStack();
    try {
      await warmUp(stack.gatewayUrl, 'bench-warm');
      const steps = [];
      for (const connections of STEPS) {
        const load = await runLoad({
          gatewayUrl: stack.gatewayUrl,
          connections,
          seconds: STEP_SECONDS,
          customerId: `bench-${connections}`,
          timeoutSeconds: 10,
        });
        const accepted = load.statuses['202'] ?? 0;
        steps.push({
          connections,
          acceptedPerSecond: Math.round(accepted / load.durationSeconds),
          shedRate: Number(
            ((load.codes['503 OVERLOADED'] ?? 0) / Math.max(1, load.requests)).toFixed(3),
          ),
          p99Ms: load.p99Ms,
          errors: load.errors,
          timeouts: load.timeouts,
        });
      }
      // Sustainable: the best accepted rate of a step that answered everything in time.
      const sustainable = Math.max(
        ...steps
          .filter((step) => step.errors === 0 && step.timeouts === 0)
          .map((step) => step.acceptedPerSecond),
      );
      const soakRate = Math.max(1, Math.floor(sustainable / 2));
      const samples: { second: number; gatewayMiB: number; processorMiB: number }[] = [];
      const startedAt = Date.now();
      const sampler = setInterval(() => {
        const rss = (app: (typeof APPS)[number]) => {
          const status = readFileSync(`/proc/${stack.pid(app)}/status`, 'utf8');
          return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
        };
        samples.push({
          second: Math.round((Date.now() - startedAt) / 1000),
          gatewayMiB: rss('gateway'),
          processorMiB: rss('processor'),
        });
      }, 15_000);
      const soak = await runLoad({
        gatewayUrl: stack.gatewayUrl,
        connections: 32,
        seconds: SOAK_SECONDS,
        customerId: 'bench-soak',
        timeoutSeconds: 10,
        perSecond: soakRate,
      });
      clearInterval(sampler);
      const peaks = stack.peakRss();
      const half = Math.floor(samples.length / 2);
      const average = (list: typeof samples, key: 'gatewayMiB' | 'processorMiB') =>
        Math.round(list.reduce((sum, sample) => sum + sample[key], 0) / Math.max(1, list.length));
      writeFigures(
        'capacity',
        {
          steps,
          sustainablePerSecond: sustainable,
          soak: {
            perSecond: soakRate,
            seconds: SOAK_SECONDS,
            statuses: soak.statuses,
            p99Ms: soak.p99Ms,
            errors: soak.errors,
            timeouts: soak.timeouts,
            // Flat = the second half's average within a few MiB of the first half's.
            gatewayMiB: {
              firstHalf: average(samples.slice(0, half), 'gatewayMiB'),
              secondHalf: average(samples.slice(half), 'gatewayMiB'),
            },
            processorMiB: {
              firstHalf: average(samples.slice(0, half), 'processorMiB'),
              secondHalf: average(samples.slice(half), 'processorMiB'),
            },
            samples,
          },
          peakRssMiB: Object.fromEntries(APPS.map((app) => [app, mib(peaks[app])])),
          limitMiB: Object.fromEntries(APPS.map((app) => [app, mib(stack.limits[app])])),
          exits: stack.exits(),
          oomKills: stack.oomKills(),
        },
        stack.logs,
      );
      expect(stack.exits()).toEqual({ gateway: 0, processor: 0 });
    } finally {
      await stack.stop();
    }
  }, 3_600_000);
});
