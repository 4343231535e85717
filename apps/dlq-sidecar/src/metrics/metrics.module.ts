import { Global, Module } from '@nestjs/common';
import { MetricsModule } from '@orders/observability';
import { RecordsModule } from '../records/records.module';
import { SidecarMetrics } from './sidecar.metrics';

@Global()
@Module({
  imports: [MetricsModule, RecordsModule],
  providers: [SidecarMetrics],
  exports: [SidecarMetrics],
})
export class SidecarMetricsModule {}
