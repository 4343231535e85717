import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { queueNameOfUrl } from '@orders/messaging';
import { LazyDataSource } from '@orders/persistence';
import { EntityManager } from 'typeorm';
import { Letter } from './letter';
import {
  Attempt,
  Edit,
  encodeCursor,
  FailedOrderRecord,
  OPEN_STATES,
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

// Lost to a concurrent transaction (deadlock, serialization failure): rolled back whole, so it
// runs again. Redrive marks lock records by id, the intake by order id, other updates as they
// scan: any two may meet.
const CONFLICTS = ['40P01', '40001'];
const ATTEMPTS = 5;

// The letters (JSON, as Letter with its position n) not recorded yet: one record per order id
// (or per letter without one) takes the latest letter's failure and body, and every letter is
// an attempt of it. Records are upserted in key order, so concurrent batches lock alike.
const RECORD_LETTERS = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($2::jsonb) AS i(
    n int, "messageId" text, body text, attributes jsonb, "systemAttributes" jsonb, "failureCode" text,
    "failureReason" text, "failureDetail" jsonb, "receiveCount" int, "sentAt" timestamptz,
    "firstFailedAt" timestamptz, "lastFailedAt" timestamptz, "orderId" text, "clientId" text,
    "customerId" text, "traceId" text)
), fresh AS (
  SELECT DISTINCT ON (i."messageId") i.*, coalesce('order ' || i."orderId", 'letter ' || i."messageId") AS key
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM dlq_letters l WHERE l.dlq_name = $1 AND l.message_id = i."messageId")
   ORDER BY i."messageId", i.n
), latest AS (
  SELECT DISTINCT ON (f.key) f.*, count(*) OVER w AS letters,
         min(f."firstFailedAt") OVER w AS first_at, max(f."lastFailedAt") OVER w AS last_at
    FROM fresh f WINDOW w AS (PARTITION BY f.key)
   ORDER BY f.key, f."lastFailedAt" DESC, f.n DESC
), numbered AS (
  SELECT latest.*, nextval('dlq_records_id_seq') AS new_id FROM latest
), saved AS (
  INSERT INTO dlq_records AS r (id, dlq_name, failure_code, failure_reason, order_id, client_id, customer_id,
                                body, attempts, first_failed_at, last_failed_at)
  SELECT new_id, $1, "failureCode", "failureReason", "orderId", "clientId", "customerId", body, letters, first_at, last_at
    FROM numbered ORDER BY key
  ON CONFLICT (dlq_name, order_id) WHERE state IN ('failed', 'retry_requested') DO UPDATE
     SET state = 'failed', attempts = r.attempts + EXCLUDED.attempts, failure_code = EXCLUDED.failure_code,
         failure_reason = EXCLUDED.failure_reason, body = EXCLUDED.body,
         last_failed_at = greatest(r.last_failed_at, EXCLUDED.last_failed_at), updated_at = now()
  RETURNING r.id, r.order_id
), letters AS (
  INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code,
                           failure_reason, failure_detail, receive_count, sent_at, first_failed_at, last_failed_at,
                           order_id, client_id, customer_id, trace_id)
  SELECT s.id, $1, f."messageId", f.body, f.attributes, f."systemAttributes", f."failureCode", f."failureReason",
         f."failureDetail", f."receiveCount", f."sentAt", f."firstFailedAt", f."lastFailedAt", f."orderId",
         f."clientId", f."customerId", f."traceId"
    FROM fresh f JOIN numbered k ON k.key = f.key
    JOIN saved s ON s.id = k.new_id OR (k."orderId" IS NOT NULL AND s.order_id = k."orderId")
   ORDER BY f."lastFailedAt", f.n
)
INSERT INTO dlq_groups (dlq_name, failure_code) SELECT DISTINCT $1, "failureCode" FROM fresh
ON CONFLICT DO NOTHING`;

/** The failed-order store: records, their letters (attempts) and edits, and the failure groups. */
@Injectable()
export class RecordsStore {
  readonly dlqName: string;

  constructor(
    readonly database: LazyDataSource,
    config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOfUrl(config.ORDERS_DLQ_URL);
  }

  query<Row>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.retried(async () => rowsOf<Row>(await this.database.get(), sql, params));
  }

  /** `work` runs again after a conflict: anything it does besides its queries happens again. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.retried(async () => (await this.database.get()).transaction(work));
  }

  /**
   * Records a batch of letters in one statement, all or none, once per SQS message id. Letters of
   * an order with an open record become new attempts on it. Another replica recording the same
   * letter or order at that moment makes the statement fail (unique key, deadlock); the retry then
   * finds what it recorded.
   */
  async record(letters: Letter[]): Promise<void> {
    const rows = JSON.stringify(letters.map((letter, n) => ({ n, ...letter })));
    await this.retried(
      async () => rowsOf(await this.database.get(), RECORD_LETTERS, [this.dlqName, rows]),
      '23505',
    );
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

  /**
   * Discarded records (of the last `days`) that cannot be restored: their order failed again
   * since and has an open record, which is the one to act on. By discarded id, the open one's id.
   */
  async reopenedElsewhere(
    filter: RecordFilter,
    days: number,
    manager: EntityManager,
  ): Promise<Map<string, string>> {
    const params: unknown[] = [];
    const where = whereOf(this.dlqName, { ...filter, states: ['discarded'] }, params);
    const rows = await rowsOf<{ id: string; openId: string }>(
      manager,
      `SELECT r.id::text AS id, o.id::text AS "openId" FROM dlq_records r
         JOIN dlq_records o ON o.dlq_name = r.dlq_name AND o.order_id = r.order_id AND o.state = ANY($${params.push(OPEN_STATES)}::text[])
        WHERE ${where} AND r.discarded_at > now() - make_interval(days => $${params.push(days)})`,
      params,
    );
    return new Map(rows.map((row) => [row.id, row.openId]));
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

  /**
   * Owner, note, hold of a failure group. Lifting a hold does not replay what was silenced: the
   * letters recorded meanwhile count as alerted.
   */
  async triage(
    manager: EntityManager,
    code: string,
    change: { owner?: string; note?: string; onHold?: boolean },
  ): Promise<boolean> {
    const rows = await rowsOf(
      manager,
      `WITH silenced AS (
         UPDATE dlq_letters l SET alerted = true FROM dlq_groups g
          WHERE g.dlq_name = $1 AND g.failure_code = $2 AND g.on_hold AND $5 = false
            AND l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code AND NOT l.alerted
       )
       UPDATE dlq_groups g SET owner = coalesce($3, g.owner), note = coalesce($4, g.note), on_hold = coalesce($5, g.on_hold)
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

  /** Runs `attempt` again while it loses to a concurrent transaction (or fails with `alsoOn`). */
  private async retried<T>(attempt: () => Promise<T>, alsoOn?: string): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        if (n >= ATTEMPTS || !(CONFLICTS.includes(code) || code === alsoOn)) {
          throw error;
        }
      }
    }
  }
}
