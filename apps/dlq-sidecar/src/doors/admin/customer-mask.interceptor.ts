import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { identityOf } from '../identity/identified-request';
import { may } from '../identity/permissions';
import { maskedValue } from '../masking';

/**
 * A caller who may not reveal customer ids (the reader role) gets every answer with them masked,
 * as the console shows them: a reader's key, or a reader's console session, sees none in full.
 */
@Injectable()
export class CustomerMaskInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const identity = identityOf(context.switchToHttp().getRequest<FastifyRequest>());
    return may(identity, 'failed-orders.reveal')
      ? next.handle()
      : next.handle().pipe(map((answer: unknown) => maskedValue(answer)));
  }
}
