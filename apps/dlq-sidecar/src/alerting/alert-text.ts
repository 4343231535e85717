import { createHmac } from 'node:crypto';
import { alertText } from '../records/display-text';
import { Claimed, ClosedGroup, DueGroup, SampleLetter } from './alert.claims';
import { AlertSample, FiringAlert, ResolvedAlert } from './dead-letter.alert';

export interface AlertContext {
  dlqName: string;
  inspectHint: string;
  /** Unset: customers appear as an HMAC of their id under this key, enough to tell two apart, not to find one. */
  customerMaskKey?: string;
  now: Date;
}

/** A customer id as alerts show it: HMAC-SHA256 under a secret key, so a list of candidate ids cannot be matched against it. */
export function maskCustomer(customerId: string, key: string): string {
  return `#${createHmac('sha256', key).update(customerId).digest('hex').slice(0, 12)}`;
}

// Customer text leaves the sidecar only through here: inert in chat and paging tools, customers masked.
function sampleOf(letter: SampleLetter, context: AlertContext): AlertSample {
  const customer = letter.customerId ?? undefined;
  return {
    messageId: alertText(letter.messageId),
    orderId: letter.orderId === null ? undefined : alertText(letter.orderId),
    clientId: letter.clientId === null ? undefined : alertText(letter.clientId),
    customerId:
      customer === undefined
        ? undefined
        : context.customerMaskKey === undefined
          ? alertText(customer)
          : maskCustomer(customer, context.customerMaskKey),
  };
}

export function firingAlertOf(
  group: DueGroup,
  claimed: Claimed,
  letters: SampleLetter[],
  context: AlertContext,
): FiringAlert {
  const samples = letters.map((letter) => sampleOf(letter, context));
  const single = group.count === 1 && claimed.opened ? samples[0] : undefined;
  const what = single
    ? `Order ${single.orderId ?? `(no order id, message ${single.messageId})`} failed`
    : claimed.opened
      ? `${group.count} orders failed`
      : `${group.count} more order${group.count === 1 ? '' : 's'} failed (${claimed.alertedLetters} since ${claimed.openedAt.toISOString()})`;
  return {
    kind: 'firing',
    dlqName: context.dlqName,
    groupKey: group.failureCode,
    title: `${what}: ${group.failureCode}`,
    reason: alertText(letters[0]?.failureReason ?? group.failureCode),
    count: group.count,
    totalSinceOpened: claimed.alertedLetters,
    openedAt: claimed.openedAt,
    firstFailureAt: group.firstFailedAt,
    lastFailureAt: group.lastFailedAt,
    maxAttempts: group.maxAttempts ?? undefined,
    samples,
    inDlq: claimed.inDlq,
    inspect: single?.orderId
      ? `${context.inspectHint} --order ${single.orderId}`
      : `${context.inspectHint} --code ${group.failureCode}`,
    at: context.now,
  };
}

export function resolvedAlertOf(
  groups: ClosedGroup[],
  noneOpen: boolean,
  context: AlertContext,
): ResolvedAlert {
  const keys = groups.map((group) => group.failureCode).join(', ');
  return {
    kind: 'resolved',
    dlqName: context.dlqName,
    title: noneOpen
      ? `Resolved: no failed orders left in ${context.dlqName} (${keys})`
      : `Resolved: no failed orders left for ${keys}`,
    groups: groups.map((group) => ({
      groupKey: group.failureCode,
      reason: group.failureCode,
      openedAt: group.openedAt,
      alertedLetters: group.alertedLetters,
    })),
    dlqEmpty: noneOpen,
    at: context.now,
  };
}
