import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuditModule } from '../audit/audit.module';
import { WatcherModule } from '../watcher/watcher.module';
import { AuditCounters } from './audit.counters';
import { HealthController } from './health.controller';

// Read-only: the counters read the audit log; redrive and purge (OperationsModule) are not here.
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WatcherModule, AuditModule],
  controllers: [HealthController],
  providers: [AuditCounters],
})
export class HealthModule {}
