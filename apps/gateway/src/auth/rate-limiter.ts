interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimiterOptions {
  /** Requests a full bucket lets through at once; default a tenth of the minute's allowance. */
  burst?: number;
  /** Fixed capacity: beyond it the least recently seen client is forgotten (default 50,000). */
  maxTracked?: number;
  /** Bound on the table's size in bytes (keys and buckets, estimated); default 8 MB. */
  maxBytes?: number;
}

export interface RateLimitStatus {
  limit: number;
  remaining: number;
  resetSeconds: number;
}

// What a Map entry with its bucket costs besides the key's characters (V8: entry, object, numbers).
export const BYTES_PER_ENTRY = 120;
const bytesOf = (key: string) => BYTES_PER_ENTRY + 2 * key.length;

/**
 * Token bucket per client: `perMinute` requests per minute on average, bursts of up to `burst`.
 * In memory per replica, so the cluster-wide limit is replicas × perMinute. Memory is bounded by
 * `maxTracked` buckets and `maxBytes` however many distinct clients (or addresses) show up, and
 * however long their names.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillPerMs: number;
  private readonly maxTracked: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    options: RateLimiterOptions = {},
  ) {
    this.capacity = options.burst ?? Math.max(1, Math.ceil(perMinute / 10));
    this.refillPerMs = perMinute / 60_000;
    this.maxTracked = options.maxTracked ?? 50_000;
    this.maxBytes = options.maxBytes ?? 8_000_000;
  }

  get tracked(): number {
    return this.buckets.size;
  }

  /** Estimated bytes the table holds; never above maxBytes. */
  get trackedBytes(): number {
    return this.bytes;
  }

  /** The bucket of a client seen before, for the RateLimit headers; undefined when off or unknown. */
  status(client: string): RateLimitStatus | undefined {
    const bucket = this.perMinute === 0 ? undefined : this.buckets.get(client);
    return bucket
      ? {
          limit: this.capacity,
          remaining: Math.floor(bucket.tokens),
          resetSeconds: Math.ceil((this.capacity - bucket.tokens) / this.refillPerMs / 1000),
        }
      : undefined;
  }

  /** 0 when the request may pass, otherwise the seconds to wait. */
  take(client: string): number {
    return this.check(client, true);
  }

  /** Like take, without spending a token: would a request pass now? */
  peek(client: string): number {
    return this.check(client, false);
  }

  private check(client: string, spend: boolean): number {
    if (this.perMinute === 0) {
      return 0;
    }
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket) {
      // Re-inserted so the Map's order is least recently seen first.
      this.buckets.delete(client);
      this.bytes -= bytesOf(client);
    } else {
      if (!spend || bytesOf(client) > this.maxBytes) {
        return 0;
      }
      bucket = { tokens: this.capacity, updatedAt: now };
    }
    while (
      this.buckets.size > 0 &&
      (this.buckets.size >= this.maxTracked || this.bytes + bytesOf(client) > this.maxBytes)
    ) {
      const oldest = this.buckets.keys().next().value as string;
      this.buckets.delete(oldest);
      this.bytes -= bytesOf(oldest);
    }
    this.buckets.set(client, bucket);
    this.bytes += bytesOf(client);
    bucket.tokens = Math.min(
      this.capacity,
      bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs,
    );
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      if (spend) {
        bucket.tokens -= 1;
      }
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000));
  }
}
