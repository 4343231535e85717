import { Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { EntityManager } from 'typeorm';
import { queueNameOf } from './letter';
import { AuditEntry } from './record';
import { rowsOf } from './record-query';

export interface AuditEvent {
  actor: string;
  via: 'cli' | 'http';
  action: string;
  recordIds?: string[];
  planId?: string;
  /** Ids, counts and filters only: never an order body (the records hold those, behind grants). */
  detail?: Record<string, unknown>;
}

/**
 * Every operator action, append-only in dlq_audit (no login may update or delete; the server
 * stamps the login and the time), and as a log line with the same ids.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);
  private readonly dlqName: string;

  constructor(
    private readonly database: LazyDataSource,
    config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
  }

  /** Inside the action's own transaction when given one: no action without its audit entry. */
  async append(event: AuditEvent, manager?: EntityManager): Promise<string> {
    const run = manager ?? (await this.database.get());
    const [{ id }]: { id: string }[] = await rowsOf(
      run,
      `INSERT INTO dlq_audit (dlq_name, login, actor, via, action, record_ids, plan_id, detail)
       VALUES ($1, session_user, $2, $3, $4, $5::bigint[], $6, $7) RETURNING id::text`,
      [
        this.dlqName,
        event.actor,
        event.via,
        event.action,
        event.recordIds ?? [],
        event.planId ?? null,
        JSON.stringify(event.detail ?? {}),
      ],
    );
    this.logger.log({
      msg: `dlq ${event.action}`,
      event: 'dlq_audit',
      auditId: id,
      actor: event.actor,
      via: event.via,
      planId: event.planId,
      records: event.recordIds?.length ?? 0,
      recordIds: event.recordIds?.slice(0, 100),
      ...event.detail,
    });
    return id;
  }

  async trail(limit: number, recordId?: string): Promise<AuditEntry[]> {
    return rowsOf(
      await this.database.get(),
      `SELECT id::text, at, login, actor, via, action, record_ids::text[] AS "recordIds", plan_id AS "planId", detail
         FROM dlq_audit WHERE dlq_name = $1 ${recordId ? 'AND record_ids @> ARRAY[$3::bigint]' : ''}
        ORDER BY id DESC LIMIT $2`,
      recordId ? [this.dlqName, limit, recordId] : [this.dlqName, limit],
    );
  }
}
