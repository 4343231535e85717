import { LazyDataSource } from '@orders/persistence';
import { DeadLetter } from '../dead-letters/dead-letter';
import {
  AlertedRecord,
  DeadLetterLedger,
  LedgerView,
  OpenGroup,
  PendingLetter,
  ScanRecord,
} from './dead-letter.ledger';

const ROWS_PER_STATEMENT = 1000;
// A storm of new letters is alerted as one group anyway; the view does not need every row of it.
const MAX_PENDING_ROWS = 50_000;

interface PendingRow {
  message_id: string;
  group_key: string;
  order_id: string | null;
  customer_id: string | null;
  reason: string;
  attempts: number | null;
  failed_first_at: Date;
  failed_last_at: Date;
  noticed_at: Date;
}

/** The ledger in PostgreSQL (tables from the CreateDlqSidecarTables migration), shared by all sidecars of one DLQ. */
export class DatabaseLedger implements DeadLetterLedger {
  readonly kind = 'database';

  constructor(
    private readonly database: LazyDataSource,
    private readonly dlqName: string,
  ) {}

  async record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]> {
    const dataSource = await this.database.get();
    const inserted = new Set<string>();
    // A stable lock order: two writers of overlapping letters wait for each other instead of deadlocking.
    const sorted = [...letters].sort((a, b) =>
      a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0,
    );
    for (let start = 0; start < sorted.length; start += ROWS_PER_STATEMENT) {
      const chunk = sorted.slice(start, start + ROWS_PER_STATEMENT);
      // (xmax = 0) is true for a row this statement inserted, false for one it updated: the first sighting wins, across sidecars too.
      const rows: { message_id: string; inserted: boolean }[] = await dataSource.query(
        `INSERT INTO dlq_dead_letters
           (dlq_name, message_id, group_key, order_id, customer_id, reason, attempts, failed_first_at, failed_last_at, sent_at, noticed_at, last_scan_id)
         SELECT $1, m, g, o, c, r, a, ff, fl, s, $11, $12
           FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])
             AS t(m, g, o, c, r, a, ff, fl, s)
         ON CONFLICT (dlq_name, message_id) DO UPDATE SET last_scan_id = EXCLUDED.last_scan_id, gone_at = NULL
         RETURNING message_id, (xmax = 0) AS inserted`,
        [
          this.dlqName,
          chunk.map((letter) => letter.messageId),
          chunk.map((letter) => letter.groupKey),
          chunk.map((letter) => letter.orderId ?? null),
          chunk.map((letter) => letter.customerId ?? null),
          chunk.map((letter) => letter.reason),
          chunk.map((letter) => letter.attempts ?? null),
          chunk.map((letter) => letter.firstFailureAt),
          chunk.map((letter) => letter.lastFailureAt ?? scan.at),
          chunk.map((letter) => letter.sentAt),
          scan.at,
          scan.scanId,
        ],
      );
      rows.filter((row) => row.inserted).forEach((row) => inserted.add(row.message_id));
    }
    if (scan.complete) {
      await dataSource.query(
        `UPDATE dlq_dead_letters SET gone_at = $2 WHERE dlq_name = $1 AND gone_at IS NULL AND last_scan_id <> $3`,
        [this.dlqName, scan.at, scan.scanId],
      );
    }
    return letters.filter((letter) => inserted.has(letter.messageId));
  }

  async markAllGone(at: Date): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.query(
      `UPDATE dlq_dead_letters SET gone_at = $2 WHERE dlq_name = $1 AND gone_at IS NULL`,
      [this.dlqName, at],
    );
  }

  async view(): Promise<LedgerView> {
    const dataSource = await this.database.get();
    const [pending, present, groups, oldest] = await Promise.all([
      dataSource.query(
        `SELECT message_id, group_key, order_id, customer_id, reason, attempts, failed_first_at, failed_last_at, noticed_at
           FROM dlq_dead_letters WHERE dlq_name = $1 AND alerted_at IS NULL ORDER BY noticed_at LIMIT ${MAX_PENDING_ROWS}`,
        [this.dlqName],
      ) as Promise<PendingRow[]>,
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
      dataSource.query(
        `SELECT min(sent_at) AS oldest FROM dlq_dead_letters WHERE dlq_name = $1 AND gone_at IS NULL`,
        [this.dlqName],
      ) as Promise<{ oldest: Date | null }[]>,
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
      oldestSentAt: oldest[0]?.oldest ?? undefined,
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

  async alerted(record: AlertedRecord): Promise<void> {
    const dataSource = await this.database.get();
    await dataSource.transaction(async (manager) => {
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
    const dataSource = await this.database.get();
    await dataSource.transaction(async (manager) => {
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
}

function toPendingLetter(row: PendingRow): PendingLetter {
  return {
    messageId: row.message_id,
    groupKey: row.group_key,
    orderId: row.order_id ?? undefined,
    customerId: row.customer_id ?? undefined,
    reason: row.reason,
    attempts: row.attempts ?? undefined,
    failedFirstAt: row.failed_first_at,
    failedLastAt: row.failed_last_at,
    noticedAt: row.noticed_at,
  };
}
