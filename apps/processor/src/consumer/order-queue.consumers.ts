import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ProcessorConfig } from '@orders/config';
import { TRACE_ATTRIBUTES } from '@orders/contracts';
import { untraced } from '@orders/messaging';
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
      sqs: untracedReceives(sqs),
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

// Receives are not traced: most are empty long polls, and the batch span (processBatchInSpan) is
// what an order's trace needs. A traced receive would be one more consumer span per batch, linked
// to every order in it and holding none of the work. The library takes the client as an option.
function untracedReceives(sqs: SQSClient): SQSClient {
  const send = sqs.send.bind(sqs) as (...args: unknown[]) => Promise<unknown>;
  return new Proxy(sqs, {
    get(target, property, receiver) {
      return property === 'send'
        ? (command: unknown, ...rest: unknown[]) =>
            command instanceof ReceiveMessageCommand
              ? untraced(() => send(command, ...rest))
              : send(command, ...rest)
        : Reflect.get(target, property, receiver);
    },
  });
}
