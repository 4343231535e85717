import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { AuditLog } from '../records/audit.log';
import { RecordFilter } from '../records/record';
import { RecordsStore } from '../records/records.store';
import { Actor, OperationsErrorCode, OperationsException } from './operations.exception';

/** Soft discard and restore. Nothing is deleted: a discarded record stays, visible with its state. */
@Injectable()
export class Discard {
  constructor(
    private readonly records: RecordsStore,
    private readonly audit: AuditLog,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** More than one record only with their exact count typed back; one transaction, so all or none. */
  discard(
    filter: RecordFilter,
    expected: number | undefined,
    by: Actor,
  ): Promise<{ discarded: string[] }> {
    return this.audit.transaction(async (manager, append) => {
      const discarded = await this.records.discard(filter, manager);
      if (discarded.length > 1 && expected !== discarded.length) {
        throw new OperationsException(
          OperationsErrorCode.ConfirmationRequired,
          `${discarded.length} records match${expected === undefined ? '' : ` (not ${expected})`}: to discard them, type the count back (--count ${discarded.length}). Nothing was discarded.`,
        );
      }
      if (discarded.length > 0) {
        await append({ ...by, action: 'discard', recordIds: discarded });
      }
      return { discarded };
    });
  }

  /** `expected`, when given (the console asks for it in bulk), must equal how many are restored. */
  restore(filter: RecordFilter, by: Actor, expected?: number): Promise<{ restored: string[] }> {
    return this.audit.transaction(async (manager, append) => {
      const days = this.config.DISCARD_RESTORE_DAYS;
      const reopened = await this.records.reopenedElsewhere(filter, days, manager);
      if (reopened.size > 0) {
        throw new OperationsException(
          OperationsErrorCode.InvalidRequest,
          `${[...reopened].map(([id, open]) => `record ${id}'s order failed again since: act on its open record ${open}`).join('; ')}. Nothing was restored.`,
        );
      }
      const restored = await this.records.restore(filter, days, manager);
      if (expected !== undefined && restored.length !== expected) {
        throw new OperationsException(
          OperationsErrorCode.ConfirmationRequired,
          `${restored.length} records can be restored (not ${expected}): type the count back. Nothing was restored.`,
        );
      }
      if (restored.length > 0) {
        await append({ ...by, action: 'restore', recordIds: restored });
      }
      return { restored };
    });
  }
}
