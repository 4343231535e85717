import { backoffDelay } from './backoff';

describe(backoffDelay.name, () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('should double per attempt within half-random bounds', () => {
    expect(backoffDelay(1, policy, undefined, () => 0)).toBe(500);
    expect(backoffDelay(1, policy, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(4, policy, undefined, () => 1)).toBe(8000);
  });

  it('should never exceed the cap, even when the server asks for longer', () => {
    expect(backoffDelay(20, policy, undefined, () => 1)).toBe(60_000);
    expect(backoffDelay(1, policy, 120_000, () => 0)).toBe(60_000);
  });

  it('should honour a Retry-After longer than the backoff', () => {
    expect(backoffDelay(1, policy, 5000, () => 0)).toBe(5000);
  });
});
