import { Module } from '@nestjs/common';
import { HealthChecks } from '@orders/observability';
import { IntakeModule } from '../intake/intake.module';
import { HealthController } from './health.controller';

@Module({
  imports: [IntakeModule],
  controllers: [HealthController],
  providers: [HealthChecks],
})
export class HealthModule {}
