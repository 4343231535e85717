import { Pool, PoolClient } from 'pg';

// The advisory lock a held insert waits for (see hold()).
const HOLD_LOCK = 7_462_000;

export interface FaultSettings {
  /** Every INSERT INTO orders statement sleeps this long: batches stay in flight. */
  delayMs?: number;
  /** Share (0–100) of statements that take two advisory locks in random order: real deadlocks. */
  deadlockPercent?: number;
  /** Share (0–100) of statements that fail with SQLSTATE 40001. */
  serializationPercent?: number;
  /** Orders of this customer are refused with a check violation (23514): a permanent failure. */
  rejectCustomer?: string;
}

/**
 * Fault injection inside the real PostgreSQL: triggers on `orders` read their settings from a
 * table, so a scenario turns faults on and off without restarting anything. Deadlocks are genuine
 * (Postgres detects and breaks them); serialization failures are raised with their real SQLSTATE.
 */
export class DatabaseFaults {
  constructor(private readonly pool: Pool) {}

  async install(): Promise<void> {
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS chaos_faults (
        id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        delay_ms int NOT NULL DEFAULT 0,
        deadlock_percent int NOT NULL DEFAULT 0,
        serialization_percent int NOT NULL DEFAULT 0,
        reject_customer text,
        hold boolean NOT NULL DEFAULT false
      );
      INSERT INTO chaos_faults (id) VALUES (1) ON CONFLICT DO NOTHING;

      CREATE OR REPLACE FUNCTION chaos_statement_faults() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        faults chaos_faults;
        first_lock int;
      BEGIN
        SELECT * INTO faults FROM chaos_faults WHERE id = 1;
        IF faults.hold THEN
          -- Waits while the scenario holds the lock: a batch in flight on purpose.
          PERFORM pg_advisory_xact_lock_shared(${HOLD_LOCK});
        END IF;
        IF faults.delay_ms > 0 THEN
          PERFORM pg_sleep(faults.delay_ms / 1000.0);
        END IF;
        IF random() * 100 < faults.serialization_percent THEN
          RAISE EXCEPTION 'chaos: could not serialize access due to concurrent update' USING ERRCODE = '40001';
        END IF;
        IF random() * 100 < faults.deadlock_percent THEN
          -- Two transactions taking the same two locks in opposite order wait for each other.
          first_lock := 1 + floor(random() * 2)::int;
          PERFORM pg_advisory_xact_lock(7461000 + first_lock);
          PERFORM pg_sleep(0.02);
          PERFORM pg_advisory_xact_lock(7461000 + 3 - first_lock);
        END IF;
        RETURN NULL;
      END $$;

      CREATE OR REPLACE FUNCTION chaos_row_faults() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.customer_id = (SELECT reject_customer FROM chaos_faults WHERE id = 1) THEN
          RAISE EXCEPTION 'chaos: orders of % are refused', NEW.customer_id USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END $$;

      DROP TRIGGER IF EXISTS chaos_statement_faults ON orders;
      CREATE TRIGGER chaos_statement_faults BEFORE INSERT ON orders FOR EACH STATEMENT EXECUTE FUNCTION chaos_statement_faults();
      DROP TRIGGER IF EXISTS chaos_row_faults ON orders;
      CREATE TRIGGER chaos_row_faults BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION chaos_row_faults();
    `);
    // Deadlocks are found after deadlock_timeout (1 s by default): keep the scenario short.
    await this.pool.query(`ALTER SYSTEM SET deadlock_timeout = '50ms'`);
    await this.pool.query('SELECT pg_reload_conf()');
  }

  async set(settings: FaultSettings): Promise<void> {
    await this.pool.query(
      'UPDATE chaos_faults SET delay_ms = $1, deadlock_percent = $2, serialization_percent = $3, reject_customer = $4 WHERE id = 1',
      [
        settings.delayMs ?? 0,
        settings.deadlockPercent ?? 0,
        settings.serializationPercent ?? 0,
        settings.rejectCustomer ?? null,
      ],
    );
  }

  /**
   * Holds every INSERT INTO orders inside its transaction until release(): the next batch stays
   * in flight for as long as the scenario needs, not by luck. Keep it shorter than the
   * processor's statement timeout.
   */
  async hold(): Promise<HeldInserts> {
    const client = await this.pool.connect();
    await client.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    await this.pool.query('UPDATE chaos_faults SET hold = true WHERE id = 1');
    return new HeldInserts(this.pool, client);
  }

  /** Deadlocks PostgreSQL itself detected and broke in this database. */
  async deadlocksDetected(): Promise<number> {
    const { rows } = await this.pool.query(
      'SELECT deadlocks::int AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return rows[0].n;
  }
}

export class HeldInserts {
  private released = false;

  constructor(
    private readonly pool: Pool,
    private readonly client: PoolClient,
  ) {}

  /** Transactions waiting on the hold right now: each is a batch in flight in some processor. */
  async waiting(): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND NOT granted`,
      [HOLD_LOCK],
    );
    return rows[0].n;
  }

  async release(): Promise<void> {
    if (this.released) {
      return;
    }
    this.released = true;
    await this.pool.query('UPDATE chaos_faults SET hold = false WHERE id = 1');
    await this.client.query('SELECT pg_advisory_unlock($1)', [HOLD_LOCK]);
    this.client.release();
  }
}
