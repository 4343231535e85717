import { BYTES_PER_ENTRY, RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  it('should allow a burst of a tenth of the minute allowance, then ask to wait', () => {
    let now = 0;
    const limiter = new RateLimiter(600, () => now);

    const waits = Array.from({ length: 61 }, () => limiter.take('client'));

    expect(waits.slice(0, 60).every((wait) => wait === 0)).toBe(true);
    expect(waits[60]).toBeGreaterThanOrEqual(1);
    now += 1000;
    expect(limiter.take('client')).toBe(0);
  });

  it('should keep separate buckets per client', () => {
    const limiter = new RateLimiter(10, () => 0);

    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('should never limit when the limit is 0', () => {
    const limiter = new RateLimiter(0, () => 0);

    expect(Array.from({ length: 1000 }, () => limiter.take('a')).every((wait) => wait === 0)).toBe(
      true,
    );
  });
});

describe(`${RateLimiter.name} with a fixed capacity`, () => {
  it('should never track more clients than its capacity, forgetting the least recently seen', () => {
    const limiter = new RateLimiter(10, () => 0, { burst: 1, maxTracked: 100 });

    for (let index = 0; index < 10_000; index++) {
      limiter.take(`address-${index}`);
    }

    expect(limiter.tracked).toBe(100);
    expect(limiter.peek('address-9999')).toBeGreaterThan(0);
    expect(limiter.peek('address-0')).toBe(0);
  });

  it('should let peek look without spending', () => {
    const limiter = new RateLimiter(10, () => 0, { burst: 2 });

    expect(limiter.peek('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.peek('a')).toBe(0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.peek('a')).toBeGreaterThan(0);
    expect(limiter.tracked).toBe(1);
  });

  it('should stay within its byte bound however long the names it is given', () => {
    const maxBytes = 100_000;
    const limiter = new RateLimiter(10, () => 0, { burst: 1, maxTracked: 10_000, maxBytes });

    for (let index = 0; index < 5_000; index++) {
      limiter.take(`${'x'.repeat(16_000)}-${index}`);
      expect(limiter.trackedBytes).toBeLessThanOrEqual(maxBytes);
    }
    for (let index = 0; index < 5_000; index++) {
      limiter.take(`198.51.${index >> 8}.${index & 255}`);
    }

    expect(limiter.trackedBytes).toBeLessThanOrEqual(maxBytes);
    // Short keys fill the same bytes with many more entries.
    expect(limiter.tracked).toBeGreaterThan(maxBytes / (BYTES_PER_ENTRY + 2 * 16) / 2);
    expect(limiter.peek('198.51.19.135')).toBeGreaterThan(0);
  });
});
