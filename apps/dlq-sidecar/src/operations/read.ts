import { Injectable } from '@nestjs/common';
import { AuditLog } from '../records/audit.log';
import { AuditEntry, FailedOrderRecord, Page, PageCursor, RecordFilter } from '../records/record';
import { FailureGroup, RecordInFull, RecordsStore } from '../records/records.store';
import { notFound } from './operations.exception';

export interface ShownRecord extends RecordInFull {
  audit: AuditEntry[];
}

/** Reads of the store: nothing is hidden while anyone reads, and every count is exact. */
@Injectable()
export class ReadRecords {
  constructor(
    private readonly records: RecordsStore,
    private readonly audit: AuditLog,
  ) {}

  list(filter: RecordFilter, limit: number, after?: PageCursor): Promise<Page<FailedOrderRecord>> {
    return this.records.page(filter, limit, after);
  }

  groups(filter: RecordFilter): Promise<FailureGroup[]> {
    return this.records.groups(filter);
  }

  /** By record id, order id or message id: every record it names (an order can fail, be discarded, fail again). */
  async show(key: string): Promise<ShownRecord[]> {
    const ids = await this.records.idsOf(key);
    if (ids.length === 0) {
      throw notFound(`a record with record id, order id or message id ${key}`);
    }
    return Promise.all(
      ids.map(async (id) => {
        const [full, audit] = await Promise.all([
          this.records.inFull(id),
          this.audit.trail(100, id),
        ]);
        return { ...(full as RecordInFull), audit };
      }),
    );
  }

  trail(limit: number): Promise<AuditEntry[]> {
    return this.audit.trail(limit);
  }
}
