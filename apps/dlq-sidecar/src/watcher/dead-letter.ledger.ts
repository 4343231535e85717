import { DeadLetter } from '../dead-letters/dead-letter';

/** A dead letter the watcher has noticed and not yet alerted. */
export interface PendingLetter {
  messageId: string;
  groupKey: string;
  orderId?: string;
  customerId?: string;
  reason: string;
  attempts?: number;
  failedFirstAt: Date;
  failedLastAt: Date;
  noticedAt: Date;
}

/** A reason that has been alerted and not yet resolved. */
export interface OpenGroup {
  groupKey: string;
  reason: string;
  openedAt: Date;
  lastAlertedAt: Date;
  alertedLetters: number;
}

export interface LedgerView {
  pending: PendingLetter[];
  /** Letters per group still in the DLQ, as far as the last complete scan knows. */
  present: Map<string, number>;
  groups: OpenGroup[];
  oldestSentAt?: Date;
}

export interface ScanRecord {
  /** Any unique id: letters not seen by a complete scan are gone from the DLQ. */
  scanId: string;
  complete: boolean;
  at: Date;
}

export interface AlertedRecord {
  groupKey: string;
  messageIds: string[];
  reason: string;
  openedAt: Date;
  at: Date;
}

/**
 * What the watcher knows about dead letters and alerts. The database ledger is shared by every
 * sidecar (one alert, not N; a new leader carries on where the old one stopped); the memory ledger
 * keeps a sidecar alerting on its own while the database is unreachable.
 */
export interface DeadLetterLedger {
  readonly kind: 'database' | 'memory';
  /** Returns the letters noticed for the first time. */
  record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]>;
  /** The DLQ is empty: every letter is gone. */
  markAllGone(at: Date): Promise<void>;
  view(): Promise<LedgerView>;
  alerted(record: AlertedRecord): Promise<void>;
  /** Closes the groups and forgets their letters that are gone. */
  resolved(groupKeys: string[]): Promise<void>;
}
