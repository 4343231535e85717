import { FailureThrottle } from './failure-throttle';

describe(FailureThrottle.name, () => {
  it('should refuse a client after the allowed failures until a minute after the oldest', () => {
    let now = 1_000_000;
    const throttle = new FailureThrottle(3, () => now);

    throttle.fail('a');
    now += 10_000;
    throttle.fail('a');
    throttle.fail('a');
    const refusedFor = throttle.retryAfterSeconds('a');
    now += 50_001;
    const afterOldestExpired = throttle.retryAfterSeconds('a');

    expect(refusedFor).toBe(50);
    expect(afterOldestExpired).toBe(0);
    expect(throttle.retryAfterSeconds('b')).toBe(0);
  });

  it('should forget the least recently failed client beyond its capacity', () => {
    const throttle = new FailureThrottle(1, () => 0, 2);

    throttle.fail('a');
    throttle.fail('b');
    throttle.fail('c');

    expect(throttle.retryAfterSeconds('a')).toBe(0);
    expect(throttle.retryAfterSeconds('b')).toBeGreaterThan(0);
    expect(throttle.retryAfterSeconds('c')).toBeGreaterThan(0);
  });
});
