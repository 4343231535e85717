/**
 * Counts wrong keys, tokens and refused proxy headers per client address; a client over the limit
 * is refused, even with a right key, until a minute after its oldest counted failure. Bounded in
 * memory: beyond `maxTracked` addresses the least recently failed one is forgotten.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 10_000,
  ) {}

  /** Seconds until this client may try again; 0 when it may try now. */
  retryAfterSeconds(client: string): number {
    const recent = this.recent(client);
    if (recent.length < this.perMinute) {
      return 0;
    }
    return Math.max(1, Math.ceil((recent[0] + 60_000 - this.now()) / 1000));
  }

  fail(client: string): void {
    const recent = this.recent(client);
    recent.push(this.now());
    // Re-inserted so the Map's order is least recently failed first.
    this.failures.delete(client);
    this.failures.set(client, recent.slice(-this.perMinute));
    if (this.failures.size > this.maxTracked) {
      this.failures.delete(this.failures.keys().next().value as string);
    }
  }

  private recent(client: string): number[] {
    const since = this.now() - 60_000;
    return (this.failures.get(client) ?? []).filter((at) => at > since);
  }
}
