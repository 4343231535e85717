import { Message, SQSClient } from '@aws-sdk/client-sqs';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { Consumer } from 'sqs-consumer';
import { SidecarMetrics } from '../metrics/sidecar.metrics';
import { letterOf } from '../records/letter';
import { RecordsStore } from '../records/records.store';

/** Intake stopped because letters cannot be recorded (the database is down): they wait in the DLQ. */
export interface IntakePause {
  since: Date;
  reason: string;
  /** SentTimestamp of the oldest letter seen but not recorded: how long the queue has been waiting. */
  oldestWaitingSentAt: Date;
}

/**
 * The only consumer of the DLQ. Each batch is recorded in one transaction, then deleted: a crash
 * in between means only that the letters are received and recognised again (keyed by message id).
 * When recording fails the intake stops receiving, so letters wait in the DLQ untouched, and
 * resumes once the database answers. Every replica runs one; SQS hands each letter to one at a time.
 * It also resolves retried records whose order reached `orders`.
 */
@Injectable()
export class DlqIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DlqIntake.name);
  private readonly consumer: Consumer;
  private timer?: NodeJS.Timeout;
  private lastTurnAt = Date.now();
  paused?: IntakePause;
  // Until a receive fails: the first answer to a long poll on an empty DLQ takes DLQ_WAIT_TIME_SECONDS.
  dlqReachable = true;

  constructor(
    sqs: SQSClient,
    private readonly records: RecordsStore,
    private readonly metrics: SidecarMetrics,
    private readonly config: DlqSidecarConfig,
  ) {
    this.consumer = Consumer.create({
      sqs,
      queueUrl: config.ORDERS_DLQ_URL,
      batchSize: 10,
      waitTimeSeconds: config.DLQ_WAIT_TIME_SECONDS,
      visibilityTimeout: config.DLQ_INGEST_VISIBILITY_SECONDS,
      messageAttributeNames: ['All'],
      messageSystemAttributeNames: ['All'],
      // A batch that could not be recorded is visible again at once, for whoever records next.
      terminateVisibilityTimeout: true,
      pollingCompleteWaitTimeMs: 5000,
      handleMessageBatch: (messages) => this.recordBatch(messages),
    });
    this.consumer.on('response_processed', () => this.turned(true));
    this.consumer.on('empty', () => this.turned(true));
    this.consumer.on('error', (error) => {
      this.turned(!(error as { name?: string }).name?.startsWith('SQS'));
      this.logger.warn({ msg: 'DLQ intake error', error: String(error) });
    });
    this.consumer.on('processing_error', (error) =>
      this.logger.warn({ msg: 'DLQ intake error', error: String(error) }),
    );
    this.consumer.on('timeout_error', (error) =>
      this.logger.warn({ msg: 'DLQ intake timeout', error: String(error) }),
    );
  }

  get millisSinceLastTurn(): number {
    return this.paused ? 0 : Date.now() - this.lastTurnAt;
  }

  onApplicationBootstrap(): void {
    this.consumer.start();
    this.timer = setInterval(() => void this.checkOutcomes(), this.config.DLQ_POLL_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.consumer.status.isRunning) {
      return;
    }
    const stopped = new Promise((resolve) => this.consumer.once('stopped', resolve));
    this.consumer.stop();
    await stopped;
  }

  private async recordBatch(messages: Message[]): Promise<Message[]> {
    const letters = messages.map((message) => letterOf(message));
    try {
      await this.records.record(letters);
    } catch (error) {
      this.pause(error, Math.min(...letters.map((letter) => letter.sentAt.getTime())));
      throw error;
    }
    letters.forEach((letter) => this.metrics.ingested.inc({ code: letter.failureCode }));
    return messages;
  }

  private pause(error: unknown, oldestSentAt: number): void {
    const waiting = this.paused?.oldestWaitingSentAt.getTime() ?? Infinity;
    this.paused = {
      since: this.paused?.since ?? new Date(),
      reason: error instanceof Error ? error.message : String(error),
      oldestWaitingSentAt: new Date(Math.min(waiting, oldestSentAt)),
    };
    this.metrics.setPause(this.paused);
    this.consumer.stop();
    this.logger.error({
      msg: 'DLQ intake paused: letters cannot be recorded, they wait in the DLQ',
      error: this.paused.reason,
    });
  }

  /** While paused: resume once the database answers. Otherwise: resolve retried records that were stored. */
  private async checkOutcomes(): Promise<void> {
    try {
      if (this.paused) {
        await this.records.query('SELECT 1');
        this.logger.log({ msg: 'DLQ intake resumed', pausedSince: this.paused.since });
        this.paused = undefined;
        this.metrics.setPause(undefined);
        this.consumer.start();
        return;
      }
      const resolved = await this.records.resolveStored();
      if (resolved.length > 0) {
        this.metrics.resolved.inc(resolved.length);
        this.logger.log({
          msg: 'retried records resolved: their orders are stored',
          recordIds: resolved,
        });
      }
    } catch (error) {
      this.logger.warn({ msg: 'database check failed', error: String(error) });
    }
  }

  private turned(reachable: boolean): void {
    this.lastTurnAt = Date.now();
    this.dlqReachable = reachable;
  }
}
