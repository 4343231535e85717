import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { randomBytes } from 'node:crypto';
import { DlqIntake } from '../intake/dlq.intake';
import { alertText } from '../records/display-text';
import { RecordsStore } from '../records/records.store';
import { AlertClaims } from './alert.claims';
import { AlertContext, firingAlertOf, resolvedAlertOf } from './alert-text';
import { AlertDispatcher } from './channels/alert.dispatcher';

const MAX_SAMPLES = 5;

/**
 * Every poll, on every replica: alerts the groups that are due (claimed in the database, so one
 * replica sends each), the groups resolved since, and Alertmanager re-posts. While the intake is
 * paused (database down) it alerts the stall instead, without the database, so every replica may.
 */
@Injectable()
export class AlertingJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertingJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stallAlertedAt = 0;
  private readonly context: Omit<AlertContext, 'now'>;

  constructor(
    private readonly claims: AlertClaims,
    private readonly dispatcher: AlertDispatcher,
    private readonly intake: DlqIntake,
    private readonly config: DlqSidecarConfig,
    records: RecordsStore,
  ) {
    if (!config.ALERT_SHOW_CUSTOMER_IDS && !config.ALERT_CUSTOMER_MASK_SECRET) {
      this.logger.warn({
        msg: 'ALERT_CUSTOMER_MASK_SECRET unset: customer masks differ between replicas and restarts',
      });
    }
    this.context = {
      dlqName: records.dlqName,
      inspectHint: config.INSPECT_HINT,
      customerMaskKey: config.ALERT_SHOW_CUSTOMER_IDS
        ? undefined
        : (config.ALERT_CUSTOMER_MASK_SECRET ?? randomBytes(32).toString('hex')),
    };
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'alerting round failed', error: String(error) }),
        )
        .finally(() => (this.running = undefined));
    }, this.config.DLQ_POLL_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    const now = new Date();
    const context = { ...this.context, now };
    if (this.intake.paused) {
      return this.alertStall(now);
    }
    for (const group of await this.claims.due()) {
      const claimed = await this.claims.claim(group);
      if (claimed) {
        const samples = await this.claims.samples(group, MAX_SAMPLES);
        await this.dispatcher.deliver(firingAlertOf(group, claimed, samples, context));
      }
    }
    const closed = await this.claims.closeResolved();
    if (closed.length > 0) {
      await this.dispatcher.deliver(
        resolvedAlertOf(closed, !(await this.claims.anyOpen()), context),
      );
    }
    if (this.dispatcher.refreshes) {
      const firing = await this.claims.refreshDue();
      await this.dispatcher.refresh(
        firing.map((group) => ({
          dlqName: this.context.dlqName,
          groupKey: group.failureCode,
          reason: alertText(group.reason),
          openedAt: group.openedAt,
          alertedLetters: group.alertedLetters,
          inDlq: group.inDlq,
        })),
      );
    }
  }

  private async alertStall(now: Date): Promise<void> {
    const pause = this.intake.paused;
    const waitedMs = pause ? now.getTime() - pause.oldestWaitingSentAt.getTime() : 0;
    if (
      !pause ||
      waitedMs < this.config.DLQ_STALL_ALERT_SECONDS * 1000 ||
      now.getTime() - this.stallAlertedAt < this.config.ALERT_REPEAT_INTERVAL_MS
    ) {
      return;
    }
    this.stallAlertedAt = now.getTime();
    await this.dispatcher.deliver({
      kind: 'stalled',
      dlqName: this.context.dlqName,
      title: `Failed orders wait in ${this.context.dlqName}: intake paused for ${Math.round((now.getTime() - pause.since.getTime()) / 1000)} s, the oldest letter waits for ${Math.round(waitedMs / 1000)} s`,
      reason: alertText(pause.reason),
      pausedSince: pause.since,
      oldestWaitingSentAt: pause.oldestWaitingSentAt,
      at: now,
    });
  }
}
