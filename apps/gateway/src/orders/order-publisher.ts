import {
  BatchResultErrorEntry,
  MessageAttributeValue,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { GatewayConfig } from '@orders/config';
import { ORDER_MESSAGE_MAX_BYTES } from '@orders/contracts';
import {
  inSpan,
  messageSize,
  messagingAttributes,
  MicroBatcher,
  queueNameOfUrl,
  sendBatchInSpan,
  Settled,
  SQS_MAX_BATCH_BYTES,
  SQS_MAX_BATCH_ENTRIES,
  withTraceContext,
} from '@orders/messaging';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { OrdersErrorCode, OrdersException } from './orders.exception';

// Only entries SQS reported as failed on its side are sent again; a whole batch never is.
const FAILED_ENTRY_RETRIES = 2;

export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

type BatchEntry = OutgoingMessage & { id: string };

/**
 * SQS refused this message for what it contains (SenderFault): sending it again cannot help, so it
 * must never become a 503. The contract admits only what SQS takes, so this is a bug in it.
 */
function refusedForContent(detail: string): OrdersException {
  return new OrdersException(
    OrdersErrorCode.RefusedByQueue,
    'The order queue refused this order; it was not accepted, and retrying will not help',
    new Error(detail),
  );
}

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
  private held = 0;
  private readonly queueName: string;

  constructor(
    private readonly sqs: SQSClient,
    private readonly config: GatewayConfig,
    private readonly metrics: GatewayMetrics,
  ) {
    this.queueName = queueNameOfUrl(config.ORDERS_QUEUE_URL);
    this.batcher = new MicroBatcher(
      (messages) => this.sendBatch(messages),
      {
        maxItems: SQS_MAX_BATCH_ENTRIES,
        maxBytes: SQS_MAX_BATCH_BYTES,
        lingerMs: config.SEND_BATCH_LINGER_MS,
      },
      (message) => messageSize(message.body, message.attributes),
    );
  }

  /** Orders handed over and not yet settled by SQS: waiting for a batch or inside a call. */
  get outstanding(): number {
    return this.held;
  }

  /**
   * Resolves only once SQS has acknowledged the message; rejects with QUEUE_UNAVAILABLE when a retry
   * may succeed, REFUSED_BY_QUEUE when SQS refused the content (a contract bug, logged as such).
   */
  publish(message: OutgoingMessage): Promise<void> {
    // One create span per order, child of its HTTP request; the message carries its context.
    return inSpan(
      `create ${this.queueName}`,
      { kind: SpanKind.PRODUCER, attributes: messagingAttributes('create', this.queueName) },
      () => this.enqueue({ ...message, attributes: withTraceContext(message.attributes) }),
    );
  }

  private async enqueue(message: OutgoingMessage): Promise<void> {
    const size = messageSize(message.body, message.attributes);
    if (size > ORDER_MESSAGE_MAX_BYTES) {
      this.logContractBug(`message of ${size} bytes exceeds ${ORDER_MESSAGE_MAX_BYTES}`);
      throw refusedForContent(`${size} bytes`);
    }
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
    this.held += 1;
    const sent = this.batcher.submit({ ...message, id: String(this.nextEntryId++ % 1e9) });
    const settled = () => {
      this.held -= 1;
    };
    sent.then(settled, settled);
    try {
      await Promise.race([sent, deadline]);
      stopTimer({ outcome: 'sent' });
    } catch (error) {
      stopTimer({ outcome: 'failed' });
      this.metrics.sqsErrors.inc();
      if (error instanceof OrdersException) {
        if (error.code === OrdersErrorCode.RefusedByQueue) {
          this.logContractBug(String((error.cause as Error | undefined)?.message));
        }
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

  private logContractBug(detail: string): void {
    this.logger.error({
      msg: 'contract bug: the gateway admitted an order that SQS refuses for its content',
      detail,
    });
  }

  private async sendBatch(messages: BatchEntry[]): Promise<Settled<void>[]> {
    const results = new Map<string, Settled<void>>();
    let pending = messages;
    for (let attempt = 0; attempt <= FAILED_ENTRY_RETRIES && pending.length > 0; attempt++) {
      this.metrics.batchSize.observe(pending.length);
      let failed: BatchResultErrorEntry[];
      const batch = pending;
      try {
        const response = await sendBatchInSpan(
          this.queueName,
          batch.map((message) => message.attributes),
          () =>
            this.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: this.config.ORDERS_QUEUE_URL,
                Entries: batch.map((message) => ({
                  Id: message.id,
                  MessageBody: message.body,
                  MessageAttributes: message.attributes,
                })),
              }),
            ),
          (response) =>
            response.Failed?.length
              ? `${response.Failed.length} of ${batch.length} entries failed`
              : undefined,
        );
        failed = response.Failed ?? [];
      } catch (error) {
        // Transport failure after the SDK's own retries: nobody knows which entries landed.
        this.logger.warn({
          msg: 'SendMessageBatch failed',
          entries: pending.length,
          error: String(error),
        });
        pending.forEach((message) => results.set(message.id, { ok: false, error }));
        break;
      }
      const failures = new Map(failed.map((entry) => [entry.Id, entry]));
      const retry: BatchEntry[] = [];
      for (const message of pending) {
        const failure = failures.get(message.id);
        if (!failure) {
          results.set(message.id, { ok: true, value: undefined });
        } else if (failure.SenderFault) {
          results.set(message.id, {
            ok: false,
            error: refusedForContent(`${failure.Code}: ${failure.Message}`),
          });
        } else {
          results.set(message.id, {
            ok: false,
            error: new Error(`${failure.Code}: ${failure.Message}`),
          });
          retry.push(message);
        }
      }
      pending = retry;
    }
    return messages.map(
      (message) => results.get(message.id) ?? { ok: false, error: new Error('not sent') },
    );
  }
}
