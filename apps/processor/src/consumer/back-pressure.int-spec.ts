import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  TcpFaultProxy,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { orderMessage, sendMessages } from '../testing/order-messages.fixture';
import { RunningProcessor, startProcessor } from '../testing/processor.harness';

async function depth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes?.ApproximateNumberOfMessages),
    inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Fast failure detection and short redelivery delays keep the outage inside a few seconds.
const OUTAGE_SETTINGS = {
  PAUSE_PROBE_INTERVAL_MS: '200',
  REDELIVERY_BASE_SECONDS: '1',
  DB_CONNECT_TIMEOUT_MS: '500',
  DB_RETRY_ATTEMPTS: '1',
  DB_RETRY_BASE_MS: '10',
  VISIBILITY_TIMEOUT_SECONDS: '10',
  HEARTBEAT_INTERVAL_SECONDS: '3',
  HANDLER_TIMEOUT_MS: '5000',
};

describe('back-pressure while the database is unavailable (real SQS emulator and PostgreSQL)', () => {
  let sqs: SQSClient;
  let database: LazyDataSource;
  let proxy: TcpFaultProxy;
  let processor: RunningProcessor | undefined;

  beforeAll(async () => {
    sqs = testSqsClient();
    database = await migratedDatabase();
    const target = new URL(testStack().databaseUrl);
    proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port) });
  });

  afterEach(async () => {
    await processor?.close();
    processor = undefined;
  });

  afterAll(async () => {
    await proxy.close();
    await database.close();
    sqs.destroy();
  });

  async function storedCount(orderIds: string[]): Promise<number> {
    const rows = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)',
      [orderIds],
    );
    return rows[0].n;
  }

  it.each(['refuse', 'blackhole'] as const)(
    'should pause polling instead of burning receive counts when the database is down (%s), then store everything',
    async (fault) => {
      // Three receives at most: without the pause, redeliveries after 1, 2 and 4 s push these orders into the DLQ.
      const queues: QueuePair = await createQueuePair(sqs, {
        maxReceiveCount: 3,
        visibilityTimeoutSeconds: 10,
      });
      // The processor even starts with the database down: its first connect fails, later ones must not.
      await proxy.setMode(fault);
      processor = await startProcessor(testStack(), queues, {
        ...OUTAGE_SETTINGS,
        DATABASE_URL: proxy.route(testStack().databaseUrl),
      });
      const messages = Array.from({ length: 30 }, () => orderMessage());
      const orderIds = messages.map((message) => JSON.parse(message.body).orderId as string);

      await sendMessages(sqs, queues.queueUrl, messages);

      const running = processor;
      await eventually(
        async () => expect(await running.metric('processor_paused')).toBe(1),
        10_000,
      );
      const ready = await running.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toContain('paused: database unavailable');
      // A long outage: every message would have been received four times by now without the pause.
      await sleep(8_000);
      expect(await depth(sqs, queues.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
      const waiting = await depth(sqs, queues.queueUrl);
      expect(waiting.visible + waiting.inFlight).toBe(30);
      expect(await running.metric('processor_paused')).toBe(1);

      await proxy.setMode('forward');

      await eventually(async () => expect(await storedCount(orderIds)).toBe(30), 20_000);
      await eventually(async () =>
        expect(await depth(sqs, queues.queueUrl)).toEqual({ visible: 0, inFlight: 0 }),
      );
      expect(await depth(sqs, queues.dlqUrl)).toEqual({ visible: 0, inFlight: 0 });
      expect(await running.metric('processor_paused')).toBe(0);
      expect(await running.metric('processor_pauses_total')).toBeGreaterThanOrEqual(1);
      expect((await running.get('/health/ready')).status).toBe(200);
    },
    45_000,
  );

  it('should hand a transiently failed message back to SQS with the backoff delay, not the queue default', async () => {
    // The queue would hide a received message for 30 s; the processor sets 2 s after the first failure.
    const queues = await createQueuePair(sqs, { maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });
    await proxy.setMode('refuse');
    processor = await startProcessor(testStack(), queues, {
      ...OUTAGE_SETTINGS,
      REDELIVERY_BASE_SECONDS: '2',
      VISIBILITY_TIMEOUT_SECONDS: '30',
      HEARTBEAT_INTERVAL_SECONDS: '10',
      DATABASE_URL: proxy.route(testStack().databaseUrl),
    });
    const running = processor;

    await sendMessages(sqs, queues.queueUrl, [orderMessage()]);
    await eventually(
      async () => expect(await running.metric('orders_retried_total')).toBe(1),
      10_000,
      20,
    );
    const failedAt = Date.now();
    expect(await depth(sqs, queues.queueUrl)).toEqual({ visible: 0, inFlight: 1 });

    // Paused, the processor does not receive it again; the test does, as soon as SQS shows it.
    const redelivered = await eventually(
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queues.queueUrl,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 30,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        expect(Messages).toHaveLength(1);
        return Messages[0];
      },
      10_000,
      50,
    );
    const hiddenMs = Date.now() - failedAt;

    expect(hiddenMs).toBeGreaterThan(1_200);
    expect(hiddenMs).toBeLessThan(4_000);
    expect(redelivered.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(await running.metric('processor_paused')).toBe(1);
    await proxy.setMode('forward');
  }, 30_000);
});
