import { DynamicModule, Module } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { AdminModule } from './admin/admin.module';
import { SidecarCoreModule } from './core/sidecar-core.module';
import { HealthModule } from './health/health.module';
import { SidecarMetricsModule } from './health/sidecar-metrics.module';
import { WatcherModule } from './watcher/watcher.module';

@Module({})
export class AppModule {
  static register(config: DlqSidecarConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SidecarCoreModule.register(config, 'orders-dlq-sidecar'),
        SidecarMetricsModule,
        WatcherModule,
        HealthModule,
        // Off unless a key is configured: no route exists to attack.
        ...(config.ADMIN_API_KEY_SHA256 ? [AdminModule] : []),
      ],
    };
  }
}
