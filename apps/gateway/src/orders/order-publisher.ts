import {
  BatchResultErrorEntry,
  MessageAttributeValue,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
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

// Entries SQS reported as failed on its side are sent again at most this often.
const FAILED_ENTRY_RETRIES = 2;
// Below this an attempt cannot finish; the first retry pauses about this long, then twice as long.
const MIN_ATTEMPT_MS = 50;
const RETRY_PAUSE_MS = 50;

export interface OutgoingMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
}

// deadline: performance.now() by which the request must have its answer.
type BatchEntry = OutgoingMessage & { id: string; deadline: number };

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
    this.held += 1;
    try {
      // No race against a timer: the batch itself ends within SEND_TIMEOUT_MS (its attempts are
      // aborted at the deadline), so an answer never leaves while an attempt can still enqueue.
      await this.batcher.submit({
        ...message,
        id: String(this.nextEntryId++ % 1e9),
        deadline: performance.now() + this.config.SEND_TIMEOUT_MS,
      });
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
      this.held -= 1;
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

  /**
   * Sends the batch until every entry is acknowledged, refused, or the deadline of its oldest
   * entry has come. An attempt whose answer never came (timeout, abort, lost connection, a 5xx) may
   * still have enqueued its entries: those are sent again while time remains (the same order id, so
   * the processor stores one), and if none of the later attempts is acknowledged the outcome is
   * unknown, never "not accepted".
   */
  private async sendBatch(messages: BatchEntry[]): Promise<Settled<void>[]> {
    const results = new Map<string, Settled<void>>();
    const mayHaveLanded = new Set<string>();
    const deadline = Math.min(...messages.map((message) => message.deadline));
    let pending = messages;
    let lastError: unknown;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const remaining = deadline - performance.now();
      if (attempt > 0) {
        // Short, jittered pauses: a throttled or failing SQS is not asked again at once.
        const pause = Math.min(
          remaining - MIN_ATTEMPT_MS,
          RETRY_PAUSE_MS * 2 ** (attempt - 1) * (0.5 + Math.random()),
        );
        if (pause < 0) {
          break;
        }
        await sleep(pause);
      }
      const budget = Math.min(this.config.SQS_REQUEST_TIMEOUT_MS, deadline - performance.now());
      if (budget < MIN_ATTEMPT_MS) {
        break;
      }
      this.metrics.batchSize.observe(pending.length);
      const batch = pending;
      let failed: BatchResultErrorEntry[];
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
              { abortSignal: AbortSignal.timeout(Math.floor(budget)) },
            ),
          (response) =>
            response.Failed?.length
              ? `${response.Failed.length} of ${batch.length} entries failed`
              : undefined,
        );
        failed = response.Failed ?? [];
      } catch (error) {
        lastError = error;
        if (!surelyNotSent(error)) {
          batch.forEach((message) => mayHaveLanded.add(message.id));
        }
        this.logger.warn({
          msg: 'SendMessageBatch failed',
          entries: batch.length,
          attempt: attempt + 1,
          outcome: surelyNotSent(error) ? 'not sent' : 'unknown',
          error: String(error),
        });
        continue;
      }
      const failures = new Map(failed.map((entry) => [entry.Id, entry]));
      const retry: BatchEntry[] = [];
      for (const message of batch) {
        const failure = failures.get(message.id);
        if (!failure) {
          results.set(message.id, { ok: true, value: undefined });
        } else if (failure.SenderFault) {
          results.set(message.id, {
            ok: false,
            error: refusedForContent(`${failure.Code}: ${failure.Message}`),
          });
        } else {
          lastError = new Error(`${failure.Code}: ${failure.Message}`);
          if (attempt < FAILED_ENTRY_RETRIES) {
            retry.push(message);
          }
        }
      }
      pending = retry;
    }
    return messages.map((message) => {
      const result = results.get(message.id);
      if (result) {
        return result;
      }
      return {
        ok: false,
        error: mayHaveLanded.has(message.id)
          ? new OrdersException(
              OrdersErrorCode.OutcomeUnknown,
              `SQS did not answer within ${this.config.SEND_TIMEOUT_MS} ms; the order may or may not be in the queue`,
              lastError,
            )
          : new OrdersException(
              OrdersErrorCode.QueueUnavailable,
              'The order queue is unavailable; the order was not accepted',
              lastError,
            ),
      };
    });
  }
}

/**
 * True only when SQS cannot have acted on the call: it answered with a client error (throttled,
 * refused) or no connection was ever made. Everything else (timeouts, aborts, a reset connection,
 * a 5xx) leaves the outcome open.
 */
function surelyNotSent(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined) {
    return status >= 400 && status < 500;
  }
  // The SDK wraps an error from another realm (jest's VM) into a message-only one: read both.
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return NO_CONNECTION.test(code ?? '') || NO_CONNECTION.test(message ?? '');
}

const NO_CONNECTION = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/;
