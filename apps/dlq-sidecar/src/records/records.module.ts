import { Module } from '@nestjs/common';
import { AuditLog } from './audit.log';
import { PlansStore } from './plans.store';
import { RecordsStore } from './records.store';

@Module({
  providers: [RecordsStore, PlansStore, AuditLog],
  exports: [RecordsStore, PlansStore, AuditLog],
})
export class RecordsModule {}
