import { LazyDataSource } from '@orders/persistence';
import { EntityManager } from 'typeorm';
import { DeadLetter } from '../../dlq/dead-letter';
import { Fence } from '../leader.lease';
import {
  AlertedRecord,
  AtRisk,
  DeadLetterLedger,
  LedgerView,
  OpenGroup,
  PendingLetter,
  ScanRecord,
} from './dead-letter.ledger';

const ROWS_PER_STATEMENT = 1000;
// A storm of new letters is alerted as one group anyway; the view does not need every row of it.
const MAX_PENDING_ROWS = 50_000;
const LETTER_COLUMNS =
  'message_id, group_key, order_id, customer_id, client_id, reason, attempts, failed_first_at, failed_last_at, noticed_at, sent_at';

interface LetterRow {
  message_id: string;
  group_key: string;
  order_id: string | null;
  customer_id: string | null;
  client_id: string | null;
  reason: string;
  attempts: number | null;
  failed_first_at: Date;
  failed_last_at: Date;
  noticed_at: Date;
  sent_at: Date;
}

/** The lease a leader's write must still hold; its term changes when another sidecar takes over. */
export class LeaseLostError extends Error {
  constructor() {
    super('the leader lease is held by another sidecar now');
    this.name = 'LeaseLostError';
  }
}

/** The ledger in PostgreSQL (tables from the sidecar migrations), shared by all sidecars of one DLQ. */
export class DatabaseLedger implements DeadLetterLedger {
  constructor(
    private readonly database: LazyDataSource,
    private readonly dlqName: string,
    // Without one (tests of the ledger alone) writes are not fenced.
    private readonly fence?: () => Fence | undefined,
    private readonly hidingSeconds = 0,
  ) {}

  async record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]> {
    const inserted = new Set<string>();
    // A stable lock order: two writers of overlapping letters wait for each other instead of deadlocking.
    const sorted = [...letters].sort((a, b) =>
      a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0,
    );
    await this.write(async (manager) => {
      for (let start = 0; start < sorted.length; start += ROWS_PER_STATEMENT) {
        const chunk = sorted.slice(start, start + ROWS_PER_STATEMENT);
        // (xmax = 0) is true for a row this statement inserted, false for one it updated: the first sighting wins, across sidecars too.
        const rows: { message_id: string; inserted: boolean }[] = await manager.query(
          `INSERT INTO dlq_dead_letters
             (dlq_name, message_id, group_key, order_id, customer_id, client_id, reason, attempts, failed_first_at, failed_last_at, sent_at, noticed_at, last_seen_at)
           SELECT $1, m, g, o, c, cl, r, a, ff, fl, s, $12, $12
             FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[], $7::text[], $8::int[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
               AS t(m, g, o, c, cl, r, a, ff, fl, s)
           ON CONFLICT (dlq_name, message_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, gone_at = NULL
           RETURNING message_id, (xmax = 0) AS inserted`,
          [
            this.dlqName,
            chunk.map((letter) => letter.messageId),
            chunk.map((letter) => letter.groupKey),
            chunk.map((letter) => letter.orderId ?? null),
            chunk.map((letter) => letter.customerId ?? null),
            chunk.map((letter) => letter.clientId ?? null),
            chunk.map((letter) => letter.reason),
            chunk.map((letter) => letter.attempts ?? null),
            chunk.map((letter) => letter.firstFailureAt),
            chunk.map((letter) => letter.lastFailureAt ?? scan.at),
            chunk.map((letter) => letter.sentAt),
            scan.at,
          ],
        );
        rows.filter((row) => row.inserted).forEach((row) => inserted.add(row.message_id));
      }
      if (scan.complete) {
        // A redrive, edit or purge under way hides the letters it looks past: none of them is gone before it ends.
        await manager.query(
          `UPDATE dlq_dead_letters SET gone_at = $2 WHERE dlq_name = $1 AND gone_at IS NULL
              AND last_seen_at < least($3, (SELECT min(started_at) - make_interval(secs => $4) FROM dlq_audit_runs
                                            WHERE dlq_name = $1 AND status = 'running' AND updated_at > $3))`,
          [this.dlqName, scan.at, scan.goneBefore, this.hidingSeconds],
        );
      }
    });
    return letters.filter((letter) => inserted.has(letter.messageId));
  }

  async view(): Promise<LedgerView> {
    const dataSource = await this.database.get();
    const [pending, present, groups, oldest] = await Promise.all([
      dataSource.query(
        `SELECT ${LETTER_COLUMNS} FROM dlq_dead_letters WHERE dlq_name = $1 AND alerted_at IS NULL ORDER BY noticed_at LIMIT ${MAX_PENDING_ROWS}`,
        [this.dlqName],
      ) as Promise<LetterRow[]>,
      dataSource.query(
        `SELECT group_key, count(*)::int AS n FROM dlq_dead_letters WHERE dlq_name = $1 AND gone_at IS NULL GROUP BY group_key`,
        [this.dlqName],
      ) as Promise<{ group_key: string; n: number }[]>,
      dataSource.query(
        `SELECT group_key, reason, opened_at, last_alerted_at, alerted_letters FROM dlq_alert_groups WHERE dlq_name = $1`,
        [this.dlqName],
      ) as Promise<
        {
          group_key: string;
          reason: string;
          opened_at: Date;
          last_alerted_at: Date;
          alerted_letters: number;
        }[]
      >,
      this.oldestPresentSentAt(),
    ]);
    return {
      pending: pending.map(toPendingLetter),
      present: new Map(present.map((row) => [row.group_key, row.n])),
      groups: groups.map(
        (row): OpenGroup => ({
          groupKey: row.group_key,
          reason: row.reason,
          openedAt: row.opened_at,
          lastAlertedAt: row.last_alerted_at,
          alertedLetters: row.alerted_letters,
        }),
      ),
      oldestSentAt: oldest,
    };
  }

  /** For followers' metrics: cheaper than the whole view. */
  async oldestPresentSentAt(): Promise<Date | undefined> {
    const dataSource = await this.database.get();
    const rows: { oldest: Date | null }[] = await dataSource.query(
      `SELECT min(sent_at) AS oldest FROM dlq_dead_letters WHERE dlq_name = $1 AND gone_at IS NULL`,
      [this.dlqName],
    );
    return rows[0]?.oldest ?? undefined;
  }

  async atRisk(sentBefore: Date, samples: number): Promise<AtRisk> {
    const dataSource = await this.database.get();
    const [rows, counted] = await Promise.all([
      dataSource.query(
        `SELECT ${LETTER_COLUMNS} FROM dlq_dead_letters WHERE dlq_name = $1 AND gone_at IS NULL AND sent_at < $2 ORDER BY sent_at LIMIT $3`,
        [this.dlqName, sentBefore, samples],
      ) as Promise<LetterRow[]>,
      dataSource.query(
        `SELECT count(*)::int AS n FROM dlq_dead_letters WHERE dlq_name = $1 AND gone_at IS NULL AND sent_at < $2`,
        [this.dlqName, sentBefore],
      ) as Promise<{ n: number }[]>,
    ]);
    return { count: counted[0]?.n ?? 0, samples: rows.map(toPendingLetter) };
  }

  async alerted(record: AlertedRecord): Promise<void> {
    await this.write(async (manager) => {
      await manager.query(
        `UPDATE dlq_dead_letters SET alerted_at = $3 WHERE dlq_name = $1 AND message_id = ANY($2::varchar[])`,
        [this.dlqName, record.messageIds, record.at],
      );
      await manager.query(
        `INSERT INTO dlq_alert_groups (dlq_name, group_key, reason, opened_at, last_alerted_at, alerted_letters)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dlq_name, group_key) DO UPDATE
           SET reason = EXCLUDED.reason, last_alerted_at = EXCLUDED.last_alerted_at,
               alerted_letters = dlq_alert_groups.alerted_letters + EXCLUDED.alerted_letters`,
        [
          this.dlqName,
          record.groupKey,
          record.reason,
          record.openedAt,
          record.at,
          record.messageIds.length,
        ],
      );
    });
  }

  async resolved(groupKeys: string[]): Promise<void> {
    await this.write(async (manager) => {
      await manager.query(
        `DELETE FROM dlq_alert_groups WHERE dlq_name = $1 AND group_key = ANY($2::varchar[])`,
        [this.dlqName, groupKeys],
      );
      await manager.query(
        `DELETE FROM dlq_dead_letters WHERE dlq_name = $1 AND group_key = ANY($2::varchar[]) AND gone_at IS NOT NULL AND alerted_at IS NOT NULL`,
        [this.dlqName, groupKeys],
      );
    });
  }

  /**
   * A leader's writes happen only while its lease is current: the lease row is locked for the
   * transaction, so a takeover waits for it, and a stale leader's writes fail instead of landing.
   */
  private async write(statements: (manager: EntityManager) => Promise<void>): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.transaction(async (manager) => {
      if (this.fence) {
        const fence = this.fence();
        const held = fence
          ? await manager.query(
              `SELECT 1 FROM dlq_leader_lease WHERE dlq_name = $1 AND holder = $2 AND term = $3 FOR SHARE`,
              [this.dlqName, fence.holder, fence.term],
            )
          : [];
        if (held.length === 0) {
          throw new LeaseLostError();
        }
      }
      await statements(manager);
    });
  }
}

function toPendingLetter(row: LetterRow): PendingLetter {
  return {
    messageId: row.message_id,
    groupKey: row.group_key,
    orderId: row.order_id ?? undefined,
    customerId: row.customer_id ?? undefined,
    clientId: row.client_id ?? undefined,
    reason: row.reason,
    attempts: row.attempts ?? undefined,
    failedFirstAt: row.failed_first_at,
    failedLastAt: row.failed_last_at,
    noticedAt: row.noticed_at,
    sentAt: row.sent_at,
  };
}
