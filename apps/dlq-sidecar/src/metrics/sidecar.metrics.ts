import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RecordsStore } from '../records/records.store';

/** What this sidecar does: intake, records, alerts. Here, so intake, alerting and health read it without a cycle. */
@Injectable()
export class SidecarMetrics {
  readonly ingested: Counter<'code'>;
  readonly resolved: Counter;
  readonly alertsSent: Counter<'channel' | 'kind'>;
  readonly alertsFailed: Counter<'channel' | 'kind'>;
  readonly alertRetries: Counter<'channel'>;
  readonly alertLatencySeconds: Histogram<'channel'>;
  private readonly paused: Gauge;
  private readonly waitingAge: Gauge;
  private oldestWaitingSentAt: Date | undefined;

  constructor(registry: Registry, store: RecordsStore) {
    const registers = [registry];
    const counter = <Label extends string = never>(
      name: string,
      help: string,
      labels: Label[] = [],
    ) => new Counter<Label>({ name, help, labelNames: labels, registers });
    this.ingested = counter(
      'dlq_letters_ingested_total',
      'Letters recorded from the DLQ by this sidecar, by failure code',
      ['code'],
    );
    this.resolved = counter(
      'dlq_records_resolved_total',
      'Retried records whose order this sidecar found stored',
    );
    this.paused = new Gauge({
      name: 'dlq_intake_paused',
      help: '1 while intake is paused because letters cannot be recorded (database unreachable): they wait in the DLQ',
      registers,
    });
    this.waitingAge = new Gauge({
      name: 'dlq_intake_waiting_age_seconds',
      help: 'While intake is paused: age of the oldest letter seen but not recorded (SentTimestamp); 0 otherwise',
      registers,
      collect: () =>
        this.waitingAge.set(
          this.oldestWaitingSentAt ? (Date.now() - this.oldestWaitingSentAt.getTime()) / 1000 : 0,
        ),
    });
    const records = new Gauge({
      name: 'dlq_records',
      help: 'Failed-order records by state (exact, from the store)',
      labelNames: ['state'],
      registers,
      collect: async () => {
        try {
          const rows = await store.query<{ state: string; n: number }>(
            `SELECT state, count(*)::int AS n FROM dlq_records WHERE dlq_name = $1 GROUP BY state`,
            [store.dlqName],
          );
          records.reset();
          rows.forEach((row) => records.set({ state: row.state }, row.n));
        } catch {
          // Database unreachable: the last values stay; dlq_intake_paused says why.
        }
      },
    });
    this.alertsSent = counter(
      'dlq_alerts_sent_total',
      'Alerts delivered, by channel and kind (firing, resolved, stalled)',
      ['channel', 'kind'],
    );
    this.alertsFailed = counter(
      'dlq_alerts_failed_total',
      'Alerts given up on after all attempts (they are logged)',
      ['channel', 'kind'],
    );
    this.alertRetries = counter('dlq_alert_retries_total', 'Retried alert deliveries', ['channel']);
    this.alertLatencySeconds = new Histogram({
      name: 'dlq_alert_latency_seconds',
      help: 'From the oldest letter of an alert failing until the alert was delivered',
      labelNames: ['channel'],
      buckets: [1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 900],
      registers,
    });
  }

  setPause(pause: { oldestWaitingSentAt: Date } | undefined): void {
    this.paused.set(pause ? 1 : 0);
    this.oldestWaitingSentAt = pause?.oldestWaitingSentAt;
  }
}
