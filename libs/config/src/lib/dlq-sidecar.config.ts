import { IsBoolean, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ToBoolean, ToInt } from './env-transforms';
import { SharedConfig } from './shared.config';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

export class DlqSidecarConfig extends SharedConfig {
  /** Health, metrics and (when enabled) the admin API. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3002;

  @IsString()
  HOST = '0.0.0.0';

  /** How often the DLQ is looked at; new dead letters are alerted within this plus the grouping window. */
  @ToInt()
  @IsInt()
  @Min(500)
  @Max(60_000)
  DLQ_POLL_INTERVAL_MS = 5000;

  /** Failures with the same reason arriving within this window become one grouped alert. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(600_000)
  ALERT_GROUP_WINDOW_MS = 10_000;

  /** Slack-compatible incoming webhook. Unset: no webhook alerts. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  ALERT_WEBHOOK_URL?: string;

  /** Alertmanager base URL (alerts go to /api/v2/alerts). Unset: no Alertmanager alerts. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  ALERTMANAGER_URL?: string;

  /** Alerts as structured log lines, always on unless disabled. */
  @ToBoolean()
  @IsBoolean()
  ALERT_LOG = true;

  @ToInt()
  @IsInt()
  @Min(1)
  @Max(50)
  ALERT_MAX_ATTEMPTS = 8;

  /** Shown in alerts: how an operator inspects the dead letters. */
  @IsString()
  INSPECT_HINT = 'npm run dlq -- list';

  /** sha256 hex of the admin API key. Unset: the admin HTTP API is off. */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'ADMIN_API_KEY_SHA256 must be 64 lowercase hex characters (sha256 of the key)' })
  ADMIN_API_KEY_SHA256?: string;
}
