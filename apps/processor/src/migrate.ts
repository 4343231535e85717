import 'reflect-metadata';
import { ConfigError, DatabaseConfig, loadConfig } from '@orders/config';
import { runMigrations, ordersDataSourceOptions } from '@orders/persistence';
import { DataSource } from 'typeorm';

/** `node dist/apps/processor/migrate.js`: the one-shot migration step (a Kubernetes Job, or npm start). */
async function migrate(): Promise<void> {
  const config = loadConfig(DatabaseConfig);
  const dataSource = new DataSource(
    ordersDataSourceOptions({
      url: config.DATABASE_URL,
      poolSize: 2,
      connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
      applicationName: 'orders-migrate',
    }),
  );
  await dataSource.initialize();
  try {
    const applied = await runMigrations(dataSource);
    process.stdout.write(
      `${JSON.stringify({ level: 'info', service: 'migrate', msg: 'migrations applied', applied: applied.map((migration) => migration.name) })}\n`,
    );
  } finally {
    await dataSource.destroy();
  }
}

migrate().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
