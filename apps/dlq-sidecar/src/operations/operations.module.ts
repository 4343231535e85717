import { Module } from '@nestjs/common';
import { AuditLog } from './audit.log';
import { DlqOperationsService } from './dlq-operations.service';

@Module({
  providers: [AuditLog, DlqOperationsService],
  exports: [AuditLog, DlqOperationsService],
})
export class OperationsModule {}
