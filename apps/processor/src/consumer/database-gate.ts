import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { OrdersRepository } from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessorMetrics } from '../health/processor.metrics';

export const RECEIVE_SKIPPED = 'receive skipped:';

/** Thrown from the pre-receive hook to skip a receive; the consumer then simply polls again. */
export class ReceiveSkipped extends Error {
  constructor(reason: string) {
    super(`${RECEIVE_SKIPPED} ${reason}`);
    this.name = 'ReceiveSkipped';
  }
}

/**
 * Back-pressure. When a whole batch fails because the database is unavailable, receiving more
 * messages would only burn their receive counts and push healthy orders into the DLQ. So pollers
 * stop receiving, one probe checks the database, and polling resumes when it answers.
 */
@Injectable()
export class DatabaseGate implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseGate.name);
  private pausedSince: number | undefined;
  private reopened: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly repository: OrdersRepository,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  get isPaused(): boolean {
    return this.pausedSince !== undefined;
  }

  /** Called when every message of a batch failed for a transient database reason. */
  reportOutage(reason: string): void {
    if (this.isPaused || this.closing) {
      return;
    }
    this.pausedSince = Date.now();
    this.metrics.paused.set(1);
    this.logger.warn({ msg: 'database unavailable: pausing polling', reason });
    this.reopened = this.probeUntilHealthy();
  }

  /** Runs before every ReceiveMessage: waits while paused (bounded, so liveness sees progress). */
  async beforeReceive(draining: boolean): Promise<void> {
    if (draining) {
      throw new ReceiveSkipped('draining');
    }
    if (!this.isPaused) {
      return;
    }
    const waited = await Promise.race([this.reopened.then(() => true), sleep(this.config.PAUSE_PROBE_INTERVAL_MS * 5).then(() => false)]);
    if (!waited || this.closing) {
      throw new ReceiveSkipped('database unavailable');
    }
  }

  onApplicationShutdown(): void {
    this.closing = true;
  }

  private async probeUntilHealthy(): Promise<void> {
    while (!this.closing) {
      await sleep(this.config.PAUSE_PROBE_INTERVAL_MS);
      try {
        await this.repository.ping();
        this.logger.log({ msg: 'database answers again: resuming polling', pausedMs: Date.now() - (this.pausedSince ?? Date.now()) });
        break;
      } catch {
        // still down; probe again
      }
    }
    this.pausedSince = undefined;
    this.metrics.paused.set(0);
  }
}
