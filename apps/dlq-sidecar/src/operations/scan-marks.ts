import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { OperationsErrorCode, OperationsException } from './operations.exception';

// A running scan renews its mark this often; the mark covers letters received until the next renewal.
const RENEW_MS = 2000;

export interface TurnOptions {
  signal?: AbortSignal;
  onWaiting?: (secondsLeft: number) => void;
}

/**
 * SQS has no peek: a scan hides what it receives until it ends, so two scans at once would each
 * find the other's letters missing, or wait for each other. Operator scans of one DLQ (read-only
 * ones included) therefore take turns: each writes a row in dlq_scan_marks before its first
 * receive, renews it while it runs, removes it after it released its letters, and starts only once
 * the rows written before it are gone. A killed scan's row runs out with its letters' hiding.
 * Best effort: without the database a scan still runs, unannounced.
 */
@Injectable()
export class ScanMarks {
  constructor(
    private readonly database: LazyDataSource,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** Runs `scan` in its turn; it gets what tells it until when earlier scans and the watcher hide letters. */
  async inTurn<T>(
    dlqName: string,
    options: TurnOptions,
    scan: (othersHidingUntil: () => Promise<Date | undefined>) => Promise<T>,
  ): Promise<T> {
    const id = randomUUID();
    const hold = () =>
      this.query(
        `INSERT INTO dlq_scan_marks (id, dlq_name, hidden_until) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (id) DO UPDATE SET hidden_until = excluded.hidden_until`,
        [id, dlqName, this.config.DLQ_CLI_VISIBILITY_SECONDS + (2 * RENEW_MS) / 1000],
      );
    let renewing = hold();
    await renewing;
    const renewal = setInterval(() => {
      renewing = hold();
    }, RENEW_MS).unref();
    try {
      await this.waitForTurn(dlqName, id, options);
      // Once under way, it waits (at its end) for letters an earlier scan or the watcher may hide.
      return await scan(async () => (await this.hiders(dlqName, id)).anyone);
    } finally {
      clearInterval(renewal);
      // A renewal still under way would write the mark again after the delete.
      await renewing;
      // Marks of scans killed long ago go too.
      await this.query(`DELETE FROM dlq_scan_marks WHERE id = $1 OR hidden_until < now()`, [id]);
    }
  }

  /**
   * Waits for the operator scans that started before this one: long enough for a killed scan's
   * mark to run out; a live scan that outlasts that is a long run, and this one gives up. The
   * watcher's scans take seconds and are waited for at the end of the scan instead (a watcher
   * that died mid-scan keeps its mark until its lease runs out, which is no reason to refuse).
   */
  private async waitForTurn(
    dlqName: string,
    id: string,
    { signal, onWaiting }: TurnOptions,
  ): Promise<void> {
    const giveUpAt =
      Date.now() + (this.config.DLQ_CLI_VISIBILITY_SECONDS + 5) * 1000 + 2 * RENEW_MS;
    while (!signal?.aborted) {
      const { scans } = await this.hiders(dlqName, id).catch(() => ({ scans: undefined }));
      if (scans === undefined || scans.getTime() <= Date.now()) {
        return;
      }
      if (Date.now() >= giveUpAt) {
        throw new OperationsException(
          OperationsErrorCode.ScanInProgress,
          `Another scan of ${dlqName} (a list, show or run) is still under way and hides letters; nothing was read. Try again when it has ended.`,
        );
      }
      onWaiting?.(Math.ceil((scans.getTime() - Date.now()) / 1000));
      await sleep(1000, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Until when letters may stay hidden by operator scans that started before this one, and by them or the leading watcher. */
  private async hiders(dlqName: string, id: string): Promise<{ scans?: Date; anyone?: Date }> {
    const rows = await this.database.queryWithin<{ scans: Date | null; anyone: Date | null }>(
      this.config.DB_CONNECT_TIMEOUT_MS,
      // Without a mark of its own (the insert failed), every other mark counts as earlier.
      `WITH me AS (
         SELECT coalesce((SELECT started_at FROM dlq_scan_marks WHERE id = $2), 'infinity') AS started_at)
       SELECT scans, greatest(scans, watcher) AS anyone FROM (SELECT
         (SELECT max(mark.hidden_until) FROM dlq_scan_marks mark, me
           WHERE mark.dlq_name = $1 AND mark.id <> $2 AND mark.hidden_until > now()
             AND (mark.started_at, mark.id) < (me.started_at, $2)) AS scans,
         (SELECT scan_until FROM dlq_leader_lease WHERE dlq_name = $1 AND expires_at > now()) AS watcher) hiding`,
      [dlqName, id],
    );
    return { scans: rows[0]?.scans ?? undefined, anyone: rows[0]?.anyone ?? undefined };
  }

  private async query(sql: string, parameters: unknown[]): Promise<void> {
    await this.database
      .queryWithin(this.config.DB_CONNECT_TIMEOUT_MS, sql, parameters)
      .catch(() => undefined);
  }
}
