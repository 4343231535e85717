import { Injectable } from '@nestjs/common';
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

// At most this long before the drain deadline, batches still running are cut off.
const CUTOFF_MARGIN_MS = 2_000;

export function pollerName(index: number): string {
  return `orders-poller-${index}`;
}

export interface DrainOutcome {
  /** Every batch in flight was settled (committed and deleted, dead-lettered or handed back). */
  drained: boolean;
  /** Pollers still busy when the budget ran out: their messages reappear after the visibility timeout. */
  unfinished: string[];
  /** Long polls that were cancelled because nothing else was left to wait for. */
  abortedReceives: number;
  /** Batches being worked on when the drain began. */
  batchesInFlight: number;
}

/**
 * Knows what every poller is doing, which gives two things @ssut/nestjs-sqs lacks: liveness that
 * notices a stuck poller, and a graceful drain that waits for batches in flight (commit + delete)
 * and never aborts one.
 */
@Injectable()
export class PollerRegistry {
  private readonly pollers = new Map<string, PollerState>();
  private draining = false;
  private reachCutoff: () => void = () => undefined;
  /** Resolves shortly before the drain deadline: batches still running then are handed back. */
  readonly drainCutoff = new Promise<void>((resolve) => {
    this.reachCutoff = resolve;
  });

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
    const cycleMs =
      Math.max(this.config.SQS_WAIT_TIME_SECONDS * 1000, 1000) +
      this.config.PAUSE_PROBE_INTERVAL_MS * 5;
    const limitMs = this.config.STUCK_POLLER_FACTOR * cycleMs + this.config.HANDLER_TIMEOUT_MS;
    return [...this.pollers.entries()]
      .filter(([, state]) => now - state.lastPollAt > limitMs)
      .map(([name]) => name);
  }

  /**
   * Stops receiving and waits, until the deadline, for every batch in flight to be settled and its
   * delete to return. A long poll with nothing behind it is cancelled instead of waited for.
   */
  async drain(deadline: number): Promise<DrainOutcome> {
    this.draining = true;
    const batchesInFlight = [...this.pollers.values()].filter(
      (state) => state.phase === 'handling',
    ).length;
    // Leaves time to hand the unfinished messages back and delete the finished ones.
    const settleMs = Math.min(CUTOFF_MARGIN_MS, Math.round((deadline - Date.now()) / 5));
    const cutoff = setTimeout(this.reachCutoff, Math.max(0, deadline - settleMs - Date.now()));
    const consumers = [...this.consumers().entries()];
    consumers.forEach(([, { instance }]) => instance.stop());
    const aborted = new Set<string>();
    const polling = () => consumers.filter(([, { instance }]) => instance.status.isPolling);
    const busy = () => polling().filter(([name]) => this.pollers.get(name)?.phase !== 'receiving');
    const cancelLongPolls = () => {
      for (const [name, { instance }] of polling().filter(
        ([candidate]) =>
          !aborted.has(candidate) && this.pollers.get(candidate)?.phase === 'receiving',
      )) {
        (instance as unknown as { abortController?: AbortController }).abortController?.abort();
        aborted.add(name);
      }
    };
    while (polling().length > 0 && Date.now() < deadline) {
      if (busy().length === 0) {
        // Only long polls are left: cancelling one costs at most a redelivery after the visibility timeout.
        cancelLongPolls();
      }
      await sleep(20);
    }
    clearTimeout(cutoff);
    cancelLongPolls();
    const unfinished = busy().map(([name]) => name);
    return {
      drained: unfinished.length === 0,
      unfinished,
      abortedReceives: aborted.size,
      batchesInFlight,
    };
  }

  private consumers(): Map<string, SqsConsumerMapValues> {
    // Looked up late: the SQS module's own factory depends on this registry.
    const sqs = this.moduleRef.get(SqsService, { strict: false });
    // @ssut/nestjs-sqs keeps its consumers private and stops them without waiting.
    return (
      (sqs as unknown as { consumers: Map<string, SqsConsumerMapValues> }).consumers ?? new Map()
    );
  }

  private update(name: string, change: Partial<PollerState>): void {
    const state = this.pollers.get(name);
    if (state) {
      Object.assign(state, change);
    }
  }
}
