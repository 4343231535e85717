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

/**
 * `count` failed orders written straight into the store (specs that measure reading, not intake):
 * four codes, 500 clients (`client-<i % 500>`), order ids md5(i) as uuids, 'needle-<i>' in each
 * body, and failures spread over the last `count * 17` seconds so a 24 h trend has something to count.
 */
export async function seedFailedOrders(
  dataSource: { query(sql: string, params: unknown[]): Promise<unknown> },
  dlqName: string,
  count: number,
): Promise<void> {
  await dataSource.query(
    `WITH made AS (
       INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, order_id, client_id, customer_id, body, first_failed_at, last_failed_at)
       SELECT $1, (ARRAY['INVALID_ENVELOPE','REJECTED_BY_DATABASE','MALFORMED_JSON','MOVED_BY_SQS'])[1 + i % 4], 'reason ' || i,
              md5(i::text)::uuid::text, 'client-' || (i % 500), 'customer-' || i,
              json_build_object('orderId', md5(i::text)::uuid, 'clientId', 'client-' || (i % 500),
                'order', json_build_object('customerId', 'customer-' || i, 'note', 'needle-' || i))::text,
              now() - make_interval(secs => i * 17), now() - make_interval(secs => i * 17)
         FROM generate_series(1, $2::int) i RETURNING id, body, failure_code, order_id, last_failed_at)
     INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code, failure_reason,
                              failure_detail, receive_count, sent_at, first_failed_at, last_failed_at, order_id)
     SELECT id, $1, 'm-' || id, body, '{}', '{}', failure_code, 'r', '{}', 1, last_failed_at, last_failed_at, last_failed_at, order_id FROM made`,
    [dlqName, count],
  );
}
