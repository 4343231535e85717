/** One order in an alert; message id when the body carried no order id. Text is alert-safe, the customer masked unless configured. */
export interface AlertSample {
  messageId: string;
  orderId?: string;
  customerId?: string;
  clientId?: string;
}

/** New dead letters with one reason: what a human needs to act. */
export interface FiringAlert {
  kind: 'firing';
  dlqName: string;
  groupKey: string;
  title: string;
  /** The latest failure message of the group. */
  reason: string;
  /** Dead letters announced by this alert. */
  count: number;
  /** Dead letters of this reason since the group opened, this alert included. */
  totalSinceOpened: number;
  openedAt: Date;
  firstFailureAt: Date;
  lastFailureAt: Date;
  /** When the oldest letter of this alert reached the DLQ: alert latency is measured from here. */
  firstDeadLetteredAt: Date;
  maxAttempts?: number;
  samples: AlertSample[];
  /** Letters of this reason still in the DLQ, as far as the watcher knows. */
  inDlq: number;
  inspect: string;
  /** Sent without the shared database: other sidecars may send the same alert. */
  uncoordinated: boolean;
  at: Date;
}

export interface ResolvedGroup {
  groupKey: string;
  reason: string;
  openedAt: Date;
  alertedLetters: number;
}

/** Groups whose dead letters are all gone (redriven, purged, expired), or the DLQ is empty. */
export interface ResolvedAlert {
  kind: 'resolved';
  dlqName: string;
  title: string;
  groups: ResolvedGroup[];
  dlqEmpty: boolean;
  at: Date;
}

/** Dead letters that SQS deletes soon (retention counted from SentTimestamp): redrive, edit or purge them before. */
export interface ExpiringAlert {
  kind: 'expiring';
  dlqName: string;
  title: string;
  count: number;
  /** When the first of them is deleted. */
  firstExpiresAt: Date;
  retentionSeconds: number;
  samples: AlertSample[];
  inspect: string;
  uncoordinated: boolean;
  at: Date;
}

export type DeadLetterAlert = FiringAlert | ResolvedAlert | ExpiringAlert;
