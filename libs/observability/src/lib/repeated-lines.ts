interface Window {
  startedAt: number;
  written: number;
  skipped: number;
}

/**
 * Keeps a flood of alike lines (a client retrying with a wrong key, a throttled one) from filling
 * the log: at most `perWindow` lines of one kind per window; the next line written after some
 * were left out says how many. Memory: one counter per kind.
 */
export class RepeatedLines {
  private readonly windows = new Map<string | number, Window>();

  constructor(
    private readonly perWindow = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** undefined: leave this line out; otherwise how many lines of its kind were left out before it. */
  admit(kind: string | number): number | undefined {
    const now = this.now();
    let window = this.windows.get(kind);
    if (!window) {
      window = { startedAt: now, written: 0, skipped: 0 };
      this.windows.set(kind, window);
    } else if (now - window.startedAt >= this.windowMs) {
      window.startedAt = now;
      window.written = 0;
    }
    if (window.written >= this.perWindow) {
      window.skipped += 1;
      return undefined;
    }
    window.written += 1;
    const skipped = window.skipped;
    window.skipped = 0;
    return skipped;
  }
}
