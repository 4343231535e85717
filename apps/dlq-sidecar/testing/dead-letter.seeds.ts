import { MessageAttributeValue, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';

export function validOrderBody(orderId: string = randomUUID(), customerId = 'customer-1'): string {
  return JSON.stringify({
    type: 'order.accepted',
    version: 1,
    orderId,
    acceptedAt: new Date().toISOString(),
    order: {
      customerId,
      currency: 'EUR',
      items: [
        { sku: 'SKU-1', quantity: 2, unitPriceCents: 1999 },
        { sku: 'SKU-2', quantity: 1, unitPriceCents: 500 },
      ],
    },
  });
}

/** The attributes the processor puts on a dead letter (apps/processor DeadLetterPublisher). */
export function failureAttributes(
  code: string,
  message: string,
  attempts = 1,
): Record<string, MessageAttributeValue> {
  const now = new Date().toISOString();
  const string = (value: string) => ({
    DataType: 'String',
    StringValue: value,
  });
  return {
    'correlation-id': string(`corr-${randomUUID().slice(0, 8)}`),
    'failure-class': string('ProcessingException'),
    'failure-code': string(code),
    'failure-message': string(message),
    'failure-attempts': { DataType: 'Number', StringValue: String(attempts) },
    'failure-first-at': string(now),
    'failure-last-at': string(now),
    'failed-by': string('processor-test'),
  };
}

export interface Seed {
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** Puts messages on a queue in batches of ten; concurrent batches, as a burst would arrive. */
export async function sendAll(sqs: SQSClient, queueUrl: string, seeds: Seed[]): Promise<void> {
  const batches: Seed[][] = [];
  for (let start = 0; start < seeds.length; start += 10) {
    batches.push(seeds.slice(start, start + 10));
  }
  for (let start = 0; start < batches.length; start += 8) {
    await Promise.all(
      batches.slice(start, start + 8).map(async (batch) => {
        const response = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((seed, index) => ({
              Id: String(index),
              MessageBody: seed.body,
              MessageAttributes: seed.attributes,
            })),
          }),
        );
        if (response.Failed?.length) {
          throw new Error(`could not seed ${response.Failed.length} messages`);
        }
      }),
    );
  }
}

/** Dead letters as the processor writes them: valid orders that failed with a code. */
export function deadOrders(
  count: number,
  code: string,
  message: string,
): { orderIds: string[]; seeds: Seed[] } {
  const orderIds = Array.from({ length: count }, () => randomUUID());
  return {
    orderIds,
    seeds: orderIds.map((orderId) => ({
      body: validOrderBody(orderId),
      attributes: failureAttributes(code, message),
    })),
  };
}
