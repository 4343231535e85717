import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { ToBoolean, ToInt } from './env-transforms';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const URL_OPTIONS = {
  require_tld: false,
  require_protocol: true,
  protocols: ['http', 'https'],
};

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

/**
 * The standard OpenTelemetry variables the apps act on. The SDK reads the other standard ones
 * itself (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*).
 */
export class TracingConfig {
  /** true: no OpenTelemetry at all (no instrumentation, no trace ids in logs or messages). */
  @ToBoolean()
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  /** OTLP/HTTP (JSON) collector base URL; spans go to <url>/v1/traces. Unset: trace ids travel and are logged, no span is recorded or exported. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** Which traces are recorded while an endpoint is set: always_on, always_off, traceidratio or parentbased_ of each. */
  @IsIn(TRACES_SAMPLERS)
  OTEL_TRACES_SAMPLER: TracesSampler = 'parentbased_traceidratio';

  /** Share of new traces recorded by the traceidratio samplers (0..1). Parent-based ones follow the caller's decision. */
  @Matches(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, {
    message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1',
  })
  OTEL_TRACES_SAMPLER_ARG = '0.1';
}

/** Where the database is; all the migration step needs. */
export class DatabaseConfig extends TracingConfig {
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
