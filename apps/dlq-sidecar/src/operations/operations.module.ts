import { Module } from '@nestjs/common';
import { DlqWriter } from '../dlq/dlq.writer';
import { AuditLog } from './audit.log';
import { DlqOperations } from './dlq-operations';
import { ScanMarks } from './scan-marks';

/** What the doors (CLI, admin API) need; the watching sidecar does not load it without the admin API. */
@Module({
  providers: [DlqWriter, AuditLog, ScanMarks, DlqOperations],
  exports: [DlqOperations],
})
export class OperationsModule {}
