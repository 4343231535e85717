import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { SidecarMetrics } from '../../metrics/sidecar.metrics';
import { FiringGroup } from '../alert.claims';
import { DeadLetterAlert } from '../dead-letter.alert';
import { alertmanagerAlertsOf, AlertmanagerOptions, refreshAlertsOf } from './alertmanager.channel';
import { backoffDelay } from './backoff';
import { DeliveryError, postJson } from './post-json';
import { slackMessageOf } from './slack-webhook.channel';

interface Channel {
  name: 'webhook' | 'alertmanager' | 'log';
  send(alert: DeadLetterAlert): Promise<void>;
}

/**
 * Sends an alert on every configured channel, each on its own: a broken webhook does not hold up
 * Alertmanager or the log. Retries with backoff; an alert given up on is logged in full, never dropped silently.
 */
@Injectable()
export class AlertDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertDispatcher.name);
  private readonly stopping = new AbortController();
  private readonly channels: Channel[] = [];
  private readonly alertmanagerUrl?: string;
  private readonly alertmanager: AlertmanagerOptions;

  constructor(
    private readonly config: DlqSidecarConfig,
    private readonly metrics: SidecarMetrics,
  ) {
    const { ALERT_WEBHOOK_URL: webhookUrl, ALERTMANAGER_URL: alertmanagerUrl } = config;
    // As Prometheus does: a few missed re-posts before Alertmanager resolves on its own.
    this.alertmanager = {
      severity: config.ALERT_SEVERITY,
      firingTtlMs: config.ALERTMANAGER_RESEND_INTERVAL_MS * 4,
    };
    if (webhookUrl) {
      this.channels.push({
        name: 'webhook',
        send: (alert) => this.post(webhookUrl, slackMessageOf(alert)),
      });
    }
    if (alertmanagerUrl) {
      const url = `${alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts`;
      this.alertmanagerUrl = url;
      this.channels.push({
        name: 'alertmanager',
        send: (alert) => this.post(url, alertmanagerAlertsOf(alert, this.alertmanager)),
      });
    }
    if (config.ALERT_LOG) {
      // The alert as one structured line: searchable, and the last resort when webhooks fail.
      this.channels.push({
        name: 'log',
        send: async ({ title, ...fields }) => {
          const line = { msg: title, event: 'dead_letter_alert', ...fields };
          return fields.kind === 'resolved' ? this.logger.log(line) : this.logger.warn(line);
        },
      });
    }
    this.logger.log({
      msg: 'alert channels',
      channels: this.channels.map((channel) => channel.name),
    });
  }

  /** Whether open groups must be re-posted (Alertmanager forgets alerts that are not). */
  get refreshes(): boolean {
    return this.alertmanagerUrl !== undefined;
  }

  /** Resolves once every channel delivered or gave up; never rejects. */
  async deliver(alert: DeadLetterAlert): Promise<void> {
    await Promise.all(this.channels.map((channel) => this.deliverOn(channel, alert)));
  }

  /** One attempt: the next refresh is the retry. */
  async refresh(groups: FiringGroup[], dlqName: string): Promise<void> {
    if (this.alertmanagerUrl === undefined || groups.length === 0) {
      return;
    }
    const alerts = refreshAlertsOf(groups, dlqName, this.alertmanager, new Date());
    await this.post(this.alertmanagerUrl, alerts).catch((error: unknown) =>
      this.logger.warn({
        msg: 'could not re-post firing alerts',
        groups: groups.length,
        error: String(error),
      }),
    );
  }

  /** Pending retries stop waiting: what is still undelivered is logged as such. */
  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  private post(url: string, body: unknown): Promise<void> {
    return postJson(url, body, this.config.ALERT_HTTP_TIMEOUT_MS);
  }

  private async deliverOn(channel: Channel, alert: DeadLetterAlert): Promise<void> {
    const about = { channel: channel.name, title: alert.title };
    for (let attempt = 1; ; attempt++) {
      try {
        await channel.send(alert);
        this.metrics.alertsSent.inc({ channel: channel.name, kind: alert.kind });
        if (alert.kind === 'firing') {
          const latencyMs = Date.now() - alert.firstFailureAt.getTime();
          this.metrics.alertLatencySeconds.observe(
            { channel: channel.name },
            Math.max(0, latencyMs / 1000),
          );
        }
        if (attempt > 1) {
          this.logger.log({ msg: 'alert delivered after retries', ...about, attempts: attempt });
        }
        return;
      } catch (error) {
        const failure =
          error instanceof DeliveryError ? error : new DeliveryError(String(error), true);
        const stopping = this.stopping.signal.aborted;
        if (!failure.retryable || attempt >= this.config.ALERT_MAX_ATTEMPTS || stopping) {
          this.metrics.alertsFailed.inc({ channel: channel.name, kind: alert.kind });
          this.logger.error({
            msg: `alert NOT delivered on ${channel.name}, giving up: ${alert.title}`,
            channel: channel.name,
            attempts: attempt,
            error: failure.message,
            reason: !failure.retryable
              ? 'not retryable'
              : stopping
                ? 'shutting down'
                : 'attempts exhausted',
            alert,
          });
          return;
        }
        const delayMs = backoffDelay(
          attempt,
          { baseMs: this.config.ALERT_RETRY_BASE_MS, maxMs: this.config.ALERT_RETRY_MAX_MS },
          failure.retryAfterMs,
        );
        this.metrics.alertRetries.inc({ channel: channel.name });
        this.logger.warn({
          msg: 'alert delivery failed; retrying',
          ...about,
          attempt,
          delayMs,
          error: failure.message,
        });
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }
}
