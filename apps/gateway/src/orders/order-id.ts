import { randomBytesFromPool } from '@orders/messaging';
import { createHash } from 'node:crypto';

/** RFC 9562 UUID v7: time-ordered, so new primary keys land at the right edge of the index. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytesFromPool(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * RFC 9562 UUID v8 derived from the API client and its Idempotency-Key: every gateway replica, at
 * any time, maps a retried request to the same order id without asking a database.
 */
export function orderIdForIdempotencyKey(clientId: string, key: string): string {
  const bytes = createHash('sha256')
    .update(`orders/idempotency\0${clientId}\0${key}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
