import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { OrdersRepository } from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessorMetrics } from '../metrics/processor.metrics';

/**
 * Back-pressure. When a whole batch fails because the database is unavailable, receiving more
 * messages would only burn their receive counts and push healthy orders into the DLQ. So pollers
 * stop receiving, one probe checks the database, and polling resumes when it answers.
 */
@Injectable()
export class DatabaseGate {
  private readonly logger = new Logger(DatabaseGate.name);
  private pausedSince: number | undefined;
  private reopened: Promise<void> = Promise.resolve();
  // Aborted on close: wakes every waiting poller and the probe at once, so no timer outlives the app.
  private readonly closed = new AbortController();

  constructor(
    private readonly repository: OrdersRepository,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  get isPaused(): boolean {
    return this.pausedSince !== undefined;
  }

  /** Called when no message of a batch could be stored because the database is unavailable. */
  reportOutage(reason: string): void {
    if (this.isPaused || this.closed.signal.aborted) {
      return;
    }
    this.pausedSince = Date.now();
    this.metrics.paused.set(1);
    this.metrics.pauses.inc();
    this.logger.warn({ msg: 'database unavailable: pausing polling', reason });
    this.reopened = this.probeUntilHealthy();
  }

  /**
   * Runs before every ReceiveMessage: false means skip this receive. While paused it waits for the
   * database, but only for a while: the poller then starts a new cycle, which keeps its liveness fresh.
   */
  async beforeReceive(): Promise<boolean> {
    if (!this.isPaused || this.closed.signal.aborted) {
      return !this.closed.signal.aborted;
    }
    // One controller per wait, tied to close() by a listener that is removed again: a long outage
    // must not pile up listeners on the gate's own signal.
    const giveUp = new AbortController();
    const onClose = () => giveUp.abort();
    this.closed.signal.addEventListener('abort', onClose, { once: true });
    try {
      const reopened = await Promise.race([
        this.reopened.then(() => true),
        sleep(this.config.PAUSE_PROBE_INTERVAL_MS * 5, false, { signal: giveUp.signal }).catch(
          () => false,
        ),
      ]);
      return reopened && !this.closed.signal.aborted;
    } finally {
      giveUp.abort();
      this.closed.signal.removeEventListener('abort', onClose);
    }
  }

  /** Stops probing and releases every waiting poller; part of the drain. */
  close(): void {
    this.closed.abort();
  }

  private async probeUntilHealthy(): Promise<void> {
    let probes = 0;
    while (!this.closed.signal.aborted) {
      try {
        await sleep(this.config.PAUSE_PROBE_INTERVAL_MS, undefined, { signal: this.closed.signal });
      } catch {
        break;
      }
      probes += 1;
      try {
        await this.repository.ping();
        this.logger.log({
          msg: 'database answers again: resuming polling',
          pausedMs: Date.now() - (this.pausedSince ?? Date.now()),
          probes,
        });
        break;
      } catch {
        // Still down; probe again.
      }
    }
    this.pausedSince = undefined;
    this.metrics.paused.set(0);
  }
}
