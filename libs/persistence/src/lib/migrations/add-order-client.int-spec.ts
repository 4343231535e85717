import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DatabaseOptions, ORDER_MIGRATIONS, ordersDataSourceOptions } from '../data-source.options';
import { LazyDataSource } from '../lazy-data-source';
import { OrdersRepository } from '../orders.repository';
import { AddOrderClient1767744000000 } from './1767744000000-add-order-client';

// A database of its own, migrated to just before the client column, holding an order.
describe(AddOrderClient1767744000000.name, () => {
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `orders_migration_${randomUUID().slice(0, 8)}`;
  const admin = new DataSource({ type: 'postgres', url: url.toString() });
  const connection: DatabaseOptions = {
    url: Object.assign(new URL(url), { pathname: `/${name}` }).toString(),
    poolSize: 2,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    applicationName: 'persistence-tests',
  };

  beforeAll(async () => {
    await admin.initialize();
    await admin.query(`CREATE DATABASE ${name}`);
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  });

  it('should keep existing orders, with no client: readable by none', async () => {
    const orderId = randomUUID();
    const before = new DataSource({
      ...ordersDataSourceOptions(connection),
      migrations: ORDER_MIGRATIONS.slice(0, -1),
    });
    await before.initialize();
    await before.runMigrations();
    await before.query(
      `INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at)
       VALUES ($1, 'c-1', 'EUR', 5, now())`,
      [orderId],
    );
    await before.destroy();

    const after = new LazyDataSource(connection);
    const migrated = await after.get();
    await migrated.runMigrations();
    const rows = await migrated.query('SELECT client_id FROM orders WHERE order_id = $1', [
      orderId,
    ]);
    const read = await new OrdersRepository(after).findWithItems(orderId, 'anonymous');
    await after.close();

    expect(rows).toEqual([{ client_id: null }]);
    expect(read).toBeNull();
  });
});
