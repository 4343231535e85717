import 'reflect-metadata';
import { ConfigError, DatabaseConfig, loadConfig } from '@orders/config';
import { runMigrations, ordersDataSourceOptions } from '@orders/persistence';
import { DataSource } from 'typeorm';

/** `node dist/apps/processor/migrate.js`: the one-shot migration step (a Kubernetes Job, or npm start). */
async function migrate(): Promise<void> {
  const config = loadConfig(DatabaseConfig);
  const dataSource = new DataSource(
    ordersDataSourceOptions(config.databaseConnection('orders-migrate', 1)),
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
