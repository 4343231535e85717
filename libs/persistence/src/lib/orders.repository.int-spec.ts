import { orderFactory } from '@orders/contracts/testing';
import { randomUUID } from 'node:crypto';
import { LazyDataSource } from './lazy-data-source';
import { NewOrderRecord } from './new-order.record';
import { OrdersRepository } from './orders.repository';
import { runMigrations } from './run-migrations';

function record(overrides: Partial<NewOrderRecord> = {}): NewOrderRecord {
  return {
    orderId: randomUUID(),
    ...orderFactory.order({
      items: [
        { sku: 'A', quantity: 2, unitPriceCents: 150 },
        { sku: 'B', quantity: 1, unitPriceCents: 99 },
      ],
    }),
    acceptedAt: new Date('2026-01-02T03:04:05.678Z'),
    correlationId: 'corr-1',
    clientId: 'shop-a',
    ...overrides,
  };
}

// The shared test harness depends on this lib, so this spec connects on its own (same global setup).
async function migratedDatabase(): Promise<LazyDataSource> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set: run through the project (jest global setup)');
  }
  const database = new LazyDataSource({
    url,
    poolSize: 4,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    applicationName: 'persistence-tests',
  });
  await runMigrations(await database.get());
  return database;
}

describe(OrdersRepository.name, () => {
  let database: LazyDataSource;
  let repository: OrdersRepository;

  beforeAll(async () => {
    database = await migratedDatabase();
    repository = new OrdersRepository(database);
  });

  afterAll(() => database.close());

  it('should find an order only for the client that placed it', async () => {
    const mine = record();
    const unowned = record({ clientId: null });
    await repository.insertMany([mine, unowned]);

    expect((await repository.findWithItems(mine.orderId, 'shop-a'))?.clientId).toBe('shop-a');
    expect(await repository.findWithItems(mine.orderId, 'shop-b')).toBeNull();
    // Orders from before clients were recorded belong to nobody.
    expect(await repository.findWithItems(unowned.orderId, 'shop-a')).toBeNull();
  });

  it('should store orders with their items and total in one call', async () => {
    const first = record();
    const second = record({
      items: [{ sku: 'C', quantity: 3, unitPriceCents: 1000 }],
    });

    const outcome = await repository.insertMany([first, second]);

    expect(outcome.inserted.sort()).toEqual([first.orderId, second.orderId].sort());
    const stored = await repository.findWithItems(first.orderId, 'shop-a');
    expect(stored?.totalCents).toBe(399);
    expect(stored?.acceptedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(
      stored?.items.map((item) => [item.lineNo, item.sku, item.quantity, item.unitPriceCents]),
    ).toEqual([
      [0, 'A', 2, 150],
      [1, 'B', 1, 99],
    ]);
  });

  it('should not write an order twice when it is inserted again', async () => {
    const order = record();
    await repository.insertMany([order]);

    const again = await repository.insertMany([order, record()]);

    expect(again.inserted).toHaveLength(1);
    expect(again.inserted).not.toContain(order.orderId);
    const rows = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM order_items WHERE order_id = $1',
      [order.orderId],
    );
    expect(rows[0].n).toBe(2);
  });

  it('should store each order once when two writers race with the same orders', async () => {
    const orders = Array.from({ length: 20 }, () => record());

    const results = await Promise.all([
      repository.insertMany(orders),
      repository.insertMany([...orders].reverse()),
    ]);

    expect(results[0].inserted.length + results[1].inserted.length).toBe(20);
    const ids = orders.map((order) => order.orderId);
    const rows = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1)',
      [ids],
    );
    expect(rows[0].n).toBe(20);
  });

  it('should store a batch larger than one statement could bind as parameters', async () => {
    // 130 orders × (7 + 100 × 5) values: more than the 65,535 parameters PostgreSQL binds.
    const items = Array.from({ length: 100 }, (_, index) => ({
      sku: `S-${index}`,
      quantity: 1,
      unitPriceCents: 1,
    }));
    const orders = Array.from({ length: 130 }, () => record({ items }));

    const outcome = await repository.insertMany(orders);

    expect(outcome.inserted).toHaveLength(130);
    const ids = orders.map((order) => order.orderId);
    const rows = await database.dataSource.query(
      'SELECT count(*)::int AS n FROM order_items WHERE order_id = ANY($1)',
      [ids],
    );
    expect(rows[0].n).toBe(13_000);
  });

  it('should write an order repeated within one call once, keeping the first copy', async () => {
    const first = record();
    const repeated = { ...first, customerId: 'someone-else' };

    const outcome = await repository.insertMany([first, repeated]);

    expect(outcome.inserted).toEqual([first.orderId]);
    expect((await repository.findWithItems(first.orderId, 'shop-a'))?.customerId).toBe(
      'customer-1',
    );
  });

  it('should reject the whole transaction when one order breaks a constraint', async () => {
    const good = record();
    const bad = record({
      items: [{ sku: 'X', quantity: 5000, unitPriceCents: 1 }],
    });

    await expect(repository.insertMany([good, bad])).rejects.toMatchObject({
      code: '23514',
    });

    expect(await repository.findWithItems(good.orderId, 'shop-a')).toBeNull();
  });
});
