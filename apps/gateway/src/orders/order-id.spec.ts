import { isUUID } from 'class-validator';
import { orderIdForIdempotencyKey, uuidv7 } from './order-id';

describe('order ids', () => {
  it('should make RFC 9562 version 7 ids that sort by creation time', () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);

    expect(isUUID(earlier, 7)).toBe(true);
    expect(earlier < later).toBe(true);
    expect(earlier.slice(0, 13).replace('-', '')).toBe(
      (1_700_000_000_000).toString(16).padStart(12, '0'),
    );
  });

  it('should never repeat a version 7 id within the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000)));

    expect(ids.size).toBe(10_000);
  });

  it('should derive the same id for the same client and Idempotency-Key', () => {
    const first = orderIdForIdempotencyKey('shop-a', 'key-1');

    expect(orderIdForIdempotencyKey('shop-a', 'key-1')).toBe(first);
    expect(isUUID(first)).toBe(true);
    expect(first[14]).toBe('8');
  });

  it('should derive different ids for different clients or keys', () => {
    const ids = new Set([
      orderIdForIdempotencyKey('shop-a', 'key-1'),
      orderIdForIdempotencyKey('shop-b', 'key-1'),
      orderIdForIdempotencyKey('shop-a', 'key-2'),
    ]);

    expect(ids.size).toBe(3);
  });
});
