import { DynamicModule, Module } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { AlertingModule } from './alerting/alerting.module';
import { AdminModule } from './doors/admin/admin.module';
import { ConsoleModule } from './doors/console/console.module';
import { HealthModule } from './health/health.module';
import { IntakeModule } from './intake/intake.module';
import { SidecarMetricsModule } from './metrics/metrics.module';
import { SidecarCoreModule } from './sidecar-core.module';

@Module({})
export class AppModule {
  static register(config: DlqSidecarConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SidecarCoreModule.register(config, 'orders-dlq-sidecar'),
        SidecarMetricsModule,
        IntakeModule,
        AlertingModule,
        HealthModule,
        // Off unless someone can sign in (a key, or the console): no route exists to attack.
        ...(config.doorsOpen() ? [AdminModule] : []),
        ...(config.CONSOLE_SIGN_IN === 'off' ? [] : [ConsoleModule]),
      ],
    };
  }
}
