import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource, OrdersRepository } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  TcpFaultProxy,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { orderMessage, receiveAll, sendMessages } from '../testing/order-messages.fixture';
import { RunningProcessor, startProcessor } from '../testing/processor.harness';

// Every insert of this customer's orders takes 40 ms per row: batches are in flight when the drain starts.
const SLOW_CUSTOMER = `slow-${randomUUID().slice(0, 8)}`;
const TRIGGER = `int_spec_${SLOW_CUSTOMER.replace('-', '_')}`;

async function inFlight(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('graceful drain (real SQS emulator and PostgreSQL)', () => {
  let sqs: SQSClient;
  let database: LazyDataSource;
  let processor: RunningProcessor | undefined;
  let proxy: TcpFaultProxy | undefined;

  beforeAll(async () => {
    sqs = testSqsClient();
    database = await migratedDatabase();
    await database.dataSource.query(`
      CREATE FUNCTION ${TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_id = '${SLOW_CUSTOMER}' THEN PERFORM pg_sleep(0.04); END IF;
        RETURN NEW;
      END $$`);
    await database.dataSource.query(
      `CREATE TRIGGER ${TRIGGER} BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION ${TRIGGER}()`,
    );
  });

  // A failed assertion must not leave a processor polling: jest would never exit.
  afterEach(async () => {
    await processor?.close();
    await proxy?.close();
    processor = undefined;
    proxy = undefined;
  });

  afterAll(async () => {
    await database.dataSource.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON orders`);
    await database.dataSource.query(`DROP FUNCTION IF EXISTS ${TRIGGER}()`);
    await database.close();
    sqs.destroy();
  });

  async function storedIds(orderIds: string[]): Promise<Set<string>> {
    const rows: { order_id: string }[] = await database.dataSource.query(
      'SELECT order_id FROM orders WHERE order_id = ANY($1)',
      [orderIds],
    );
    return new Set(rows.map((row) => row.order_id));
  }

  it('should commit and delete what is in flight, hand back nothing twice and close within the budget', async () => {
    const queues = await createQueuePair(sqs, { visibilityTimeoutSeconds: 5 });
    const running = await startProcessor(testStack(), queues, {
      POLLERS: '3',
      DRAIN_BUDGET_MS: '5000',
      VISIBILITY_TIMEOUT_SECONDS: '5',
      HEARTBEAT_INTERVAL_SECONDS: '2',
      HANDLER_TIMEOUT_MS: '4000',
      DB_CONNECT_TIMEOUT_MS: '500',
    });
    processor = running;
    const messages = Array.from({ length: 120 }, () =>
      orderMessage(randomUUID(), { customerId: SLOW_CUSTOMER }),
    );
    const orderIds = messages.map((message) => JSON.parse(message.body).orderId as string);
    await sendMessages(sqs, queues.queueUrl, messages);
    await eventually(
      async () => expect((await storedIds(orderIds)).size).toBeGreaterThanOrEqual(20),
      10_000,
      20,
    );
    expect(await inFlight(sqs, queues.queueUrl)).toBeGreaterThan(0);

    const started = Date.now();
    await running.close();
    const drainMs = Date.now() - started;

    expect(drainMs).toBeLessThan(5_000);
    const stored = await storedIds(orderIds);
    expect(stored.size).toBeLessThan(120);
    // Whatever is left in the queue (long polls cancelled by the drain come back after 5 s) was never stored...
    const left = await receiveAll(sqs, queues.queueUrl, 7_000);
    const leftIds = left.map((message) => JSON.parse(message.Body ?? '{}').orderId as string);
    expect(leftIds.filter((orderId) => stored.has(orderId))).toEqual([]);
    // ...and together with what was stored it is every order, each exactly once.
    expect(new Set(leftIds).size).toBe(leftIds.length);
    expect(stored.size + leftIds.length).toBe(120);
    // The pool is closed for good: nothing can reopen it behind the drain's back.
    await expect(running.app.get(OrdersRepository).ping()).rejects.toThrow('shutting down');
  }, 30_000);

  it('should end within the budget and hand the batch back when the database hangs mid-write', async () => {
    const queues = await createQueuePair(sqs, { visibilityTimeoutSeconds: 10 });
    const target = new URL(testStack().databaseUrl);
    const faults = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port) });
    proxy = faults;
    const running = await startProcessor(testStack(), queues, {
      DATABASE_URL: faults.route(testStack().databaseUrl),
      DRAIN_BUDGET_MS: '2500',
      VISIBILITY_TIMEOUT_SECONDS: '10',
      HEARTBEAT_INTERVAL_SECONDS: '3',
      HANDLER_TIMEOUT_MS: '8000',
      DB_CONNECT_TIMEOUT_MS: '1000',
      REDELIVERY_BASE_SECONDS: '1',
    });
    processor = running;
    const warmUp = orderMessage();
    await sendMessages(sqs, queues.queueUrl, [warmUp]);
    await eventually(async () =>
      expect((await storedIds([JSON.parse(warmUp.body).orderId])).size).toBe(1),
    );
    // Settled too: the row is visible before the processor reads its COMMIT's answer, and a
    // blackhole in between would hang the warm-up's batch instead of the next one.
    await eventually(async () => expect(await inFlight(sqs, queues.queueUrl)).toBe(0));
    // The pool's open connection now leads nowhere: the next insert hangs without an error.
    await faults.setMode('blackhole');
    const messages = Array.from({ length: 10 }, () => orderMessage());
    const orderIds = messages.map((message) => JSON.parse(message.body).orderId as string);
    await sendMessages(sqs, queues.queueUrl, messages);
    await eventually(async () => expect(await inFlight(sqs, queues.queueUrl)).toBe(10));

    const started = Date.now();
    await running.close();
    const drainMs = Date.now() - started;

    // Budget + closing the pool (bounded) + a quarter second to look for open handles.
    expect(drainMs).toBeLessThan(2_500 + 500 + 250 + 500);
    await faults.setMode('forward');
    const back = await receiveAll(sqs, queues.queueUrl, 4_000);
    expect(back.map((message) => JSON.parse(message.Body ?? '{}').orderId).sort()).toEqual(
      [...orderIds].sort(),
    );
    expect((await storedIds(orderIds)).size).toBe(0);
  }, 30_000);
});
