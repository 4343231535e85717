import { DeadLetter } from '../../dlq/dead-letter';
import {
  AlertedRecord,
  AtRisk,
  DeadLetterLedger,
  LedgerView,
  OpenGroup,
  PendingLetter,
  ScanRecord,
} from './dead-letter.ledger';

interface Row extends PendingLetter {
  lastSeenAt: Date;
  alertedAt?: Date;
  goneAt?: Date;
}

/** The same bookkeeping as the database ledger, for one process. */
export class MemoryLedger implements DeadLetterLedger {
  private readonly rows = new Map<string, Row>();
  private readonly groups = new Map<string, OpenGroup>();

  async record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]> {
    const noticed: DeadLetter[] = [];
    for (const letter of letters) {
      const row = this.rows.get(letter.messageId);
      if (row) {
        row.lastSeenAt = scan.at;
        row.goneAt = undefined;
        continue;
      }
      noticed.push(letter);
      this.rows.set(letter.messageId, { ...pendingOf(letter, scan.at), lastSeenAt: scan.at });
    }
    if (scan.complete) {
      for (const row of this.rows.values()) {
        if (row.goneAt === undefined && row.lastSeenAt < scan.goneBefore) {
          row.goneAt = scan.at;
        }
      }
    }
    return noticed;
  }

  async view(): Promise<LedgerView> {
    const present = new Map<string, number>();
    let oldestSentAt: Date | undefined;
    const pending: PendingLetter[] = [];
    for (const row of this.rows.values()) {
      if (row.goneAt === undefined) {
        present.set(row.groupKey, (present.get(row.groupKey) ?? 0) + 1);
        oldestSentAt = oldestSentAt && oldestSentAt <= row.sentAt ? oldestSentAt : row.sentAt;
      }
      if (row.alertedAt === undefined) {
        pending.push(row);
      }
    }
    pending.sort((a, b) => a.noticedAt.getTime() - b.noticedAt.getTime());
    return {
      pending,
      present,
      groups: [...this.groups.values()].map((group) => ({ ...group })),
      oldestSentAt,
    };
  }

  async atRisk(sentBefore: Date, samples: number): Promise<AtRisk> {
    const risky = [...this.rows.values()]
      .filter((row) => row.goneAt === undefined && row.sentAt < sentBefore)
      .sort((a, b) => a.sentAt.getTime() - b.sentAt.getTime());
    return { count: risky.length, samples: risky.slice(0, samples) };
  }

  async alerted(record: AlertedRecord): Promise<void> {
    for (const id of record.messageIds) {
      const row = this.rows.get(id);
      if (row) {
        row.alertedAt = record.at;
      }
    }
    const group = this.groups.get(record.groupKey);
    this.groups.set(record.groupKey, {
      groupKey: record.groupKey,
      reason: record.reason,
      openedAt: group?.openedAt ?? record.openedAt,
      lastAlertedAt: record.at,
      alertedLetters: (group?.alertedLetters ?? 0) + record.messageIds.length,
    });
  }

  async resolved(groupKeys: string[]): Promise<void> {
    for (const key of groupKeys) {
      this.groups.delete(key);
    }
    for (const [id, row] of this.rows) {
      if (
        groupKeys.includes(row.groupKey) &&
        row.goneAt !== undefined &&
        row.alertedAt !== undefined
      ) {
        this.rows.delete(id);
      }
    }
  }
}

export function pendingOf(letter: DeadLetter, at: Date): PendingLetter {
  return {
    messageId: letter.messageId,
    groupKey: letter.groupKey,
    orderId: letter.orderId,
    customerId: letter.customerId,
    clientId: letter.clientId,
    reason: letter.reason,
    attempts: letter.attempts,
    failedFirstAt: letter.firstFailureAt,
    failedLastAt: letter.lastFailureAt ?? at,
    noticedAt: at,
    sentAt: letter.sentAt,
  };
}
