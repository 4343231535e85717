import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { hostname } from 'node:os';
import { ToInt } from './env-transforms';
import { CrossFieldChecks } from './load-config';
import { SharedConfig } from './shared.config';

export class ProcessorConfig extends SharedConfig implements CrossFieldChecks {
  /** Health and metrics port; the processor serves no business HTTP. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3001;

  /** Connections per replica: one per poller (each has at most one batch in flight) plus one for probes. */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(100)
  override DB_POOL_SIZE = 4;

  /**
   * Most replicas that can run at once (KEDA maxReplicaCount, plus the surge of a rollout). With
   * DB_MAX_CONNECTIONS set, start-up checks DB_POOL_SIZE × MAX_REPLICAS ≤ DB_MAX_CONNECTIONS − DB_RESERVED_CONNECTIONS.
   */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_REPLICAS?: number;

  /** The server's max_connections (or the pooler's limit). Unset: the pool sizing rule is not checked. */
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  DB_MAX_CONNECTIONS?: number;

  /** Connections that are not the processors': superuser reserve, gateway and sidecar pools, migrations, people. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(100_000)
  DB_RESERVED_CONNECTIONS = 20;

  /** Most concurrent receive loops per replica, each with at most one batch in flight; partial receives park all but one, full ones wake them. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(32)
  POLLERS = 2;

  /** Messages per ReceiveMessage (SQS allows 10); they are stored in one multi-row transaction. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10)
  SQS_BATCH_SIZE = 10;

  /** Long-poll wait of a receive; 20 s costs least on an idle queue. A drain cancels a waiting poll. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS = 20;

  /** How long a received batch stays hidden; the heartbeat extends it while the batch is worked on. */
  @ToInt()
  @IsInt()
  @Min(5)
  @Max(43_200)
  VISIBILITY_TIMEOUT_SECONDS = 60;

  /** Extends visibility of a batch still being worked on; must be well below the timeout. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(43_200)
  HEARTBEAT_INTERVAL_SECONDS = 20;

  /** Gives up on a batch (it is redelivered later) after this long; bounds how long a drain waits for it. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(43_200_000)
  HANDLER_TIMEOUT_MS = 20_000;

  /** In-process retries of a transient database failure before SQS redelivery takes over. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10)
  DB_RETRY_ATTEMPTS = 3;

  /** Base of the full-jitter backoff between in-process retries (doubles per attempt). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  DB_RETRY_BASE_MS = 50;

  /** First redelivery delay after a transient failure; doubles with every receive. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(43_200)
  REDELIVERY_BASE_SECONDS = 2;

  /** Cap of the redelivery delay (SQS allows 12 h). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(43_200)
  REDELIVERY_MAX_SECONDS = 300;

  /** While the database is down, how often it is probed before polling resumes. */
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(60_000)
  PAUSE_PROBE_INTERVAL_MS = 1000;

  /**
   * On SIGTERM: time to finish, commit and delete the batches in flight. A batch still running near
   * the end is handed back to SQS, so the drain ends within the budget even with a slow database;
   * above HANDLER_TIMEOUT_MS that never happens to a healthy batch. The pod's grace period must
   * exceed it (see docs/processor-reliability.md).
   */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(600_000)
  DRAIN_BUDGET_MS = 25_000;

  /** Liveness fails when a poller has not polled for this many long-poll waits. */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(100)
  STUCK_POLLER_FACTOR = 3;

  /** Written into dead-letter attributes so operators know which replica gave up. */
  @IsOptional()
  @IsString()
  INSTANCE_ID: string = hostname();

  /** Longest a write keeps retrying in-process before it is reported as DATABASE_UNAVAILABLE. */
  worstCaseWriteMs(): number {
    const attempts = this.DB_RETRY_ATTEMPTS + 1;
    const backoff = this.DB_RETRY_BASE_MS * (2 ** this.DB_RETRY_ATTEMPTS - 1);
    return attempts * this.DB_CONNECT_TIMEOUT_MS + backoff;
  }

  override crossFieldErrors(): string[] {
    const errors = super.crossFieldErrors();
    const visibilityMs = this.VISIBILITY_TIMEOUT_SECONDS * 1000;
    if (this.HEARTBEAT_INTERVAL_SECONDS * 2 > this.VISIBILITY_TIMEOUT_SECONDS) {
      // One lost heartbeat must not let the message reappear while it is being worked on.
      errors.push('HEARTBEAT_INTERVAL_SECONDS: must be at most half of VISIBILITY_TIMEOUT_SECONDS');
    }
    if (this.HANDLER_TIMEOUT_MS >= visibilityMs) {
      errors.push('HANDLER_TIMEOUT_MS: must be below VISIBILITY_TIMEOUT_SECONDS');
    }
    if (this.worstCaseWriteMs() >= this.HANDLER_TIMEOUT_MS) {
      // Otherwise a down database shows up as a timeout and never pauses polling.
      errors.push(
        `HANDLER_TIMEOUT_MS: must exceed the in-process retries ((DB_RETRY_ATTEMPTS + 1) × DB_CONNECT_TIMEOUT_MS + backoff = ${this.worstCaseWriteMs()} ms)`,
      );
    }
    if (this.REDELIVERY_BASE_SECONDS > this.REDELIVERY_MAX_SECONDS) {
      errors.push('REDELIVERY_BASE_SECONDS: must not exceed REDELIVERY_MAX_SECONDS');
    }
    if (this.DB_POOL_SIZE < this.POLLERS + 1) {
      errors.push(
        'DB_POOL_SIZE: must be at least POLLERS + 1 (one connection per in-flight batch, one for health and back-pressure probes)',
      );
    }
    if (this.MAX_REPLICAS !== undefined && this.DB_MAX_CONNECTIONS !== undefined) {
      const budget = this.DB_MAX_CONNECTIONS - this.DB_RESERVED_CONNECTIONS;
      if (this.DB_POOL_SIZE * this.MAX_REPLICAS > budget) {
        errors.push(
          `DB_POOL_SIZE: ${this.DB_POOL_SIZE} × MAX_REPLICAS ${this.MAX_REPLICAS} = ${this.DB_POOL_SIZE * this.MAX_REPLICAS} exceeds DB_MAX_CONNECTIONS − DB_RESERVED_CONNECTIONS = ${budget}`,
        );
      }
    }
    return errors;
  }

  /** SIGTERM → exit budget: the drain, then closing the pool and the HTTP server. main.ts and the k8s grace-period check use it. */
  shutdownDeadlineMs(): number {
    return this.DRAIN_BUDGET_MS + 5_000;
  }
}
