import { Module } from '@nestjs/common';
import { RecordsModule } from '../records/records.module';
import { Discard } from './discard';
import { EditAndRetry } from './edit';
import { GroupTrends } from './group-trends';
import { Inspect } from './inspect';
import { OrdersSender } from './orders.sender';
import { ReadRecords } from './read';
import { Redrive } from './redrive';
import { Triage } from './triage';

// The use cases the doors (CLI, admin API, console) call; OrdersSender stays inside this module.
const USE_CASES = [ReadRecords, Redrive, EditAndRetry, Discard, Triage, Inspect, GroupTrends];

@Module({
  imports: [RecordsModule],
  providers: [OrdersSender, ...USE_CASES],
  exports: USE_CASES,
})
export class OperationsModule {}
