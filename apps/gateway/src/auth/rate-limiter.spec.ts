import { RateLimiter } from './rate-limiter';

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
