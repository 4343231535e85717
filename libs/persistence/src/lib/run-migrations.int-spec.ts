import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ORDER_MIGRATIONS, ordersDataSourceOptions } from './data-source.options';
import { runMigrations } from './run-migrations';

function databaseUrl(database?: string): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('TEST_DATABASE_URL is not set: run through the project (jest global setup)');
  }
  const parsed = new URL(url);
  if (database) {
    parsed.pathname = `/${database}`;
  }
  return parsed.toString();
}

describe(runMigrations.name, () => {
  it('should apply every migration exactly once when several runners start at once, also through a transaction-mode pooler', async () => {
    const database = `migrate_race_${Date.now()}`;
    const admin = new Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    const runners = Array.from(
      { length: 4 },
      (_, index) =>
        new DataSource(
          ordersDataSourceOptions({
            url: databaseUrl(database),
            poolSize: 1,
            connectTimeoutMs: 5000,
            statementTimeoutMs: 10_000,
            applicationName: `migrate-race-${index}`,
          }),
        ),
    );
    await Promise.all(runners.map((runner) => runner.initialize()));
    try {
      const applied = await Promise.all(runners.map((runner) => runMigrations(runner)));

      // One runner did the work; the others waited for its COMMIT and found nothing pending.
      expect(applied.map((migrations) => migrations.length).sort()).toEqual([
        0,
        0,
        0,
        ORDER_MIGRATIONS.length,
      ]);
      const rows = (await runners[0].query('SELECT name FROM migrations ORDER BY id')) as {
        name: string;
      }[];
      expect(rows.map((row) => row.name)).toEqual(
        ORDER_MIGRATIONS.map((migration) => migration.name),
      );
      // The lock went with the transaction: no session still holds it.
      const [{ held }] = (await runners[0].query(
        `SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND granted`,
      )) as { held: number }[];
      expect(held).toBe(0);
    } finally {
      await Promise.all(runners.map((runner) => runner.destroy()));
    }
  });
});
