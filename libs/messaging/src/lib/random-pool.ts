import { randomFillSync } from 'node:crypto';

// One getrandom() call per 512 ids instead of one per request: the per-call overhead showed up in
// the gateway's CPU profile (order ids and trace ids are made for every request).
const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `size` cryptographically random bytes, copied out of a pooled buffer. */
export function randomBytesFromPool(size: number): Buffer {
  if (size > POOL_SIZE) {
    return randomFillSync(Buffer.allocUnsafe(size));
  }
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
