import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { randomBytes } from 'node:crypto';
import { DlqIntake } from '../intake/dlq.intake';
import { RecordsStore } from '../records/records.store';
import { AlertClaims } from './alert.claims';
import { AlertDispatcher } from './channels/alert.dispatcher';
import { AlertContext, firingAlertOf, resolvedAlertOf, stalledAlertOf } from './dead-letter.alert';

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
  private readonly context: AlertContext;

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
    const { dlqName } = this.context;
    const pause = this.intake.paused;
    if (pause) {
      const now = new Date();
      if (
        now.getTime() - pause.oldestWaitingSentAt.getTime() >=
          this.config.DLQ_STALL_ALERT_SECONDS * 1000 &&
        now.getTime() - this.stallAlertedAt >= this.config.ALERT_REPEAT_INTERVAL_MS
      ) {
        this.stallAlertedAt = now.getTime();
        await this.dispatcher.deliver(stalledAlertOf(pause, dlqName, now));
      }
      return;
    }
    for (let group; (group = await this.claims.claimNext()); ) {
      await this.dispatcher.deliver(firingAlertOf(group, this.context, new Date()));
    }
    const closed = await this.claims.closeResolved();
    if (closed.length > 0) {
      await this.dispatcher.deliver(resolvedAlertOf(closed, dlqName, new Date()));
    }
    if (this.dispatcher.refreshes) {
      await this.dispatcher.refresh(await this.claims.refreshDue(), dlqName);
    }
  }
}
