import { DataSource, Migration, MigrationExecutor } from 'typeorm';

// Any fixed number; all migration runners agree on it, so only one migrates at a time.
const MIGRATION_LOCK_KEY = 7_461_001;
// A runner that dies or loses its network mid-migration gives the lock up after this long.
const ABANDONED_AFTER_MS = 60_000;

/**
 * Runs pending migrations in one transaction that first takes a transaction-scoped advisory lock:
 * safe when several runners start at once, directly or through a transaction-mode pooler (lock,
 * the check of what is pending and the migrations all run on one server connection, and COMMIT
 * or ROLLBACK releases the lock). Needs one connection. Migrations therefore must not need to run
 * outside a transaction (no CREATE INDEX CONCURRENTLY).
 */
export async function runMigrations(
  dataSource: DataSource,
  { abandonedAfterMs = ABANDONED_AFTER_MS } = {},
): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query(
      `SET LOCAL idle_in_transaction_session_timeout = ${Math.round(abandonedAfterMs)}`,
    );
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    const applied = await executor.executePendingMigrations();
    await runner.commitTransaction();
    return applied;
  } catch (error) {
    if (runner.isTransactionActive) {
      await runner.rollbackTransaction().catch(() => undefined);
    }
    throw error;
  } finally {
    await runner.release();
  }
}
