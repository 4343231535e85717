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
  /** When the oldest letter of this alert failed: alert latency is measured from here. */
  firstFailureAt: Date;
  lastFailureAt: Date;
  maxAttempts?: number;
  samples: AlertSample[];
  /** Open records (failed or retry requested) with this failure code. */
  inDlq: number;
  inspect: string;
  at: Date;
}

export interface ResolvedGroup {
  groupKey: string;
  reason: string;
  openedAt: Date;
  alertedLetters: number;
}

/** Groups without open records left: every one resolved or discarded. */
export interface ResolvedAlert {
  kind: 'resolved';
  dlqName: string;
  title: string;
  groups: ResolvedGroup[];
  dlqEmpty: boolean;
  at: Date;
}

/** Intake has been paused (letters cannot be recorded) while letters wait in the DLQ. Sent without the database. */
export interface StalledAlert {
  kind: 'stalled';
  dlqName: string;
  title: string;
  reason: string;
  pausedSince: Date;
  oldestWaitingSentAt: Date;
  at: Date;
}

export type DeadLetterAlert = FiringAlert | ResolvedAlert | StalledAlert;
