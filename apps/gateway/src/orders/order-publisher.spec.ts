import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GatewayConfig } from '@orders/config';
import { Registry } from 'prom-client';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { OrderPublisher } from './order-publisher';
import { OrdersErrorCode, OrdersException } from './orders.exception';

type SentBatch = { id: string; body: string }[];
type Refusal = false | 'server' | 'content';

/** A stand-in for SQSClient that refuses chosen bodies the way SendMessageBatch reports per-entry failures. */
class ScriptedSqs {
  readonly batches: SentBatch[] = [];
  constructor(private readonly refuse: (body: string, attempt: number) => Refusal) {}

  async send(command: SendMessageBatchCommand) {
    const attempt = this.batches.length;
    const entries = (command.input.Entries ?? []).map((entry) => ({
      id: entry.Id as string,
      body: entry.MessageBody as string,
    }));
    this.batches.push(entries);
    const Failed = entries.flatMap((entry) => {
      const refusal = this.refuse(entry.body, attempt);
      return refusal
        ? [
            {
              Id: entry.id,
              SenderFault: refusal === 'content',
              Code: refusal === 'content' ? 'InvalidMessageContents' : 'InternalError',
              Message: 'refused',
            },
          ]
        : [];
    });
    return { Successful: [], Failed };
  }
}

function publisherWith(
  producer: ScriptedSqs,
  overrides: Partial<GatewayConfig> = {},
): OrderPublisher {
  const config = Object.assign(new GatewayConfig(), {
    SEND_BATCH_LINGER_MS: 5,
    SEND_TIMEOUT_MS: 2000,
    ORDERS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/orders',
    ...overrides,
  });
  return new OrderPublisher(
    producer as unknown as SQSClient,
    config,
    new GatewayMetrics(new Registry()),
  );
}

const message = (body: string) => ({ body, attributes: {} });

/** An SQS that takes each call and answers as scripted: never (until aborted), or with an error. */
class UnansweringSqs {
  calls = 0;
  open = 0;
  constructor(private readonly answer: (call: number) => 'hang' | 'throttle' | 'ok') {}
  send(_command: SendMessageBatchCommand, options: { abortSignal: AbortSignal }) {
    const call = this.calls++;
    const answer = this.answer(call);
    if (answer === 'ok') {
      return Promise.resolve({ Successful: [], Failed: [] });
    }
    if (answer === 'throttle') {
      return Promise.reject(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      );
    }
    this.open += 1;
    return new Promise((_, reject) =>
      options.abortSignal.addEventListener('abort', () => {
        this.open -= 1;
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      }),
    );
  }
}

describe(OrderPublisher.name, () => {
  it('should coalesce concurrent publishes into batches of at most 10', async () => {
    const producer = new ScriptedSqs(() => false);
    const publisher = publisherWith(producer);

    await Promise.all(
      Array.from({ length: 25 }, (_, index) => publisher.publish(message(`order-${index}`))),
    );

    expect(producer.batches.length).toBe(3);
    expect(producer.batches.every((batch) => batch.length <= 10)).toBe(true);
  });

  it('should fail only the request whose entry SQS failed, after retrying only that entry', async () => {
    const producer = new ScriptedSqs((body) => body === 'poison' && 'server');
    const publisher = publisherWith(producer);

    const results = await Promise.allSettled(
      ['a', 'poison', 'b'].map((body) => publisher.publish(message(body))),
    );

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(OrdersException);
    expect((results[1] as PromiseRejectedResult).reason.code).toBe(
      OrdersErrorCode.QueueUnavailable,
    );
    // The first call carried all three; the retries carried the refused entry alone.
    expect(producer.batches.map((batch) => batch.map((entry) => entry.body))).toEqual([
      ['a', 'poison', 'b'],
      ['poison'],
      ['poison'],
    ]);
  });

  it('should succeed when a refused entry is accepted on retry', async () => {
    const producer = new ScriptedSqs(
      (body, attempt) => body === 'flaky' && attempt === 0 && 'server',
    );
    const publisher = publisherWith(producer);

    await expect(publisher.publish(message('flaky'))).resolves.toBeUndefined();
    expect(producer.batches).toHaveLength(2);
  });

  it('should keep batches under 256 KiB', async () => {
    const producer = new ScriptedSqs(() => false);
    const publisher = publisherWith(producer);
    const big = 'x'.repeat(60 * 1024);

    await Promise.all(Array.from({ length: 10 }, () => publisher.publish(message(big))));

    expect(
      producer.batches.every(
        (batch) => batch.reduce((sum, entry) => sum + entry.body.length, 0) <= 256 * 1024,
      ),
    ).toBe(true);
    expect(producer.batches.length).toBeGreaterThanOrEqual(3);
  });

  it('should never retry an entry SQS refused for its content, nor call it an outage', async () => {
    const producer = new ScriptedSqs((body) => body === 'bad' && 'content');
    const publisher = publisherWith(producer);

    const error = await publisher.publish(message('bad')).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(OrdersException);
    expect((error as OrdersException).code).toBe(OrdersErrorCode.RefusedByQueue);
    expect(producer.batches).toHaveLength(1);
  });

  it('should refuse a message over the SQS size limit without sending it', async () => {
    const producer = new ScriptedSqs(() => false);
    const publisher = publisherWith(producer);

    const error = await publisher
      .publish(message('x'.repeat(256 * 1024 + 1)))
      .catch((reason: unknown) => reason);

    expect((error as OrdersException).code).toBe(OrdersErrorCode.RefusedByQueue);
    expect(producer.batches).toHaveLength(0);
  });

  it('should answer OUTCOME_UNKNOWN by SEND_TIMEOUT_MS with no attempt left open when SQS never answers', async () => {
    const sqs = new UnansweringSqs(() => 'hang');
    const publisher = publisherWith(sqs as unknown as ScriptedSqs, {
      SEND_TIMEOUT_MS: 600,
      SQS_REQUEST_TIMEOUT_MS: 400,
    });
    const startedAt = Date.now();

    const error = await publisher.publish(message('slow')).catch((reason: unknown) => reason);

    expect((error as OrdersException).code).toBe(OrdersErrorCode.OutcomeUnknown);
    expect(Date.now() - startedAt).toBeLessThan(900);
    // Both attempts were aborted before the answer: nothing can enqueue after the 503.
    expect(sqs.calls).toBe(2);
    expect(sqs.open).toBe(0);
  });

  it('should answer QUEUE_UNAVAILABLE only when no attempt can have enqueued (throttled every time)', async () => {
    const sqs = new UnansweringSqs(() => 'throttle');
    const publisher = publisherWith(sqs as unknown as ScriptedSqs, { SEND_TIMEOUT_MS: 400 });

    const error = await publisher.publish(message('throttled')).catch((reason: unknown) => reason);

    expect((error as OrdersException).code).toBe(OrdersErrorCode.QueueUnavailable);
    expect(sqs.calls).toBeGreaterThan(1);
  });

  it('should answer OUTCOME_UNKNOWN when an unanswered attempt is followed by throttling', async () => {
    const sqs = new UnansweringSqs((call) => (call === 0 ? 'hang' : 'throttle'));
    const publisher = publisherWith(sqs as unknown as ScriptedSqs, {
      SEND_TIMEOUT_MS: 700,
      SQS_REQUEST_TIMEOUT_MS: 200,
    });

    const error = await publisher.publish(message('maybe')).catch((reason: unknown) => reason);

    expect((error as OrdersException).code).toBe(OrdersErrorCode.OutcomeUnknown);
  });

  it('should accept when an attempt after an unanswered one is acknowledged', async () => {
    const sqs = new UnansweringSqs((call) => (call === 0 ? 'hang' : 'ok'));
    const publisher = publisherWith(sqs as unknown as ScriptedSqs, {
      SEND_TIMEOUT_MS: 1000,
      SQS_REQUEST_TIMEOUT_MS: 200,
    });

    await expect(publisher.publish(message('second-time'))).resolves.toBeUndefined();
    expect(sqs.calls).toBe(2);
  });
});
