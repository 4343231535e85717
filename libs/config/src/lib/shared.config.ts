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

export const DB_SSL_MODES = ['disable', 'verify-full'] as const;

// pg reads these from the URL with its own meaning (not libpq's), overriding DB_SSL_MODE.
const URL_TLS_PARAMETERS = /[?&](ssl|sslmode|sslrootcert|sslcert|sslkey|sslnegotiation)=/i;

/** What the persistence lib needs to connect (structurally its DatabaseOptions). */
export interface DatabaseConnection {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
  tlsRootCertPath?: string;
}

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

  /** Share of new traces recorded by the traceidratio samplers (0..1); requests from outside are sampled by this share alone, whatever their traceparent says. Messages follow the decision of the request that sent them. */
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

  /** Connections this process opens at most: its pool and any of its own. The k8s budget check sums them. */
  databaseConnections(): number {
    return this.DB_POOL_SIZE;
  }

  /** Server-side limit of one statement, set per transaction (SET LOCAL, pooler-safe); the client gives up this plus DB_CONNECT_TIMEOUT_MS after sending a query and discards the connection. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 10_000;

  /** disable, or verify-full: TLS with the server certificate checked against DB_SSL_ROOT_CERT and the host name of DATABASE_URL (RDS: the RDS CA bundle in the images). */
  @IsIn(DB_SSL_MODES)
  DB_SSL_MODE: (typeof DB_SSL_MODES)[number] = 'disable';

  /** CA bundle (PEM file) that signs the database server's certificate; required with DB_SSL_MODE=verify-full. The images carry the RDS bundle at /etc/ssl/certs/rds-global-bundle.pem. */
  @IsOptional()
  @IsString()
  DB_SSL_ROOT_CERT?: string;

  crossFieldErrors(): string[] {
    const errors: string[] = [];
    if (URL_TLS_PARAMETERS.test(this.DATABASE_URL)) {
      errors.push(
        'DATABASE_URL: TLS is set with DB_SSL_MODE and DB_SSL_ROOT_CERT, not with ssl/sslmode/sslrootcert in the URL',
      );
    }
    if (this.DB_SSL_MODE === 'verify-full') {
      // Whether the file is there is checked where it is read, when the pool is built at start-up
      // (the manifests' checks load this class on another machine).
      if (!this.DB_SSL_ROOT_CERT) {
        errors.push('DB_SSL_ROOT_CERT: required with DB_SSL_MODE=verify-full');
      }
    } else if (this.DB_SSL_ROOT_CERT) {
      errors.push('DB_SSL_ROOT_CERT: set, but DB_SSL_MODE=disable would not use it');
    }
    return errors;
  }

  /** This process's connection settings; the pool size may differ per use (migrations need two). */
  databaseConnection(applicationName: string, poolSize = this.DB_POOL_SIZE): DatabaseConnection {
    return {
      url: this.DATABASE_URL,
      poolSize,
      connectTimeoutMs: this.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: this.DB_STATEMENT_TIMEOUT_MS,
      // Server-side application_name is at most 63 bytes.
      applicationName: applicationName.slice(0, 63),
      tlsRootCertPath: this.DB_SSL_MODE === 'verify-full' ? this.DB_SSL_ROOT_CERT : undefined,
    };
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
