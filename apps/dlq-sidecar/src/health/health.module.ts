import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OperationsModule } from '../operations/operations.module';
import { WatcherModule } from '../watcher/watcher.module';
import { AuditCounters } from './audit.counters';
import { HealthController } from './health.controller';

@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    WatcherModule,
    OperationsModule,
  ],
  controllers: [HealthController],
  providers: [AuditCounters],
})
export class HealthModule {}
