import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger, Type } from '@nestjs/common';
import { SqsConsumerEventHandler, SqsMessageHandler } from '@ssut/nestjs-sqs';
import { ProcessorMetrics } from '../health/processor.metrics';
import { RECEIVE_SKIPPED } from './database-gate';
import { OrderBatchHandler } from './order-batch.handler';
import { pollerName, PollerRegistry } from './poller.registry';

/**
 * @ssut/nestjs-sqs binds one consumer to one decorated method by a constant name, so N concurrent
 * pollers need N handler classes. They are made here, once, from the validated POLLERS count.
 */
export function orderPollerClasses(count: number): Type<unknown>[] {
  return Array.from({ length: count }, (_, index) => {
    const name = pollerName(index);

    @Injectable()
    class OrderPoller {
      private readonly logger = new Logger(name);

      constructor(
        private readonly batches: OrderBatchHandler,
        private readonly metrics: ProcessorMetrics,
        private readonly registry: PollerRegistry,
      ) {}

      @SqsMessageHandler(name, true)
      handle(messages: Message[]): Promise<Message[]> {
        return this.batches.handle(name, messages);
      }

      // Without listeners for these events, sqs-consumer errors crash the process.
      @SqsConsumerEventHandler(name, 'error')
      onError(error: Error): void {
        this.report('error', error);
      }

      @SqsConsumerEventHandler(name, 'processing_error')
      onProcessingError(error: Error): void {
        this.report('processing_error', error);
      }

      @SqsConsumerEventHandler(name, 'timeout_error')
      onTimeoutError(error: Error): void {
        this.report('timeout_error', error);
      }

      private report(event: string, error: Error): void {
        // A skipped receive (paused, draining) and a long poll cancelled by the drain are not faults.
        if (
          error?.message?.includes(RECEIVE_SKIPPED) ||
          (this.registry.isDraining && /aborted/i.test(error?.message ?? ''))
        ) {
          return;
        }
        this.metrics.consumerErrors.inc({ event });
        this.logger.warn({ msg: `sqs consumer ${event}`, error: error?.message });
      }
    }
    Object.defineProperty(OrderPoller, 'name', { value: `OrderPoller${index}` });
    return OrderPoller;
  });
}
