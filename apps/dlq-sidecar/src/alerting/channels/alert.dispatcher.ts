import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { SidecarMetrics } from '../../metrics/sidecar.metrics';
import { ALERT_CHANNELS, AlertChannel, DeliveryError, FiringGroup } from './alert.channel';
import { backoffDelay } from './backoff';
import { DeadLetterAlert } from '../dead-letter.alert';

/**
 * Sends an alert on every configured channel, each on its own: a broken webhook does not hold up
 * Alertmanager or the log. Retries with backoff; an alert given up on is logged in full, never dropped silently.
 */
@Injectable()
export class AlertDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertDispatcher.name);
  private readonly stopping = new AbortController();

  constructor(
    @Inject(ALERT_CHANNELS) private readonly channels: AlertChannel[],
    private readonly config: DlqSidecarConfig,
    private readonly metrics: SidecarMetrics,
  ) {}

  /** Whether a channel forgets alerts that are not re-posted (Alertmanager). */
  get refreshes(): boolean {
    return this.channels.some((channel) => channel.refresh !== undefined);
  }

  /** Resolves once every channel delivered or gave up; never rejects. */
  async deliver(alert: DeadLetterAlert): Promise<void> {
    await Promise.all(this.channels.map((channel) => this.deliverOn(channel, alert)));
  }

  /** One attempt per channel: the next refresh is the retry. */
  async refresh(groups: FiringGroup[]): Promise<void> {
    if (groups.length === 0) {
      return;
    }
    await Promise.all(
      this.channels.map(async (channel) => {
        try {
          await channel.refresh?.(groups);
        } catch (error) {
          this.logger.warn({
            msg: 'could not re-post firing alerts',
            channel: channel.name,
            groups: groups.length,
            error: String(error),
          });
        }
      }),
    );
  }

  /** Pending retries stop waiting: what is still undelivered is logged as such. */
  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  private async deliverOn(channel: AlertChannel, alert: DeadLetterAlert): Promise<boolean> {
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
        return true;
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
          return false;
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
