import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { isIP } from 'node:net';
import { ToBoolean, ToInt, ToList } from './env-transforms';
import { CrossFieldChecks } from './load-config';
import { SharedConfig } from './shared.config';

export class GatewayConfig extends SharedConfig implements CrossFieldChecks {
  /** HTTP port: the gateway's API; the processor's and the sidecar's health and metrics (and the sidecar's admin API). */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  /** Larger request bodies get 413 before they are parsed. */
  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(1_048_576)
  BODY_LIMIT_BYTES = 65_536;

  /** Seconds a client is asked to wait after a 503; each answer adds a random 0–100 % so retries spread out. */
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

  /** Upper bound for one order's trip into SQS, every attempt included: attempts still open then are aborted and the client gets 503. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  SEND_TIMEOUT_MS = 5000;

  /**
   * POST /orders requests admitted and not yet answered, and orders the producer holds (waiting for
   * a batch or inside a SendMessageBatch). Past it a request gets 503 at once, its body unread.
   */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAX_IN_FLIGHT_ORDERS = 256;

  /** Request bytes (Content-Length, else BODY_LIMIT_BYTES) of the admitted requests; past it 503. */
  @ToInt()
  @IsInt()
  @Min(65_536)
  @Max(1_073_741_824)
  MAX_IN_FLIGHT_BYTES = 8_388_608;

  /** Mean event-loop delay (ms, sampled by @fastify/under-pressure) above which order requests get 503; 0 turns it off. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10_000)
  SHED_EVENT_LOOP_DELAY_MS = 500;

  /** Heap in use, as a percentage of V8's heap limit, above which order requests get 503; 0 turns it off. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(100)
  SHED_HEAP_USED_PERCENT = 85;

  /** On SIGTERM readiness turns 503 for this long before the server stops taking connections. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(60_000)
  SHUTDOWN_READINESS_DELAY_MS = 0;

  /**
   * API keys as `clientId:sha256hex` pairs, comma-separated (from a Secret). Only hashes are
   * configured, so a leaked config does not leak keys.
   */
  @ToList()
  @Matches(/^[A-Za-z0-9._-]{1,64}:[0-9a-f]{64}$/, {
    each: true,
    message: 'API_KEYS entries must look like clientId:<64 hex sha256 of the key>',
  })
  API_KEYS: string[] = [];

  /** false: requests without a key are served as "anonymous" (local development); a wrong key is still 401. */
  @ToBoolean()
  @IsBoolean()
  AUTH_REQUIRED = true;

  /** Requests per minute per API key (or per anonymous caller address); 0 turns rate limiting off. */
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE = 6000;

  /**
   * Addresses (CIDRs, comma-separated) of the proxies in front of the gateway, e.g. the load
   * balancer's subnets. X-Forwarded-For is read only as far as these proxies wrote it: the caller's
   * address, which wrong-key throttling and anonymous rate limits count by, is the last entry not
   * in these ranges. Empty: the socket's address, the only safe choice for a gateway reached directly.
   */
  @ToList()
  @IsString({ each: true })
  TRUSTED_PROXY_CIDRS: string[] = [];

  /** Allowed CORS origins, comma-separated. Empty: CORS off. */
  @ToList()
  @IsString({ each: true })
  CORS_ORIGINS: string[] = [];

  override crossFieldErrors(): string[] {
    return [
      ...super.crossFieldErrors(),
      ...this.TRUSTED_PROXY_CIDRS.filter((range) => !isCidr(range)).map(
        (range) =>
          `TRUSTED_PROXY_CIDRS: "${range}" is not an IPv4 or IPv6 range such as 10.20.0.0/20`,
      ),
      ...(this.AUTH_REQUIRED && this.API_KEYS.length === 0
        ? ['API_KEYS: required while AUTH_REQUIRED=true (or set AUTH_REQUIRED=false for local use)']
        : []),
    ];
  }

  /** SIGTERM → exit budget: the readiness delay, the last sends to SQS, then closing. main.ts and the k8s grace-period check use it. */
  shutdownDeadlineMs(): number {
    return this.SHUTDOWN_READINESS_DELAY_MS + this.SEND_TIMEOUT_MS + 10_000;
  }
}

function isCidr(range: string): boolean {
  const [address, bits, extra] = range.split('/');
  const version = isIP(address);
  const maxBits = version === 4 ? 32 : 128;
  return (
    version !== 0 &&
    extra === undefined &&
    (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits))
  );
}
