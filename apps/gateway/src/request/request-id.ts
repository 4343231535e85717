import { isValidRequestHeader, REQUEST_HEADERS } from '@orders/contracts';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REPLACED = Symbol('replaced x-request-id');

type MarkedRequest = IncomingMessage & { [REPLACED]?: string };

/**
 * The correlation id: the caller's x-request-id when it fits the contract (it is stored in
 * orders.correlation_id and sent as an SQS attribute), otherwise a new UUID, noted for the answer.
 */
export function correlationIdOf(raw: IncomingMessage): string {
  const header = raw.headers[REQUEST_HEADERS.requestId.name];
  if (header === undefined) {
    return randomUUID();
  }
  if (typeof header === 'string' && isValidRequestHeader('requestId', header)) {
    return header;
  }
  (raw as MarkedRequest)[REPLACED] = `x-request-id must be ${REQUEST_HEADERS.requestId.rule}`;
  return randomUUID();
}

/** Why the caller's x-request-id was replaced, if it was. */
export function replacedRequestId(request: FastifyRequest): string | undefined {
  return (request.raw as MarkedRequest)[REPLACED];
}
