import { InsertOutcome, NewOrderRecord, OrdersRepository } from '@orders/persistence';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { receivedOrder } from '../testing/order-messages.fixture';
import { processorConfig } from '../testing/processor-config.fixture';
import { OrdersService } from './orders.service';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { driverError: { code } });

/** Stores in memory like insertMany (first copy per id, ON CONFLICT DO NOTHING); a script decides which calls fail. */
class ScriptedRepository {
  readonly calls: NewOrderRecord[][] = [];
  readonly stored = new Set<string>();

  constructor(
    private readonly fail: (orderIds: string[], call: number) => Error | undefined = () =>
      undefined,
  ) {}

  async insertMany(records: NewOrderRecord[]): Promise<InsertOutcome> {
    const ids = [...new Set(records.map((record) => record.orderId))];
    this.calls.push(records);
    const error = this.fail(ids, this.calls.length);
    if (error) {
      throw error;
    }
    const inserted = ids.filter((id) => !this.stored.has(id));
    inserted.forEach((id) => this.stored.add(id));
    return { inserted };
  }
}

function serviceWith(repository: ScriptedRepository) {
  const registry = new Registry();
  const service = new OrdersService(
    repository as unknown as OrdersRepository,
    processorConfig({ DB_RETRY_ATTEMPTS: '3', DB_RETRY_BASE_MS: '1' }),
    new ProcessorMetrics(registry),
  );
  return { service, registry };
}

async function counter(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
}

describe(OrdersService.name, () => {
  it('should write a whole batch in one multi-row call with the correlation id of each message', async () => {
    const repository = new ScriptedRepository();
    const { service, registry } = serviceWith(repository);
    const batch = Array.from({ length: 10 }, () => receivedOrder());

    const outcomes = await service.store(batch);

    expect(outcomes).toEqual(Array(10).fill('stored'));
    expect(repository.calls).toHaveLength(1);
    expect(repository.calls[0].map((record) => record.correlationId)).toEqual(
      batch.map(({ body }) => `corr-${String(body.orderId)}`),
    );
    expect(await counter(registry, 'orders_stored_total')).toBe(10);
  });

  it('should reject an invalid envelope with the fields it names and write only the valid orders', async () => {
    const repository = new ScriptedRepository();
    const { service } = serviceWith(repository);
    const invalid = receivedOrder(randomUUID(), { items: [] });
    const valid = receivedOrder();

    const [first, second] = await service.store([invalid, valid]);

    expect(first).toBeInstanceOf(ProcessingException);
    expect(first).toMatchObject({
      code: ProcessingErrorCode.InvalidEnvelope,
      kind: 'permanent',
      message: 'Invalid order envelope: order.items',
    });
    expect(second).toBe('stored');
    expect(repository.calls.map((call) => call.map((record) => record.orderId))).toEqual([
      [valid.body.orderId],
    ]);
  });

  it('should store an order once and report the second copy as a duplicate when both arrive together', async () => {
    const repository = new ScriptedRepository();
    const { service, registry } = serviceWith(repository);
    const order = receivedOrder();

    const outcomes = await service.store([order, { ...order }]);

    expect(outcomes).toEqual(['stored', 'duplicate']);
    expect(await counter(registry, 'orders_duplicate_total')).toBe(1);
  });

  it('should report an order stored earlier as a duplicate when it is delivered again', async () => {
    const repository = new ScriptedRepository();
    const { service } = serviceWith(repository);
    const order = receivedOrder();
    await service.store([order]);

    await expect(service.store([order])).resolves.toEqual(['duplicate']);
  });

  it.each(['40P01', '40001', '57P01', '53300'])(
    'should retry the transaction in-process when the database answers %s',
    async (code) => {
      const repository = new ScriptedRepository((_, call) =>
        call <= 2 ? pgError(code) : undefined,
      );
      const { service, registry } = serviceWith(repository);

      await expect(service.store([receivedOrder()])).resolves.toEqual(['stored']);

      expect(repository.calls).toHaveLength(3);
      expect(await counter(registry, 'db_transaction_retries_total')).toBe(2);
    },
  );

  it('should fail every order as DATABASE_UNAVAILABLE when the retries are used up', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const repository = new ScriptedRepository(() => refused);
    const { service } = serviceWith(repository);

    const outcomes = await service.store([receivedOrder(), receivedOrder()]);

    expect(repository.calls).toHaveLength(4);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        code: ProcessingErrorCode.DatabaseUnavailable,
        kind: 'transient',
      });
    }
  });

  it('should isolate the order the database rejects and store the others when a batch breaks a constraint', async () => {
    const culprit = receivedOrder();
    const repository = new ScriptedRepository((ids) =>
      ids.includes(String(culprit.body.orderId)) ? pgError('23514') : undefined,
    );
    const { service, registry } = serviceWith(repository);
    const good = Array.from({ length: 9 }, () => receivedOrder());

    const outcomes = await service.store([...good, culprit]);

    expect(outcomes.slice(0, 9)).toEqual(Array(9).fill('stored'));
    expect(outcomes[9]).toMatchObject({
      code: ProcessingErrorCode.RejectedByDatabase,
      kind: 'permanent',
    });
    expect([...repository.stored].sort()).toEqual(good.map(({ body }) => body.orderId).sort());
    // A permanent failure is never retried.
    expect(await counter(registry, 'db_transaction_retries_total')).toBe(0);
  });
});
