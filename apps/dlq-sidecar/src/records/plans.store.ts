import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { StoredAttribute } from './letter';
import { FailedOrderRecord, RecordFilter, RecordState } from './record';
import { ORDER_UUID, RECORD_COLUMNS, rowsOf, whereOf } from './record-query';
import { RecordsStore } from './records.store';

export type PlanState = 'planned' | 'applying' | 'paused' | 'done' | 'cancelled';
export type Outcome = 'stored' | 'failed_again' | 'pending' | 'not_sent' | 'skipped';

export interface Plan {
  id: string;
  filter: Record<string, unknown>;
  total: number;
  state: PlanState;
  createdBy: string;
  createdAt: Date;
  appliedBy: string | null;
  heartbeatAt: Date | null;
  /** A staged plan's stage sizes before "the rest"; null: applied all at once. */
  stages: number[] | null;
  /** The stage being sent (0-based); stages.length and beyond is the rest. */
  stage: number;
  rate: number | null;
  pausedReason: string | null;
}

export interface PlanItem {
  recordId: string;
  orderId: string | null;
  sentAt: Date | null;
  skipped: string | null;
  /** The stage that sent it (staged plans). */
  stage: number | null;
  outcome: Outcome;
}

/** A record as a redrive sends it. */
export interface Sendable {
  recordId: string;
  state: RecordState;
  body: string;
  /** The latest letter's attributes (the sender drops the failure ones). */
  attributes: Record<string, StoredAttribute>;
  messageId: string;
  /** The database's time when the chunk was read, before it is sent (exact, as text). */
  readAt: string;
}

// An applier that has not reported for this long is gone (killed): another may take the plan over.
export const PLAN_HEARTBEAT_STALE_SECONDS = 30;

const OUTCOME = `CASE WHEN i.skipped IS NOT NULL THEN 'skipped'
  WHEN i.sent_at IS NULL THEN 'not_sent'
  WHEN EXISTS (SELECT 1 FROM orders o WHERE o.order_id = ${ORDER_UUID}) THEN 'stored'
  WHEN EXISTS (SELECT 1 FROM dlq_letters l WHERE l.record_id = r.id AND l.recorded_at > i.sent_at) THEN 'failed_again'
  ELSE 'pending' END`;

// A plan's items with their outcomes; callers add conditions and the order.
const ITEMS = `SELECT r.id::text AS "recordId", r.order_id AS "orderId", i.sent_at AS "sentAt", i.skipped, i.stage,
  ${OUTCOME} AS outcome FROM dlq_plan_items i JOIN dlq_records r ON r.id = i.record_id WHERE i.plan_id = $1`;

const PLAN_COLUMNS = `id::text, filter, total, state, created_by AS "createdBy", created_at AS "createdAt",
  applied_by AS "appliedBy", heartbeat_at AS "heartbeatAt", stages, stage, rate, paused_reason AS "pausedReason"`;

/** Redrive plans: the exact set frozen when planned, and how far applying it got. */
@Injectable()
export class PlansStore {
  constructor(private readonly records: RecordsStore) {}

  /** Freezes the records the filter matches now; records without an order id are left out (they would only fail again). */
  async create(
    filter: RecordFilter,
    described: Record<string, unknown>,
    createdBy: string,
    manager: EntityManager,
  ): Promise<{ plan: Plan; withoutOrderId: number; sample: FailedOrderRecord[] }> {
    const params: unknown[] = [];
    const where = whereOf(this.records.dlqName, filter, params);
    const bind = (value: unknown) => `$${params.push(value)}`;
    // One statement: the items' foreign key to the plan is checked when it ends, after both inserts.
    const [{ without, ...plan }] = await rowsOf<Plan & { without: number }>(
      manager,
      `WITH chosen AS (SELECT r.id, r.order_id FROM dlq_records r WHERE ${where}),
            plan AS (INSERT INTO dlq_plans (id, dlq_name, filter, total, created_by)
                     SELECT ${bind(randomUUID())}::uuid, ${bind(this.records.dlqName)}, ${bind(JSON.stringify(described))},
                            count(*) FILTER (WHERE order_id IS NOT NULL), ${bind(createdBy)} FROM chosen
                     RETURNING ${PLAN_COLUMNS}),
            added AS (INSERT INTO dlq_plan_items (plan_id, record_id)
                      SELECT plan.id::uuid, chosen.id FROM plan, chosen WHERE chosen.order_id IS NOT NULL)
       SELECT plan.*, (SELECT count(*)::int FROM chosen WHERE order_id IS NULL) AS without FROM plan`,
      params,
    );
    const sample: FailedOrderRecord[] = await rowsOf(
      manager,
      `SELECT ${RECORD_COLUMNS} FROM dlq_plan_items i JOIN dlq_records r ON r.id = i.record_id
        WHERE i.plan_id = $1 ORDER BY r.last_failed_at DESC, r.id DESC LIMIT 10`,
      [plan.id],
    );
    return { plan, withoutOrderId: without, sample };
  }

  async get(id: string): Promise<Plan | undefined> {
    const [plan] = await this.records.query<Plan>(
      `SELECT ${PLAN_COLUMNS} FROM dlq_plans WHERE id = $1 AND dlq_name = $2`,
      [id, this.records.dlqName],
    );
    return plan;
  }

  /**
   * Takes the plan for applying: a planned or paused one, or one whose applier stopped reporting.
   * A paused plan resumes with its next stage. `stages` (planned or paused plans only) makes it
   * staged; an empty list sends the rest at once.
   */
  async claim(
    id: string,
    appliedBy: string,
    change: { stages?: number[]; rate?: number },
    manager: EntityManager,
  ): Promise<Plan | undefined> {
    const [plan] = await rowsOf<Plan>(
      manager,
      `UPDATE dlq_plans SET state = 'applying', applied_by = $3, heartbeat_at = now(), paused_reason = NULL,
              stage = CASE WHEN state = 'paused' THEN stage + 1 ELSE stage END,
              stages = CASE WHEN $4::int[] IS NOT NULL AND state IN ('planned', 'paused') THEN $4::int[] ELSE stages END,
              rate = COALESCE($5::int, rate)
        WHERE id = $1 AND dlq_name = $2 AND (state IN ('planned', 'paused') OR (state = 'applying'
              AND heartbeat_at < now() - make_interval(secs => ${PLAN_HEARTBEAT_STALE_SECONDS})))
        RETURNING ${PLAN_COLUMNS}`,
      [id, this.records.dlqName, appliedBy, change.stages ?? null, change.rate ?? null],
    );
    return plan;
  }

  /** Records of the plan a stage sent so far (staged plans). */
  async sentInStage(id: string, stage: number): Promise<number> {
    const [{ n }] = await this.records.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dlq_plan_items WHERE plan_id = $1 AND stage = $2`,
      [id, stage],
    );
    return n;
  }

  /** A stage's outcomes so far, with the records that failed again or are still pending. */
  async stageOutcomes(
    id: string,
    stage: number,
  ): Promise<{ counts: Record<Outcome, number>; open: { recordId: string; outcome: Outcome }[] }> {
    const rows = await this.records.query<PlanItem>(
      `${ITEMS} AND i.stage = $2 ORDER BY i.record_id`,
      [id, stage],
    );
    const counts = emptyCounts();
    rows.forEach((row) => counts[row.outcome]++);
    return {
      counts,
      open: rows.filter((row) => row.outcome === 'failed_again' || row.outcome === 'pending'),
    };
  }

  /** Reports that the applier is alive; returns the plan's state (an operator may have cancelled it). */
  async heartbeat(id: string): Promise<PlanState | undefined> {
    const [row] = await this.records.query<{ state: PlanState }>(
      `UPDATE dlq_plans SET heartbeat_at = now() WHERE id = $1 RETURNING state`,
      [id],
    );
    return row?.state;
  }

  /** The stage's outcomes are in and good: on to the next one. */
  async advance(id: string, stage: number): Promise<void> {
    await this.records.query(
      `UPDATE dlq_plans SET stage = stage + 1, heartbeat_at = now() WHERE id = $1 AND state = 'applying' AND stage = $2`,
      [id, stage],
    );
  }

  /** Stops an applying plan until an operator resumes (or cancels) it; false if it was cancelled meanwhile. */
  async pause(id: string, reason: string): Promise<boolean> {
    const rows = await this.records.query(
      `UPDATE dlq_plans SET state = 'paused', paused_reason = $2, heartbeat_at = now()
        WHERE id = $1 AND state = 'applying' RETURNING 1`,
      [id, reason],
    );
    return rows.length > 0;
  }

  /** Why the plan's records failed (their latest failure), most common first. */
  reasonsOf(id: string): Promise<{ failureCode: string; failureReason: string; count: number }[]> {
    return this.records.query(
      `SELECT r.failure_code AS "failureCode", r.failure_reason AS "failureReason", count(*)::int AS count
         FROM dlq_plan_items i JOIN dlq_records r ON r.id = i.record_id WHERE i.plan_id = $1
        GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 10`,
      [id],
    );
  }

  /** Plans, newest first. */
  list(limit: number): Promise<Plan[]> {
    return this.records.query<Plan>(
      `SELECT ${PLAN_COLUMNS} FROM dlq_plans WHERE dlq_name = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [this.records.dlqName, limit],
    );
  }

  /** The next records of the plan not sent yet, with what a send needs: the body, the latest letter's attributes. */
  nextToSend(id: string, limit: number): Promise<Sendable[]> {
    return this.records.query<Sendable>(
      `SELECT r.id::text AS "recordId", r.state, r.body, l.attributes, l.message_id AS "messageId",
              now()::text AS "readAt"
         FROM dlq_plan_items i JOIN dlq_records r ON r.id = i.record_id
         CROSS JOIN LATERAL (SELECT attributes, message_id FROM dlq_letters WHERE record_id = r.id ORDER BY id DESC LIMIT 1) l
        WHERE i.plan_id = $1 AND i.sent_at IS NULL AND i.skipped IS NULL
        ORDER BY i.record_id LIMIT $2`,
      [id, limit],
    );
  }

  /**
   * Marks a chunk after its send: sent records become "retry requested", skipped ones keep why.
   * Returns the plan's state (an operator may have cancelled it). `readAt` is from before the
   * send: a record that failed again since (its new letter is already recorded, as happens when
   * the processor is quicker than this mark) stays failed, and its outcome says failed again.
   */
  async sent(
    id: string,
    chunk: { stage: number | null; sent: string[]; skipped: Map<string, string>; readAt: string },
  ): Promise<PlanState> {
    const { stage, sent, skipped, readAt } = chunk;
    return this.records.transaction(async (manager) => {
      await rowsOf(
        manager,
        `UPDATE dlq_plan_items i SET sent_at = $2::timestamptz, stage = $3
          WHERE i.plan_id = $1 AND i.record_id = ANY($4::bigint[])`,
        [id, readAt, stage, sent],
      );
      if (skipped.size > 0) {
        await rowsOf(
          manager,
          `UPDATE dlq_plan_items i SET skipped = s.reason
             FROM unnest($2::bigint[], $3::text[]) AS s(record_id, reason)
            WHERE i.plan_id = $1 AND i.record_id = s.record_id`,
          [id, [...skipped.keys()], [...skipped.values()]],
        );
      }
      // Locked first, checked after: a new failure being recorded holds the record until it is
      // committed, and only a statement begun after that sees its letter.
      await rowsOf(
        manager,
        `SELECT 1 FROM dlq_records WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
        [sent],
      );
      await rowsOf(
        manager,
        `UPDATE dlq_records r SET state = 'retry_requested', updated_at = now()
          WHERE r.id = ANY($1::bigint[]) AND r.state = 'failed'
            AND NOT EXISTS (SELECT 1 FROM dlq_letters l WHERE l.record_id = r.id AND l.recorded_at > $2::timestamptz)`,
        [sent, readAt],
      );
      const [{ state }] = await rowsOf<{ state: PlanState }>(
        manager,
        `UPDATE dlq_plans SET heartbeat_at = now() WHERE id = $1 RETURNING state`,
        [id],
      );
      return state;
    });
  }

  /** Ends an applying plan; false when it was cancelled meanwhile (it stays cancelled). */
  async finish(id: string): Promise<boolean> {
    const rows = await this.records.query(
      `UPDATE dlq_plans SET state = 'done', heartbeat_at = now() WHERE id = $1 AND state = 'applying' RETURNING 1`,
      [id],
    );
    return rows.length > 0;
  }

  async cancel(id: string, manager: EntityManager): Promise<Plan | undefined> {
    const [plan] = await rowsOf<Plan>(
      manager,
      `UPDATE dlq_plans SET state = 'cancelled' WHERE id = $1 AND dlq_name = $2 AND state IN ('planned', 'applying', 'paused')
        RETURNING ${PLAN_COLUMNS}`,
      [id, this.records.dlqName],
    );
    return plan;
  }

  /** Counts per outcome, and the items themselves, a page at a time. */
  async outcomes(
    id: string,
    limit: number,
    afterRecordId = '0',
  ): Promise<{ counts: Record<Outcome, number>; items: PlanItem[] }> {
    const [counted, page] = await Promise.all([
      this.records.query<{ outcome: Outcome; n: number }>(
        `SELECT outcome, count(*)::int AS n FROM (${ITEMS}) o GROUP BY outcome`,
        [id],
      ),
      this.records.query<PlanItem>(
        `${ITEMS} AND i.record_id > $2::bigint ORDER BY i.record_id LIMIT $3`,
        [id, afterRecordId, limit],
      ),
    ]);
    const counts = emptyCounts();
    counted.forEach((row) => (counts[row.outcome] = row.n));
    return { counts, items: page };
  }
}

function emptyCounts(): Record<Outcome, number> {
  return { stored: 0, failed_again: 0, pending: 0, not_sent: 0, skipped: 0 };
}
