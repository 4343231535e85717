import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { EntityManager } from 'typeorm';
import { Letter, queueNameOf } from './letter';
import {
  Attempt,
  Edit,
  encodeCursor,
  FailedOrderRecord,
  Page,
  PageCursor,
  RecordFilter,
} from './record';
import { ORDER_UUID, RECORD_COLUMNS, rowsOf, whereOf } from './record-query';

export interface FailureGroup {
  failureCode: string;
  count: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  latestReason: string;
  owner: string | null;
  note: string | null;
  onHold: boolean;
}

export interface RecordInFull {
  record: FailedOrderRecord;
  /** What a redrive sends: the latest letter's body, or the latest edit. */
  body: string;
  attempts: Attempt[];
  edits: Edit[];
}

const UNIQUE_VIOLATION = '23505';

/** The failed-order store: records, their letters (attempts) and edits, and the failure groups. */
@Injectable()
export class RecordsStore {
  readonly dlqName: string;

  constructor(
    readonly database: LazyDataSource,
    config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
  }

  async query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return rowsOf<Row>(await this.database.get(), sql, params);
  }

  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return (await this.database.get()).transaction(work);
  }

  /**
   * Records letters once per SQS message id, all or none. A letter of an order with an open
   * record becomes a new attempt on it. Another replica recording the same letter at the same
   * moment makes this transaction fail on the unique key; the retry then finds it recorded.
   */
  async record(letters: Letter[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((manager) => this.recordIn(manager, letters));
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 3) {
          throw error;
        }
      }
    }
  }

  private async recordIn(manager: EntityManager, letters: Letter[]): Promise<void> {
    const known = new Set(
      (
        (await rowsOf(
          manager,
          `SELECT message_id FROM dlq_letters WHERE dlq_name = $1 AND message_id = ANY($2::text[])`,
          [this.dlqName, letters.map((letter) => letter.messageId)],
        )) as { message_id: string }[]
      ).map((row) => row.message_id),
    );
    for (const letter of letters.filter((letter) => !known.has(letter.messageId))) {
      known.add(letter.messageId);
      const [{ id }]: { id: string }[] = await rowsOf(
        manager,
        `INSERT INTO dlq_records AS r (dlq_name, failure_code, failure_reason, order_id, client_id, customer_id, body, first_failed_at, last_failed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (dlq_name, order_id) WHERE state IN ('failed', 'retry_requested') DO UPDATE
           SET state = 'failed', attempts = r.attempts + 1, failure_code = EXCLUDED.failure_code,
               failure_reason = EXCLUDED.failure_reason, body = EXCLUDED.body,
               last_failed_at = greatest(r.last_failed_at, EXCLUDED.last_failed_at), updated_at = now()
         RETURNING id::text`,
        [
          this.dlqName,
          letter.failureCode,
          letter.failureReason,
          letter.orderId ?? null,
          letter.clientId ?? null,
          letter.customerId ?? null,
          letter.body,
          letter.firstFailedAt,
          letter.lastFailedAt,
        ],
      );
      await rowsOf(
        manager,
        `INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code, failure_reason,
                                  failure_detail, receive_count, sent_at, first_failed_at, last_failed_at, order_id, client_id, customer_id, trace_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [
          id,
          this.dlqName,
          letter.messageId,
          letter.body,
          JSON.stringify(letter.attributes),
          JSON.stringify(letter.systemAttributes),
          letter.failureCode,
          letter.failureReason,
          JSON.stringify(letter.failureDetail),
          letter.receiveCount,
          letter.sentAt,
          letter.firstFailedAt,
          letter.lastFailedAt,
          letter.orderId ?? null,
          letter.clientId ?? null,
          letter.customerId ?? null,
          letter.traceId ?? null,
        ],
      );
      await rowsOf(
        manager,
        `INSERT INTO dlq_groups (dlq_name, failure_code) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [this.dlqName, letter.failureCode],
      );
    }
  }

  /** Newest failures first; `after` continues behind the last item of the previous page. */
  async page(
    filter: RecordFilter,
    limit: number,
    after?: PageCursor,
  ): Promise<Page<FailedOrderRecord>> {
    const params: unknown[] = [];
    const where = whereOf(this.dlqName, filter, params);
    const [{ total }] = await this.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM dlq_records r WHERE ${where}`,
      params,
    );
    const pageParams = [...params, ...(after ? [after.at, after.id] : []), limit + 1];
    const items = await this.query<FailedOrderRecord>(
      `SELECT ${RECORD_COLUMNS} FROM dlq_records r WHERE ${where}
         ${after ? `AND (r.last_failed_at, r.id) < ($${params.length + 1}::timestamptz, $${params.length + 2}::bigint)` : ''}
       ORDER BY r.last_failed_at DESC, r.id DESC LIMIT $${pageParams.length}`,
      pageParams,
    );
    const more = items.length > limit;
    const shown = items.slice(0, limit);
    const last = shown[shown.length - 1];
    return {
      total,
      items: shown,
      nextCursor: more
        ? encodeCursor({ at: last.lastFailedAt.toISOString(), id: last.id })
        : undefined,
    };
  }

  /** Records per failure code with the group's triage state; groups on hold stay listed. */
  groups(filter: RecordFilter): Promise<FailureGroup[]> {
    const params: unknown[] = [];
    const where = whereOf(this.dlqName, filter, params);
    return this.query<FailureGroup>(
      `SELECT r.failure_code AS "failureCode", count(*)::int AS count, min(r.first_failed_at) AS "firstFailedAt",
              max(r.last_failed_at) AS "lastFailedAt",
              (array_agg(r.failure_reason ORDER BY r.last_failed_at DESC))[1] AS "latestReason",
              g.owner, g.note, coalesce(g.on_hold, false) AS "onHold"
         FROM dlq_records r LEFT JOIN dlq_groups g ON g.dlq_name = r.dlq_name AND g.failure_code = r.failure_code
        WHERE ${where}
        GROUP BY r.failure_code, g.owner, g.note, g.on_hold
        ORDER BY count(*) DESC, r.failure_code`,
      params,
    );
  }

  /** Record ids by record id, order id or message id, any state. */
  async idsOf(key: string): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `SELECT r.id::text AS id FROM dlq_records r
        WHERE r.dlq_name = $1 AND (r.id::text = $2 OR lower(r.order_id) = lower($2)
              OR EXISTS (SELECT 1 FROM dlq_letters l WHERE l.record_id = r.id AND l.message_id = $2))
        ORDER BY r.id`,
      [this.dlqName, key],
    );
    return rows.map((row) => row.id);
  }

  async inFull(id: string): Promise<RecordInFull | undefined> {
    const [records, attempts, edits] = await Promise.all([
      this.query<FailedOrderRecord & { body: string }>(
        `SELECT ${RECORD_COLUMNS}, r.body FROM dlq_records r WHERE r.dlq_name = $1 AND r.id = $2`,
        [this.dlqName, id],
      ),
      this.query<Attempt>(
        `SELECT id::text, message_id AS "messageId", body, attributes, system_attributes AS "systemAttributes",
                failure_code AS "failureCode", failure_reason AS "failureReason", failure_detail AS "failureDetail",
                receive_count AS "receiveCount", sent_at AS "sentAt", first_failed_at AS "firstFailedAt",
                last_failed_at AS "lastFailedAt", trace_id AS "traceId", recorded_at AS "recordedAt"
           FROM dlq_letters WHERE record_id = $1 ORDER BY id`,
        [id],
      ),
      this.query<Edit>(
        `SELECT id::text, body_before AS "bodyBefore", body_after AS "bodyAfter", diff, actor, at
           FROM dlq_edits WHERE record_id = $1 ORDER BY id`,
        [id],
      ),
    ]);
    if (records.length === 0) {
      return undefined;
    }
    const { body, ...record } = records[0];
    return { record, body, attempts, edits };
  }

  /** Soft discard; the state before is kept for restore. Returns the ids discarded. */
  async discard(filter: RecordFilter, manager: EntityManager): Promise<string[]> {
    const params: unknown[] = [];
    const rows: { id: string }[] = await rowsOf(
      manager,
      `UPDATE dlq_records r SET state_before_discard = r.state, state = 'discarded', discarded_at = now(), updated_at = now()
        WHERE ${whereOf(this.dlqName, filter, params)} RETURNING r.id::text`,
      params,
    );
    return rows.map((row) => row.id);
  }

  /** Discarded records of the last `days` back to the state they had. */
  async restore(filter: RecordFilter, days: number, manager: EntityManager): Promise<string[]> {
    const params: unknown[] = [];
    const where = whereOf(this.dlqName, { ...filter, states: ['discarded'] }, params);
    const rows: { id: string }[] = await rowsOf(
      manager,
      `UPDATE dlq_records r SET state = coalesce(r.state_before_discard, 'failed'), state_before_discard = NULL,
              discarded_at = NULL, updated_at = now()
        WHERE ${where} AND r.discarded_at > now() - make_interval(days => $${params.push(days)})
        RETURNING r.id::text`,
      params,
    );
    return rows.map((row) => row.id);
  }

  /** One link of the record's chain of edits; the record sends the corrected body from now on. */
  async saveEdit(
    manager: EntityManager,
    edit: { recordId: string; before: string; after: string; diff: unknown; actor: string },
  ): Promise<string> {
    const [{ id }] = await rowsOf<{ id: string }>(
      manager,
      `INSERT INTO dlq_edits (record_id, body_before, body_after, diff, actor) VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [edit.recordId, edit.before, edit.after, JSON.stringify(edit.diff), edit.actor],
    );
    await rowsOf(manager, `UPDATE dlq_records SET body = $2, updated_at = now() WHERE id = $1`, [
      edit.recordId,
      edit.after,
    ]);
    return id;
  }

  /** Owner, note, hold of a failure group. Lifting a hold does not replay what was silenced. */
  async triage(
    manager: EntityManager,
    code: string,
    change: { owner?: string; note?: string; onHold?: boolean },
  ): Promise<boolean> {
    const rows = await rowsOf(
      manager,
      `UPDATE dlq_groups g SET owner = coalesce($3, g.owner), note = coalesce($4, g.note),
              on_hold = coalesce($5, g.on_hold),
              alerted_through = CASE WHEN $5 = false AND g.on_hold THEN coalesce(
                (SELECT max(id) FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code), 0)
                ELSE g.alerted_through END
        WHERE g.dlq_name = $1 AND g.failure_code = $2 RETURNING 1`,
      [this.dlqName, code, change.owner ?? null, change.note ?? null, change.onHold ?? null],
    );
    return rows.length > 0;
  }

  /** Retried records whose order is now in `orders` are resolved; returns their ids. */
  async resolveStored(): Promise<string[]> {
    const rows = await this.query<{ id: string }>(
      `UPDATE dlq_records r SET state = 'resolved', updated_at = now()
        WHERE r.dlq_name = $1 AND r.state = 'retry_requested'
          AND EXISTS (SELECT 1 FROM orders o WHERE o.order_id = ${ORDER_UUID})
        RETURNING r.id::text`,
      [this.dlqName],
    );
    return rows.map((row) => row.id);
  }
}
