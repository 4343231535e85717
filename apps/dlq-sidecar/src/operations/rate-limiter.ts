import { setTimeout as sleep } from 'node:timers/promises';

/** A token bucket: at most `perSecond` on average, with bursts of up to one second's worth. */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  /** How long to wait before `count` may go; takes them. */
  reserve(count: number): number {
    const now = this.now();
    this.tokens = Math.min(
      this.perSecond,
      this.tokens + ((now - this.last) / 1000) * this.perSecond,
    );
    this.last = now;
    this.tokens -= count;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  async take(count: number, signal?: AbortSignal): Promise<void> {
    const waitMs = this.reserve(count);
    if (waitMs > 0) {
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
