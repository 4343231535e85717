import { Injectable, Logger } from '@nestjs/common';
import { LazyDataSource } from '@orders/persistence';

export type AuditAction = 'redrive' | 'purge' | 'edit';
export type AuditStatus = 'running' | 'completed' | 'interrupted' | 'failed';

export interface AuditCounts {
  examined: number;
  matched: number;
  succeeded: number;
  failed: number;
}

export interface AuditStart {
  dlqName: string;
  action: AuditAction;
  actor: string;
  via: 'cli' | 'http';
  filter: Record<string, string | boolean>;
  ratePerSecond?: number;
  /** Edit and retry: the order as it was, and as it was sent again. */
  orderBefore?: unknown;
  orderAfter?: unknown;
}

export interface AuditRecord extends AuditStart, AuditCounts {
  id: string;
  status: AuditStatus;
  orderIds: string[];
  error?: string;
  startedAt: Date;
  updatedAt: Date;
  finishedAt?: Date;
}

// Enough order ids to answer "was my order in that redrive?" for typical runs, bounded for big ones.
const MAX_ORDER_IDS = 1000;
// A running run writes its progress at least this often while it moves letters.
export const AUDIT_PROGRESS_MS = 2000;

/**
 * Who redrove, purged or edited what, when, and how far it got: one row per run in dlq_audit_log,
 * created before the first message moves, and one row in dlq_audit_events per progress report and
 * at the end (a killed run stays "running" with its last progress); the view dlq_audit_runs shows
 * each run as its latest event tells it. Append-only: the database roles may insert and read, never
 * update or delete. Every record is also written as a structured log line.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(private readonly database: LazyDataSource) {}

  async start(entry: AuditStart): Promise<string> {
    const dataSource = await this.database.get();
    const rows: { id: string }[] = await dataSource.query(
      `INSERT INTO dlq_audit_log (dlq_name, action, actor, via, filter, rate_per_second, order_before, order_after, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running') RETURNING id`,
      [
        entry.dlqName,
        entry.action,
        entry.actor,
        entry.via,
        JSON.stringify(entry.filter),
        entry.ratePerSecond ?? null,
        entry.orderBefore === undefined ? null : JSON.stringify(entry.orderBefore),
        entry.orderAfter === undefined ? null : JSON.stringify(entry.orderAfter),
      ],
    );
    const id = String(rows[0].id);
    this.logger.log({ msg: `${entry.action} started`, event: 'dlq_audit', auditId: id, ...entry });
    return id;
  }

  async progress(
    id: string,
    counts: AuditCounts,
    orderIds: string[],
    status: AuditStatus = 'running',
    error?: string,
  ): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.query(
      `INSERT INTO dlq_audit_events (audit_id, status, examined, matched, succeeded, failed, order_ids, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        status,
        counts.examined,
        counts.matched,
        counts.succeeded,
        counts.failed,
        orderIds.slice(0, MAX_ORDER_IDS),
        error ?? null,
      ],
    );
  }

  /** The end of a run, in the table when it can be written and always as a log line. */
  async finish(
    id: string | undefined,
    entry: AuditStart,
    status: AuditStatus,
    counts: AuditCounts,
    orderIds: string[],
    error?: string,
  ): Promise<void> {
    let note: string | undefined = id === undefined ? 'database unavailable' : undefined;
    if (id !== undefined) {
      await this.progress(id, counts, orderIds, status, error).catch((caught: unknown) => {
        note = `audit row ${id} not updated: ${String(caught)}`;
      });
    }
    const line = { event: 'dlq_audit', auditId: id, ...entry, status, ...counts, error };
    if (note === undefined) {
      this.logger.log({ msg: `${entry.action} ${status}`, ...line });
    } else {
      // The log is then the only complete record.
      this.logger.warn({
        msg: `${entry.action} ${status} (audit in this log only: ${note})`,
        ...line,
        orderIds: orderIds.slice(0, MAX_ORDER_IDS),
      });
    }
  }

  async recent(dlqName: string, limit: number): Promise<AuditRecord[]> {
    const dataSource = await this.database.get();
    const rows: Record<string, unknown>[] = await dataSource.query(
      `SELECT * FROM dlq_audit_runs WHERE dlq_name = $1 ORDER BY started_at DESC, id DESC LIMIT $2`,
      [dlqName, limit],
    );
    return rows.map((row) => ({
      id: String(row.id),
      dlqName: row.dlq_name as string,
      action: row.action as AuditAction,
      actor: row.actor as string,
      via: row.via as 'cli' | 'http',
      filter: row.filter as Record<string, string | boolean>,
      ratePerSecond: (row.rate_per_second as number | null) ?? undefined,
      orderBefore: row.order_before ?? undefined,
      orderAfter: row.order_after ?? undefined,
      status: row.status as AuditStatus,
      examined: row.examined as number,
      matched: row.matched as number,
      succeeded: row.succeeded as number,
      failed: row.failed as number,
      orderIds: row.order_ids as string[],
      error: (row.error as string | null) ?? undefined,
      startedAt: row.started_at as Date,
      updatedAt: row.updated_at as Date,
      finishedAt: (row.finished_at as Date | null) ?? undefined,
    }));
  }
}
