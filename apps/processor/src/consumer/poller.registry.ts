import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SqsService } from '@ssut/nestjs-sqs';
import type { SqsConsumerMapValues } from '@ssut/nestjs-sqs/dist/sqs.types';
import { ProcessorConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';

type Phase = 'idle' | 'receiving' | 'handling';

interface PollerState {
  phase: Phase;
  lastPollAt: number;
}

export function pollerName(index: number): string {
  return `orders-poller-${index}`;
}

/**
 * Knows what every poller is doing, which gives two things @ssut/nestjs-sqs lacks: liveness that
 * notices a stuck poller, and a graceful drain on SIGTERM that waits for batches in flight
 * (commit + delete) and never aborts one.
 */
@Injectable()
export class PollerRegistry implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PollerRegistry.name);
  private readonly pollers = new Map<string, PollerState>();
  private draining = false;

  constructor(
    private readonly config: ProcessorConfig,
    private readonly moduleRef: ModuleRef,
  ) {
    const now = Date.now();
    for (let index = 0; index < config.POLLERS; index++) {
      this.pollers.set(pollerName(index), { phase: 'idle', lastPollAt: now });
    }
  }

  get isDraining(): boolean {
    return this.draining;
  }

  pollStarted(name: string): void {
    this.update(name, { phase: 'receiving', lastPollAt: Date.now() });
  }

  batchStarted(name: string): void {
    this.update(name, { phase: 'handling' });
  }

  batchFinished(name: string): void {
    this.update(name, { phase: 'idle', lastPollAt: Date.now() });
  }

  /** Pollers that have not started a receive for longer than any healthy cycle can take. */
  stuckPollers(now = Date.now()): string[] {
    const cycleMs = Math.max(this.config.SQS_WAIT_TIME_SECONDS * 1000, 1000) + this.config.PAUSE_PROBE_INTERVAL_MS * 5;
    const limitMs = this.config.STUCK_POLLER_FACTOR * cycleMs + this.config.HANDLER_TIMEOUT_MS;
    return [...this.pollers.entries()].filter(([, state]) => now - state.lastPollAt > limitMs).map(([name]) => name);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  /** Stop receiving, let batches in flight commit and delete, hand back what arrives late. */
  async drain(): Promise<boolean> {
    if (this.draining) {
      return true;
    }
    this.draining = true;
    const consumers = this.consumers();
    consumers.forEach(({ instance }) => instance.stop());
    const deadline = Date.now() + this.config.DRAIN_BUDGET_MS;
    const busy = () => [...consumers.entries()].filter(([name, { instance }]) => instance.status.isPolling && this.pollers.get(name)?.phase !== 'receiving');
    while (busy().length > 0 && Date.now() < deadline) {
      await sleep(25);
    }
    const stillBusy = busy().map(([name]) => name);
    // Only a long poll can still be open here: cancel it (no handler or delete is running).
    for (const [name, { instance }] of consumers) {
      if (instance.status.isPolling && !stillBusy.includes(name)) {
        (instance as unknown as { abortController?: AbortController }).abortController?.abort();
      }
    }
    if (stillBusy.length > 0) {
      this.logger.warn({ msg: 'drain budget exhausted; unfinished batches will be redelivered', pollers: stillBusy });
      return false;
    }
    this.logger.log({ msg: 'pollers drained' });
    return true;
  }

  private consumers(): Map<string, SqsConsumerMapValues> {
    // Looked up late: the SQS module's own factory depends on this registry.
    const sqs = this.moduleRef.get(SqsService, { strict: false });
    // @ssut/nestjs-sqs keeps its consumers private and stops them without waiting.
    return (sqs as unknown as { consumers: Map<string, SqsConsumerMapValues> }).consumers ?? new Map();
  }

  private update(name: string, change: Partial<PollerState>): void {
    const state = this.pollers.get(name);
    if (state) {
      Object.assign(state, change);
    }
  }
}
