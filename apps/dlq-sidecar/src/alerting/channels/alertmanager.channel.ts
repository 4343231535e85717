import { alertText } from '../../records/display-text';
import { FiringGroup } from '../alert.claims';
import { DeadLetterAlert } from '../dead-letter.alert';

const ALERT_NAME = 'OrdersDeadLettered';
const STALLED_ALERT_NAME = 'OrdersDeadLetterIntakeStalled';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface AlertmanagerOptions {
  severity: string;
  /** A firing alert that is not re-posted within this time resolves itself in Alertmanager. */
  firingTtlMs: number;
}

/** Stable per reason (no counts, no ids), so Alertmanager groups and deduplicates. */
export function labelsOf(
  dlqName: string,
  groupKey: string,
  severity: string,
  alertname = ALERT_NAME,
): Record<string, string> {
  return { alertname, service: 'orders', dlq: dlqName, failure_code: groupKey, severity };
}

// What to do about it; the Prometheus rules point into the same document.
function alertOf(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  startsAt: Date,
  endsAt: Date,
): AlertmanagerAlert {
  const runbook_url = `docs/runbooks.md#${labels.alertname.toLowerCase()}`;
  return {
    labels,
    annotations: { ...annotations, runbook_url },
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
  };
}

const joined = (values: (string | undefined)[]) => [...new Set(values.filter(Boolean))].join(', ');

/**
 * The body of Alertmanager v2's `POST /api/v2/alerts`: counts and samples travel in annotations.
 * Firing alerts end after `firingTtlMs` unless re-posted (refreshAlertsOf); resolved ones end now.
 */
export function alertmanagerAlertsOf(
  alert: DeadLetterAlert,
  { severity, firingTtlMs }: AlertmanagerOptions,
): AlertmanagerAlert[] {
  const expires = new Date(alert.at.getTime() + firingTtlMs);
  switch (alert.kind) {
    case 'stalled':
      return [
        alertOf(
          labelsOf(alert.dlqName, 'INTAKE', 'critical', STALLED_ALERT_NAME),
          {
            summary: alert.title,
            description: alert.reason,
            paused_since: alert.pausedSince.toISOString(),
            oldest_waiting_sent_at: alert.oldestWaitingSentAt.toISOString(),
          },
          alert.pausedSince,
          expires,
        ),
      ];
    case 'resolved':
      return alert.groups.map((group) =>
        alertOf(
          labelsOf(alert.dlqName, group.groupKey, severity),
          { summary: alert.title, description: group.groupKey },
          group.openedAt,
          alert.at,
        ),
      );
    case 'firing':
      return [
        alertOf(
          labelsOf(alert.dlqName, alert.groupKey, severity),
          {
            summary: alert.title,
            description: alert.reason,
            orders: alert.samples
              .map((sample) => sample.orderId ?? `message ${sample.messageId}`)
              .join(', '),
            customers: joined(alert.samples.map((sample) => sample.customerId)),
            clients: joined(alert.samples.map((sample) => sample.clientId)),
            count: String(alert.count),
            total_since_opened: String(alert.totalSinceOpened),
            first_failure_at: alert.firstFailureAt.toISOString(),
            last_failure_at: alert.lastFailureAt.toISOString(),
            max_attempts: alert.maxAttempts === undefined ? '' : String(alert.maxAttempts),
            in_dlq: String(alert.inDlq),
            inspect: alert.inspect,
          },
          alert.openedAt,
          expires,
        ),
      ];
  }
}

/** Re-asserts that groups still fire: Alertmanager resolves an alert that is not re-posted. */
export function refreshAlertsOf(
  groups: FiringGroup[],
  dlqName: string,
  { severity, firingTtlMs }: AlertmanagerOptions,
  at: Date,
): AlertmanagerAlert[] {
  return groups.map((group) =>
    alertOf(
      labelsOf(dlqName, group.failureCode, severity),
      {
        summary: `${group.alertedLetters} orders failed since ${group.openedAt.toISOString()}: ${group.failureCode}`,
        description: alertText(group.reason),
        in_dlq: String(group.inDlq),
      },
      group.openedAt,
      new Date(at.getTime() + firingTtlMs),
    ),
  );
}
