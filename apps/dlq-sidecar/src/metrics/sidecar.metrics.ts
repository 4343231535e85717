import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { queueNameOf } from '../dlq/dead-letter';

/** What this sidecar is doing in the watch job: here, so alerting and health both read it without a cycle. */
export type WatcherRole = 'leader' | 'follower' | 'uncoordinated';
const ROLES: WatcherRole[] = ['leader', 'follower', 'uncoordinated'];

@Injectable()
export class SidecarMetrics {
  readonly depth: Gauge<'state'>;
  readonly oldestAgeSeconds: Gauge;
  readonly retentionSeconds: Gauge;
  readonly expiring: Gauge;
  readonly noticed: Counter<'reason'>;
  readonly alertsSent: Counter<'channel' | 'kind'>;
  readonly alertsFailed: Counter<'channel' | 'kind'>;
  readonly alertRetries: Counter<'channel'>;
  readonly alertLatencySeconds: Histogram<'channel'>;
  readonly scans: Counter<'outcome'>;
  readonly role: Gauge<'role'>;
  readonly redriven: Counter;
  readonly purged: Counter;
  private oldestSentAt: Date | undefined;
  private readonly dlqName: string;
  private countedFromAudit = { redrive: 0, purge: 0 };

  constructor(
    registry: Registry,
    private readonly database: LazyDataSource,
    config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
    const registers = [registry];
    this.depth = new Gauge({
      name: 'dlq_depth',
      help: 'Messages in the DLQ by state (SQS approximate counts)',
      labelNames: ['state'],
      registers,
    });
    this.oldestAgeSeconds = new Gauge({
      name: 'dlq_oldest_message_age_seconds',
      help: 'Age of the oldest dead letter by its SentTimestamp (what SQS retention counts from); 0 when empty',
      registers,
      // Computed at scrape time, so the age keeps growing between two looks at the DLQ.
      collect: () => {
        this.oldestAgeSeconds.set(
          this.oldestSentAt ? Math.max(0, (Date.now() - this.oldestSentAt.getTime()) / 1000) : 0,
        );
      },
    });
    this.retentionSeconds = new Gauge({
      name: 'dlq_message_retention_seconds',
      help: 'MessageRetentionPeriod of the DLQ: dead letters older than this are lost',
      registers,
    });
    this.expiring = new Gauge({
      name: 'dlq_dead_letters_expiring',
      help: 'Dead letters that SQS deletes within DLQ_EXPIRY_WARNING_SECONDS (by SentTimestamp plus the retention period)',
      registers,
    });
    this.noticed = new Counter({
      name: 'dlq_dead_letters_noticed_total',
      help: 'Dead letters seen for the first time, by failure code',
      labelNames: ['reason'],
      registers,
    });
    this.alertsSent = new Counter({
      name: 'dlq_alerts_sent_total',
      help: 'Alerts delivered, by channel and kind (firing, resolved)',
      labelNames: ['channel', 'kind'],
      registers,
    });
    this.alertsFailed = new Counter({
      name: 'dlq_alerts_failed_total',
      help: 'Alerts given up on after all attempts (they are logged)',
      labelNames: ['channel', 'kind'],
      registers,
    });
    this.alertRetries = new Counter({
      name: 'dlq_alert_retries_total',
      help: 'Retried alert deliveries',
      labelNames: ['channel'],
      registers,
    });
    this.alertLatencySeconds = new Histogram({
      name: 'dlq_alert_latency_seconds',
      help: 'From the oldest dead letter of an alert reaching the DLQ until the alert was delivered',
      labelNames: ['channel'],
      buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 900],
      registers,
    });
    this.scans = new Counter({
      name: 'dlq_scans_total',
      help: 'Reads of the DLQ contents by the watcher, by outcome (complete, partial, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.role = new Gauge({
      name: 'dlq_watcher_role',
      help: '1 for the current role: leader (alerts), follower (another sidecar alerts), uncoordinated (database unreachable: alerts alone)',
      labelNames: ['role'],
      registers,
    });
    this.redriven = new Counter({
      name: 'dlq_redriven_messages_total',
      help: 'Dead letters moved back to the orders queue (redrives and edits), from the audit log (CLI and admin API)',
      registers,
      collect: () => this.syncAuditTotals(),
    });
    this.purged = new Counter({
      name: 'dlq_purged_messages_total',
      help: 'Dead letters deleted by purge, from the audit log (CLI and admin API)',
      registers,
    });
  }

  setRole(role: WatcherRole): void {
    for (const candidate of ROLES) {
      this.role.set({ role: candidate }, candidate === role ? 1 : 0);
    }
  }

  setOldestSentAt(at: Date | undefined): void {
    this.oldestSentAt = at;
  }

  // Redrives run in other processes (the CLI, Jobs): their counts come from the shared audit log.
  // Counters only go up: add what the audit log gained since the last scrape.
  private async syncAuditTotals(): Promise<void> {
    try {
      const dataSource = await this.database.get();
      const [totals]: { redrive: string; purge: string }[] = await dataSource.query(
        `SELECT coalesce(sum(succeeded) FILTER (WHERE action <> 'purge'), 0) AS redrive, coalesce(sum(succeeded) FILTER (WHERE action = 'purge'), 0) AS purge
           FROM dlq_audit_runs WHERE dlq_name = $1`,
        [this.dlqName],
      );
      const [redrive, purge] = [Number(totals.redrive), Number(totals.purge)];
      if (redrive > this.countedFromAudit.redrive) {
        this.redriven.inc(redrive - this.countedFromAudit.redrive);
        this.countedFromAudit.redrive = redrive;
      }
      if (purge > this.countedFromAudit.purge) {
        this.purged.inc(purge - this.countedFromAudit.purge);
        this.countedFromAudit.purge = purge;
      }
    } catch {
      // Database unavailable: the counters keep their last values.
    }
  }
}
