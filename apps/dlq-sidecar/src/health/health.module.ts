import { Module } from '@nestjs/common';
import { healthChecksModule } from '@orders/observability';
import { IntakeModule } from '../intake/intake.module';
import { HealthController } from './health.controller';

@Module({
  imports: [healthChecksModule(), IntakeModule],
  controllers: [HealthController],
})
export class HealthModule {}
