import { orderFactory } from '@orders/contracts/testing';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  globalSetupServices,
  loadStackHarness,
  migratedDatabase,
  QueuePair,
  RunningStack,
  StackHarness,
  testSqsClient,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';

const order = (customerId: string) =>
  orderFactory.order({ customerId, items: [{ sku: 'SKU-9', quantity: 1, unitPriceCents: 500 }] });

async function postOrder(stack: RunningStack, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.urls.gateway}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { orderId: string } };
}

describe('the pipeline from HTTP to PostgreSQL (built apps as real processes)', () => {
  const sqs = testSqsClient();
  let harness: StackHarness;
  let database: LazyDataSource;
  let queues: QueuePair;
  let stack: RunningStack;
  const processorLog: string[] = [];

  const storedCount = async (orderIds: string[]) =>
    (
      await database.dataSource.query(
        'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)',
        [orderIds],
      )
    )[0].n as number;

  beforeAll(async () => {
    harness = await loadStackHarness();
    database = await migratedDatabase();
  });

  beforeEach(async () => {
    queues = await createQueuePair(sqs);
    processorLog.length = 0;
    stack = await harness.startStack({
      ...globalSetupServices(queues),
      // A short visibility timeout: a receive that was open when the processor was killed hides its
      // messages for that long before SQS hands them out again.
      appEnv: {
        processor: {
          SQS_WAIT_TIME_SECONDS: '1',
          LOG_LEVEL: 'info',
          VISIBILITY_TIMEOUT_SECONDS: '12',
          HEARTBEAT_INTERVAL_SECONDS: '3',
          HANDLER_TIMEOUT_MS: '10000',
        },
      },
      log: (name, line) => name === 'processor' && processorLog.push(line),
    });
  });

  afterEach(() => stack.stop());
  afterAll(() => database.close());

  it('should store every accepted order once and serve it from GET /orders/:id', async () => {
    const accepted = await Promise.all(
      Array.from({ length: 20 }, (_, index) => postOrder(stack, order(`e2e-${index}`))),
    );

    expect(accepted.map((response) => response.status)).toEqual(Array(20).fill(202));
    const ids = accepted.map((response) => response.body.orderId);
    await eventually(async () => expect(await storedCount(ids)).toBe(20), 15_000);
    const read = await fetch(`${stack.urls.gateway}/orders/${ids[3]}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      orderId: ids[3],
      customerId: 'e2e-3',
      totalCents: 500,
      status: 'stored',
    });
  });

  it('should carry the request id into the processor logs of the same order', async () => {
    const correlationId = `e2e-${randomUUID()}`;

    const accepted = await postOrder(stack, order('traced'), { 'x-request-id': correlationId });

    await eventually(
      async () => expect(await storedCount([accepted.body.orderId])).toBe(1),
      15_000,
    );
    await eventually(async () => {
      const line = processorLog.find((entry) => entry.includes(correlationId));
      expect(line).toBeDefined();
      expect(JSON.parse(line as string)).toMatchObject({
        orderId: accepted.body.orderId,
        correlationId,
        service: 'processor',
      });
    });
  });

  it('should store one order for one Idempotency-Key sent to two gateway replicas', async () => {
    const second = await harness.startStack({ ...globalSetupServices(queues), apps: ['gateway'] });
    try {
      const key = `retry-${randomUUID()}`;
      const headers = { 'idempotency-key': key };

      const [first, retried] = await Promise.all([
        postOrder(stack, order('retrying'), headers),
        postOrder(second, order('retrying'), headers),
      ]);
      const again = await postOrder(second, order('retrying'), headers);

      expect([first.status, retried.status, again.status]).toEqual([202, 202, 202]);
      expect(new Set([first.body.orderId, retried.body.orderId, again.body.orderId]).size).toBe(1);
      await eventually(async () => expect(await storedCount([first.body.orderId])).toBe(1), 15_000);
      // Let the redeliveries of the two extra copies pass through the processor, then count again.
      await eventually(async () => {
        const { Attributes } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['All'] }),
        );
        expect([
          Attributes?.ApproximateNumberOfMessages,
          Attributes?.ApproximateNumberOfMessagesNotVisible,
        ]).toEqual(['0', '0']);
      }, 15_000);
      const items = await database.dataSource.query(
        'SELECT count(*)::int AS n FROM order_items WHERE order_id = $1',
        [first.body.orderId],
      );
      expect(items[0].n).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('should enqueue nothing for rejected requests', async () => {
    await stack.apps.processor.stop();
    const responses = await Promise.all([
      postOrder(stack, { ...order('rejected'), items: [] }),
      postOrder(stack, { ...order('rejected'), extra: true }),
      fetch(`${stack.urls.gateway}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      }),
    ]);

    expect(responses.map((response) => response.status)).toEqual([400, 400, 415]);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['All'] }),
    );
    expect([
      Attributes?.ApproximateNumberOfMessages,
      Attributes?.ApproximateNumberOfMessagesNotVisible,
    ]).toEqual(['0', '0']);
  });

  it('should store every order accepted while the processor was down exactly once after it restarts', async () => {
    await stack.apps.processor.kill('SIGKILL');

    const accepted = await Promise.all(
      Array.from({ length: 50 }, (_, index) => postOrder(stack, order(`offline-${index}`))),
    );
    expect(accepted.every((response) => response.status === 202)).toBe(true);
    const ids = accepted.map((response) => response.body.orderId);
    expect(await storedCount(ids)).toBe(0);

    stack.apps.processor.start();

    await eventually(async () => expect(await storedCount(ids)).toBe(50), 30_000);
    const perOrder = await database.dataSource.query(
      'SELECT order_id, count(*)::int AS n FROM order_items WHERE order_id = ANY($1) GROUP BY order_id',
      [ids],
    );
    expect(perOrder).toHaveLength(50);
    expect(perOrder.every((row: { n: number }) => row.n === 1)).toBe(true);
  });
});
