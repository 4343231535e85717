import { Injectable } from '@nestjs/common';
import { AuditLog } from '../records/audit.log';
import { RecordsStore } from '../records/records.store';
import { Actor, notFound } from './operations.exception';

export interface TriageChange {
  owner?: string;
  note?: string;
  /** On hold: new failures of the group are not alerted; the group stays listed. */
  onHold?: boolean;
}

@Injectable()
export class Triage {
  constructor(
    private readonly records: RecordsStore,
    private readonly audit: AuditLog,
  ) {}

  set(
    code: string,
    change: TriageChange,
    by: Actor,
  ): Promise<TriageChange & { failureCode: string }> {
    return this.audit.transaction(async (manager, append) => {
      if (!(await this.records.triage(manager, code, change))) {
        throw notFound(`failure group ${code}`);
      }
      await append({ ...by, action: 'triage', detail: { failureCode: code, ...change } });
      return { failureCode: code, ...change };
    });
  }
}
