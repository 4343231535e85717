import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { hostname } from 'node:os';
import { ToBoolean, ToInt } from './env-transforms';
import { ConsoleConfig } from './console.config';
import { CrossFieldChecks } from './load-config';

const URL_OPTIONS = {
  require_tld: false,
  require_protocol: true,
  protocols: ['http', 'https'],
};

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;

export class DlqSidecarConfig extends ConsoleConfig implements CrossFieldChecks {
  /** Health, metrics and (when enabled) the admin API. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3002;

  /** Every database connection of the sidecar (and of one CLI run): intake, operations, alerting and the audit log share this pool. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  override DB_POOL_SIZE = 3;

  /** How often each sidecar looks for alerts due, stored orders of retried records and a stalled intake. */
  @ToInt()
  @IsInt()
  @Min(200)
  @Max(60_000)
  DLQ_POLL_INTERVAL_MS = 5000;

  /** Long poll of the intake's receives from the DLQ (SQS allows at most 20 s). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(20)
  DLQ_WAIT_TIME_SECONDS = 20;

  /** A letter received but not yet recorded (database down, sidecar killed) reappears in the DLQ after this. */
  @ToInt()
  @IsInt()
  @Min(5)
  @Max(43_200)
  DLQ_INGEST_VISIBILITY_SECONDS = 30;

  /** While the database is down, letters wait in the DLQ; once the oldest waited this long, the sidecar alerts that intake stalled. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(86_400)
  DLQ_STALL_ALERT_SECONDS = 300;

  /** A discarded record can be restored for this many days; after that it stays, discarded, for the audit. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3650)
  DISCARD_RESTORE_DAYS = 30;

  /** Records a redrive sends per second unless the operator gives a rate. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  REDRIVE_DEFAULT_RATE = 100;

  /** A staged redrive's stage sizes before "the rest": 1,10 sends one order, then ten, then all others, pausing when any fails again. */
  @IsString()
  @Matches(/^\d{1,5}(,\d{1,5}){0,4}$/, {
    message: 'REDRIVE_STAGES must be 1 to 5 sizes such as 1,10',
  })
  REDRIVE_STAGES = '1,10';

  /** How long a staged redrive waits for every order of a stage to be stored or fail again before it pauses with the unknown ones named. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(86_400)
  REDRIVE_STAGE_TIMEOUT_SECONDS = 300;

  /** Failures with the same reason arriving within this window become one grouped alert. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600_000)
  ALERT_GROUP_WINDOW_MS = 10_000;

  /** An open group (same reason, DLQ not yet cleared) is re-alerted about new failures at most this often. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  ALERT_REPEAT_INTERVAL_MS = 300_000;

  /** Slack-compatible incoming webhook. Unset: no webhook alerts. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  ALERT_WEBHOOK_URL?: string;

  /** Alertmanager base URL (alerts go to /api/v2/alerts). Unset: no Alertmanager alerts. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  ALERTMANAGER_URL?: string;

  /** Alertmanager resolves an alert that is not re-sent; firing groups are re-posted this often. */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  ALERTMANAGER_RESEND_INTERVAL_MS = 60_000;

  /** The `severity` label sent to Alertmanager. */
  @IsIn(ALERT_SEVERITIES)
  ALERT_SEVERITY: (typeof ALERT_SEVERITIES)[number] = 'warning';

  /** Alerts as structured log lines, always on unless disabled. */
  @ToBoolean()
  @IsBoolean()
  ALERT_LOG = true;

  /** Delivery attempts per alert and channel; after the last one the alert is logged in full as undelivered. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(50)
  ALERT_MAX_ATTEMPTS = 8;

  /** First pause before retrying a failed webhook call; doubles per attempt up to ALERT_RETRY_MAX_MS. */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600_000)
  ALERT_RETRY_BASE_MS = 1000;

  /** Longest pause between two delivery attempts (also caps a server's Retry-After). */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  ALERT_RETRY_MAX_MS = 60_000;

  /** Timeout of one webhook or Alertmanager call. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  ALERT_HTTP_TIMEOUT_MS = 5000;

  /** Customer ids in alerts (webhook, Alertmanager, log): false shows a keyed hash (HMAC), true the id itself. */
  @ToBoolean()
  @IsBoolean()
  ALERT_SHOW_CUSTOMER_IDS = false;

  /**
   * Key of the customer mask in alerts (HMAC-SHA256): without it nobody can hash candidate ids to
   * find a customer. Give every replica the same one (a Secret). Unset: a random key per process.
   */
  @IsOptional()
  @Length(16, 256)
  ALERT_CUSTOMER_MASK_SECRET?: string;

  /** Shown in alerts: how an operator inspects the dead letters (a reason or order filter is appended). */
  @IsString()
  INSPECT_HINT = 'npm run dlq -- list';

  /** sha256 hex of an admin API key, known as `admin-api` with the admin role (OPERATOR_API_KEYS adds named keys). The admin HTTP API is off while no key is set and the console is off. */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, {
    message: 'ADMIN_API_KEY_SHA256 must be 64 lowercase hex characters (sha256 of the key)',
  })
  ADMIN_API_KEY_SHA256?: string;

  /** Names this sidecar in logs, alerts and the database session. */
  @IsString()
  @Length(1, 128)
  INSTANCE_ID: string = hostname();

  override crossFieldErrors(): string[] {
    const errors = [...super.crossFieldErrors(), ...this.consoleCrossFieldErrors(this.HOST)];
    if (this.ALERT_RETRY_BASE_MS > this.ALERT_RETRY_MAX_MS) {
      errors.push('ALERT_RETRY_BASE_MS: must not exceed ALERT_RETRY_MAX_MS');
    }
    return errors;
  }

  /** The admin API (and the console that uses it) is mounted only when someone can sign in to it. */
  doorsOpen(): boolean {
    return (
      Boolean(this.ADMIN_API_KEY_SHA256) ||
      this.OPERATOR_API_KEYS.length > 0 ||
      this.CONSOLE_SIGN_IN !== 'off'
    );
  }

  /** SIGTERM → exit budget: the receive under way (a long poll), alerts in delivery (one HTTP timeout), then the pool and sockets. */
  shutdownDeadlineMs(): number {
    return (
      this.ALERT_HTTP_TIMEOUT_MS +
      this.SQS_REQUEST_TIMEOUT_MS * 2 +
      this.DLQ_WAIT_TIME_SECONDS * 1000 +
      10_000
    );
  }
}

/** Where `npm start` puts its SQS emulator and PostgreSQL (tools/local-stack/start.mjs). */
export const LOCAL_STACK_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'us-east-1',
  SQS_ENDPOINT: 'http://127.0.0.1:4566',
  ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
  ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
  DATABASE_URL: 'postgres://orders:orders-local-only@127.0.0.1:5433/orders',
};

export interface CliEnvironment {
  env: NodeJS.ProcessEnv;
  /** Keys taken from LOCAL_STACK_ENV because they were unset; the CLI says so. */
  localDefaults: string[];
}

/**
 * The CLI's environment. Outside production, unset connection keys default to the local stack so
 * `npm run dlq -- list` just works next to `npm start`. With NODE_ENV=production (the image sets it)
 * nothing is filled in and a missing key is a config error, so a cluster never talks to localhost.
 * SQS_ENDPOINT is only filled in when the queue URLs are too: real queue URLs mean real AWS.
 */
export function dlqCliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  if (env.NODE_ENV === 'production') {
    return { env, localDefaults: [] };
  }
  const unset = (key: string) => env[key] === undefined || env[key] === '';
  const queuesFromEnv = !unset('ORDERS_QUEUE_URL') || !unset('ORDERS_DLQ_URL');
  const localDefaults = Object.keys(LOCAL_STACK_ENV).filter(
    (key) => unset(key) && !(key === 'SQS_ENDPOINT' && queuesFromEnv),
  );
  const filled = Object.fromEntries(localDefaults.map((key) => [key, LOCAL_STACK_ENV[key]]));
  return { env: { ...env, ...filled }, localDefaults };
}
