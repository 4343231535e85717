import { createHash } from 'node:crypto';
import { alertText } from '../dlq/display-text';
import { AlertSample, ExpiringAlert, FiringAlert, ResolvedAlert } from './dead-letter.alert';
import { AtRisk, LedgerView, OpenGroup, PendingLetter } from './ledger/dead-letter.ledger';

export interface AlertPolicy {
  /** The first letter of a group waits this long for companions before the alert goes out. */
  groupWindowMs: number;
  /** An open group is re-alerted about newer letters at most this often. */
  repeatIntervalMs: number;
}

export interface PlannedFiring {
  groupKey: string;
  letters: PendingLetter[];
  group?: OpenGroup;
  inDlq: number;
}

export interface AlertPlan {
  fire: PlannedFiring[];
  resolve: OpenGroup[];
}

/**
 * Decides what to send now. `busy` holds groups whose previous alert is still being delivered:
 * they wait, so one group never has two alerts in flight.
 */
export function planAlerts(
  view: LedgerView,
  now: Date,
  policy: AlertPolicy,
  busy: ReadonlySet<string>,
): AlertPlan {
  const pendingByGroup = new Map<string, PendingLetter[]>();
  for (const letter of view.pending) {
    const letters = pendingByGroup.get(letter.groupKey) ?? [];
    letters.push(letter);
    pendingByGroup.set(letter.groupKey, letters);
  }
  const groups = new Map(view.groups.map((group) => [group.groupKey, group]));

  const fire: PlannedFiring[] = [];
  for (const [groupKey, letters] of pendingByGroup) {
    if (busy.has(groupKey)) {
      continue;
    }
    const firstNoticed = earliest(letters.map((letter) => letter.noticedAt));
    const group = groups.get(groupKey);
    const windowOver = now.getTime() - firstNoticed.getTime() >= policy.groupWindowMs;
    const repeatAllowed =
      !group || now.getTime() - group.lastAlertedAt.getTime() >= policy.repeatIntervalMs;
    if (windowOver && repeatAllowed) {
      fire.push({
        groupKey,
        letters,
        group,
        inDlq: view.present.get(groupKey) ?? 0,
      });
    }
  }

  // Resolved once nothing of the group is left in the DLQ and nothing is waiting to be alerted.
  const resolve = view.groups.filter(
    (group) =>
      !busy.has(group.groupKey) &&
      !pendingByGroup.has(group.groupKey) &&
      (view.present.get(group.groupKey) ?? 0) === 0,
  );
  return { fire, resolve };
}

const MAX_SAMPLES = 5;

export interface AlertContext {
  dlqName: string;
  inspectHint: string;
  uncoordinated: boolean;
  /** Otherwise customer ids travel as a short hash: enough to tell two apart, not to identify one. */
  showCustomerIds: boolean;
  now: Date;
}

// Customer text leaves the sidecar only through these: inert in chat and paging tools, customers masked.
function sampleOf(
  letter: PendingLetter,
  context: Pick<AlertContext, 'showCustomerIds'>,
): AlertSample {
  const customer = letter.customerId;
  return {
    messageId: alertText(letter.messageId),
    orderId: letter.orderId === undefined ? undefined : alertText(letter.orderId),
    clientId: letter.clientId === undefined ? undefined : alertText(letter.clientId),
    customerId:
      customer === undefined
        ? undefined
        : context.showCustomerIds
          ? alertText(customer)
          : `#${createHash('sha256').update(customer).digest('hex').slice(0, 8)}`,
  };
}

export function firingAlertOf(planned: PlannedFiring, context: AlertContext): FiringAlert {
  const { letters, group } = planned;
  const byLastFailure = [...letters].sort(
    (a, b) => a.failedLastAt.getTime() - b.failedLastAt.getTime(),
  );
  const latest = byLastFailure[byLastFailure.length - 1];
  const count = letters.length;
  const totalSinceOpened = (group?.alertedLetters ?? 0) + count;
  const attempts = letters
    .map((letter) => letter.attempts)
    .filter((value): value is number => value !== undefined);
  const firstFailureAt = earliest(letters.map((letter) => letter.failedFirstAt));
  const single = count === 1 && !group ? letters[0] : undefined;
  const samples = byLastFailure
    .slice(-MAX_SAMPLES)
    .reverse()
    .map((letter) => sampleOf(letter, context));
  const what = single
    ? `Order ${samples[0].orderId ?? `(no order id, message ${samples[0].messageId})`} failed`
    : group
      ? `${count} more order${count === 1 ? '' : 's'} failed (${totalSinceOpened} since ${group.openedAt.toISOString()})`
      : `${count} orders failed`;
  return {
    kind: 'firing',
    dlqName: context.dlqName,
    groupKey: planned.groupKey,
    title: `${what}: ${planned.groupKey}`,
    reason: alertText(latest.reason),
    count,
    totalSinceOpened,
    openedAt: group?.openedAt ?? firstFailureAt,
    firstFailureAt,
    lastFailureAt: latest.failedLastAt,
    firstDeadLetteredAt: byLastFailure[0].failedLastAt,
    maxAttempts:
      attempts.length > 0 ? attempts.reduce((max, value) => Math.max(max, value)) : undefined,
    samples,
    inDlq: planned.inDlq,
    inspect: single?.orderId
      ? `${context.inspectHint} --order ${samples[0].orderId}`
      : `${context.inspectHint} --reason ${planned.groupKey}`,
    uncoordinated: context.uncoordinated,
    at: context.now,
  };
}

export function resolvedAlertOf(
  groups: OpenGroup[],
  dlqEmpty: boolean,
  context: Pick<AlertContext, 'dlqName' | 'now'>,
): ResolvedAlert {
  const keys = groups.map((group) => group.groupKey).join(', ');
  return {
    kind: 'resolved',
    dlqName: context.dlqName,
    title: dlqEmpty
      ? `Resolved: ${context.dlqName} is empty again (${keys})`
      : `Resolved: no dead letters left for ${keys}`,
    groups: groups.map((group) => ({
      groupKey: group.groupKey,
      reason: alertText(group.reason),
      openedAt: group.openedAt,
      alertedLetters: group.alertedLetters,
    })),
    dlqEmpty,
    at: context.now,
  };
}

export function expiringAlertOf(
  atRisk: AtRisk,
  retentionSeconds: number,
  context: AlertContext,
): ExpiringAlert {
  const firstExpiresAt = new Date(atRisk.samples[0].sentAt.getTime() + retentionSeconds * 1000);
  const hours = Math.max(0, (firstExpiresAt.getTime() - context.now.getTime()) / 3_600_000);
  return {
    kind: 'expiring',
    dlqName: context.dlqName,
    title: `${atRisk.count} dead letter${atRisk.count === 1 ? '' : 's'} expire from ${context.dlqName} soon: the first in ${hours < 1 ? `${Math.round(hours * 60)} min` : `${Math.round(hours)} h`}, then SQS deletes it`,
    count: atRisk.count,
    firstExpiresAt,
    retentionSeconds,
    samples: atRisk.samples.slice(0, MAX_SAMPLES).map((letter) => sampleOf(letter, context)),
    // The list shows each letter's EXPIRES IN.
    inspect: context.inspectHint,
    uncoordinated: context.uncoordinated,
    at: context.now,
  };
}

// Not Math.min(...list): a storm of letters would exceed the argument limit.
function earliest(dates: Date[]): Date {
  return dates.reduce((min, date) => (date < min ? date : min));
}
