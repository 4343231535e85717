import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { queueNameOf } from '../dead-letters/dead-letter';
import { WatcherRole } from '../health/sidecar.metrics';

// First key of the two-key advisory lock form, which never collides with one-key locks (migrations).
const LOCK_NAMESPACE = 7_461_002;

/** One lock per DLQ, so sidecars of different pipelines sharing a database do not exclude each other. */
export function leaderLockKey(dlqName: string): number {
  return createHash('sha256').update(dlqName).digest().readInt32BE(0);
}

/**
 * Exactly one sidecar per DLQ alerts: the one whose database session holds a session-level
 * advisory lock. The lock lives on a dedicated connection, so it goes away with the process or the
 * connection, and another sidecar takes over within one poll. When this sidecar cannot reach the
 * database it is "uncoordinated" and alerts on its own: duplicates are acceptable, silence is not.
 */
@Injectable()
export class LeaderElection implements OnApplicationShutdown {
  private readonly logger = new Logger(LeaderElection.name);
  private readonly key: number;
  private client: Client | undefined;
  private leading = false;
  private lastRole: WatcherRole | undefined;

  constructor(private readonly config: DlqSidecarConfig) {
    this.key = leaderLockKey(queueNameOf(config.ORDERS_DLQ_URL));
  }

  async currentRole(): Promise<WatcherRole> {
    let role: WatcherRole;
    try {
      const client = await this.connect();
      if (this.leading) {
        await client.query('SELECT 1');
        role = 'leader';
      } else {
        const result = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock($1, $2) AS locked',
          [LOCK_NAMESPACE, this.key],
        );
        this.leading = result.rows[0]?.locked === true;
        role = this.leading ? 'leader' : 'follower';
      }
    } catch (error) {
      await this.disconnect();
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
      });
    }
    this.lastRole = role;
    return role;
  }

  /** Gives the lock up at once (a ledger failure while leading, or shutdown): another sidecar can take over. */
  async stepDown(): Promise<void> {
    await this.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.disconnect();
  }

  private async connect(): Promise<Client> {
    if (this.client) {
      return this.client;
    }
    const client = new Client({
      connectionString: this.config.DATABASE_URL,
      connectionTimeoutMillis: this.config.DB_CONNECT_TIMEOUT_MS,
      query_timeout: this.config.DB_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: `orders-dlq-sidecar ${this.config.INSTANCE_ID}`.slice(0, 63),
    });
    // A dropped connection emits 'error'; without a listener it would crash the process.
    client.on('error', (error) => {
      this.logger.warn({
        msg: 'leader lock connection lost',
        error: error.message,
      });
      if (this.client === client) {
        this.client = undefined;
        this.leading = false;
      }
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.leading = false;
    // Ending the session releases its advisory locks.
    await client?.end().catch(() => undefined);
  }
}
