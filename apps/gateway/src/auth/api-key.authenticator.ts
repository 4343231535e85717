import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import type { FastifyRequest } from 'fastify';
import { isIPv6 } from 'node:net';
import { ANONYMOUS_CLIENT } from '../request/request-context';
import { AuthErrorCode, AuthException } from './auth.exception';
import { ApiKeys, presentedApiKey } from './api-keys';
import { RateLimiter } from './rate-limiter';

// Wrong keys per source address: a burst of 10, then one every 6 s. Guessing a 128-bit key at
// that pace is hopeless, and a client that mistyped its key recovers within a minute.
const FAILED_ATTEMPTS_PER_MINUTE = 10;
const FAILED_ATTEMPTS_BURST = 10;
// Fixed capacity (a few MB at most): a flood of new addresses evicts old entries, never grows memory.
const MAX_TRACKED_SOURCES = 10_000;

/**
 * Authenticates the API client, then applies its rate limit. Runs in Fastify's onRequest stage,
 * before the body is read, so an unauthenticated caller costs no parsing. Errors map to 401 / 429.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly keys: ApiKeys;
  private readonly limiter: RateLimiter;
  private readonly failures: RateLimiter;

  constructor(private readonly config: GatewayConfig) {
    this.keys = new ApiKeys(config.API_KEYS);
    this.limiter = new RateLimiter(config.RATE_LIMIT_PER_MINUTE);
    this.failures = new RateLimiter(FAILED_ATTEMPTS_PER_MINUTE, Date.now, {
      burst: FAILED_ATTEMPTS_BURST,
      maxTracked: MAX_TRACKED_SOURCES,
    });
  }

  /** Sets request.clientId, or throws an AuthException. */
  authenticate(request: FastifyRequest & { clientId?: string }): void {
    const key = presentedApiKey(request.headers);
    let clientId: string;
    if (key === undefined) {
      if (this.config.AUTH_REQUIRED) {
        throw new AuthException(
          AuthErrorCode.MissingApiKey,
          'An API key is required: send Authorization: Bearer <key> or x-api-key',
        );
      }
      clientId = ANONYMOUS_CLIENT;
    } else {
      // A throttled address gets no answer about its key at all, right or wrong. Until a wrong key
      // has been seen there is nothing to look up (and no address to normalise).
      const blocked = this.failures.tracked > 0 ? this.failures.peek(sourceOf(request.ip)) : 0;
      if (blocked > 0) {
        throw new AuthException(
          AuthErrorCode.TooManyFailedAttempts,
          'Too many requests with a wrong API key from this address',
          blocked,
        );
      }
      const identified = this.keys.identify(key);
      if (identified === undefined) {
        this.failures.take(sourceOf(request.ip));
        throw new AuthException(AuthErrorCode.InvalidApiKey, 'The API key is not valid');
      }
      clientId = identified;
    }
    request.clientId = clientId;
    // Anonymous callers share nothing: each address gets its own bucket.
    const wait = this.limiter.take(clientId === ANONYMOUS_CLIENT ? `ip:${request.ip}` : clientId);
    if (wait > 0) {
      throw new AuthException(
        AuthErrorCode.RateLimited,
        `Rate limit of ${this.config.RATE_LIMIT_PER_MINUTE} requests per minute exceeded`,
        wait,
      );
    }
  }
}

/** IPv4 addresses count alone; IPv6 ones by /64, the block one subscriber usually holds. */
export function sourceOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) {
    return mapped[1];
  }
  if (!isIPv6(ip)) {
    return ip;
  }
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
