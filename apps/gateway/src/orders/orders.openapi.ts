import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body (each bad field named in `fields`), malformed JSON or UTF-8, a malformed order id or Idempotency-Key',
  401: 'Missing or unknown API key',
  404: "No such order stored (yet) for this API client; another client's order reads the same",
  413: 'Body larger than BODY_LIMIT_BYTES',
  415: 'Content-Type is not application/json',
  429: 'Rate limit of this API key exceeded, or too many wrong API keys from this address; see Retry-After',
  500: 'SQS refused the order for its content (a contract bug, logged); nothing was accepted; do not retry unchanged',
  503: 'Queue (POST) or database (GET) unavailable, or the gateway at capacity (OVERLOADED); nothing was accepted; see Retry-After. Exception: OUTCOME_UNKNOWN (POST) means the order may be in the queue: the body names its orderId and Location where to check it; retry only with the same Idempotency-Key',
};

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    code: { type: 'string' },
    message: { type: 'string' },
    // Only with OUTCOME_UNKNOWN: the order id to check at Location.
    orderId: { type: 'string', format: 'uuid' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          problems: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

/** Documents the error answers an endpoint can give, all in the one error shape. */
export function ApiOrderErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], schema: ERROR_SCHEMA }),
    ),
  );
}
