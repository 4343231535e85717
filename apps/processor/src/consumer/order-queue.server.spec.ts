import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityBatchRequestEntry,
  DeleteMessageBatchCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ORDER_ACCEPTED, ORDER_ACCEPTED_VERSION } from '@orders/contracts';
import { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { BatchSettler } from './batch-settler';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { OrderQueueServer } from './order-queue.server';

/** Hands out scripted batches, then long-polls until the receive is aborted; records every settle call. */
class ScriptedQueue {
  readonly deleted: string[] = [];
  readonly visibilityChanges: ChangeMessageVisibilityBatchRequestEntry[] = [];
  readonly abortedReceives: number[] = [];
  receives = 0;
  /** When each receive started and returned (ms since the epoch). */
  readonly receiveTimes: { startedAt: number; returnedAt?: number }[] = [];
  receiving = 0;
  /** Most receives in flight at once since the last reset. */
  peakReceiving = 0;
  /** Set: a receive with nothing to hand out answers empty after this long, as a long poll does. */
  emptyAfterMs: number | undefined;

  /** A number in the list delays the receive that gets the batch after it. */
  constructor(readonly batches: (Message[] | number)[]) {}

  async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) {
      this.receives += 1;
      this.receiving += 1;
      this.peakReceiving = Math.max(this.peakReceiving, this.receiving);
      const times: { startedAt: number; returnedAt?: number } = { startedAt: Date.now() };
      this.receiveTimes.push(times);
      try {
        return await this.receive(options?.abortSignal);
      } finally {
        this.receiving -= 1;
        times.returnedAt = Date.now();
      }
    }
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.visibilityChanges.push(...(command.input.Entries ?? []));
    }
    if (command instanceof DeleteMessageBatchCommand) {
      this.deleted.push(...(command.input.Entries ?? []).map((entry) => entry.ReceiptHandle ?? ''));
    }
    return { Successful: [], Failed: [] };
  }

  private async receive(signal: AbortSignal | undefined): Promise<unknown> {
    let batch = this.batches.shift();
    if (typeof batch === 'number') {
      await sleep(batch);
      batch = this.batches.shift() as Message[];
    }
    if (batch) {
      for (const message of batch) {
        message.Attributes = { SentTimestamp: String(Date.now()), ...message.Attributes };
      }
      return { Messages: batch };
    }
    if (this.emptyAfterMs !== undefined) {
      await sleep(this.emptyAfterMs);
      return { Messages: [] };
    }
    return new Promise((_, reject) =>
      signal?.addEventListener('abort', () => {
        this.abortedReceives.push(this.receives);
        reject(new Error('Request aborted'));
      }),
    );
  }
}

/** Without `sentAt`, the queue stamps the message as sent just before it hands it out. */
function message(orderId: string, body?: string, sentAt?: number): Message {
  return {
    MessageId: `message-${orderId}`,
    ReceiptHandle: `receipt-${orderId}`,
    Body:
      body ?? JSON.stringify({ type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION, orderId }),
    Attributes: {
      ApproximateReceiveCount: '1',
      ...(sentAt === undefined ? {} : { SentTimestamp: String(sentAt) }),
    },
  };
}

/** Ten messages; with `ageMs`, sent that long before now (old ones are a backlog). */
const fullBatch = (name: string, ageMs?: number) =>
  Array.from({ length: 10 }, (_, index) =>
    message(`${name}-${index}`, undefined, ageMs === undefined ? undefined : Date.now() - ageMs),
  );

type Handler = (batch: ReceivedMessage[]) => Promise<MessageOutcome[]>;

function serverWith(
  batches: (Message[] | number)[],
  handler: Handler,
  overrides: Record<string, string> = {},
) {
  const config = processorConfig({
    POLLERS: '2',
    DB_POOL_SIZE: '3',
    SQS_WAIT_TIME_SECONDS: '1',
    ...overrides,
  });
  const queue = new ScriptedQueue(batches);
  const sqs = queue as unknown as SQSClient;
  const metrics = new ProcessorMetrics(new Registry());
  const gate = {
    beforeReceive: async () => true,
    close: () => undefined,
    reportOutage: () => undefined,
  } as unknown as DatabaseGate;
  const deadLettered: { orderId?: string; code: ProcessingErrorCode }[] = [];
  const deadLetters = {
    publish: async (dead: Message, failure: ProcessingException) => {
      deadLettered.push({ orderId: dead.MessageId, code: failure.code });
    },
  } as unknown as DeadLetterPublisher;
  const settler = new BatchSettler(deadLetters, gate, sqs, config, metrics);
  const server = new OrderQueueServer(sqs, settler, gate, config, metrics);
  const events: string[][] = [];
  server.addHandler(
    { type: ORDER_ACCEPTED, version: ORDER_ACCEPTED_VERSION },
    async (batch: ReceivedMessage[]) => {
      events.push(batch.map(({ message }) => message.MessageId ?? ''));
      return handler(batch);
    },
    true,
  );
  return { server, queue, settler, deadLettered, events };
}

const storeAll: Handler = async (batch) => batch.map(() => 'stored');
const hang: Handler = () => new Promise(() => undefined);

describe(OrderQueueServer.name, () => {
  let server: OrderQueueServer | undefined;

  afterEach(() => server?.close());

  it('should hand a received batch to its handler as one event and delete what was stored', async () => {
    const setup = serverWith([[message('a'), message('b'), message('c')]], storeAll);
    server = setup.server;

    server.listen(() => undefined);
    await sleep(100);

    expect(setup.events).toEqual([['message-a', 'message-b', 'message-c']]);
    // Fewer than ten wait for company; the drain (or the linger) sends them.
    await setup.settler.flushDeletes();
    expect(setup.queue.deleted.sort()).toEqual(['receipt-a', 'receipt-b', 'receipt-c']);
  });

  it('should dead-letter a body that is not JSON or has no handler without dispatching it', async () => {
    const setup = serverWith(
      [
        [
          message('broken', '{"orderId": "x", '),
          message('unknown', JSON.stringify({ type: 'order.cancelled', version: 1 })),
          message('v2', JSON.stringify({ type: ORDER_ACCEPTED, version: 2 })),
        ],
      ],
      storeAll,
    );
    server = setup.server;

    server.listen(() => undefined);
    await sleep(100);

    expect(setup.events).toEqual([]);
    expect(setup.deadLettered).toEqual([
      { orderId: 'message-broken', code: ProcessingErrorCode.MalformedJson },
      { orderId: 'message-unknown', code: ProcessingErrorCode.UnsupportedMessage },
      { orderId: 'message-v2', code: ProcessingErrorCode.UnsupportedMessage },
    ]);
    await setup.settler.flushDeletes();
    expect(setup.queue.deleted).toHaveLength(3);
  });

  it('should hand a batch back when its handler throws, keeping the reason', async () => {
    const setup = serverWith([[message('a')]], async () => {
      throw new Error('bug');
    });
    server = setup.server;

    server.listen(() => undefined);
    await sleep(100);

    expect(setup.queue.deleted).toEqual([]);
    expect(setup.queue.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual([
      'receipt-a',
    ]);
  });

  it('should hand the batch back when the handler timeout passes', async () => {
    const setup = serverWith([[message('slow')]], hang, {
      HANDLER_TIMEOUT_MS: '200',
      DB_RETRY_ATTEMPTS: '0',
      DB_CONNECT_TIMEOUT_MS: '100',
    });
    server = setup.server;

    server.listen(() => undefined);
    await sleep(400);

    expect(setup.queue.deleted).toEqual([]);
    expect(setup.queue.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual([
      'receipt-slow',
    ]);
  });

  it('should wait for a batch in flight, then cancel the idle long polls when draining', async () => {
    let finish: () => void = () => undefined;
    const setup = serverWith([[message('a')]], async (batch) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return batch.map(() => 'stored');
    });
    server = setup.server;
    server.listen(() => undefined);
    await sleep(50);

    const drain = server.drain(Date.now() + 5_000);
    await sleep(100);

    expect(server.isDraining).toBe(true);
    // The other poller's long poll stays open while a batch is still being committed.
    expect(setup.queue.abortedReceives).toEqual([]);

    finish();
    const outcome = await drain;

    expect(outcome).toEqual({
      drained: true,
      unfinished: [],
      abortedReceives: 1,
      batchesInFlight: 1,
    });
    expect(setup.queue.deleted).toEqual(['receipt-a']);
  });

  it('should hand back a batch still running at the drain cut-off and end by the deadline', async () => {
    const setup = serverWith([[message('slow')]], hang);
    server = setup.server;
    server.listen(() => undefined);
    await sleep(50);
    const started = Date.now();

    const outcome = await server.drain(started + 1_000);

    // The last fifth of the budget (at most 2 s) is kept for handing messages back.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(Date.now() - started).toBeLessThan(1_200);
    expect(outcome.drained).toBe(true);
    expect(setup.queue.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual([
      'receipt-slow',
    ]);
  });

  it('should hand a batch received during the drain back at once without handling it', async () => {
    let finish: () => void = () => undefined;
    const setup = serverWith([[message('a')], 150, [message('late')]], async (batch) => {
      await new Promise<void>((resolve) => (finish = resolve));
      return batch.map(() => 'stored');
    });
    server = setup.server;
    server.listen(() => undefined);
    await sleep(50);

    const drain = server.drain(Date.now() + 5_000);
    await sleep(200);
    finish();
    await drain;

    expect(setup.events).toEqual([['message-a']]);
    expect(setup.queue.deleted).toEqual(['receipt-a']);
    expect(setup.queue.visibilityChanges).toEqual([
      { Id: '0', ReceiptHandle: 'receipt-late', VisibilityTimeout: 0 },
    ]);
  });

  it('should report a poller as stuck when it has not polled for longer than the limit', async () => {
    const setup = serverWith([[message('slow')]], hang, {
      SQS_WAIT_TIME_SECONDS: '1',
      PAUSE_PROBE_INTERVAL_MS: '100',
      STUCK_POLLER_FACTOR: '2',
      HANDLER_TIMEOUT_MS: '9000',
    });
    server = setup.server;
    server.listen(() => undefined);
    await sleep(50);
    const now = Date.now();

    // limit = 2 × (1 s + 5 × 100 ms) + 9 s = 12 s; the long-polling poller keeps starting new receives.
    expect(server.stuckPollers(now + 11_000)).toEqual([]);
    expect(server.stuckPollers(now + 12_500)).toHaveLength(2);
  });

  it('should keep one poller polling while receives come back partial, and all of them while a backlog comes in full batches', async () => {
    let handling = 0;
    let peakHandling = 0;
    const setup = serverWith(
      [],
      async (batch) => {
        handling += 1;
        peakHandling = Math.max(peakHandling, handling);
        await sleep(30);
        handling -= 1;
        return batch.map(() => 'stored');
      },
      { POLLERS: '4', DB_POOL_SIZE: '5' },
    );
    server = setup.server;
    setup.queue.emptyAfterMs = 10;
    server.listen(() => undefined);
    await sleep(100);

    setup.queue.peakReceiving = 0;
    await sleep(100);
    // Each partial (here: empty) receive parked one poller, down to the one that always polls.
    expect(setup.queue.peakReceiving).toBe(1);

    setup.queue.batches.push(
      ...Array.from({ length: 12 }, (_, batch) => fullBatch(String(batch), 1_000)),
    );
    await sleep(300);

    // Each full receive of old messages (a backlog) woke one more, up to POLLERS: four batches
    // were worked on at once.
    expect(peakHandling).toBe(4);
    expect(setup.queue.deleted).toHaveLength(120);
  });

  it('should wait for a fuller batch after a receive of fresh messages, and not while behind', async () => {
    const setup = serverWith(
      [
        fullBatch('c', 1_000),
        fullBatch('d', 1_000),
        10,
        [message('a')],
        [message('b')],
        fullBatch('e'),
        fullBatch('f'),
      ],
      storeAll,
      { POLLERS: '1', DB_POOL_SIZE: '2' },
    );
    server = setup.server;
    server.listen(() => undefined);
    await sleep(300);

    const gaps = setup.queue.receiveTimes
      .slice(1)
      .map((times, index) => times.startedAt - (setup.queue.receiveTimes[index].returnedAt ?? 0));
    // Ten messages that waited a second: a backlog, polled again at once.
    expect(gaps[0]).toBeLessThan(10);
    // One message in 10 ms: the next receive waits for about ten, at most 15 ms.
    expect(gaps[2]).toBeGreaterThanOrEqual(12);
    // Ten fresh messages (the gateway sends ten at a time): still a wait, a shorter one.
    expect(gaps[4]).toBeGreaterThanOrEqual(5);
  });
});
