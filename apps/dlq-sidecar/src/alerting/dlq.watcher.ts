import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadLetter, queueNameOf } from '../dlq/dead-letter';
import { alertText } from '../dlq/display-text';
import { DlqDepth, DlqHasRedrivePolicyError, DlqReader } from '../dlq/dlq.reader';
import { SidecarMetrics, WatcherRole } from '../metrics/sidecar.metrics';
import {
  AlertContext,
  expiringAlertOf,
  firingAlertOf,
  planAlerts,
  resolvedAlertOf,
} from './alert.planner';
import { AlertDispatcher } from './channels/alert.dispatcher';
import { DeadLetterAlert } from './dead-letter.alert';
import { LeaderLease } from './leader.lease';
import { DatabaseLedger, LeaseLostError } from './ledger/database.ledger';
import { DeadLetterLedger } from './ledger/dead-letter.ledger';
import { MemoryLedger } from './ledger/memory.ledger';
import { MirroredLedger } from './ledger/mirrored.ledger';

const EXPIRY_SAMPLES = 5;

/**
 * Every poll: read SQS's counts (a hint only: they lag up to a minute), and when they changed or
 * a rescan is due, read the contents (hidden for the scan only, then released). New dead letters
 * go into the ledger; alerts go out per reason after the grouping window, rate-limited per reason;
 * when a reason's letters are all gone a resolved notice follows; letters close to SQS's retention
 * limit are alerted by name. Only the leader does this.
 */
@Injectable()
export class DlqWatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DlqWatcher.name);
  private readonly dlqName: string;
  private readonly database: DatabaseLedger;
  private readonly memory = new MemoryLedger();
  private readonly leaderLedger: DeadLetterLedger;
  private readonly stopping = new AbortController();
  /** Alerts being delivered, by group key: a group never has two at once. */
  private readonly deliveries = new Map<string, Promise<void>>();
  private loop: Promise<void> | undefined;
  private lastScan: { at: number; total: number; empty: boolean } | undefined;
  private lastRefreshAt = 0;
  private lastExpiryWarning = { at: 0, count: 0 };
  private warnedAboutRedrivePolicy = false;
  private lastTickAt = Date.now();
  private lastProbeOk = false;

  constructor(
    private readonly reader: DlqReader,
    private readonly lease: LeaderLease,
    private readonly dispatcher: AlertDispatcher,
    private readonly metrics: SidecarMetrics,
    private readonly config: DlqSidecarConfig,
    database: LazyDataSource,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
    this.database = new DatabaseLedger(
      database,
      this.dlqName,
      () => lease.fence(),
      config.hidingSeconds(),
    );
    this.leaderLedger = new MirroredLedger(this.database, this.memory);
  }

  /** For liveness: a loop that stopped ticking needs a restart. */
  get millisSinceLastTick(): number {
    return Date.now() - this.lastTickAt;
  }

  get dlqReachable(): boolean {
    return this.lastProbeOk;
  }

  onApplicationBootstrap(): void {
    if (this.dispatcher.channelNames.length === 0) {
      this.logger.warn({
        msg: 'no alert channel configured: set ALERT_WEBHOOK_URL, ALERTMANAGER_URL or ALERT_LOG=true',
      });
    }
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    // Alerts waiting for a retry give up now (logged in full) instead of holding the shutdown.
    this.dispatcher.stopRetrying();
    await this.loop;
    await Promise.allSettled([...this.deliveries.values()]);
  }

  private async run(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        this.logger.error({ msg: 'watch round failed', error: String(error) });
      }
      await sleep(this.config.DLQ_POLL_INTERVAL_MS, undefined, {
        signal: this.stopping.signal,
      }).catch(() => undefined);
    }
  }

  /** One round; public for tests. */
  async tick(): Promise<void> {
    this.lastTickAt = Date.now();
    let depth: DlqDepth;
    try {
      depth = await this.reader.depth();
      this.lastProbeOk = true;
    } catch (error) {
      this.lastProbeOk = false;
      this.logger.warn({ msg: 'cannot read the DLQ depth', error: String(error) });
      return;
    }
    this.metrics.depth.set({ state: 'visible' }, depth.visible);
    this.metrics.depth.set({ state: 'in_flight' }, depth.inFlight);
    this.metrics.depth.set({ state: 'delayed' }, depth.delayed);
    if (depth.retentionSeconds !== undefined) {
      this.metrics.retentionSeconds.set(depth.retentionSeconds);
    }

    const role = await this.lease.currentRole();
    this.metrics.setRole(role);
    if (role === 'follower') {
      // The leader may change any time: scan at once when this one takes over.
      this.lastScan = undefined;
      this.metrics.setOldestSentAt(
        await this.database.oldestPresentSentAt().catch(() => undefined),
      );
      return;
    }
    if (role === 'leader') {
      try {
        await this.watch(this.leaderLedger, depth, role);
        return;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          // Another sidecar leads now; it alerts.
          this.metrics.setRole('follower');
          return;
        }
        this.logger.warn({
          msg: 'ledger unavailable: stepping down and alerting alone this round',
          error: String(error),
        });
        await this.lease.stepDown();
        this.metrics.setRole('uncoordinated');
      }
    }
    await this.watch(this.memory, depth, 'uncoordinated');
  }

  private async watch(ledger: DeadLetterLedger, depth: DlqDepth, role: WatcherRole): Promise<void> {
    // SQS's counts only say when to look; what is there (or gone) only a scan can say.
    const total = depth.visible + depth.inFlight + depth.delayed;
    if (this.scanDue(total)) {
      await this.scan(ledger, total);
    }
    const view = await ledger.view();
    this.metrics.setOldestSentAt(view.oldestSentAt);

    const now = new Date();
    const context: AlertContext = {
      dlqName: this.dlqName,
      inspectHint: this.config.INSPECT_HINT,
      uncoordinated: role === 'uncoordinated',
      showCustomerIds: this.config.ALERT_SHOW_CUSTOMER_IDS,
      now,
    };
    // A round can outlast the lease (a long scan): only a leader whose lease still holds sends.
    if (role === 'leader' && !this.lease.leading) {
      return;
    }
    const plan = planAlerts(
      view,
      now,
      {
        groupWindowMs: this.config.ALERT_GROUP_WINDOW_MS,
        repeatIntervalMs: this.config.ALERT_REPEAT_INTERVAL_MS,
      },
      new Set(this.deliveries.keys()),
    );
    for (const planned of plan.fire) {
      const alert = firingAlertOf(planned, context);
      const record = {
        groupKey: planned.groupKey,
        messageIds: planned.letters.map((letter) => letter.messageId),
        reason: planned.letters[planned.letters.length - 1].reason,
        openedAt: alert.openedAt,
      };
      this.deliver([planned.groupKey], alert, (at) => ledger.alerted({ ...record, at }));
    }
    if (plan.resolve.length > 0) {
      const keys = plan.resolve.map((group) => group.groupKey);
      const dlqEmpty = this.lastScan?.empty === true && view.present.size === 0;
      this.deliver(keys, resolvedAlertOf(plan.resolve, dlqEmpty, context), () =>
        ledger.resolved(keys),
      );
    }
    await this.warnAboutExpiry(ledger, depth, context);

    const resolving = new Set(plan.resolve.map((group) => group.groupKey));
    if (Date.now() - this.lastRefreshAt >= this.config.ALERTMANAGER_RESEND_INTERVAL_MS) {
      this.lastRefreshAt = Date.now();
      const firing = view.groups
        .filter((group) => !resolving.has(group.groupKey))
        .map((group) => ({
          dlqName: this.dlqName,
          ...group,
          reason: alertText(group.reason),
          inDlq: view.present.get(group.groupKey) ?? 0,
        }));
      void this.dispatcher.refresh(firing);
    }
  }

  /** SQS deletes a letter once the retention period has passed since its SentTimestamp: name the ones close to it. */
  private async warnAboutExpiry(
    ledger: DeadLetterLedger,
    depth: DlqDepth,
    context: AlertContext,
  ): Promise<void> {
    const warningMs = this.config.DLQ_EXPIRY_WARNING_SECONDS * 1000;
    if (depth.retentionSeconds === undefined || warningMs === 0) {
      return;
    }
    const sentBefore = new Date(context.now.getTime() + warningMs - depth.retentionSeconds * 1000);
    const atRisk = await ledger.atRisk(sentBefore, EXPIRY_SAMPLES);
    this.metrics.expiring.set(atRisk.count);
    const last = this.lastExpiryWarning;
    const repeatDue = Date.now() - last.at >= this.config.ALERT_REPEAT_INTERVAL_MS;
    // Again when more letters are at risk than last time, at most once per repeat interval.
    if (
      atRisk.count === 0 ||
      atRisk.count <= last.count ||
      !repeatDue ||
      this.deliveries.has(EXPIRING)
    ) {
      this.lastExpiryWarning.count = atRisk.count === 0 ? 0 : last.count;
      return;
    }
    this.lastExpiryWarning = { at: Date.now(), count: atRisk.count };
    this.deliver(
      [EXPIRING],
      expiringAlertOf(atRisk, depth.retentionSeconds, context),
      async () => undefined,
    );
  }

  private scanDue(total: number): boolean {
    return (
      !this.lastScan ||
      this.lastScan.total !== total ||
      Date.now() - this.lastScan.at >= this.config.DLQ_RESCAN_INTERVAL_MS
    );
  }

  private async scan(ledger: DeadLetterLedger, total: number): Promise<void> {
    const letters: DeadLetter[] = [];
    const at = new Date();
    let complete = false;
    try {
      const outcome = await this.lease.scanning(() =>
        this.reader.scan(
          {
            visibilitySeconds: this.config.DLQ_PEEK_VISIBILITY_SECONDS,
            maxMessages: this.config.DLQ_SCAN_MAX_MESSAGES,
          },
          async (batch) => {
            letters.push(...batch.map((received) => received.letter));
          },
        ),
      );
      complete = outcome.complete;
      this.metrics.scans.inc({ outcome: complete ? 'complete' : 'partial' });
    } catch (error) {
      if (error instanceof DlqHasRedrivePolicyError) {
        // Each peek is a receive: with a redrive policy on the DLQ, watching would move letters away.
        if (!this.warnedAboutRedrivePolicy) {
          this.warnedAboutRedrivePolicy = true;
          this.logger.error({
            msg: `${error.message} Only its counts are watched.`,
            dlq: this.dlqName,
          });
        }
        return;
      }
      // An SQS failure mid-scan: what was seen still counts (as a partial scan); it is no reason to step down.
      this.metrics.scans.inc({ outcome: 'failed' });
      this.logger.warn({
        msg: 'reading the DLQ failed part way',
        seen: letters.length,
        error: String(error),
      });
    }
    const noticed = await ledger.record(letters, {
      complete,
      at,
      goneBefore: new Date(at.getTime() - this.config.hidingSeconds() * 1000),
    });
    this.lastScan = { at: Date.now(), total, empty: complete && letters.length === 0 };
    if (noticed.length > 0) {
      this.reportNoticed(noticed);
    }
  }

  private reportNoticed(noticed: DeadLetter[]): void {
    const byReason = new Map<string, number>();
    for (const letter of noticed) {
      this.metrics.noticed.inc({ reason: letter.groupKey });
      byReason.set(letter.groupKey, (byReason.get(letter.groupKey) ?? 0) + 1);
      this.logger.debug({
        msg: 'dead letter noticed',
        orderId: letter.orderId,
        correlationId: letter.correlationId,
        messageId: letter.messageId,
        code: letter.groupKey,
      });
    }
    this.logger.log({
      msg: 'new dead letters',
      count: noticed.length,
      byReason: Object.fromEntries(byReason),
    });
  }

  private deliver(
    keys: string[],
    alert: DeadLetterAlert,
    remember: (at: Date) => Promise<void>,
  ): void {
    const delivery = (async () => {
      const report = await this.dispatcher.deliver(alert);
      if (report.delivered.length === 0 && report.failed.length > 0) {
        // Every channel gave up and logged the alert in full; it counts as sent so it is not repeated forever.
        this.logger.error({
          msg: 'alert delivered on no channel',
          title: alert.title,
          failed: report.failed,
        });
      }
      try {
        await remember(new Date());
      } catch (error) {
        // Not remembered: the next round alerts again. A duplicate, never silence.
        this.logger.warn({
          msg: 'could not record a sent alert; it may be repeated',
          title: alert.title,
          error: String(error),
        });
      }
    })().finally(() => keys.forEach((key) => this.deliveries.delete(key)));
    keys.forEach((key) => this.deliveries.set(key, delivery));
  }
}

// The delivery key of expiry warnings; failure codes are upper case, so it cannot collide with one.
const EXPIRING = 'expiring:';
