import { GetQueueAttributesCommand, Message, SQSClient } from '@aws-sdk/client-sqs';
import { MessageAttribute } from '@orders/contracts';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { orderMessage, receiveAll, sendMessages } from '../testing/order-messages.fixture';
import { RunningProcessor, startProcessor } from '../testing/processor.harness';

// Orders of this customer are refused by a trigger with a check violation: a permanent database failure.
const REJECTED_CUSTOMER = `reject-${randomUUID().slice(0, 8)}`;
const TRIGGER = `int_spec_${REJECTED_CUSTOMER.replace('-', '_')}`;

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

async function storedCount(database: LazyDataSource, orderIds: string[]): Promise<number> {
  const rows = await database.dataSource.query(
    'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)',
    [orderIds],
  );
  return rows[0].n;
}

const attribute = (message: Message, name: string) =>
  message.MessageAttributes?.[name]?.StringValue;

describe('order batches (real SQS emulator and PostgreSQL)', () => {
  let sqs: SQSClient;
  let queues: QueuePair;
  let database: LazyDataSource;
  let processor: RunningProcessor;

  beforeAll(async () => {
    sqs = testSqsClient();
    queues = await createQueuePair(sqs, { maxReceiveCount: 5 });
    database = await migratedDatabase();
    await database.dataSource.query(`
      CREATE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_id = '${REJECTED_CUSTOMER}' THEN
          RAISE EXCEPTION 'orders of ${REJECTED_CUSTOMER} are refused' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$`);
    await database.dataSource.query(
      `CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION ${TRIGGER}()`,
    );
    processor = await startProcessor(testStack(), queues);
  });

  afterAll(async () => {
    await processor?.close();
    await database.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON orders`);
    await database.dataSource.query(`DROP FUNCTION IF EXISTS ${TRIGGER}()`);
    await database.close();
    sqs.destroy();
  });

  it('should store the good orders of a batch and dead-letter each poison message with its reason', async () => {
    const good = Array.from({ length: 12 }, () => orderMessage());
    const goodIds = good.map((message) => JSON.parse(message.body).orderId as string);
    const rejectedId = randomUUID();
    const poison = {
      MALFORMED_JSON: { body: '{"type":"order.accepted","version":1,' },
      UNSUPPORTED_MESSAGE: {
        body: JSON.stringify({ type: 'order.cancelled', version: 1, orderId: randomUUID() }),
      },
      UNSUPPORTED_VERSION: {
        body: JSON.stringify({ ...JSON.parse(orderMessage().body), version: 2 }),
      },
      INVALID_ENVELOPE: orderMessage(randomUUID(), {
        items: [{ sku: 'SKU-1', quantity: 0, unitPriceCents: 100 }],
      }),
      REJECTED_BY_DATABASE: orderMessage(rejectedId, { customerId: REJECTED_CUSTOMER }),
    };
    // The database-rejected order travels with nine good ones: one multi-row insert fails for all ten.
    await sendMessages(sqs, queues.queueUrl, [...good.slice(0, 9), poison.REJECTED_BY_DATABASE]);
    await sendMessages(sqs, queues.queueUrl, [
      ...good.slice(9),
      poison.MALFORMED_JSON,
      poison.UNSUPPORTED_MESSAGE,
      poison.UNSUPPORTED_VERSION,
      poison.INVALID_ENVELOPE,
    ]);

    await eventually(async () => expect(await storedCount(database, goodIds)).toBe(12), 15_000);
    await eventually(async () => expect(await queueDepth(sqs, queues.dlqUrl)).toBe(5), 15_000);
    const deadLetters = await receiveAll(sqs, queues.dlqUrl, 1_500);

    const byBody = new Map(deadLetters.map((message) => [message.Body, message]));
    const expectedCodes = {
      MALFORMED_JSON: 'MALFORMED_JSON',
      UNSUPPORTED_MESSAGE: 'UNSUPPORTED_MESSAGE',
      UNSUPPORTED_VERSION: 'UNSUPPORTED_MESSAGE',
      INVALID_ENVELOPE: 'INVALID_ENVELOPE',
      REJECTED_BY_DATABASE: 'REJECTED_BY_DATABASE',
    };
    for (const [kind, message] of Object.entries(poison)) {
      const letter = byBody.get(message.body);
      expect({ kind, code: letter && attribute(letter, MessageAttribute.FailureCode) }).toEqual({
        kind,
        code: expectedCodes[kind as keyof typeof expectedCodes],
      });
      const reason = letter as Message;
      expect(attribute(reason, MessageAttribute.FailureClass)).toBeTruthy();
      expect(attribute(reason, MessageAttribute.FailureMessage)).toBeTruthy();
      expect(attribute(reason, MessageAttribute.FailureAttempts)).toBe('1');
      expect(Date.parse(attribute(reason, MessageAttribute.FirstFailureAt) ?? '')).not.toBeNaN();
      expect(Date.parse(attribute(reason, MessageAttribute.LastFailureAt) ?? '')).not.toBeNaN();
      expect(attribute(reason, MessageAttribute.FailedBy)).toBe('processor-int-spec');
    }
    expect(
      attribute(
        byBody.get(poison.REJECTED_BY_DATABASE.body) as Message,
        MessageAttribute.FailureMessage,
      ),
    ).toContain(`orders of ${REJECTED_CUSTOMER} are refused`);
    expect(
      attribute(
        byBody.get(poison.INVALID_ENVELOPE.body) as Message,
        MessageAttribute.FailureMessage,
      ),
    ).toContain('order.items.0.quantity');
    expect(
      attribute(
        byBody.get(poison.REJECTED_BY_DATABASE.body) as Message,
        MessageAttribute.CorrelationId,
      ),
    ).toBe(`corr-${rejectedId}`);
    expect(await storedCount(database, [rejectedId])).toBe(0);
    // Every message is settled: nothing waits in the main queue for a redelivery.
    await eventually(async () => expect(await queueDepth(sqs, queues.queueUrl)).toBe(0));
    expect(await processor.metric('orders_dead_lettered_total')).toBe(5);
  });

  it('should store an order once when the same message is delivered twice', async () => {
    const twice = orderMessage();
    const orderId = JSON.parse(twice.body).orderId as string;
    const duplicatesBefore = await processor.metric('orders_duplicate_total');
    const deadLettersBefore = await queueDepth(sqs, queues.dlqUrl);

    // Once in the same batch, once later: both end up as one row.
    await sendMessages(sqs, queues.queueUrl, [twice, twice]);
    await eventually(async () => expect(await queueDepth(sqs, queues.queueUrl)).toBe(0));
    await sendMessages(sqs, queues.queueUrl, [twice]);
    await eventually(async () => expect(await queueDepth(sqs, queues.queueUrl)).toBe(0));

    expect(await storedCount(database, [orderId])).toBe(1);
    const items = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM order_items WHERE order_id = $1',
      [orderId],
    );
    expect(items[0].n).toBe(1);
    expect((await processor.metric('orders_duplicate_total')) - duplicatesBefore).toBe(2);
    expect(await queueDepth(sqs, queues.dlqUrl)).toBe(deadLettersBefore);
  });
});
