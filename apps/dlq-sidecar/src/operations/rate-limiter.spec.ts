import { RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  it('should allow one second of burst and then pace at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);

    expect(limiter.reserve(10)).toBe(0);
    expect(limiter.reserve(5)).toBe(500);
    now += 500;
    expect(limiter.reserve(5)).toBe(500);
  });

  it('should refill while idle, up to the burst only', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    limiter.reserve(10);

    now += 60_000;

    expect(limiter.reserve(10)).toBe(0);
    expect(limiter.reserve(1)).toBe(100);
  });
});
