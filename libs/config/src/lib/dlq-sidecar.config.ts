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

  /** Every database connection of the sidecar (and of one CLI run): ledger, leader lease and audit log share this pool; nothing else is opened. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  override DB_POOL_SIZE = 2;

  /** The leader renews its lease every poll; when it stops (dead, or its connection half-dead), another sidecar takes over after this long. */
  @ToInt()
  @IsInt()
  @Min(1000)
  @Max(600_000)
  DLQ_LEADER_LEASE_MS = 20_000;

  /** How often the DLQ is looked at; new dead letters are alerted within this plus the grouping window. */
  @ToInt()
  @IsInt()
  @Min(500)
  @Max(60_000)
  DLQ_POLL_INTERVAL_MS = 5000;

  /**
   * The depth alone cannot show that one dead letter left while another arrived, so the leader
   * reads the DLQ's contents at least this often (and at once whenever the depth changes).
   */
  @ToInt()
  @IsInt()
  @Min(500)
  @Max(600_000)
  DLQ_RESCAN_INTERVAL_MS = 20_000;

  /** How long a watcher scan hides the dead letters it reads; they reappear after this if the sidecar dies mid-scan. */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(300)
  DLQ_PEEK_VISIBILITY_SECONDS = 10;

  /** Upper bound of one watcher scan; beyond it the scan is partial (still alerted, never resolved by absence). */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(1_000_000)
  DLQ_SCAN_MAX_MESSAGES = 10_000;

  /** How long the CLI hides a dead letter it is looking at; a killed run's messages reappear after this. */
  @ToInt()
  @IsInt()
  @Min(2)
  @Max(3600)
  DLQ_CLI_VISIBILITY_SECONDS = 30;

  /** SQS deletes a dead letter once the DLQ's MessageRetentionPeriod has passed since its SentTimestamp; letters that close to it are alerted by name (0: never). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(1_209_600)
  DLQ_EXPIRY_WARNING_SECONDS = 172_800;

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

  /** Customer ids in alerts (webhook, Alertmanager, log): false shows a short hash, true the id itself. */
  @ToBoolean()
  @IsBoolean()
  ALERT_SHOW_CUSTOMER_IDS = false;

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
    if (this.DLQ_RESCAN_INTERVAL_MS < this.DLQ_POLL_INTERVAL_MS) {
      errors.push('DLQ_RESCAN_INTERVAL_MS: must be at least DLQ_POLL_INTERVAL_MS');
    }
    if (this.DLQ_LEADER_LEASE_MS < this.DLQ_POLL_INTERVAL_MS * 2) {
      errors.push(
        'DLQ_LEADER_LEASE_MS: must be at least twice DLQ_POLL_INTERVAL_MS (the leader renews once per poll)',
      );
    }
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

  /** How long any of our readers may hide a letter: a letter absent from scans for longer is gone. */
  hidingSeconds(): number {
    return Math.max(this.DLQ_CLI_VISIBILITY_SECONDS, this.DLQ_PEEK_VISIBILITY_SECONDS) + 5;
  }

  /** SIGTERM → exit budget: the round under way, alerts in delivery (one HTTP timeout), then the pool and sockets. */
  shutdownDeadlineMs(): number {
    return this.ALERT_HTTP_TIMEOUT_MS + this.SQS_REQUEST_TIMEOUT_MS * 2 + 10_000;
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
