import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { OPEN_STATES } from '../records/record';
import { RecordsStore } from '../records/records.store';

/** One letter of a claimed group, as the database holds it (not alert-safe yet). */
export interface SampleLetter {
  messageId: string;
  orderId: string | null;
  clientId: string | null;
  customerId: string | null;
}

/** A failure group's letters, claimed for one alert: no other claim can get them. */
export interface ClaimedGroup {
  failureCode: string;
  count: number;
  /** The failure reason of the newest letter. */
  reason: string;
  firstFailedAt: Date;
  lastFailedAt: Date;
  maxAttempts: number | null;
  /** The newest letters, at most MAX_SAMPLES. */
  samples: SampleLetter[];
  openedAt: Date;
  /** Letters alerted since the group opened, these included. */
  alertedLetters: number;
  /** The group opened with this alert (it was closed, or new). */
  opened: boolean;
  inDlq: number;
}

export interface ClosedGroup {
  failureCode: string;
  openedAt: Date;
  alertedLetters: number;
  /** No record of any group is open. */
  noneOpen: boolean;
}

export type FiringGroup = Omit<ClosedGroup, 'noneOpen'> & { reason: string; inDlq: number };

const MAX_SAMPLES = 5;
const OPEN = `r.state IN (${OPEN_STATES.map((state) => `'${state}'`).join(', ')})`;
// Open records (failed or retry requested) of group g.
const IN_DLQ = `(SELECT count(*)::int FROM dlq_records r WHERE r.dlq_name = g.dlq_name AND r.failure_code = g.failure_code AND ${OPEN})`;
const SECONDS_AGO = (param: string) =>
  `now() - make_interval(secs => ${param}::double precision / 1000)`;

// One group whose oldest unalerted letter is older than the group window, and which was not
// alerted within the repeat interval, is locked (another replica takes another group); its
// unalerted letters are marked, and the marked letters make the alert. A letter is marked by one
// statement only, whenever it was committed: an id taken early and committed late is alerted too.
const CLAIM_NEXT = `
WITH due AS (
  SELECT g.failure_code FROM dlq_groups g
   WHERE g.dlq_name = $1 AND NOT g.on_hold AND (g.alerted_at IS NULL OR g.alerted_at <= ${SECONDS_AGO('$3')})
     AND EXISTS (SELECT 1 FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code
                    AND NOT l.alerted AND l.recorded_at <= ${SECONDS_AGO('$2')})
   LIMIT 1 FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE dlq_letters l SET alerted = true FROM due
   WHERE l.dlq_name = $1 AND l.failure_code = due.failure_code AND NOT l.alerted
  RETURNING l.id, l.failure_code, l.failure_reason, l.first_failed_at, l.last_failed_at,
            (l.failure_detail->>'attempts')::int AS attempts,
            json_build_object('messageId', l.message_id, 'orderId', l.order_id, 'clientId', l.client_id,
                              'customerId', l.customer_id) AS sample
), letters AS (
  SELECT failure_code, count(*)::int AS count, min(first_failed_at) AS first_failed_at,
         max(last_failed_at) AS last_failed_at, max(attempts) AS max_attempts,
         min(failure_reason) FILTER (WHERE newest = 1) AS reason,
         json_agg(sample ORDER BY id DESC) FILTER (WHERE newest <= ${MAX_SAMPLES}) AS samples
    FROM (SELECT *, row_number() OVER (ORDER BY id DESC) AS newest FROM claimed) ranked
   GROUP BY failure_code
)
UPDATE dlq_groups g SET alerted_at = now(), opened_at = coalesce(g.opened_at, now()),
       alerted_letters = CASE WHEN g.opened_at IS NULL THEN 0 ELSE g.alerted_letters END + c.count
  FROM letters c
 WHERE g.dlq_name = $1 AND g.failure_code = c.failure_code
RETURNING g.failure_code AS "failureCode", c.count, c.reason, c.first_failed_at AS "firstFailedAt",
          c.last_failed_at AS "lastFailedAt", c.max_attempts AS "maxAttempts", c.samples, g.opened_at AS "openedAt",
          g.alerted_letters AS "alertedLetters", g.opened_at = now() AS opened, ${IN_DLQ} AS "inDlq"`;

/**
 * Alerts decided in the database, so N sidecars send one each: every letter is claimed once, with
 * `UPDATE … WHERE NOT alerted RETURNING`. No leader, no lease: the claim is the coordination.
 */
@Injectable()
export class AlertClaims {
  constructor(
    private readonly records: RecordsStore,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** The next group due for an alert, claimed; undefined when none is due. */
  async claimNext(): Promise<ClaimedGroup | undefined> {
    const [group] = await this.records.query<ClaimedGroup>(CLAIM_NEXT, [
      this.records.dlqName,
      this.config.ALERT_GROUP_WINDOW_MS,
      this.config.ALERT_REPEAT_INTERVAL_MS,
    ]);
    return group;
  }

  /** Open groups without an open record or an unalerted letter close; exactly one sidecar gets each. */
  closeResolved(): Promise<ClosedGroup[]> {
    return this.records.query(
      `UPDATE dlq_groups g SET opened_at = NULL, alerted_at = NULL, alerted_letters = 0
         FROM (SELECT dlq_name, failure_code, opened_at, alerted_letters FROM dlq_groups) old
        WHERE g.dlq_name = $1 AND old.dlq_name = g.dlq_name AND old.failure_code = g.failure_code
          AND g.opened_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM dlq_records r WHERE r.dlq_name = g.dlq_name AND r.failure_code = g.failure_code AND ${OPEN})
          AND NOT EXISTS (SELECT 1 FROM dlq_letters l WHERE l.dlq_name = g.dlq_name AND l.failure_code = g.failure_code AND NOT l.alerted)
        RETURNING g.failure_code AS "failureCode", old.opened_at AS "openedAt", old.alerted_letters AS "alertedLetters",
                  NOT EXISTS (SELECT 1 FROM dlq_records r WHERE r.dlq_name = $1 AND ${OPEN}) AS "noneOpen"`,
      [this.records.dlqName],
    );
  }

  /** Open groups due for a re-post to Alertmanager, claimed by one sidecar. */
  refreshDue(): Promise<FiringGroup[]> {
    return this.records.query(
      `UPDATE dlq_groups g SET refreshed_at = now()
        WHERE g.dlq_name = $1 AND g.opened_at IS NOT NULL AND (g.refreshed_at IS NULL OR g.refreshed_at <= ${SECONDS_AGO('$2')})
        RETURNING g.failure_code AS "failureCode", g.opened_at AS "openedAt", g.alerted_letters AS "alertedLetters",
          coalesce((SELECT failure_reason FROM dlq_records r WHERE r.dlq_name = $1 AND r.failure_code = g.failure_code ORDER BY r.last_failed_at DESC LIMIT 1), '') AS reason,
          ${IN_DLQ} AS "inDlq"`,
      [this.records.dlqName, this.config.ALERTMANAGER_RESEND_INTERVAL_MS],
    );
  }
}
