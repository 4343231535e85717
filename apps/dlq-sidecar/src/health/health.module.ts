import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AlertingModule } from '../alerting/alerting.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AlertingModule],
  controllers: [HealthController],
})
export class HealthModule {}
