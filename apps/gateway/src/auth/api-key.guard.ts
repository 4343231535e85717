import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS_CLIENT } from '../http/request-context';
import { AuthErrorCode, AuthException } from './auth.exception';
import { ApiKeys, presentedApiKey } from './api-keys';
import { RateLimiter } from './rate-limiter';

/** Authenticates the API client, then applies its rate limit. Errors map to 401 / 429 in the filter. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;
  private readonly limiter: RateLimiter;

  constructor(private readonly config: GatewayConfig) {
    this.keys = new ApiKeys(config.API_KEYS);
    this.limiter = new RateLimiter(config.RATE_LIMIT_PER_MINUTE);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { clientId?: string }>();
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
      const identified = this.keys.identify(key);
      if (identified === undefined) {
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
    return true;
  }
}
