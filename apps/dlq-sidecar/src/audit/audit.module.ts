import { Module } from '@nestjs/common';
import { AuditLog } from './audit.log';

// Its own module so the running sidecar can read the audit log (for its counters) without
// importing the operations that redrive and purge.
@Module({
  providers: [AuditLog],
  exports: [AuditLog],
})
export class AuditModule {}
