import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { processBatchInSpan, queueNameOfUrl } from '@orders/messaging';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { BatchSettler } from './batch-settler';
import { OrderMessageRouter } from './order-message.router';
import { MAX_POLLERS, pollerName, Pollers } from './pollers';

/**
 * The batch handler of every orders consumer (`@SqsMessageHandler(name, true)`): routes the batch
 * through Nest's pipeline, then settles each message on its own (stored and dead-lettered ones
 * deleted by us, transient failures handed back with backoff) and returns exactly the settled
 * list. Its event handlers feed liveness and metrics. It never throws: a throw would leave the
 * whole batch invisible until its visibility timeout.
 */
@Injectable()
export class OrderQueueConsumer {
  private readonly logger = new Logger(OrderQueueConsumer.name);

  constructor(
    private readonly router: OrderMessageRouter,
    private readonly settler: BatchSettler,
    private readonly pollers: Pollers,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  // Poller 0 (every replica runs it) is written out; pollers 1.. get the same methods below.
  @SqsMessageHandler(pollerName(0), true)
  handle0(messages: Message[]): Promise<Message[]> {
    return this.handleBatch(0, messages);
  }

  @SqsConsumerEventHandler(pollerName(0), 'error')
  error0(error: Error, messages?: Message | Message[]): void {
    this.onError(0, error, messages);
  }

  @SqsConsumerEventHandler(pollerName(0), 'processing_error')
  processingError0(error: Error): void {
    this.onProcessingError(0, error);
  }

  @SqsConsumerEventHandler(pollerName(0), 'timeout_error')
  timeoutError0(error: Error): void {
    this.onProcessingError(0, error);
  }

  @SqsConsumerEventHandler(pollerName(0), 'empty')
  empty0(): void {
    this.onEmpty(0);
  }

  async handleBatch(poller: number, messages: Message[]): Promise<Message[]> {
    this.pollers.handlingStarted(poller, messages);
    try {
      if (this.pollers.isDraining) {
        // Received while shutting down and not started: hand back at once for another replica.
        await this.settler.handBack(messages);
        return [];
      }
      const startedAt = Date.now();
      this.metrics.batchSize.observe(messages.length);
      for (const message of messages) {
        const sentAt = Number(message.Attributes?.SentTimestamp ?? startedAt);
        this.metrics.queueWaitSeconds.observe(Math.max(0, startedAt - sentAt) / 1000);
      }
      const queue = queueNameOfUrl(this.config.ORDERS_QUEUE_URL);
      return await processBatchInSpan(queue, messages, async () =>
        this.settler.settle(await this.router.dispatch(messages), startedAt),
      );
    } catch (error) {
      // Not expected (every outcome is settled above); the messages reappear after their timeout.
      this.metrics.consumerErrors.inc({ event: 'handler' });
      this.logger.error({
        msg: 'batch handler failed',
        messages: messages.length,
        error: String(error),
      });
      return [];
    } finally {
      this.pollers.handlingEnded(poller);
    }
  }

  /** An 'error' event: a failed receive (no messages given) or a failed heartbeat. */
  onError(poller: number, error: Error, messages?: Message | Message[]): void {
    if (messages === undefined) {
      if (this.pollers.isDraining) {
        return; // the pre-receive step refused a receive after the drain began
      }
      this.pollers.receiveFailed(poller);
    }
    this.metrics.consumerErrors.inc({ event: messages === undefined ? 'receive' : 'error' });
    this.logger.warn({
      msg: messages === undefined ? 'sqs receive failed' : 'sqs consumer error',
      poller: pollerName(poller),
      error: error.message,
    });
  }

  onProcessingError(poller: number, error: Error): void {
    this.metrics.consumerErrors.inc({ event: 'processing_error' });
    this.logger.warn({
      msg: 'sqs processing error',
      poller: pollerName(poller),
      error: error.message,
    });
  }

  onEmpty(poller: number): void {
    this.pollers.received0(poller);
  }
}

// @ssut/nestjs-sqs finds a consumer's handler, and its event handlers, by a constant name, one
// decorated method each; POLLERS is configuration, so every further poller gets poller 0's methods
// under its own name. (The library binds event handlers to the message handler's instance: they
// live in this class.)
const prototype = OrderQueueConsumer.prototype as unknown as Record<string, unknown>;
function decorated(key: string, value: (...args: never[]) => unknown, decorator: MethodDecorator) {
  Object.defineProperty(prototype, key, { value, writable: true, configurable: true });
  decorator(prototype, key, Object.getOwnPropertyDescriptor(prototype, key) as PropertyDescriptor);
}
for (let index = 1; index < MAX_POLLERS; index++) {
  const name = pollerName(index);
  decorated(
    `handle${index}`,
    function (this: OrderQueueConsumer, messages: Message[]) {
      return this.handleBatch(index, messages);
    },
    SqsMessageHandler(name, true),
  );
  decorated(
    `error${index}`,
    function (this: OrderQueueConsumer, error: Error, messages?: Message | Message[]) {
      this.onError(index, error, messages);
    },
    SqsConsumerEventHandler(name, 'error'),
  );
  for (const [key, event] of [
    ['processingError', 'processing_error'],
    ['timeoutError', 'timeout_error'],
  ] as const) {
    decorated(
      `${key}${index}`,
      function (this: OrderQueueConsumer, error: Error) {
        this.onProcessingError(index, error);
      },
      SqsConsumerEventHandler(name, event),
    );
  }
  decorated(
    `empty${index}`,
    function (this: OrderQueueConsumer) {
      this.onEmpty(index);
    },
    SqsConsumerEventHandler(name, 'empty'),
  );
}
