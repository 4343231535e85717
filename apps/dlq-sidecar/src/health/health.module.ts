import { Module } from '@nestjs/common';
import { HealthChecks } from '@orders/observability';
import { AlertingModule } from '../alerting/alerting.module';
import { HealthController } from './health.controller';

@Module({
  imports: [AlertingModule],
  controllers: [HealthController],
  providers: [HealthChecks],
})
export class HealthModule {}
