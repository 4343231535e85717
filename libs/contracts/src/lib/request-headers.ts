import { CORRELATION_ID_MAX_LENGTH } from './stored-columns';

/**
 * The request headers whose values travel with an order (as SQS message attributes and into
 * orders.correlation_id). Visible ASCII only: HTTP hands header bytes above 0x7F over as latin1,
 * so anything else would arrive altered, and SQS attributes and varchar columns take ASCII as is.
 */
export const REQUEST_HEADERS = {
  // Passed along only: an unusable one is replaced by a generated id and the answer says so.
  requestId: {
    name: 'x-request-id',
    pattern: `^[\\x21-\\x7E]{1,${CORRELATION_ID_MAX_LENGTH}}$`,
    maxLength: CORRELATION_ID_MAX_LENGTH,
    rule: `1..${CORRELATION_ID_MAX_LENGTH} visible ASCII characters (0x21-0x7E)`,
  },
  // Decides the order id, so it cannot be replaced: a bad one is refused with 400.
  idempotencyKey: {
    name: 'idempotency-key',
    pattern: '^[\\x21-\\x7E]{1,255}$',
    maxLength: 255,
    rule: '1..255 visible ASCII characters (0x21-0x7E)',
  },
  // W3C Trace Context: an invalid one starts a new trace, as the recommendation says.
  traceparent: {
    name: 'traceparent',
    pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
    maxLength: 55,
    rule: 'W3C traceparent, version 00',
  },
} as const;

export type RequestHeader = keyof typeof REQUEST_HEADERS;

/** The response header that says the gateway replaced the caller's x-request-id. */
export const REQUEST_ID_REPLACED_HEADER = 'x-request-id-replaced';

const compiled = new Map<RequestHeader, RegExp>();

export function isValidRequestHeader(header: RequestHeader, value: string): boolean {
  let pattern = compiled.get(header);
  if (!pattern) {
    pattern = new RegExp(REQUEST_HEADERS[header].pattern);
    compiled.set(header, pattern);
  }
  return pattern.test(value);
}
