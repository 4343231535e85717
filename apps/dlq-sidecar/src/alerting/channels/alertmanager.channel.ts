import { AlertChannel, FiringGroup, postJson } from './alert.channel';
import { DeadLetterAlert } from '../dead-letter.alert';

export const ALERT_NAME = 'OrdersDeadLettered';
// What to do about it; the Prometheus rules point into the same document.
const RUNBOOK_URL = 'docs/runbooks.md#ordersdeadlettered';
export const STALLED_ALERT_NAME = 'OrdersDeadLetterIntakeStalled';
const STALLED_RUNBOOK_URL = 'docs/runbooks.md#ordersdeadletterintakestalled';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface AlertmanagerOptions {
  baseUrl: string;
  severity: string;
  timeoutMs: number;
  /** A firing alert that is not re-posted within this time resolves itself in Alertmanager. */
  firingTtlMs: number;
}

/**
 * Alertmanager v2 (`POST /api/v2/alerts`). Labels are stable per reason (no counts, no ids), so
 * Alertmanager groups and deduplicates; counts and samples travel in annotations.
 */
export class AlertmanagerChannel implements AlertChannel {
  readonly name = 'alertmanager';
  private readonly url: string;

  constructor(private readonly options: AlertmanagerOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  send(alert: DeadLetterAlert): Promise<void> {
    return postJson(this.url, alertmanagerAlertsOf(alert, this.options), this.options.timeoutMs);
  }

  refresh(groups: FiringGroup[]): Promise<void> {
    const now = Date.now();
    return postJson(
      this.url,
      groups.map((group) => ({
        labels: labelsOf(group.dlqName, group.groupKey, this.options.severity),
        annotations: {
          summary: `${group.alertedLetters} orders failed since ${group.openedAt.toISOString()}: ${group.groupKey}`,
          description: group.reason,
          in_dlq: String(group.inDlq),
          runbook_url: RUNBOOK_URL,
        },
        startsAt: group.openedAt.toISOString(),
        endsAt: new Date(now + this.options.firingTtlMs).toISOString(),
      })),
      this.options.timeoutMs,
    );
  }
}

export function labelsOf(
  dlqName: string,
  groupKey: string,
  severity: string,
): Record<string, string> {
  return {
    alertname: ALERT_NAME,
    service: 'orders',
    dlq: dlqName,
    failure_code: groupKey,
    severity,
  };
}

export function alertmanagerAlertsOf(
  alert: DeadLetterAlert,
  options: Pick<AlertmanagerOptions, 'severity' | 'firingTtlMs'>,
): AlertmanagerAlert[] {
  if (alert.kind === 'stalled') {
    return [
      {
        labels: { ...labelsOf(alert.dlqName, 'INTAKE', 'critical'), alertname: STALLED_ALERT_NAME },
        annotations: {
          summary: alert.title,
          description: alert.reason,
          paused_since: alert.pausedSince.toISOString(),
          oldest_waiting_sent_at: alert.oldestWaitingSentAt.toISOString(),
          runbook_url: STALLED_RUNBOOK_URL,
        },
        startsAt: alert.pausedSince.toISOString(),
        endsAt: new Date(alert.at.getTime() + options.firingTtlMs).toISOString(),
      },
    ];
  }
  if (alert.kind === 'resolved') {
    return alert.groups.map((group) => ({
      labels: labelsOf(alert.dlqName, group.groupKey, options.severity),
      annotations: { summary: alert.title, description: group.reason, runbook_url: RUNBOOK_URL },
      startsAt: group.openedAt.toISOString(),
      endsAt: alert.at.toISOString(),
    }));
  }
  return [
    {
      labels: labelsOf(alert.dlqName, alert.groupKey, options.severity),
      annotations: {
        summary: alert.title,
        description: alert.reason,
        orders: alert.samples
          .map((sample) => sample.orderId ?? `message ${sample.messageId}`)
          .join(', '),
        customers: [
          ...new Set(alert.samples.map((sample) => sample.customerId).filter(Boolean)),
        ].join(', '),
        clients: [...new Set(alert.samples.map((sample) => sample.clientId).filter(Boolean))].join(
          ', ',
        ),
        count: String(alert.count),
        total_since_opened: String(alert.totalSinceOpened),
        first_failure_at: alert.firstFailureAt.toISOString(),
        last_failure_at: alert.lastFailureAt.toISOString(),
        max_attempts: alert.maxAttempts === undefined ? '' : String(alert.maxAttempts),
        in_dlq: String(alert.inDlq),
        inspect: alert.inspect,
        runbook_url: RUNBOOK_URL,
      },
      startsAt: alert.openedAt.toISOString(),
      endsAt: new Date(alert.at.getTime() + options.firingTtlMs).toISOString(),
    },
  ];
}
