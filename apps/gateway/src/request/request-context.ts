import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export interface RequestContext {
  /** Travels with the order as an SQS message attribute into the processor's logs. */
  correlationId: string;
  /** The authenticated API client; "anonymous" when authentication is off. */
  clientId: string;
  idempotencyKey?: string;
}

export const ANONYMOUS_CLIENT = 'anonymous';

export function requestContextOf(request: FastifyRequest): RequestContext {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return {
    correlationId: request.id,
    clientId: (request as FastifyRequest & { clientId?: string }).clientId ?? ANONYMOUS_CLIENT,
    idempotencyKey: header('idempotency-key'),
  };
}

export const Context = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  requestContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
