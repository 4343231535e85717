import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { queueNameOf } from '../dlq/dead-letter';
import { WatcherRole } from '../metrics/sidecar.metrics';

/** Proof of leadership that ledger writes check: a new leader's term makes an old leader's writes fail. */
export interface Fence {
  holder: string;
  term: number;
}

// Taken, kept by its holder, or taken over once expired; a new holder gets the next term.
const ACQUIRE = `
  INSERT INTO dlq_leader_lease AS lease (dlq_name, holder, term, expires_at)
  VALUES ($1, $2, 1, now() + make_interval(secs => $3))
  ON CONFLICT (dlq_name) DO UPDATE
     SET term = CASE WHEN lease.holder = EXCLUDED.holder THEN lease.term ELSE lease.term + 1 END,
         holder = EXCLUDED.holder,
         expires_at = EXCLUDED.expires_at
   WHERE lease.holder = EXCLUDED.holder OR lease.expires_at < now()
  RETURNING term`;

/**
 * Exactly one sidecar per DLQ alerts: the holder of a lease row in PostgreSQL. Each statement
 * stands alone, so it works through a transaction-mode pooler (PgBouncer, RDS Proxy), which would
 * hand a session advisory lock to whichever client shares the server connection next. The holder
 * renews it every poll; the database's clock sets the expiry, so sidecars agree on it. A holder
 * counts itself leader only until its own clock says the lease may have run out (measured from
 * before it asked), so a leader whose connection half-died stops before another can take over.
 * When the database is unreachable a sidecar is "uncoordinated" and alerts on its own:
 * duplicates are acceptable, silence is not.
 */
@Injectable()
export class LeaderLease implements OnApplicationShutdown {
  private readonly logger = new Logger(LeaderLease.name);
  private readonly dlqName: string;
  // Unique per process: two sidecars configured with the same INSTANCE_ID still exclude each other.
  private readonly holder: string;
  private term: number | undefined;
  private validUntil = 0;
  private lastRole: WatcherRole | undefined;

  constructor(
    private readonly database: LazyDataSource,
    private readonly config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
    this.holder = `${config.INSTANCE_ID.slice(0, 100)} ${randomUUID().slice(0, 8)}`;
  }

  /** Takes or renews the lease; called once per watch round. */
  async currentRole(): Promise<WatcherRole> {
    const askedAt = performance.now();
    let role: WatcherRole;
    try {
      const rows = await this.database.queryWithin<{ term: string }>(
        this.config.DB_CONNECT_TIMEOUT_MS,
        ACQUIRE,
        [this.dlqName, this.holder, this.config.DLQ_LEADER_LEASE_MS / 1000],
      );
      const term = rows[0]?.term;
      this.term = term === undefined ? undefined : Number(term);
      this.validUntil = askedAt + this.config.DLQ_LEADER_LEASE_MS * SAFETY;
      role = this.leading ? 'leader' : 'follower';
    } catch (error) {
      this.term = undefined;
      role = 'uncoordinated';
      if (this.lastRole !== role) {
        this.logger.warn({
          msg: 'database unreachable: alerting without coordination (other sidecars may alert too)',
          error: String(error),
        });
      }
    }
    if (this.lastRole !== role && role !== 'uncoordinated') {
      this.logger.log({
        msg:
          role === 'leader' ? 'leading: this sidecar alerts' : 'following: another sidecar alerts',
        instance: this.config.INSTANCE_ID,
        term: this.term,
      });
    }
    this.lastRole = role;
    return role;
  }

  /** Still the leader by this process's clock: false once the lease may have expired in the database. */
  get leading(): boolean {
    return this.term !== undefined && performance.now() < this.validUntil;
  }

  fence(): Fence | undefined {
    return this.leading ? { holder: this.holder, term: this.term as number } : undefined;
  }

  /**
   * Runs a scan with the lease row saying so: a CLI run that finds the DLQ empty meanwhile waits
   * for the letters this scan hides (until it ends, then it looks again) rather than guessing
   * from SQS's counts. Should this sidecar die mid-scan, the mark goes with its lease.
   */
  async scanning<T>(scan: () => Promise<T>): Promise<T> {
    const mark = (seconds: number) =>
      this.database
        .queryWithin(
          this.config.DB_CONNECT_TIMEOUT_MS,
          `UPDATE dlq_leader_lease SET scan_until = now() + make_interval(secs => $3) WHERE dlq_name = $1 AND holder = $2`,
          [this.dlqName, this.holder, seconds],
        )
        .catch(() => undefined);
    // How long the scan takes is not known in advance: until its end, or the lease's.
    await mark(this.config.DLQ_LEADER_LEASE_MS / 1000 + this.config.DLQ_PEEK_VISIBILITY_SECONDS);
    try {
      return await scan();
    } finally {
      // Released by now: a reader whose receive came back empty before this must look again.
      await mark(0);
    }
  }

  /** Gives the lease up at once (a ledger failure while leading, or shutdown): another sidecar can take over. */
  async stepDown(): Promise<void> {
    if (this.term === undefined) {
      return;
    }
    this.term = undefined;
    await this.database
      .queryWithin(
        this.config.DB_CONNECT_TIMEOUT_MS,
        `UPDATE dlq_leader_lease SET expires_at = now() WHERE dlq_name = $1 AND holder = $2`,
        [this.dlqName, this.holder],
      )
      .catch(() => undefined);
  }

  onApplicationShutdown(): Promise<void> {
    return this.stepDown();
  }
}

// Room for the two clocks running at slightly different rates over one lease.
const SAFETY = 0.8;
