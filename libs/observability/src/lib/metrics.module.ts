import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { MetricsController } from './metrics.controller';

const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** One registry per app (not prom-client's global one), exposed at GET /metrics. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        // Gauges named like counters (promtool check metrics flags them); nodejs_active_handles,
        // _requests and _resources carry the same counts by type.
        for (const name of MISNAMED_DEFAULT_METRICS) {
          registry.removeSingleMetric(name);
        }
        return registry;
      },
    },
  ],
  exports: [Registry],
})
export class MetricsModule {}
