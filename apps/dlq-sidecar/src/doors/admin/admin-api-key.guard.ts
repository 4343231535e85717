import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';

/** `Authorization: Bearer <key>`; only the key's sha256 is configured, compared in constant time. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: DlqSidecarConfig) {
    this.expected = Buffer.from(config.ADMIN_API_KEY_SHA256 ?? '', 'hex');
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    if (!match || this.expected.length !== given.length || !timingSafeEqual(this.expected, given)) {
      throw new UnauthorizedException(
        'A valid admin API key is required (Authorization: Bearer <key>)',
      );
    }
    return true;
  }
}
