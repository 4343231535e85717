import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityBatchRequestEntry,
  DeleteMessageBatchCommand,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ORDER_ACCEPTED, ORDER_ACCEPTED_VERSION } from '@orders/contracts';
import { Registry } from 'prom-client';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { BatchSettler } from './batch-settler';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { OrderMessageRouter } from './order-message.router';
import { OrderQueueConsumer } from './order-queue.consumer';
import { orderQueueConsumers } from './order-queue.consumers';
import { MAX_POLLERS, pollerName, Pollers } from './pollers';
import {
  SQS_CONSUMER_EVENT_HANDLER,
  SQS_CONSUMER_METHOD,
} from '@ssut/nestjs-sqs/dist/sqs.constants';

class RecordingSqs {
  readonly deleted: string[] = [];
  readonly visibilityChanges: ChangeMessageVisibilityBatchRequestEntry[] = [];

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.visibilityChanges.push(...(command.input.Entries ?? []));
    }
    if (command instanceof DeleteMessageBatchCommand) {
      this.deleted.push(...(command.input.Entries ?? []).map((entry) => entry.ReceiptHandle ?? ''));
    }
    return { Successful: [], Failed: [] };
  }
}

function message(id: string, body?: string): Message {
  return {
    MessageId: `message-${id}`,
    ReceiptHandle: `receipt-${id}`,
    Body: body ?? JSON.stringify({ type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION, id }),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
  };
}

type Handler = (batch: ReceivedMessage[]) => Promise<MessageOutcome[]>;

function consumerWith(handler: Handler, overrides: Record<string, string> = {}) {
  const config = processorConfig({ POLLERS: '2', DB_POOL_SIZE: '3', ...overrides });
  const sqs = new RecordingSqs();
  const metrics = new ProcessorMetrics(new Registry());
  const gate = {
    beforeReceive: async () => true,
    close: () => undefined,
    reportOutage: () => undefined,
  } as unknown as DatabaseGate;
  const deadLetters = { publish: async () => undefined } as unknown as DeadLetterPublisher;
  const settler = new BatchSettler(deadLetters, gate, sqs as unknown as SQSClient, config, metrics);
  const router = new OrderMessageRouter(config);
  const events: number[] = [];
  router.addHandler(
    { type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION },
    async (batch: ReceivedMessage[]) => {
      events.push(batch.length);
      return handler(batch);
    },
    true,
  );
  const pollers = new Pollers(gate, config);
  const consumer = new OrderQueueConsumer(router, settler, pollers, config, metrics);
  return { consumer, router, pollers, settler, sqs, events, config };
}

const receipts = (messages: Message[]) => messages.map((settled) => settled.ReceiptHandle);

describe(OrderQueueConsumer.name, () => {
  it('should return exactly the stored and dead-lettered messages and delete them itself when a batch mixes outcomes', async () => {
    const { consumer, settler, sqs } = consumerWith(async (batch) =>
      batch.map((_, index) =>
        index === 0
          ? 'stored'
          : new ProcessingException(ProcessingErrorCode.DatabaseUnavailable, 'down'),
      ),
    );
    const batch = [message('stored'), message('transient'), message('poison', '{"broken"')];

    const settled = await consumer.handleBatch(0, batch);
    await settler.flushDeletes();

    expect(receipts(settled).sort()).toEqual(['receipt-poison', 'receipt-stored']);
    expect(sqs.deleted.sort()).toEqual(['receipt-poison', 'receipt-stored']);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual([
      'receipt-transient',
    ]);
  });

  it('should return an empty list, never undefined, and hand the batch back when its handler throws', async () => {
    const { consumer, settler, sqs } = consumerWith(async () => {
      throw new Error('bug');
    });

    const settled = await consumer.handleBatch(0, [message('a')]);
    await settler.flushDeletes();

    expect(settled).toEqual([]);
    expect(sqs.deleted).toEqual([]);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-a']);
  });

  it('should hand the batch back when the handler timeout passes', async () => {
    const { consumer, sqs } = consumerWith(() => new Promise(() => undefined), {
      HANDLER_TIMEOUT_MS: '200',
      DB_RETRY_ATTEMPTS: '0',
      DB_CONNECT_TIMEOUT_MS: '100',
    });

    expect(await consumer.handleBatch(0, [message('slow')])).toEqual([]);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-slow']);
  });

  it('should hand back a batch still running at the drain cut-off', async () => {
    const { consumer, router, sqs } = consumerWith(() => new Promise(() => undefined));

    const handling = consumer.handleBatch(0, [message('running')]);
    router.cutOff();

    expect(await handling).toEqual([]);
    expect(sqs.visibilityChanges).toEqual([
      expect.objectContaining({ ReceiptHandle: 'receipt-running', VisibilityTimeout: 2 }),
    ]);
  });

  it('should hand a batch received during the drain back at once without handling it', async () => {
    const { consumer, pollers, sqs, events } = consumerWith(async (batch) =>
      batch.map(() => 'stored'),
    );
    pollers.drain();

    expect(await consumer.handleBatch(0, [message('late')])).toEqual([]);
    expect(events).toEqual([]);
    expect(sqs.visibilityChanges).toEqual([
      expect.objectContaining({ ReceiptHandle: 'receipt-late', VisibilityTimeout: 0 }),
    ]);
  });

  it('should configure consumers that never delete and never abort on their own', () => {
    const { pollers, config } = consumerWith(async () => []);

    const { consumers = [] } = orderQueueConsumers(
      config,
      new SQSClient({ region: 'us-east-1' }),
      pollers,
    );

    expect(consumers.map((options) => options.name)).toEqual([
      'orders-poller-0',
      'orders-poller-1',
    ]);
    for (const options of consumers) {
      expect(options).toMatchObject({
        shouldDeleteMessages: false,
        stopOptions: { abort: false },
        batchSize: 10,
        heartbeatInterval: config.HEARTBEAT_INTERVAL_SECONDS,
        visibilityTimeout: config.VISIBILITY_TIMEOUT_SECONDS,
      });
    }
  });

  it('should give every possible poller a batch handler and the error and empty listeners', () => {
    const prototype = OrderQueueConsumer.prototype as unknown as Record<string, unknown>;
    const methods = Object.getOwnPropertyNames(prototype).map((key) => prototype[key]);
    const metadata = (key: symbol) =>
      methods.map((method) => Reflect.getMetadata(key, method as object)).filter(Boolean);

    const handlers = metadata(SQS_CONSUMER_METHOD);
    const events = metadata(SQS_CONSUMER_EVENT_HANDLER);

    for (let index = 0; index < MAX_POLLERS; index++) {
      const name = pollerName(index);
      expect(handlers).toContainEqual({ name, batch: true });
      for (const eventName of ['error', 'processing_error', 'timeout_error', 'empty']) {
        expect(events).toContainEqual({ name, eventName });
      }
    }
    expect(handlers).toHaveLength(MAX_POLLERS);
  });
});
