import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityBatchRequestEntry,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ModuleRef } from '@nestjs/core';
import { Registry } from 'prom-client';
import { ProcessorMetrics } from '../health/processor.metrics';
import { ProcessingErrorCode, ProcessingException } from '../orders/processing.exception';
import { processorConfig } from '../testing/processor-config.fixture';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { OrderBatchHandler } from './order-batch.handler';
import { pollerName, PollerRegistry } from './poller.registry';
import { SqsBridgeServer } from './sqs-bridge.server';

const POLLER = pollerName(0);

type Behaviour = 'store' | ProcessingErrorCode | 'hang';

/** Dispatch outcome chosen per order id, the way the Nest pipeline would resolve or throw. */
class ScriptedBridge {
  constructor(private readonly behaviour: Record<string, Behaviour>) {}

  async dispatch(_route: unknown, payload: { orderId: string }): Promise<unknown> {
    const behaviour = this.behaviour[payload.orderId] ?? 'store';
    if (behaviour === 'store') {
      return 'stored';
    }
    if (behaviour === 'hang') {
      return new Promise(() => undefined);
    }
    throw new ProcessingException(behaviour, `scripted ${behaviour}`);
  }
}

class RecordingSqs {
  readonly visibilityChanges: ChangeMessageVisibilityBatchRequestEntry[] = [];

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.visibilityChanges.push(...(command.input.Entries ?? []));
    }
    return { Successful: [], Failed: [] };
  }
}

function message(orderId: string, receiveCount = 1): Message {
  return {
    MessageId: `message-${orderId}`,
    ReceiptHandle: `receipt-${orderId}-${receiveCount}`,
    Body: JSON.stringify({ type: 'order.accepted', version: 1, orderId }),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

function handlerWith(
  behaviour: Record<string, Behaviour>,
  options: { deadLetterFails?: boolean; config?: Record<string, string> } = {},
) {
  const config = processorConfig({
    REDELIVERY_BASE_SECONDS: '2',
    REDELIVERY_MAX_SECONDS: '30',
    ...options.config,
  });
  const sqs = new RecordingSqs();
  const deadLettered: { message: Message; failure: ProcessingException }[] = [];
  const deadLetters = {
    publish: async (message: Message, failure: ProcessingException) => {
      if (options.deadLetterFails) {
        throw new Error('SQS unavailable');
      }
      deadLettered.push({ message, failure });
    },
  };
  const outages: string[] = [];
  const gate = { reportOutage: (reason: string) => outages.push(reason) };
  // The sqs-consumer behind poller 0: polling for as long as its batch handler runs.
  const consumer = {
    isPolling: false,
    stop: () => undefined,
    get status() {
      return { isPolling: this.isPolling };
    },
  };
  const consumers = new Map([[POLLER, { instance: consumer }]]);
  const pollers = new PollerRegistry(config, {
    get: () => ({ consumers }),
  } as unknown as ModuleRef);
  const handler = new OrderBatchHandler(
    new ScriptedBridge(behaviour) as unknown as SqsBridgeServer,
    deadLetters as unknown as DeadLetterPublisher,
    gate as unknown as DatabaseGate,
    pollers,
    sqs as unknown as SQSClient,
    config,
    new ProcessorMetrics(new Registry()),
  );
  return { handler, sqs, deadLettered, outages, pollers, consumer };
}

const ids = (messages: Message[]) => messages.map((message) => message.MessageId).sort();

describe(OrderBatchHandler.name, () => {
  it('should acknowledge stored and dead-lettered messages and keep the transient ones when a batch mixes outcomes', async () => {
    const { handler, sqs, deadLettered, outages } = handlerWith({
      b: ProcessingErrorCode.InvalidEnvelope,
      c: ProcessingErrorCode.DatabaseUnavailable,
    });
    const batch = [message('a'), message('b'), message('c'), message('d')];

    const acknowledged = await handler.handle(POLLER, batch);

    expect(ids(acknowledged)).toEqual(['message-a', 'message-b', 'message-d']);
    expect(deadLettered.map((entry) => [entry.message.MessageId, entry.failure.code])).toEqual([
      ['message-b', 'INVALID_ENVELOPE'],
    ]);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-c-1']);
    // Other orders were stored, so the database is up: no pause.
    expect(outages).toEqual([]);
  });

  it('should hand transient failures back with a delay that doubles per receive', async () => {
    const unavailable = ProcessingErrorCode.DatabaseUnavailable;
    const { handler, sqs } = handlerWith({
      a: unavailable,
      b: unavailable,
      c: unavailable,
      d: unavailable,
    });

    const acknowledged = await handler.handle(POLLER, [
      message('a', 1),
      message('b', 2),
      message('c', 3),
      message('d', 9),
    ]);

    expect(acknowledged).toEqual([]);
    expect(
      Object.fromEntries(
        sqs.visibilityChanges.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]),
      ),
    ).toEqual({
      'receipt-a-1': 2,
      'receipt-b-2': 4,
      'receipt-c-3': 8,
      'receipt-d-9': 30,
    });
  });

  it('should pause polling when no message could be stored because the database is unavailable', async () => {
    const { handler, outages } = handlerWith({
      a: ProcessingErrorCode.DatabaseUnavailable,
      b: ProcessingErrorCode.DatabaseUnavailable,
      c: ProcessingErrorCode.MalformedJson,
    });

    await handler.handle(POLLER, [message('a'), message('b'), message('c')]);

    // A poison message in the same batch does not hide the outage.
    expect(outages).toEqual(['scripted DATABASE_UNAVAILABLE']);
  });

  it('should not pause polling when transient failures are not the database', async () => {
    const { handler, outages } = handlerWith({ a: ProcessingErrorCode.Unexpected });

    await handler.handle(POLLER, [message('a')]);

    expect(outages).toEqual([]);
  });

  it('should leave a permanent failure in the queue when the DLQ cannot be reached', async () => {
    const { handler, deadLettered } = handlerWith(
      { a: ProcessingErrorCode.RejectedByDatabase },
      { deadLetterFails: true },
    );

    const acknowledged = await handler.handle(POLLER, [message('a'), message('b')]);

    expect(ids(acknowledged)).toEqual(['message-b']);
    expect(deadLettered).toEqual([]);
  });

  it('should dead-letter a body that is not JSON without dispatching it', async () => {
    const { handler, deadLettered } = handlerWith({});
    const broken: Message = { ...message('x'), Body: '{"orderId": "x", ' };

    const acknowledged = await handler.handle(POLLER, [broken]);

    expect(ids(acknowledged)).toEqual(['message-x']);
    expect(deadLettered[0].failure).toMatchObject({
      code: ProcessingErrorCode.MalformedJson,
      causeClass: 'SyntaxError',
    });
  });

  it('should keep the settled outcomes and hand back the rest when the handler timeout passes', async () => {
    const { handler, sqs, outages } = handlerWith(
      { slow: 'hang' },
      {
        config: {
          HANDLER_TIMEOUT_MS: '300',
          DB_RETRY_ATTEMPTS: '0',
          DB_CONNECT_TIMEOUT_MS: '100',
          VISIBILITY_TIMEOUT_SECONDS: '5',
          HEARTBEAT_INTERVAL_SECONDS: '2',
        },
      },
    );
    const started = Date.now();

    const acknowledged = await handler.handle(POLLER, [message('fast'), message('slow')]);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ids(acknowledged)).toEqual(['message-fast']);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-slow-1']);
    expect(outages).toEqual([]);
  });

  it('should hand back a batch still running at the drain cut-off', async () => {
    const { handler, sqs, pollers, consumer } = handlerWith({ slow: 'hang' });
    consumer.isPolling = true;
    const handling = handler
      .handle(POLLER, [message('fast'), message('slow')])
      .finally(() => (consumer.isPolling = false));

    const drained = await pollers.drain(Date.now() + 500);
    const acknowledged = await handling;

    expect(drained.drained).toBe(true);
    expect(ids(acknowledged)).toEqual(['message-fast']);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-slow-1']);
  });

  it('should release a batch received during a drain at once without processing it', async () => {
    const { handler, sqs, pollers, deadLettered } = handlerWith({
      a: ProcessingErrorCode.InvalidEnvelope,
    });
    await pollers.drain(Date.now() + 100);

    const acknowledged = await handler.handle(POLLER, [message('a'), message('b')]);

    expect(acknowledged).toEqual([]);
    expect(deadLettered).toEqual([]);
    expect(sqs.visibilityChanges).toEqual([
      { Id: '0', ReceiptHandle: 'receipt-a-1', VisibilityTimeout: 0 },
      { Id: '1', ReceiptHandle: 'receipt-b-1', VisibilityTimeout: 0 },
    ]);
  });
});
