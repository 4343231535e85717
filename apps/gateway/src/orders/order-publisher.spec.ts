import { GatewayConfig } from '@orders/config';
import { SqsService } from '@ssut/nestjs-sqs';
import { Registry } from 'prom-client';
import { GatewayMetrics } from '../http/gateway.metrics';
import { OrderPublisher } from './order-publisher';
import { OrdersException } from './orders.exception';

type SentBatch = { id: string; body: string }[];

/** A stand-in for the SQS producer that refuses chosen bodies the way SendMessageBatch reports per-entry failures. */
class ScriptedProducer {
  readonly batches: SentBatch[] = [];
  constructor(private readonly refuse: (body: string, attempt: number) => boolean) {}

  async send(_name: string, messages: SentBatch): Promise<void> {
    const attempt = this.batches.length;
    this.batches.push(messages);
    const failed = messages
      .filter((message) => this.refuse(message.body, attempt))
      .map((message) => message.id);
    if (failed.length > 0) {
      throw Object.assign(new Error('Failed to send messages'), { failedMessages: failed });
    }
  }
}

function publisherWith(
  producer: ScriptedProducer,
  overrides: Partial<GatewayConfig> = {},
): OrderPublisher {
  const config = Object.assign(new GatewayConfig(), {
    SEND_BATCH_LINGER_MS: 5,
    SEND_TIMEOUT_MS: 2000,
    ORDERS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/orders',
    ...overrides,
  });
  return new OrderPublisher(
    producer as unknown as SqsService,
    config,
    new GatewayMetrics(new Registry()),
  );
}

const message = (body: string) => ({ body, attributes: {} });

describe(OrderPublisher.name, () => {
  it('should coalesce concurrent publishes into batches of at most 10', async () => {
    const producer = new ScriptedProducer(() => false);
    const publisher = publisherWith(producer);

    await Promise.all(
      Array.from({ length: 25 }, (_, index) => publisher.publish(message(`order-${index}`))),
    );

    expect(producer.batches.length).toBe(3);
    expect(producer.batches.every((batch) => batch.length <= 10)).toBe(true);
  });

  it('should fail only the request whose entry SQS refused, after retrying only that entry', async () => {
    const producer = new ScriptedProducer((body) => body === 'poison');
    const publisher = publisherWith(producer);

    const results = await Promise.allSettled(
      ['a', 'poison', 'b'].map((body) => publisher.publish(message(body))),
    );

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(OrdersException);
    // The first call carried all three; the retries carried the refused entry alone.
    expect(producer.batches.map((batch) => batch.map((entry) => entry.body))).toEqual([
      ['a', 'poison', 'b'],
      ['poison'],
      ['poison'],
    ]);
  });

  it('should succeed when a refused entry is accepted on retry', async () => {
    const producer = new ScriptedProducer((body, attempt) => body === 'flaky' && attempt === 0);
    const publisher = publisherWith(producer);

    await expect(publisher.publish(message('flaky'))).resolves.toBeUndefined();
    expect(producer.batches).toHaveLength(2);
  });

  it('should keep batches under 256 KiB', async () => {
    const producer = new ScriptedProducer(() => false);
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
});
