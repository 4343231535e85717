import { Injectable, OnModuleInit } from '@nestjs/common';
import { queueNameOf } from '../dead-letters/dead-letter';
import { AuditLog } from '../audit/audit.log';
import { SidecarMetrics } from './sidecar.metrics';
import { DlqSidecarConfig } from '@orders/config';

/**
 * Redrives and purges usually run in another process (the CLI), so their counters come from the
 * shared audit log at scrape time.
 */
@Injectable()
export class AuditCounters implements OnModuleInit {
  constructor(
    private readonly metrics: SidecarMetrics,
    private readonly audit: AuditLog,
    private readonly config: DlqSidecarConfig,
  ) {}

  onModuleInit(): void {
    const dlqName = queueNameOf(this.config.ORDERS_DLQ_URL);
    this.metrics.readAuditTotalsWith(() => this.audit.totals(dlqName));
  }
}
