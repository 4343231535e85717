import { Injectable, Logger } from '@nestjs/common';
import { LazyDataSource } from '@orders/persistence';

export type AuditAction = 'redrive' | 'purge';
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

/**
 * Who redrove or purged what, when, and how far it got: one row per run in dlq_audit_log, created
 * before the first message moves, and one row in dlq_audit_events per progress report and at the
 * end (a killed run stays "running" with its last progress); the view dlq_audit_runs shows each run
 * as its latest event tells it. Append-only: the database roles
 * may insert and read, never update or delete. Every record is also written as a structured log line.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(private readonly database: LazyDataSource) {}

  async start(entry: AuditStart): Promise<string> {
    const dataSource = await this.database.get();
    const rows: { id: string }[] = await dataSource.query(
      `INSERT INTO dlq_audit_log (dlq_name, action, actor, via, filter, rate_per_second, status) VALUES ($1, $2, $3, $4, $5, $6, 'running') RETURNING id`,
      [
        entry.dlqName,
        entry.action,
        entry.actor,
        entry.via,
        JSON.stringify(entry.filter),
        entry.ratePerSecond ?? null,
      ],
    );
    const id = String(rows[0].id);
    this.logger.log({
      msg: `${entry.action} started`,
      event: 'dlq_audit',
      auditId: id,
      ...entry,
    });
    return id;
  }

  async progress(id: string, counts: AuditCounts, orderIds: string[]): Promise<void> {
    await this.record(id, 'running', counts, orderIds);
  }

  async finish(
    id: string,
    status: AuditStatus,
    counts: AuditCounts,
    orderIds: string[],
    error?: string,
  ): Promise<void> {
    await this.record(id, status, counts, orderIds, error);
  }

  private async record(
    id: string,
    status: AuditStatus,
    counts: AuditCounts,
    orderIds: string[],
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

  /** Written when the database is down and the operator chose to go on: the log is then the only record. */
  logOnly(
    entry: AuditStart,
    status: AuditStatus,
    counts: AuditCounts,
    orderIds: string[],
    error?: string,
  ): void {
    this.logger.warn({
      msg: `${entry.action} ${status} (audit in this log only: database unavailable)`,
      event: 'dlq_audit',
      ...entry,
      status,
      ...counts,
      orderIds: orderIds.slice(0, MAX_ORDER_IDS),
      error,
    });
  }

  logFinished(id: string, entry: AuditStart, status: AuditStatus, counts: AuditCounts): void {
    this.logger.log({
      msg: `${entry.action} ${status}`,
      event: 'dlq_audit',
      auditId: id,
      ...entry,
      status,
      ...counts,
    });
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

  /** Messages moved or deleted by completed or partial runs, for the sidecar's counters. */
  async totals(dlqName: string): Promise<Record<AuditAction, number>> {
    const dataSource = await this.database.get();
    const rows: { action: AuditAction; n: string }[] = await dataSource.query(
      `SELECT action, coalesce(sum(succeeded), 0) AS n FROM dlq_audit_runs WHERE dlq_name = $1 GROUP BY action`,
      [dlqName],
    );
    const totals: Record<AuditAction, number> = { redrive: 0, purge: 0 };
    rows.forEach((row) => (totals[row.action] = Number(row.n)));
    return totals;
  }
}
