import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  createQueuePair,
  globalSetupServices,
  loadStackHarness,
  QueuePair,
  RunningStack,
  testSqsClient,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';

/**
 * The built processor and dlq-sidecar as real processes on real PostgreSQL and the SQS emulator:
 * a redriven order is really stored (or really fails again). People come through a sign-in
 * proxy (trusted on 127.0.0.1), so one stack serves an operator and a reader at once.
 */
export interface ActionsStack {
  stack: RunningStack;
  base: string;
  queues: QueuePair;
  sqs: SQSClient;
}

export const PROXY_HEADERS = {
  operator: { 'x-forwarded-email': 'olga@example.test', 'x-forwarded-groups': 'operator' },
  reader: { 'x-forwarded-email': 'rita@example.test', 'x-forwarded-groups': 'reader' },
};

export async function startActionsStack(): Promise<ActionsStack> {
  const sqs = testSqsClient();
  const queues = await createQueuePair(sqs);
  const harness = await loadStackHarness();
  const stack = await harness.startStack({
    apps: ['processor', 'dlq-sidecar'],
    ...globalSetupServices(queues),
    env: {
      ALERT_LOG: 'false',
      CONSOLE_SIGN_IN: 'proxy',
      PROXY_TRUSTED_CIDRS: '127.0.0.1/32',
      CONSOLE_SESSION_SECRET: 'browser-spec-session-secret-0123456789abcdef',
      DLQ_WAIT_TIME_SECONDS: '1',
      DLQ_POLL_INTERVAL_MS: '200',
      REDRIVE_STAGE_TIMEOUT_SECONDS: '30',
    },
    appEnv: { processor: { SQS_WAIT_TIME_SECONDS: '1' } },
  });
  return { stack, base: stack.urls['dlq-sidecar'], queues, sqs };
}

/** An order envelope as the gateway puts it on the queue; `quantity` 0 breaks the contract. */
export function orderBody(orderId: string, quantity = 2, customerId = 'customer-7'): string {
  return JSON.stringify({
    type: 'order.accepted',
    version: 1,
    orderId,
    clientId: 'shop-eu',
    acceptedAt: new Date().toISOString(),
    order: {
      customerId,
      currency: 'EUR',
      items: [{ sku: 'SKU-1', quantity, unitPriceCents: 1999 }],
    },
  });
}

/** Dead letters as the processor writes them, with a failure code; returns their order ids. */
export async function deadLetters(
  target: ActionsStack,
  code: string,
  reason: string,
  count: number,
  quantity = 2,
): Promise<string[]> {
  const orderIds = Array.from({ length: count }, () => randomUUID());
  const now = new Date().toISOString();
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  for (let start = 0; start < orderIds.length; start += 10) {
    const response = await target.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: target.queues.dlqUrl,
        Entries: orderIds.slice(start, start + 10).map((orderId, index) => ({
          Id: String(index),
          MessageBody: orderBody(orderId, quantity),
          MessageAttributes: {
            'failure-code': text(code),
            'failure-message': text(reason),
            'failure-class': text('ProcessingException'),
            'failure-attempts': { DataType: 'Number', StringValue: '1' },
            'failure-first-at': text(now),
            'failure-last-at': text(now),
            'failed-by': text('browser-spec'),
          },
        })),
      }),
    );
    if (response.Failed?.length) {
      throw new Error(`could not seed ${response.Failed.length} dead letters`);
    }
  }
  return orderIds;
}
