import { createHmac } from 'node:crypto';
import { IntakePause } from '../intake/dlq.intake';
import { alertText } from '../records/display-text';
import { ClaimedGroup, ClosedGroup, SampleLetter } from './alert.claims';

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

export interface AlertContext {
  dlqName: string;
  inspectHint: string;
  /** Set: customers appear as an HMAC of their id under this key, enough to tell two apart, not to find one. */
  customerMaskKey?: string;
}

/** A customer id as alerts show it: HMAC-SHA256 under a secret key, so a list of candidate ids cannot be matched against it. */
export function maskCustomer(customerId: string, key: string): string {
  return `#${createHmac('sha256', key).update(customerId).digest('hex').slice(0, 12)}`;
}

// Customer text leaves the sidecar only through here: inert in chat and paging tools, customers masked.
function sampleOf(letter: SampleLetter, { customerMaskKey }: AlertContext): AlertSample {
  const safe = (value: string | null) => (value === null ? undefined : alertText(value));
  return {
    messageId: alertText(letter.messageId),
    orderId: safe(letter.orderId),
    clientId: safe(letter.clientId),
    customerId:
      customerMaskKey === undefined || letter.customerId === null
        ? safe(letter.customerId)
        : maskCustomer(letter.customerId, customerMaskKey),
  };
}

export function firingAlertOf(group: ClaimedGroup, context: AlertContext, at: Date): FiringAlert {
  const samples = group.samples.map((letter) => sampleOf(letter, context));
  const single = group.count === 1 && group.opened ? samples[0] : undefined;
  const what = single
    ? `Order ${single.orderId ?? `(no order id, message ${single.messageId})`} failed`
    : group.opened
      ? `${group.count} orders failed`
      : `${group.count} more order${group.count === 1 ? '' : 's'} failed (${group.alertedLetters} since ${group.openedAt.toISOString()})`;
  return {
    kind: 'firing',
    dlqName: context.dlqName,
    groupKey: group.failureCode,
    title: `${what}: ${group.failureCode}`,
    reason: alertText(group.reason),
    count: group.count,
    totalSinceOpened: group.alertedLetters,
    openedAt: group.openedAt,
    firstFailureAt: group.firstFailedAt,
    lastFailureAt: group.lastFailedAt,
    maxAttempts: group.maxAttempts ?? undefined,
    samples,
    inDlq: group.inDlq,
    inspect: single?.orderId
      ? `${context.inspectHint} --order ${single.orderId}`
      : `${context.inspectHint} --code ${group.failureCode}`,
    at,
  };
}

export function resolvedAlertOf(groups: ClosedGroup[], dlqName: string, at: Date): ResolvedAlert {
  const keys = groups.map((group) => group.failureCode).join(', ');
  const dlqEmpty = groups.some((group) => group.noneOpen);
  return {
    kind: 'resolved',
    dlqName,
    title: dlqEmpty
      ? `Resolved: no failed orders left in ${dlqName} (${keys})`
      : `Resolved: no failed orders left for ${keys}`,
    groups: groups.map(({ failureCode, openedAt, alertedLetters }) => ({
      groupKey: failureCode,
      openedAt,
      alertedLetters,
    })),
    dlqEmpty,
    at,
  };
}

export function stalledAlertOf(pause: IntakePause, dlqName: string, at: Date): StalledAlert {
  const secondsSince = (then: Date) => Math.round((at.getTime() - then.getTime()) / 1000);
  return {
    kind: 'stalled',
    dlqName,
    title: `Failed orders wait in ${dlqName}: intake paused for ${secondsSince(pause.since)} s, the oldest letter waits for ${secondsSince(pause.oldestWaitingSentAt)} s`,
    reason: alertText(pause.reason),
    pausedSince: pause.since,
    oldestWaitingSentAt: pause.oldestWaitingSentAt,
    at,
  };
}
