import { Module } from '@nestjs/common';
import { healthChecksModule } from '@orders/observability';
import { AlertingModule } from '../alerting/alerting.module';
import { HealthController } from './health.controller';

@Module({
  imports: [healthChecksModule(), AlertingModule],
  controllers: [HealthController],
})
export class HealthModule {}
