import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { classifyDatabaseFailure, NewOrderRecord, OrdersRepository } from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { toOrderRecord } from './order-envelope';

/**
 * Stores one received batch: every message is validated once, the valid orders are written in one
 * multi-row statement, and each message gets its own outcome. When the database rejects the batch
 * for a reason tied to one order, the orders are retried one by one so the culprit fails alone.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly repository: OrdersRepository,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async store(batch: ReceivedMessage[]): Promise<MessageOutcome[]> {
    const outcomes: MessageOutcome[] = [];
    const records: NewOrderRecord[] = [];
    const positions: number[] = [];
    batch.forEach((received, index) => {
      const record = toOrderRecord(received);
      if (record instanceof ProcessingException) {
        outcomes[index] = record;
      } else {
        records.push(record);
        positions.push(index);
      }
    });
    const written = await this.write(records);
    written.forEach((outcome, index) => {
      outcomes[positions[index]] = outcome;
      if (outcome === 'stored') {
        this.metrics.stored.inc();
        const acceptedAt = records[index].acceptedAt.getTime();
        this.metrics.endToEndSeconds.observe((Date.now() - acceptedAt) / 1000);
      } else if (outcome === 'duplicate') {
        this.metrics.duplicates.inc();
      }
    });
    return outcomes;
  }

  private async write(records: NewOrderRecord[]): Promise<MessageOutcome[]> {
    if (records.length === 0) {
      return [];
    }
    try {
      const { inserted } = await this.withRetries(() => this.repository.insertMany(records));
      // The first copy of an order id repeated in the batch is the one stored; later ones are duplicates.
      const stored = new Set(inserted);
      return records.map((record) => (stored.delete(record.orderId) ? 'stored' : 'duplicate'));
    } catch (error) {
      if (classifyDatabaseFailure(error) === 'transient' || records.length === 1) {
        const failure = toFailure(error);
        return records.map(() => failure);
      }
      this.logger.warn({
        msg: 'batch rejected by the database; isolating the culprit',
        orders: records.length,
        error: String(error),
      });
      const outcomes: MessageOutcome[] = [];
      for (const record of records) {
        outcomes.push(...(await this.write([record])));
      }
      return outcomes;
    }
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
}

function toFailure(error: unknown): ProcessingException {
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
