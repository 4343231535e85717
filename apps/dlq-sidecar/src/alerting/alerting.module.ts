import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { RecordsModule } from '../records/records.module';
import { AlertClaims } from './alert.claims';
import { AlertingJob } from './alerting.job';
import { AlertDispatcher } from './channels/alert.dispatcher';

@Module({
  imports: [RecordsModule, IntakeModule],
  providers: [AlertDispatcher, AlertClaims, AlertingJob],
})
export class AlertingModule {}
