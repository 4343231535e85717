import { DynamicModule, Module } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { SidecarCoreModule } from '../core/sidecar-core.module';
import { OperationsModule } from '../operations/operations.module';

/** The CLI's application context: the same operations as the admin API, without HTTP or the watcher. */
@Module({})
export class CliModule {
  static register(config: DlqSidecarConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [SidecarCoreModule.register(config, 'orders-dlq-cli'), OperationsModule],
    };
  }
}
