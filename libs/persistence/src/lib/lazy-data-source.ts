import type { Pool, QueryResult } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseOptions, ordersDataSourceOptions } from './data-source.options';

/** What TypeORM's Postgres driver keeps after a half-successful initialize (not in its public types). */
interface DriverInternals {
  master?: Pool;
  connectedQueryRunners: { release(error?: Error): Promise<void> }[];
}

/**
 * A DataSource that connects on first use instead of at boot, and retries on the next use when
 * that fails. Apps therefore start (and the gateway keeps accepting orders) while PostgreSQL is down.
 */
export class LazyDataSource {
  readonly dataSource: DataSource;
  private connecting: Promise<DataSource> | undefined;
  private closed = false;

  private readonly timeouts: string;

  constructor(options: DatabaseOptions) {
    this.dataSource = new DataSource(ordersDataSourceOptions(options));
    const ms = Math.round(options.statementTimeoutMs);
    // Per transaction, never per session: through a transaction-mode pooler the next transaction
    // may run on another server connection. A client that vanishes mid-transaction does not hold
    // its locks beyond the idle limit either.
    this.timeouts = `SET LOCAL statement_timeout = ${ms}; SET LOCAL idle_in_transaction_session_timeout = ${ms}`;
  }

  get(): Promise<DataSource> {
    if (this.closed) {
      // After close() nothing may open a new pool: it would keep a stopping process alive.
      return Promise.reject(new Error('database connection closed: the process is shutting down'));
    }
    if (this.dataSource.isInitialized) {
      return Promise.resolve(this.dataSource);
    }
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /**
   * `sql` (statements without parameters) behind the statement timeout, in one round trip: a
   * multi-statement simple query is one implicit transaction, where SET LOCAL applies and which
   * commits or rolls back as a whole. Returns the rows of the last statement.
   */
  async inOneRoundTrip<Row>(sql: string): Promise<Row[]> {
    const { master } = (await this.get()).driver as unknown as Required<DriverInternals>;
    const client = await master.connect();
    // A connection that breaks fails the query too; its 'error' event must not crash the process.
    client.on('error', ignoreError);
    try {
      const results = (await client.query(`${this.timeouts}; ${sql}`)) as unknown as QueryResult[];
      return results[results.length - 1].rows as Row[];
    } finally {
      // A broken connection is not queryable any more, and the pool drops it on release.
      client.off('error', ignoreError);
      client.release();
    }
  }

  /**
   * One query that gives up after `ms`, connecting included: for bookkeeping (leases, marks) whose
   * caller must go on when the database does not answer (a query on a half-dead connection never
   * does). The query itself may still finish later.
   */
  async queryWithin<Row>(ms: number, sql: string, parameters: unknown[] = []): Promise<Row[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the database within ${ms} ms`)),
        ms,
      );
    });
    try {
      return await Promise.race([
        this.get().then((dataSource) => dataSource.query(sql, parameters) as Promise<Row[]>),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pg pool's own counts, for the pool metrics; undefined until the first connect. */
  poolStats(): { totalCount: number; idleCount: number; waitingCount: number } | undefined {
    return (this.dataSource.driver as unknown as DriverInternals | undefined)?.master;
  }

  /** Idempotent. Waits for a connect in progress, then ends the pool. */
  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
    }
  }

  private async connect(): Promise<DataSource> {
    try {
      return await this.dataSource.initialize();
    } catch (error) {
      await this.discardHalfOpenPool();
      throw error;
    }
  }

  /**
   * TypeORM assigns the pool before it reads the server version, database and schema; when one of
   * those queries fails, initialize() throws with the pool (and a checked-out client) still open, and
   * the next attempt would silently replace it. Discard it so retries never pile up connections.
   * Not awaited: ending a pool whose server vanished can take as long as the socket does.
   */
  private async discardHalfOpenPool(): Promise<void> {
    const driver = this.dataSource.driver as unknown as DriverInternals;
    const pool = driver.master;
    if (this.dataSource.isInitialized || !pool) {
      return;
    }
    driver.master = undefined;
    // Releasing with an error makes the pool destroy the client instead of keeping it idle.
    await Promise.all(
      [...driver.connectedQueryRunners].map((runner) =>
        runner.release(new Error('discarded after a failed initialize')).catch(() => undefined),
      ),
    );
    void pool.end().catch(() => undefined);
  }
}

function ignoreError(): void {
  // The query that was running rejects with the same error; the caller handles it there.
}
