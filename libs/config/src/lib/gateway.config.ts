import { IsInt, IsString, Max, Min } from 'class-validator';
import { ToInt } from './env-transforms';
import { SharedConfig } from './shared.config';

export class GatewayConfig extends SharedConfig {
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(1_048_576)
  BODY_LIMIT_BYTES = 65_536;

  /** Seconds a client is asked to wait after a 503 (SQS or database unavailable). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(3600)
  RETRY_AFTER_SECONDS = 5;

  /** How long a send waits for companions before a SendMessageBatch goes out. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(100)
  SEND_BATCH_LINGER_MS = 2;

  /** Upper bound for one order's trip into SQS, retries included; beyond it the client gets 503. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  SEND_TIMEOUT_MS = 5000;

  /** On SIGTERM readiness turns 503 for this long before the server stops taking connections. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_READINESS_DELAY_MS = 0;
}
