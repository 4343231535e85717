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

  @IsString()
  HOST = '0.0.0.0';

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  override DB_POOL_SIZE = 10;

  /** Concurrent receive loops per replica; each holds at most one batch in flight. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(32)
  POLLERS = 2;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10)
  SQS_BATCH_SIZE = 10;

  @ToInt()
  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS = 20;

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

  /** Gives up on a batch (it is redelivered later) after this long. */
  @ToInt()
  @IsInt()
  @Min(100)
  HANDLER_TIMEOUT_MS = 45_000;

  /** In-process retries of a transient database failure before SQS redelivery takes over. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10)
  DB_RETRY_ATTEMPTS = 3;

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

  /** On SIGTERM: time to finish and commit in-flight batches before the process exits. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(600_000)
  DRAIN_BUDGET_MS = 20_000;

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

  crossFieldErrors(): string[] {
    const errors: string[] = [];
    const visibilityMs = this.VISIBILITY_TIMEOUT_SECONDS * 1000;
    if (this.HEARTBEAT_INTERVAL_SECONDS * 2 > this.VISIBILITY_TIMEOUT_SECONDS) {
      errors.push('HEARTBEAT_INTERVAL_SECONDS: must be at most half of VISIBILITY_TIMEOUT_SECONDS');
    }
    if (this.HANDLER_TIMEOUT_MS >= visibilityMs) {
      errors.push('HANDLER_TIMEOUT_MS: must be below VISIBILITY_TIMEOUT_SECONDS');
    }
    if (this.REDELIVERY_BASE_SECONDS > this.REDELIVERY_MAX_SECONDS) {
      errors.push('REDELIVERY_BASE_SECONDS: must not exceed REDELIVERY_MAX_SECONDS');
    }
    if (this.DB_POOL_SIZE < this.POLLERS) {
      errors.push('DB_POOL_SIZE: must be at least POLLERS (one connection per in-flight batch)');
    }
    return errors;
  }
}
