/** Collects the JSON log lines of every process of a scenario, to read evidence from them afterwards. */
export class ProcessLogs {
  private readonly lines: { process: string; line: string }[] = [];

  /** The `log` callback startStack and AppProcess take. */
  readonly sink = (process: string, line: string): void => {
    this.lines.push({ process, line });
    if (process === 'stack' || /"level":"fatal"/.test(line)) {
      // Unexpected exits and fatal errors are worth seeing while a scenario runs; the rest is evidence.
      globalThis.process.stderr.write(`  [${process}] ${line.slice(0, 400)}\n`);
    }
  };

  entries(processPrefix: string): Record<string, unknown>[] {
    return this.lines
      .filter((entry) => entry.process.startsWith(processPrefix) && entry.line.startsWith('{'))
      .flatMap((entry) => {
        try {
          return [
            { process: entry.process, ...(JSON.parse(entry.line) as Record<string, unknown>) },
          ];
        } catch {
          return [];
        }
      });
  }

  /** Messages the processors handled, by outcome ('stored' | 'duplicate'), from the per-message log line. */
  handled(processPrefix = 'processor'): { stored: number; duplicate: number; redelivered: number } {
    const handled = this.entries(processPrefix).filter(
      (entry) => entry.msg === 'order message handled',
    );
    return {
      stored: handled.filter((entry) => entry.outcome === 'stored').length,
      duplicate: handled.filter((entry) => entry.outcome === 'duplicate').length,
      redelivered: handled.filter((entry) => Number(entry.receiveCount) > 1).length,
    };
  }

  find(processPrefix: string, msg: string): Record<string, unknown>[] {
    return this.entries(processPrefix).filter((entry) => entry.msg === msg);
  }
}
