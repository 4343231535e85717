import { DataSource, Migration } from 'typeorm';

// Any fixed number; all migration runners agree on it, so only one migrates at a time.
const MIGRATION_LOCK_KEY = 7_461_001;

/** Runs pending migrations under a session advisory lock: safe when several runners start at once. Needs two pooled connections (lock + migrations). */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.release();
  }
}
