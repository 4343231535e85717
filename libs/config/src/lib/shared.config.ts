import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ToInt } from './env-transforms';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Where the database is; all the migration step needs. */
export class DatabaseConfig {
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL: string;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  DB_POOL_SIZE = 5;

  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 2000;
}

/** Keys every app reads: where the queues and the database are. */
export class SharedConfig extends DatabaseConfig {
  @IsString()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'AWS_REGION must look like us-east-1' })
  AWS_REGION = 'us-east-1';

  /** Unset means real AWS; set it for fauxqs or LocalStack. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  SQS_ENDPOINT?: string;

  @IsUrl(URL_OPTIONS)
  ORDERS_QUEUE_URL: string;

  @IsUrl(URL_OPTIONS)
  ORDERS_DLQ_URL: string;

  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  SQS_REQUEST_TIMEOUT_MS = 3000;
}
