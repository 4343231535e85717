export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatchPolicy {
  maxItems: number;
  /** Upper bound of the summed `sizeOf` of one batch (e.g. SQS's 256 KiB per request). */
  maxBytes?: number;
  /** How long the first item waits for companions. 0 still coalesces what arrives in the same tick. */
  lingerMs: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent single-item calls into batch calls, while each caller still gets its own
 * result. `flush` must return one Settled per item, in order, so one bad item fails only its caller.
 */
export class MicroBatcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly flush: (items: I[]) => Promise<Settled<O>[]>,
    private readonly policy: BatchPolicy,
    private readonly sizeOf: (item: I) => number = () => 0,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const size = this.sizeOf(item);
      if (this.policy.maxBytes !== undefined && this.pendingBytes + size > this.policy.maxBytes) {
        this.flushNow();
      }
      this.pending.push({ item, resolve, reject });
      this.pendingBytes += size;
      if (this.pending.length >= this.policy.maxItems) {
        this.flushNow();
      } else if (!this.timer) {
        this.timer =
          this.policy.lingerMs > 0
            ? setTimeout(() => this.flushNow(), this.policy.lingerMs)
            : (setImmediate(() => this.flushNow()) as unknown as NodeJS.Timeout);
      }
    });
  }

  /** Sends what is waiting and resolves once every batch in flight has settled. */
  async drain(): Promise<void> {
    this.flushNow();
    await Promise.allSettled([...this.inFlight]);
  }

  get size(): number {
    return this.pending.length;
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      clearImmediate(this.timer as unknown as NodeJS.Immediate);
      this.timer = undefined;
    }
    if (this.pending.length === 0) {
      return;
    }
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const run = this.runBatch(batch);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async runBatch(batch: Pending<I, O>[]): Promise<void> {
    let results: Settled<O>[];
    try {
      results = await this.flush(batch.map((entry) => entry.item));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((entry, index) => {
      const result = results[index] ?? {
        ok: false,
        error: new Error('batch flush returned no result for this item'),
      };
      if (result.ok) {
        entry.resolve(result.value);
      } else {
        entry.reject(result.error);
      }
    });
  }
}
