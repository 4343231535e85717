import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { RunningStack, testSqsClient } from '@orders/testing';
import { randomUUID } from 'node:crypto';

export interface DeadOrder {
  orderId: string;
  customerId: string;
  code: string;
  reason: string;
  note?: string;
}

export function deadOrder(overrides: Partial<DeadOrder> = {}): DeadOrder {
  return {
    orderId: randomUUID(),
    customerId: `customer-${randomUUID().slice(0, 8)}`,
    code: 'REJECTED_BY_DATABASE',
    reason: 'value too long for column sku',
    ...overrides,
  };
}

/**
 * Failed orders as the processor leaves them on the DLQ (body and failure attributes); the
 * sidecar's intake records them, as it would in production.
 */
export async function sendDeadOrders(stack: RunningStack, orders: DeadOrder[]): Promise<void> {
  const sqs = testSqsClient();
  const at = new Date().toISOString();
  const string = (value: string) => ({ DataType: 'String', StringValue: value });
  try {
    for (let start = 0; start < orders.length; start += 10) {
      const response = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: stack.env.ORDERS_DLQ_URL,
          Entries: orders.slice(start, start + 10).map((order, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({
              type: 'order.accepted',
              version: 1,
              orderId: order.orderId,
              clientId: 'shop-eu',
              acceptedAt: at,
              order: {
                customerId: order.customerId,
                currency: 'EUR',
                items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 }],
                ...(order.note ? { note: order.note } : {}),
              },
            }),
            MessageAttributes: {
              'failure-class': string('ProcessingException'),
              'failure-code': string(order.code),
              'failure-message': string(order.reason),
              'failure-attempts': { DataType: 'Number', StringValue: '3' },
              'failure-first-at': string(at),
              'failure-last-at': string(at),
              'failed-by': string('processor-browser-test'),
              traceparent: string(`00-${randomUUID().replace(/-/g, '')}-${'1'.repeat(16)}-01`),
            },
          })),
        }),
      );
      if (response.Failed?.length) {
        throw new Error(`could not send ${response.Failed.length} dead letters`);
      }
    }
  } finally {
    sqs.destroy();
  }
}
