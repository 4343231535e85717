interface Bucket {
  tokens: number;
  updatedAt: number;
}

// Bounds memory if many distinct anonymous addresses show up.
const MAX_TRACKED_CLIENTS = 50_000;

/**
 * Token bucket per client: `perMinute` requests per minute on average, bursts of up to a tenth of
 * a minute's allowance. In memory per replica, so the cluster-wide limit is replicas × perMinute.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.max(1, Math.ceil(perMinute / 10));
    this.refillPerMs = perMinute / 60_000;
  }

  /** 0 when the request may pass, otherwise the seconds to wait. */
  take(client: string): number {
    if (this.perMinute === 0) {
      return 0;
    }
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= MAX_TRACKED_CLIENTS) {
        this.buckets.delete(this.buckets.keys().next().value as string);
      }
      bucket = { tokens: this.capacity, updatedAt: now };
      this.buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(
      this.capacity,
      bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs,
    );
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000));
  }
}
