import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ToInt } from './env-transforms';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const URL_OPTIONS = {
  require_tld: false,
  require_protocol: true,
  protocols: ['http', 'https'],
};

/** Where the database is; all the migration step needs. */
export class DatabaseConfig {
  /** fatal, error, warn, info, debug or trace; logs are JSON lines on stdout. */
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** postgres://user:password@host:5432/db (from a Secret in Kubernetes). */
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message: 'DATABASE_URL must be a postgres:// URL',
  })
  DATABASE_URL: string;

  /** Connections in this process's pool (see the sizing rule in docs/processor-reliability.md). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  DB_POOL_SIZE = 5;

  /** Fails a connection attempt (and a wait for a free pooled connection) after this long. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 2000;

  /** Connections this process opens at most: its pool and any of its own. The k8s budget check sums them. */
  databaseConnections(): number {
    return this.DB_POOL_SIZE;
  }
}

/** Keys every app reads: where the queues and the database are, and where its HTTP server binds. */
export class SharedConfig extends DatabaseConfig {
  /** Interface the HTTP server binds to. */
  @IsString()
  HOST = '0.0.0.0';

  /** Region of the queues. */
  @IsString()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, {
    message: 'AWS_REGION must look like us-east-1',
  })
  AWS_REGION = 'us-east-1';

  /** Unset means real AWS; set it for fauxqs or LocalStack. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  SQS_ENDPOINT?: string;

  /** The customer order queue. */
  @IsUrl(URL_OPTIONS)
  ORDERS_QUEUE_URL: string;

  /** Its dead-letter queue (the target of the main queue's redrive policy). */
  @IsUrl(URL_OPTIONS)
  ORDERS_DLQ_URL: string;

  /** Timeout of one SQS API call (a long poll adds its wait time on top). */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  SQS_REQUEST_TIMEOUT_MS = 3000;
}
