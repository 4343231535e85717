import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  queueDepth,
  SqsFaultProxy,
  TcpFaultProxy,
  testSqsClient,
  testStack,
} from '@orders/testing';
import { SqsMessageHandler, SqsModule, SqsService } from '@ssut/nestjs-sqs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { orderMessage, sendMessages } from '../testing/order-messages.fixture';
import { RunningProcessor, startProcessor } from '../testing/processor.harness';
import { pollerName } from './pollers';

const TRAP_CONSUMER = 'trap-returns-undefined';

/** A batch handler that forgets to answer: sqs-consumer then treats the whole batch as done. */
@Injectable()
class ForgetfulHandler {
  handled = 0;

  @SqsMessageHandler(TRAP_CONSUMER, true)
  async handle(messages: unknown[]): Promise<void> {
    this.handled += messages.length;
  }
}

/**
 * The traps of sqs-consumer 11 under @ssut/nestjs-sqs, shown on the real library and the SQS
 * emulator, next to what the processor does about each (the third is in batch-settler.spec: its
 * failed delete entries are counted, where sqs-consumer ignores them).
 */
describe('sqs-consumer 11 traps (real SQS emulator and PostgreSQL)', () => {
  let sqs: SQSClient;
  let database: LazyDataSource;
  let processor: RunningProcessor | undefined;
  let sqsProxy: SqsFaultProxy | undefined;
  let databaseProxy: TcpFaultProxy | undefined;

  beforeAll(async () => {
    sqs = testSqsClient();
    database = await migratedDatabase();
  });

  afterEach(async () => {
    await processor?.close();
    await sqsProxy?.close();
    await databaseProxy?.close();
    processor = undefined;
    sqsProxy = undefined;
    databaseProxy = undefined;
  });

  afterAll(async () => {
    await database.close();
    sqs.destroy();
  });

  it('should show that a batch handler returning undefined deletes the whole batch (ours deletes itself and returns the exact list)', async () => {
    const queues = await createQueuePair(sqs, { visibilityTimeoutSeconds: 30 });
    @Module({
      imports: [
        SqsModule.register({
          consumers: [
            {
              name: TRAP_CONSUMER,
              queueUrl: queues.queueUrl,
              sqs,
              batchSize: 10,
              waitTimeSeconds: 1,
            },
          ],
        }),
      ],
      providers: [ForgetfulHandler],
    })
    class TrapModule {}
    const app = await Test.createTestingModule({ imports: [TrapModule] }).compile();
    await sendMessages(sqs, queues.queueUrl, [orderMessage(), orderMessage(), orderMessage()]);

    await app.init();
    try {
      await eventually(async () => expect(app.get(ForgetfulHandler).handled).toBe(3));
      // Nothing was acknowledged, yet nothing is left: not visible, not in flight.
      await eventually(async () => expect((await queueDepth(sqs, queues.queueUrl)).total).toBe(0));
    } finally {
      for (const { instance } of app.get(SqsService).consumers.values()) {
        instance.stop();
      }
      await app.close();
    }
  });

  it('should show that stop() then start() during a receive leaves two poll loops (the processor pauses in preReceive instead)', async () => {
    const queues = await createQueuePair(sqs);
    sqsProxy = await SqsFaultProxy.start(testStack().sqsEndpoint);
    const proxy = sqsProxy;
    processor = await startProcessor(testStack(), queues, {
      SQS_ENDPOINT: proxy.endpoint,
      POLLERS: '1',
      DB_POOL_SIZE: '2',
      SQS_WAIT_TIME_SECONDS: '2',
    });
    await eventually(async () => expect(proxy.open.ReceiveMessage).toBe(1));
    const consumer = processor.app.get(SqsService).consumers.get(pollerName(0))?.instance;

    consumer?.stop();
    consumer?.start();

    await eventually(async () => expect(proxy.mostOpen.ReceiveMessage).toBe(2), 5_000);
  });

  it('should keep one receive open per poller across a database pause and resume', async () => {
    const queues = await createQueuePair(sqs, { visibilityTimeoutSeconds: 10 });
    sqsProxy = await SqsFaultProxy.start(testStack().sqsEndpoint);
    const target = new URL(testStack().databaseUrl);
    databaseProxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port) });
    const [proxy, faults] = [sqsProxy, databaseProxy];
    await faults.setMode('refuse');
    processor = await startProcessor(testStack(), queues, {
      SQS_ENDPOINT: proxy.endpoint,
      DATABASE_URL: faults.route(testStack().databaseUrl),
      POLLERS: '2',
      SQS_WAIT_TIME_SECONDS: '1',
      PAUSE_PROBE_INTERVAL_MS: '200',
      REDELIVERY_BASE_SECONDS: '1',
      DB_CONNECT_TIMEOUT_MS: '500',
      DB_RETRY_ATTEMPTS: '1',
      DB_RETRY_BASE_MS: '10',
      VISIBILITY_TIMEOUT_SECONDS: '10',
      HEARTBEAT_INTERVAL_SECONDS: '3',
      HANDLER_TIMEOUT_MS: '5000',
    });
    const running = processor;
    const messages = Array.from({ length: 20 }, () => orderMessage());
    const orderIds = messages.map((message) => JSON.parse(message.body).orderId as string);
    await sendMessages(sqs, queues.queueUrl, messages);
    await eventually(async () => expect(await running.metric('processor_paused')).toBe(1), 10_000);
    // While paused no receive starts (at most the ones already open finish): four long-poll
    // waits without a new one.
    const receivesWhenPaused = proxy.counts.ReceiveMessage?.none ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((proxy.counts.ReceiveMessage?.none ?? 0) - receivesWhenPaused).toBeLessThanOrEqual(2);

    await faults.setMode('forward');

    await eventually(async () => {
      const rows = await database.dataSource.query(
        'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)',
        [orderIds],
      );
      expect(rows[0].n).toBe(20);
    }, 20_000);
    expect(await running.metric('processor_paused')).toBe(0);
    // Never more receives open than pollers: the pause and resume left no second loop behind.
    expect(proxy.mostOpen.ReceiveMessage).toBeLessThanOrEqual(2);
  }, 45_000);
});
