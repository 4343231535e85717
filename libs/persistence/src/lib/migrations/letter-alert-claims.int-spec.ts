import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DatabaseOptions, ORDER_MIGRATIONS, ordersDataSourceOptions } from '../data-source.options';
import { LetterAlertClaims1768262400000 } from './1768262400000-letter-alert-claims';

// A database of its own, migrated to just before the per-letter claims, with a group alerted
// through its second letter of three.
describe(LetterAlertClaims1768262400000.name, () => {
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
  const migrated = (until: number) =>
    new DataSource({
      ...ordersDataSourceOptions(connection),
      migrations: ORDER_MIGRATIONS.slice(0, until),
    }).initialize();

  beforeAll(async () => {
    await admin.initialize();
    await admin.query(`CREATE DATABASE ${name}`);
  });

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.destroy();
  });

  it('should leave the letters past the old mark unalerted, and only those', async () => {
    const before = await migrated(ORDER_MIGRATIONS.indexOf(LetterAlertClaims1768262400000));
    await before.runMigrations();
    const letters: { id: string }[] = await before.query(`
      WITH record AS (
        INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, body, first_failed_at, last_failed_at)
        VALUES ('q', 'G', 'r', '{}', now(), now()) RETURNING id)
      INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code,
                               failure_reason, failure_detail, receive_count, sent_at, first_failed_at, last_failed_at)
      SELECT id, 'q', 'm-' || n, '{}', '{}', '{}', 'G', 'r', '{}', 1, now(), now(), now()
        FROM record, generate_series(1, 3) n ORDER BY n RETURNING id`);
    await before.query(
      `INSERT INTO dlq_groups (dlq_name, failure_code, alerted_through) VALUES ('q', 'G', $1)`,
      [letters[1].id],
    );
    await before.destroy();

    const after = await migrated(ORDER_MIGRATIONS.length);
    await after.runMigrations();
    const rows = await after.query(`SELECT message_id, alerted FROM dlq_letters ORDER BY id`);
    const columns = await after.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'dlq_groups' AND column_name = 'alerted_through'`,
    );
    await after.destroy();

    expect(rows).toEqual([
      { message_id: 'm-1', alerted: true },
      { message_id: 'm-2', alerted: true },
      { message_id: 'm-3', alerted: false },
    ]);
    expect(columns).toEqual([]);
  });
});
