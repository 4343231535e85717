import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { MicroBatcher, Settled } from '@orders/messaging';
import {
  classifyDatabaseFailure,
  firstPerOrderId,
  NewOrderRecord,
  OrdersRepository,
} from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessorMetrics } from '../health/processor.metrics';
import { ProcessingErrorCode, ProcessingException } from './processing.exception';

type WriteOutcome = 'stored' | 'duplicate';

/**
 * Turns concurrent single-order writes (one per message, from every poller) into one multi-row
 * transaction. When a batch fails for a reason tied to one order, the orders are retried one by
 * one so the culprit fails alone and the others are stored.
 */
@Injectable()
export class OrderWriter {
  private readonly logger = new Logger(OrderWriter.name);
  private readonly batcher: MicroBatcher<NewOrderRecord, WriteOutcome>;

  constructor(
    private readonly repository: OrdersRepository,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {
    this.batcher = new MicroBatcher((records) => this.writeBatch(records), {
      maxItems: config.SQS_BATCH_SIZE * config.POLLERS,
      lingerMs: 0,
    });
  }

  write(record: NewOrderRecord): Promise<WriteOutcome> {
    return this.batcher.submit(record);
  }

  /** Resolves once every write already submitted has settled; part of the drain. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async writeBatch(records: NewOrderRecord[]): Promise<Settled<WriteOutcome>[]> {
    // The same order twice in one batch (a duplicate delivery) must not be a conflict inside one statement.
    const unique = firstPerOrderId(records);
    try {
      const outcome = await this.withRetries(() => this.repository.insertMany(unique));
      const stored = new Set(outcome.inserted);
      const seen = new Set<string>();
      return records.map((record) => {
        const first = stored.has(record.orderId) && !seen.has(record.orderId);
        seen.add(record.orderId);
        return { ok: true, value: first ? 'stored' : 'duplicate' };
      });
    } catch (error) {
      if (classifyDatabaseFailure(error) === 'transient' || records.length === 1) {
        const failure = this.toFailure(error);
        return records.map(() => ({ ok: false, error: failure }));
      }
      this.logger.warn({
        msg: 'batch rejected by the database; isolating the culprit',
        orders: records.length,
        error: String(error),
      });
      return this.writeOneByOne(records);
    }
  }

  private async writeOneByOne(records: NewOrderRecord[]): Promise<Settled<WriteOutcome>[]> {
    const results: Settled<WriteOutcome>[] = [];
    for (const record of records) {
      try {
        const outcome = await this.withRetries(() => this.repository.insertMany([record]));
        results.push({
          ok: true,
          value: outcome.inserted.length > 0 ? 'stored' : 'duplicate',
        });
      } catch (error) {
        results.push({ ok: false, error: this.toFailure(error) });
      }
    }
    return results;
  }

  /** In-process retries of transient failures (deadlock, serialization, lost connection) with full jitter. */
  private async withRetries<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (
          classifyDatabaseFailure(error) === 'permanent' ||
          attempt >= this.config.DB_RETRY_ATTEMPTS
        ) {
          throw error;
        }
        this.metrics.dbRetries.inc();
        await sleep(Math.random() * this.config.DB_RETRY_BASE_MS * 2 ** attempt);
      }
    }
  }

  private toFailure(error: unknown): ProcessingException {
    const message = error instanceof Error ? error.message : String(error);
    return classifyDatabaseFailure(error) === 'permanent'
      ? new ProcessingException(
          ProcessingErrorCode.RejectedByDatabase,
          `The database rejected the order: ${message}`,
          undefined,
          error,
        )
      : new ProcessingException(
          ProcessingErrorCode.DatabaseUnavailable,
          `The database is unavailable: ${message}`,
          undefined,
          error,
        );
  }
}
