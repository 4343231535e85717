import { InsertOutcome, NewOrderRecord, OrdersRepository } from '@orders/persistence';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { ProcessorMetrics } from '../health/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { OrderWriter } from './order-writer';
import { ProcessingErrorCode } from './processing.exception';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { driverError: { code } });

/** Stores in memory like insertMany (ON CONFLICT DO NOTHING); a script decides which calls fail. */
class ScriptedRepository {
  readonly calls: string[][] = [];
  readonly stored = new Set<string>();

  constructor(
    private readonly fail: (orderIds: string[], call: number) => Error | undefined = () =>
      undefined,
  ) {}

  async insertMany(records: NewOrderRecord[]): Promise<InsertOutcome> {
    const ids = records.map((record) => record.orderId);
    this.calls.push(ids);
    const error = this.fail(ids, this.calls.length);
    if (error) {
      throw error;
    }
    const inserted = ids.filter((id) => !this.stored.has(id));
    inserted.forEach((id) => this.stored.add(id));
    return { inserted, alreadyStored: ids.filter((id) => !inserted.includes(id)) };
  }
}

function record(orderId = randomUUID()): NewOrderRecord {
  return {
    orderId,
    customerId: 'c-1',
    currency: 'EUR',
    acceptedAt: new Date(),
    correlationId: null,
    items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }],
  };
}

function writerWith(repository: ScriptedRepository) {
  const registry = new Registry();
  const metrics = new ProcessorMetrics(registry);
  const writer = new OrderWriter(
    repository as unknown as OrdersRepository,
    processorConfig({ DB_RETRY_ATTEMPTS: '3', DB_RETRY_BASE_MS: '1' }),
    metrics,
  );
  return { writer, registry };
}

async function retries(registry: Registry): Promise<number> {
  return (
    (await registry.getSingleMetric('db_transaction_retries_total')?.get())?.values[0]?.value ?? 0
  );
}

describe(OrderWriter.name, () => {
  it('should write concurrent orders in one multi-row call', async () => {
    const repository = new ScriptedRepository();
    const { writer } = writerWith(repository);
    const orders = Array.from({ length: 10 }, () => record());

    const outcomes = await Promise.all(orders.map((order) => writer.write(order)));

    expect(outcomes).toEqual(Array(10).fill('stored'));
    expect(repository.calls).toHaveLength(1);
    expect(repository.calls[0]).toHaveLength(10);
  });

  it('should store an order once and report the second copy as a duplicate when both arrive together', async () => {
    const repository = new ScriptedRepository();
    const { writer } = writerWith(repository);
    const order = record();

    const outcomes = await Promise.all([writer.write(order), writer.write({ ...order })]);

    expect(outcomes.sort()).toEqual(['duplicate', 'stored']);
    expect(repository.calls[0]).toEqual([order.orderId]);
  });

  it('should report an order stored earlier as a duplicate when it is delivered again', async () => {
    const repository = new ScriptedRepository();
    const { writer } = writerWith(repository);
    const order = record();
    await writer.write(order);

    await expect(writer.write(order)).resolves.toBe('duplicate');
  });

  it.each(['40P01', '40001', '57P01', '53300'])(
    'should retry the transaction in-process when the database answers %s',
    async (code) => {
      const repository = new ScriptedRepository((_, call) =>
        call <= 2 ? pgError(code) : undefined,
      );
      const { writer, registry } = writerWith(repository);

      await expect(writer.write(record())).resolves.toBe('stored');

      expect(repository.calls).toHaveLength(3);
      expect(await retries(registry)).toBe(2);
    },
  );

  it('should fail every order as DATABASE_UNAVAILABLE when the retries are used up', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const repository = new ScriptedRepository(() => refused);
    const { writer } = writerWith(repository);

    const results = await Promise.allSettled([writer.write(record()), writer.write(record())]);

    expect(repository.calls).toHaveLength(4);
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { code: ProcessingErrorCode.DatabaseUnavailable, kind: 'transient' },
      });
    }
  });

  it('should isolate the order the database rejects and store the others when a batch breaks a constraint', async () => {
    const culprit = record();
    const repository = new ScriptedRepository((ids) =>
      ids.includes(culprit.orderId) ? pgError('23514') : undefined,
    );
    const { writer, registry } = writerWith(repository);
    const good = Array.from({ length: 9 }, () => record());

    const results = await Promise.allSettled(
      [...good, culprit].map((order) => writer.write(order)),
    );

    expect(
      results
        .slice(0, 9)
        .every((result) => result.status === 'fulfilled' && result.value === 'stored'),
    ).toBe(true);
    expect(results[9]).toMatchObject({
      status: 'rejected',
      reason: { code: ProcessingErrorCode.RejectedByDatabase, kind: 'permanent' },
    });
    expect([...repository.stored].sort()).toEqual(good.map((order) => order.orderId).sort());
    // A permanent failure is never retried.
    expect(await retries(registry)).toBe(0);
  });
});
