import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import type { FastifyRequest } from 'fastify';
import { isIP, isIPv6 } from 'node:net';
import { ANONYMOUS_CLIENT } from '../request/request-context';
import { AuthErrorCode, AuthException } from './auth.exception';
import { ApiKeys, presentedApiKey } from './api-keys';
import { RateLimiter, RateLimitStatus } from './rate-limiter';

// Wrong keys per source address: a burst of 10, then one every 6 s. Guessing a 128-bit key at
// that pace is hopeless, and a client that mistyped its key recovers within a minute.
const FAILED_ATTEMPTS_PER_MINUTE = 10;
const FAILED_ATTEMPTS_BURST = 10;
// Fixed size: a flood of new addresses evicts old entries, never grows memory. Keys are addresses
// only (at most 45 characters), and the table counts its bytes.
const MAX_TRACKED_SOURCES = 10_000;
const MAX_TRACKED_BYTES = 2_000_000;
// A key that authenticated this recently still works from an address others throttled (one NAT).
const RECENTLY_AUTHENTICATED_MS = 15 * 60_000;

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
      maxBytes: MAX_TRACKED_BYTES,
    });
  }

  /** Sets request.clientId, or throws an AuthException. */
  authenticate(request: FastifyRequest & { clientId?: string; rateLimit?: RateLimitStatus }): void {
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
      // A throttled address gets no answer about a key it has not proven recently, right or wrong;
      // a key that authenticated within the last minutes keeps working (others behind the same NAT
      // guessing do not lock it out). Until a wrong key has been seen there is nothing to look up.
      const blocked = this.failures.tracked > 0 ? this.failures.peek(sourceOf(request)) : 0;
      const recent = blocked > 0 ? this.keys.recent(key, RECENTLY_AUTHENTICATED_MS) : undefined;
      if (blocked > 0 && recent === undefined) {
        throw new AuthException(
          AuthErrorCode.TooManyFailedAttempts,
          'Too many requests with a wrong API key from this address',
          blocked,
        );
      }
      const identified = recent ?? this.keys.identify(key);
      if (identified === undefined) {
        this.failures.take(sourceOf(request));
        throw new AuthException(AuthErrorCode.InvalidApiKey, 'The API key is not valid');
      }
      clientId = identified;
    }
    request.clientId = clientId;
    // Anonymous callers share nothing: each address gets its own bucket.
    const bucket = clientId === ANONYMOUS_CLIENT ? `ip:${sourceOf(request)}` : clientId;
    const wait = this.limiter.take(bucket);
    request.rateLimit = this.limiter.status(bucket);
    if (wait > 0) {
      throw new AuthException(
        AuthErrorCode.RateLimited,
        `Rate limit of ${this.config.RATE_LIMIT_PER_MINUTE} requests per minute exceeded`,
        wait,
      );
    }
  }
}

/**
 * The address a caller is counted by: request.ip as the trusted proxies report it, but only if it
 * is an IP address (proxy-addr returns whatever text the first untrusted X-Forwarded-For entry
 * holds); otherwise the socket's peer, our own proxy. Never a string the caller chose.
 */
export function sourceOf(request: Pick<FastifyRequest, 'ip' | 'socket'>): string {
  const ip = isIP(request.ip) ? request.ip : (request.socket.remoteAddress ?? 'unknown');
  return addressBlockOf(ip);
}

/** IPv4 addresses count alone; IPv6 ones by /64, the block one subscriber usually holds. */
export function addressBlockOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) {
    return mapped[1];
  }
  if (!isIPv6(ip)) {
    return ip;
  }
  // A zone (fe80::1%eth0) names an interface, not a different caller.
  ip = ip.split('%', 1)[0];
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
