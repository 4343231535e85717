import { SQSClient } from '@aws-sdk/client-sqs';
import { ProcessorConfig } from '@orders/config';
import { TRACE_ATTRIBUTES } from '@orders/contracts';
import type { SqsOptions } from '@ssut/nestjs-sqs/dist/sqs.types';
import { pollerName, Pollers } from './pollers';

/**
 * One sqs-consumer per poller on the orders queue, all on the shared SQS client. The library
 * receives (long poll, batch of SQS_BATCH_SIZE) and keeps the batch hidden while it is handled
 * (heartbeat); deletes are ours (`shouldDeleteMessages: false`): batched across receives, and a
 * failed entry is counted instead of ignored. Each receive first waits on the poller's
 * pre-receive step (start-up, parking, the database gate, pacing, the drain).
 */
export function orderQueueConsumers(
  config: ProcessorConfig,
  sqs: SQSClient,
  pollers: Pollers,
): SqsOptions {
  return {
    consumers: Array.from({ length: config.POLLERS }, (_, index) => ({
      name: pollerName(index),
      queueUrl: config.ORDERS_QUEUE_URL,
      sqs,
      batchSize: config.SQS_BATCH_SIZE,
      waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
      visibilityTimeout: config.VISIBILITY_TIMEOUT_SECONDS,
      heartbeatInterval: config.HEARTBEAT_INTERVAL_SECONDS,
      shouldDeleteMessages: false,
      // Only what backoff, dead letters, logs and orders_queue_wait_seconds read.
      messageSystemAttributeNames: [
        'ApproximateReceiveCount',
        'ApproximateFirstReceiveTimestamp',
        'SentTimestamp',
      ],
      messageAttributeNames: [...TRACE_ATTRIBUTES],
      preReceiveMessageCallback: () => pollers.beforeReceive(index),
      postReceiveMessageCallback: async () => pollers.afterReceive(index),
      // Never abort: sqs-consumer's abort would also cancel the heartbeat of a batch being settled.
      stopOptions: { abort: false },
    })),
  };
}
