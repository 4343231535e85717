import { DeadLetter } from '../../dlq/dead-letter';

/** A dead letter the watcher has noticed (and, while `alertedAt` is unset, not yet alerted). */
export interface PendingLetter {
  messageId: string;
  groupKey: string;
  orderId?: string;
  customerId?: string;
  clientId?: string;
  reason: string;
  attempts?: number;
  failedFirstAt: Date;
  failedLastAt: Date;
  noticedAt: Date;
  sentAt: Date;
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
  /** Letters per group still in the DLQ, as far as the scans know. */
  present: Map<string, number>;
  groups: OpenGroup[];
  oldestSentAt?: Date;
}

export interface ScanRecord {
  /** The scan received until SQS had nothing visible left. */
  complete: boolean;
  at: Date;
  /**
   * Letters last seen before this are gone, if the scan was complete. A letter another reader
   * hides is absent from a scan without being gone, so absence counts only once it has lasted
   * longer than any reader hides a letter (never a count from SQS, which lags).
   */
  goneBefore: Date;
}

export interface AlertedRecord {
  groupKey: string;
  messageIds: string[];
  reason: string;
  openedAt: Date;
  at: Date;
}

/** Letters still in the DLQ that SQS deletes soon: sent before `sentBefore`. */
export interface AtRisk {
  count: number;
  /** The oldest ones, which expire first. */
  samples: PendingLetter[];
}

/**
 * What the watcher knows about dead letters and alerts. The database ledger is shared by every
 * sidecar (one alert, not N; a new leader carries on where the old one stopped); the memory ledger
 * keeps a sidecar alerting on its own while the database is unreachable.
 */
export interface DeadLetterLedger {
  /** Returns the letters noticed for the first time. */
  record(letters: DeadLetter[], scan: ScanRecord): Promise<DeadLetter[]>;
  view(): Promise<LedgerView>;
  atRisk(sentBefore: Date, samples: number): Promise<AtRisk>;
  alerted(record: AlertedRecord): Promise<void>;
  /** Closes the groups and forgets their letters that are gone. */
  resolved(groupKeys: string[]): Promise<void>;
}
