import { Injectable } from '@nestjs/common';
import { AuditLog } from '../records/audit.log';
import { ORDER_UUID } from '../records/record-query';
import { RecordsStore } from '../records/records.store';
import { Actor, OperationsErrorCode, OperationsException } from './operations.exception';
import { ReadRecords, ShownRecord } from './read';

export interface InspectedRecord extends ShownRecord {
  /** The order is in `orders`: a redrive (or the processor) stored it. */
  stored: boolean;
}

/**
 * A person reading a failed order's body, and revealing its customer id: both audited under the
 * verified reader, the reveal with the reason they gave.
 */
@Injectable()
export class Inspect {
  constructor(
    private readonly read: ReadRecords,
    private readonly records: RecordsStore,
    private readonly audit: AuditLog,
  ) {}

  show(key: string, by: Actor): Promise<InspectedRecord[]> {
    return this.audited(key, by, 'show', {});
  }

  reveal(key: string, reason: string, by: Actor): Promise<InspectedRecord[]> {
    if (reason.trim().length < 3 || reason.length > 500) {
      throw new OperationsException(
        OperationsErrorCode.InvalidRequest,
        'Give a reason of 3 to 500 characters for revealing the customer id (it goes into the audit log)',
      );
    }
    return this.audited(key, by, 'reveal', { reason: reason.trim() });
  }

  private async audited(
    key: string,
    by: Actor,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<InspectedRecord[]> {
    // Audited first, so the page's own audit list shows this read too.
    const recordIds = await this.records.idsOf(key);
    if (recordIds.length > 0) {
      await this.audit.append({ ...by, action, recordIds, detail });
    }
    const [shown, stored] = await Promise.all([
      this.read.show(key),
      this.records.query<{ id: string }>(
        `SELECT r.id::text AS id FROM dlq_records r
          WHERE r.id = ANY($1::bigint[]) AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = ${ORDER_UUID})`,
        [recordIds],
      ),
    ]);
    const storedIds = new Set(stored.map((row) => row.id));
    return shown.map((one) => ({ ...one, stored: storedIds.has(one.record.id) }));
  }
}
