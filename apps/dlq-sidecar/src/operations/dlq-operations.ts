import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { queueNameOf } from '../dlq/dead-letter';
import {
  DlqHasRedrivePolicyError,
  DlqReader,
  ScanOptions,
  ScanOutcome,
  ScanVisitor,
} from '../dlq/dlq.reader';
import { DlqWriter } from '../dlq/dlq.writer';
import { AuditLog } from './audit.log';
import { OperationsErrorCode, OperationsException } from './operations.exception';
import { ScanMarks } from './scan-marks';

/** What every use case works with: the queue, the audit log, the config. */
@Injectable()
export class DlqOperations {
  readonly dlqName: string;

  constructor(
    readonly reader: DlqReader,
    readonly writer: DlqWriter,
    readonly audit: AuditLog,
    private readonly marks: ScanMarks,
    readonly config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
  }

  /** Reads the whole DLQ in its turn, waiting for letters that a watcher scan or an earlier scan (even a killed one) still hides. */
  async scan(
    options: Pick<ScanOptions, 'signal' | 'onWaiting'>,
    visit: ScanVisitor,
  ): Promise<ScanOutcome> {
    try {
      return await this.marks.inTurn(this.dlqName, options, (othersHidingUntil) =>
        this.reader.scan(
          {
            visibilitySeconds: this.config.DLQ_CLI_VISIBILITY_SECONDS,
            maxMessages: Number.MAX_SAFE_INTEGER,
            // A watcher scan releases within seconds; a killed scan's letters within its visibility timeout.
            maxWaitMs: (this.config.DLQ_CLI_VISIBILITY_SECONDS + 5) * 1000,
            // The database, not SQS's approximate counts, says whether someone else may be hiding letters.
            hiddenUntil: othersHidingUntil,
            ...options,
          },
          visit,
        ),
      );
    } catch (error) {
      throw error instanceof OperationsException
        ? error
        : error instanceof DlqHasRedrivePolicyError
          ? new OperationsException(OperationsErrorCode.DlqHasRedrivePolicy, error.message, error)
          : queueUnavailable(error);
    }
  }

  async auditTrail(limit: number) {
    try {
      return await this.audit.recent(this.dlqName, limit);
    } catch (error) {
      throw new OperationsException(
        OperationsErrorCode.AuditUnavailable,
        `The audit log cannot be read: ${String(error)}`,
        error,
      );
    }
  }

  /** Messages in the DLQ by SQS's counts: approximate, for progress and notes only. */
  async approximateTotal(): Promise<number> {
    try {
      const depth = await this.reader.depth();
      return depth.visible + depth.inFlight + depth.delayed;
    } catch (error) {
      throw queueUnavailable(error);
    }
  }
}

function queueUnavailable(error: unknown): OperationsException {
  return new OperationsException(
    OperationsErrorCode.QueueUnavailable,
    `SQS call failed: ${error instanceof Error ? error.message : String(error)}`,
    error,
  );
}
