import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { DlqIntake } from './dlq.intake';

@Module({
  imports: [RecordsModule],
  providers: [DlqIntake],
  exports: [DlqIntake],
})
export class IntakeModule {}
