import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { OPEN_STATES } from '../records/record';
import { rowsOf } from '../records/record-query';
import { RecordsStore } from '../records/records.store';

/** A failure group with letters not alerted yet whose window is over, as read before claiming. */
export interface DueGroup {
  failureCode: string;
  alertedThrough: string;
  through: string;
  count: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
  maxAttempts: number | null;
}

export interface Claimed {
  openedAt: Date;
  /** Letters alerted since the group opened, this alert included. */
  alertedLetters: number;
  /** The group opened with this alert (it was closed, or new). */
  opened: boolean;
  inDlq: number;
}

export interface SampleLetter {
  messageId: string;
  orderId: string | null;
  clientId: string | null;
  customerId: string | null;
  failureReason: string;
  lastFailedAt: Date;
}

export interface ClosedGroup {
  failureCode: string;
  openedAt: Date;
  alertedLetters: number;
}

/**
 * Alerts decided in the database, so N sidecars send one: each reads what is due, and an
 * `UPDATE … WHERE alerted_through = <what it read> RETURNING` lets exactly one of them claim it.
 * No leader, no lease: the claim is the coordination.
 */
@Injectable()
export class AlertClaims {
  constructor(
    private readonly records: RecordsStore,
    private readonly config: DlqSidecarConfig,
  ) {}

  due(): Promise<DueGroup[]> {
    return this.records.query<DueGroup>(
      `SELECT g.failure_code AS "failureCode", g.alerted_through::text AS "alertedThrough", max(l.id)::text AS through,
              count(*)::int AS count, min(l.first_failed_at) AS "firstFailedAt", max(l.last_failed_at) AS "lastFailedAt",
              max((l.failure_detail->>'attempts')::int) AS "maxAttempts"
         FROM dlq_groups g JOIN dlq_letters l ON l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code AND l.id > g.alerted_through
        WHERE g.dlq_name = $1 AND NOT g.on_hold
          AND (g.alerted_at IS NULL OR g.alerted_at <= now() - make_interval(secs => $3::double precision / 1000))
        GROUP BY g.failure_code, g.alerted_through
       HAVING min(l.recorded_at) <= now() - make_interval(secs => $2::double precision / 1000)`,
      [
        this.records.dlqName,
        this.config.ALERT_GROUP_WINDOW_MS,
        this.config.ALERT_REPEAT_INTERVAL_MS,
      ],
    );
  }

  /** Undefined when another sidecar claimed it first. */
  async claim(group: DueGroup): Promise<Claimed | undefined> {
    const [claimed] = await this.records.query<Claimed>(
      `UPDATE dlq_groups g SET alerted_through = $4, alerted_at = now(), opened_at = coalesce(g.opened_at, now()),
              alerted_letters = CASE WHEN g.opened_at IS NULL THEN 0 ELSE g.alerted_letters END + $5
        WHERE g.dlq_name = $1 AND g.failure_code = $2 AND g.alerted_through = $3 AND NOT g.on_hold
        RETURNING g.opened_at AS "openedAt", g.alerted_letters AS "alertedLetters", g.opened_at = now() AS opened,
                  (SELECT count(*)::int FROM dlq_records r WHERE r.dlq_name = $1 AND r.failure_code = $2
                      AND r.state = ANY($6::text[])) AS "inDlq"`,
      [
        this.records.dlqName,
        group.failureCode,
        group.alertedThrough,
        group.through,
        group.count,
        OPEN_STATES,
      ],
    );
    return claimed;
  }

  samples(group: DueGroup, limit: number): Promise<SampleLetter[]> {
    return this.records.query<SampleLetter>(
      `SELECT message_id AS "messageId", order_id AS "orderId", client_id AS "clientId", customer_id AS "customerId",
              failure_reason AS "failureReason", last_failed_at AS "lastFailedAt"
         FROM dlq_letters WHERE dlq_name = $1 AND failure_code = $2 AND id > $3 AND id <= $4
        ORDER BY id DESC LIMIT $5`,
      [this.records.dlqName, group.failureCode, group.alertedThrough, group.through, limit],
    );
  }

  /** Open groups without an open record or an unalerted letter close; exactly one sidecar gets each. */
  closeResolved(): Promise<ClosedGroup[]> {
    return this.records.transaction((manager) =>
      rowsOf<ClosedGroup>(
        manager,
        `UPDATE dlq_groups g SET opened_at = NULL, alerted_at = NULL, alerted_letters = 0
           FROM (SELECT dlq_name, failure_code, opened_at, alerted_letters FROM dlq_groups) old
          WHERE g.dlq_name = $1 AND old.dlq_name = g.dlq_name AND old.failure_code = g.failure_code
            AND g.opened_at IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM dlq_records r WHERE r.dlq_name = g.dlq_name AND r.failure_code = g.failure_code AND r.state = ANY($2::text[]))
            AND NOT EXISTS (SELECT 1 FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code AND l.id > g.alerted_through)
          RETURNING g.failure_code AS "failureCode", old.opened_at AS "openedAt", old.alerted_letters AS "alertedLetters"`,
        [this.records.dlqName, OPEN_STATES],
      ),
    );
  }

  /** Open groups due for a re-post to Alertmanager, claimed by one sidecar. */
  refreshDue(): Promise<(ClosedGroup & { reason: string; inDlq: number })[]> {
    return this.records.query(
      `UPDATE dlq_groups g SET refreshed_at = now()
        WHERE g.dlq_name = $1 AND g.opened_at IS NOT NULL
          AND (g.refreshed_at IS NULL OR g.refreshed_at <= now() - make_interval(secs => $2::double precision / 1000))
        RETURNING g.failure_code AS "failureCode", g.opened_at AS "openedAt", g.alerted_letters AS "alertedLetters",
          coalesce((SELECT failure_reason FROM dlq_records r WHERE r.dlq_name = $1 AND r.failure_code = g.failure_code ORDER BY r.last_failed_at DESC LIMIT 1), '') AS reason,
          (SELECT count(*)::int FROM dlq_records r WHERE r.dlq_name = $1 AND r.failure_code = g.failure_code AND r.state = ANY($3::text[])) AS "inDlq"`,
      [this.records.dlqName, this.config.ALERTMANAGER_RESEND_INTERVAL_MS, OPEN_STATES],
    );
  }

  /** Whether any record is open at all (for "no failed orders left"). */
  async anyOpen(): Promise<boolean> {
    const rows = await this.records.query(
      `SELECT 1 FROM dlq_records WHERE dlq_name = $1 AND state = ANY($2::text[]) LIMIT 1`,
      [this.records.dlqName, OPEN_STATES],
    );
    return rows.length > 0;
  }
}
