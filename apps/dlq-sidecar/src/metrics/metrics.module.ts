import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '@orders/observability';
import { SidecarMetrics } from './sidecar.metrics';

@Global()
@Module({
  imports: [MetricsModule],
  providers: [SidecarMetrics],
  exports: [SidecarMetrics],
})
export class SidecarMetricsModule {}
