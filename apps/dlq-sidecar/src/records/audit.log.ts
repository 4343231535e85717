import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEntry } from './record';
import { Queryable, rowsOf } from './record-query';
import { RecordsStore } from './records.store';

export interface AuditEvent {
  actor: string;
  via: 'cli' | 'http';
  action: string;
  recordIds?: string[];
  planId?: string;
  /** Ids, counts and filters only: never an order body (the records hold those, behind grants). */
  detail?: Record<string, unknown>;
}

export type AppendAudit = (event: AuditEvent) => Promise<string>;

/**
 * Every operator action, append-only in dlq_audit (no login may update or delete; the server
 * stamps the login and the time), and as a log line with the same ids once it is committed.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(private readonly records: RecordsStore) {}

  /** An action on its own: committed as it is written. */
  async append(event: AuditEvent): Promise<string> {
    const id = await this.insert(event, await this.records.database.get());
    this.logged(id, event);
    return id;
  }

  /**
   * `work` and the entries it appends in one transaction: no action without its audit entry.
   * Logged after the commit, from the attempt that committed (RecordsStore.transaction runs `work`
   * again after a conflict): never an entry rolled back, never one twice.
   */
  async transaction<T>(
    work: (manager: EntityManager, append: AppendAudit) => Promise<T>,
  ): Promise<T> {
    let appended: [string, AuditEvent][] = [];
    const result = await this.records.transaction((manager) => {
      const attempt: [string, AuditEvent][] = (appended = []);
      return work(manager, async (event) => {
        const id = await this.insert(event, manager);
        attempt.push([id, event]);
        return id;
      });
    });
    appended.forEach(([id, event]) => this.logged(id, event));
    return result;
  }

  async trail(limit: number, recordId?: string): Promise<AuditEntry[]> {
    const dlqName = this.records.dlqName;
    return this.records.query(
      `SELECT id::text, at, login, actor, via, action, record_ids::text[] AS "recordIds", plan_id AS "planId", detail
         FROM dlq_audit WHERE dlq_name = $1 ${recordId ? 'AND record_ids @> ARRAY[$3::bigint]' : ''}
        ORDER BY id DESC LIMIT $2`,
      recordId ? [dlqName, limit, recordId] : [dlqName, limit],
    );
  }

  private async insert(event: AuditEvent, run: Queryable): Promise<string> {
    const [{ id }] = await rowsOf<{ id: string }>(
      run,
      `INSERT INTO dlq_audit (dlq_name, login, actor, via, action, record_ids, plan_id, detail)
       VALUES ($1, session_user, $2, $3, $4, $5::bigint[], $6, $7) RETURNING id::text`,
      [
        this.records.dlqName,
        event.actor,
        event.via,
        event.action,
        event.recordIds ?? [],
        event.planId ?? null,
        JSON.stringify(event.detail ?? {}),
      ],
    );
    return id;
  }

  private logged(auditId: string, event: AuditEvent): void {
    this.logger.log({
      msg: `dlq ${event.action}`,
      event: 'dlq_audit',
      auditId,
      actor: event.actor,
      via: event.via,
      planId: event.planId,
      records: event.recordIds?.length ?? 0,
      recordIds: event.recordIds?.slice(0, 100),
      ...event.detail,
    });
  }
}
