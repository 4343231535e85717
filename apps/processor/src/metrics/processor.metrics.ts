import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

@Injectable()
export class ProcessorMetrics {
  readonly stored: Counter;
  readonly duplicates: Counter;
  readonly deadLettered: Counter<'code'>;
  readonly redeliveries: Counter<'code'>;
  readonly dbRetries: Counter;
  readonly endToEndSeconds: Histogram;
  readonly batchSize: Histogram;
  readonly queueWaitSeconds: Histogram;
  readonly paused: Gauge;
  readonly pauses: Counter;
  readonly consumerErrors: Counter<'event'>;
  readonly deleteFailures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.stored = new Counter({
      name: 'orders_stored_total',
      help: 'Orders written to the database',
      registers,
    });
    this.duplicates = new Counter({
      name: 'orders_duplicate_total',
      help: 'Deliveries of orders already stored (absorbed)',
      registers,
    });
    this.deadLettered = new Counter({
      name: 'orders_dead_lettered_total',
      help: 'Messages sent to the DLQ with a reason',
      labelNames: ['code'],
      registers,
    });
    this.redeliveries = new Counter({
      name: 'orders_retried_total',
      help: 'Messages left for SQS to redeliver later',
      labelNames: ['code'],
      registers,
    });
    this.dbRetries = new Counter({
      name: 'db_transaction_retries_total',
      help: 'In-process retries of a transient database failure',
      registers,
    });
    this.endToEndSeconds = new Histogram({
      name: 'orders_end_to_end_seconds',
      help: 'From acceptedAt at the gateway until stored',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'sqs_receive_batch_size',
      help: 'Messages per received batch',
      buckets: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      registers,
    });
    this.queueWaitSeconds = new Histogram({
      name: 'orders_queue_wait_seconds',
      help: 'Age of a message when received (from SentTimestamp): how far behind the queue is',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.paused = new Gauge({
      name: 'processor_paused',
      help: '1 while polling is paused because the database is unavailable',
      registers,
    });
    this.pauses = new Counter({
      name: 'processor_pauses_total',
      help: 'Times polling was paused because the database was unavailable',
      registers,
    });
    this.consumerErrors = new Counter({
      name: 'sqs_consumer_errors_total',
      help: 'Errors reported by the SQS consumers',
      labelNames: ['event'],
      registers,
    });
    this.deleteFailures = new Counter({
      name: 'sqs_delete_failures_total',
      help: 'Settled messages SQS did not delete (they come back; the insert absorbs them)',
      registers,
    });
  }
}
