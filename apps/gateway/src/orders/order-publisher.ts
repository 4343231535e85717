import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { SqsService } from '@ssut/nestjs-sqs';
import { GatewayConfig } from '@orders/config';
import {
  inSpan,
  messageSize,
  messagingAttributes,
  MicroBatcher,
  queueNameOfUrl,
  sendBatchInSpan,
  Settled,
  withTraceContext,
} from '@orders/messaging';
import { GatewayMetrics } from '../http/gateway.metrics';
import { OrdersErrorCode, OrdersException } from './orders.exception';

export const ORDERS_PRODUCER = 'orders';

// SQS limits per SendMessageBatch request.
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;
// Only entries SQS reported as failed are sent again; a whole batch never is.
const FAILED_ENTRY_RETRIES = 2;

export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

/** sqs-producer's FailedMessagesError (not exported): some entries of the batch were refused. */
function isPartialFailure(error: unknown): error is Error & { failedMessages: string[] } {
  return (
    error instanceof Error && Array.isArray((error as { failedMessages?: unknown }).failedMessages)
  );
}

type BatchEntry = OutgoingMessage & { id: string };

/**
 * Puts orders on the queue. Concurrent requests share SendMessageBatch calls (up to 10× fewer
 * billed requests); each request still learns whether its own message is in SQS.
 */
@Injectable()
export class OrderPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(OrderPublisher.name);
  private readonly batcher: MicroBatcher<BatchEntry, void>;
  // Batch entry ids must be unique within a request; order ids may repeat (same Idempotency-Key).
  private nextEntryId = 0;
  private readonly queueName: string;

  constructor(
    private readonly sqs: SqsService,
    private readonly config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    this.queueName = queueNameOfUrl(config.ORDERS_QUEUE_URL);
    this.batcher = new MicroBatcher(
      (messages) => this.sendBatch(messages),
      {
        maxItems: MAX_ENTRIES,
        maxBytes: MAX_BATCH_BYTES,
        lingerMs: config.SEND_BATCH_LINGER_MS,
      },
      (message) => messageSize(message.body, message.attributes),
    );
  }

  /** Resolves only once SQS has acknowledged the message; rejects with QUEUE_UNAVAILABLE otherwise. */
  publish(message: OutgoingMessage): Promise<void> {
    // One create span per order, child of its HTTP request; the message carries its context.
    return inSpan(
      `create ${this.queueName}`,
      { kind: SpanKind.PRODUCER, attributes: messagingAttributes('create', this.queueName) },
      () => this.enqueue({ ...message, attributes: withTraceContext(message.attributes) }),
    );
  }

  private async enqueue(message: OutgoingMessage): Promise<void> {
    const stopTimer = this.metrics.enqueueSeconds.startTimer();
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timeout = setTimeout(
        () =>
          reject(
            new OrdersException(
              OrdersErrorCode.QueueUnavailable,
              `SQS did not acknowledge within ${this.config.SEND_TIMEOUT_MS} ms`,
            ),
          ),
        this.config.SEND_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([
        this.batcher.submit({ ...message, id: String(this.nextEntryId++ % 1e9) }),
        deadline,
      ]);
      stopTimer({ outcome: 'sent' });
    } catch (error) {
      stopTimer({ outcome: 'failed' });
      this.metrics.sqsErrors.inc();
      if (error instanceof OrdersException) {
        throw error;
      }
      throw new OrdersException(
        OrdersErrorCode.QueueUnavailable,
        'The order queue is unavailable',
        error,
      );
    } finally {
      clearTimeout(timeout);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.batcher.drain();
  }

  private async sendBatch(messages: BatchEntry[]): Promise<Settled<void>[]> {
    const results = new Map<string, Settled<void>>();
    let pending = messages;
    for (let attempt = 0; attempt <= FAILED_ENTRY_RETRIES && pending.length > 0; attempt++) {
      this.metrics.batchSize.observe(pending.length);
      try {
        const batch = pending;
        await sendBatchInSpan(
          this.queueName,
          batch.map((message) => message.attributes),
          () =>
            this.sqs.send(
              ORDERS_PRODUCER,
              batch.map((message) => ({
                id: message.id,
                body: message.body,
                messageAttributes: message.attributes,
              })),
            ),
        );
        pending.forEach((message) => results.set(message.id, { ok: true, value: undefined }));
        pending = [];
      } catch (error) {
        if (!isPartialFailure(error)) {
          // Transport failure after the SDK's own retries: nobody knows which entries landed.
          this.logger.warn({
            msg: 'SendMessageBatch failed',
            entries: pending.length,
            error: String(error),
          });
          pending.forEach((message) => results.set(message.id, { ok: false, error }));
          pending = [];
          break;
        }
        const failed = new Set(error.failedMessages);
        pending.forEach((message) => {
          if (!failed.has(message.id)) {
            results.set(message.id, { ok: true, value: undefined });
          }
        });
        pending = pending.filter((message) => failed.has(message.id));
        pending.forEach((message) => results.set(message.id, { ok: false, error }));
      }
    }
    return messages.map(
      (message) => results.get(message.id) ?? { ok: false, error: new Error('not sent') },
    );
  }
}
