import { applyDecorators } from '@nestjs/common';
import { ApiResponse, HeadersObject } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid body (each bad field named in `fields`), malformed JSON or UTF-8, a malformed order id or Idempotency-Key',
  401: 'Missing or unknown API key',
  404: "No such order stored (yet) for this API client; another client's order reads the same",
  413: 'Body larger than BODY_LIMIT_BYTES',
  415: 'Content-Type is not application/json',
  429: 'Rate limit of this API key exceeded, or too many wrong API keys from this address; see Retry-After',
  500: 'SQS refused the order for its content (a contract bug, logged), or an unexpected error; nothing was accepted; do not retry unchanged',
  503: 'Queue (POST) or database (GET) unavailable, or the gateway at capacity (OVERLOADED); nothing was accepted; see Retry-After. Exception: OUTCOME_UNKNOWN (POST) means the order may be in the queue: the body names its orderId and Location where to check it; retry only with the same Idempotency-Key',
};

/** What the error filter sends at most (http-exception.filter.ts cuts to these). */
export const ERROR_LIMITS = { message: 1024, fields: 100, field: 256, problems: 10 };

const ERROR_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
    error: { type: 'string', maxLength: 64, pattern: '^[A-Za-z -]+$', description: 'HTTP reason' },
    code: { type: 'string', maxLength: 64, pattern: '^[A-Z0-9_]+$' },
    message: { type: 'string', maxLength: ERROR_LIMITS.message },
    // Only with OUTCOME_UNKNOWN: the order id to check at Location.
    orderId: { type: 'string', format: 'uuid', maxLength: 36 },
    fields: {
      type: 'array',
      maxItems: ERROR_LIMITS.fields,
      items: {
        type: 'object',
        properties: {
          field: { type: 'string', maxLength: ERROR_LIMITS.field },
          problems: {
            type: 'array',
            maxItems: ERROR_LIMITS.problems,
            items: { type: 'string', maxLength: ERROR_LIMITS.message },
          },
        },
      },
    },
  },
};

const seconds = (description: string) => ({
  description,
  schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
});

/** The gateway's per-client token bucket (IETF draft RateLimit headers), while RATE_LIMIT_PER_MINUTE > 0. */
export const RATE_LIMIT_HEADERS: HeadersObject = {
  'RateLimit-Limit': {
    description:
      'Requests this API key (or anonymous address) may send at once: the bucket size, a tenth of RATE_LIMIT_PER_MINUTE. Sent when rate limiting is on and the caller is known.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the bucket now.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
  },
  'RateLimit-Reset': seconds('Seconds until the bucket is full again.'),
};

const RETRY_AFTER: HeadersObject = {
  'Retry-After': seconds('Seconds to wait before trying again.'),
};

// Spectral's OWASP rules want it on every answer; the gateway sends it to allowed origins only.
const CORS_HEADERS: HeadersObject = {
  'Access-Control-Allow-Origin': {
    description: 'Sent when CORS_ORIGINS lists the Origin of the request (CORS is off by default).',
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
  },
};

/** Headers of a successful answer. */
export const SUCCESS_HEADERS: HeadersObject = { ...RATE_LIMIT_HEADERS, ...CORS_HEADERS };

/** Documents the error answers an endpoint can give, all in the one error shape. */
export function ApiOrderErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        schema: ERROR_SCHEMA,
        headers: {
          ...CORS_HEADERS,
          ...(status < 500 ? RATE_LIMIT_HEADERS : {}),
          ...(status === 429 || status === 503 ? RETRY_AFTER : {}),
        },
      }),
    ),
  );
}
