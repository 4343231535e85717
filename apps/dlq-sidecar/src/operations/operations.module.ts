import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DlqOperationsService } from './dlq-operations.service';

@Module({
  imports: [AuditModule],
  providers: [DlqOperationsService],
  exports: [DlqOperationsService],
})
export class OperationsModule {}
