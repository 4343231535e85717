import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseGate } from './database-gate';

export type PollerPhase = 'starting' | 'parked' | 'receiving' | 'handling' | 'idle';

interface PollerState {
  name: string;
  phase: PollerPhase;
  lastPollAt: number;
  /** When its last receive returned: the span over which the next one's messages gather. */
  returnedAt: number;
  gatheredMs: number;
  /** The next receive does not start before this (pacing, or a pause after a failed receive). */
  nextReceiveAt: number;
}

// Most consumers a replica runs: @ssut/nestjs-sqs finds each consumer's handler by a constant name.
export const MAX_POLLERS = 16;
export const pollerName = (index: number): string => `orders-poller-${index}`;

// After a failed receive (the SDK has already retried it), wait this long before the next one:
// sqs-consumer itself would poll again at once.
const RECEIVE_RETRY_MS = 1_000;
// After a receive of fresh messages, the next one waits at most this long after it for a fuller
// batch: a bounded price in latency for fewer receives per order (SQS answers as soon as one
// message is there).
const MAX_RECEIVE_PACE_MS = 15;
// A full receive whose oldest message waited longer than this says the replica is behind: one
// more poller. (A full receive alone does not: the gateway sends ten at a time, and a waiting long
// poll gets all ten at once.)
const BEHIND_MS = 2 * MAX_RECEIVE_PACE_MS;

/** Thrown by a poller's pre-receive step once the drain has begun: no receive starts after it. */
export class PollerDraining extends Error {
  constructor() {
    super('draining: no new receive');
    this.name = 'PollerDraining';
  }
}

/**
 * What every sqs-consumer loop is doing, and the step each runs before its ReceiveMessage
 * (`preReceiveMessageCallback`): wait for the application to be up, stay parked while receives
 * come back partial, wait while the database gate is closed, pace for a fuller batch, and refuse
 * once the drain has begun. Liveness, readiness, metrics and the drain read these facts.
 */
@Injectable()
export class Pollers implements OnApplicationBootstrap {
  private readonly pollers: PollerState[];
  // Pollers at or above this index are parked: a partial receive parks one, a full one wakes one.
  private activePollers: number;
  private readonly draining = new AbortController();
  private wakeParked = new AbortController();
  private isStarted = false;
  private bootstrapped!: () => void;
  private readonly started = new Promise<void>((resolve) => (this.bootstrapped = resolve));

  constructor(
    private readonly gate: DatabaseGate,
    private readonly config: ProcessorConfig,
  ) {
    this.pollers = Array.from({ length: config.POLLERS }, (_, index) => ({
      name: pollerName(index),
      phase: 'starting',
      lastPollAt: Date.now(),
      returnedAt: Date.now(),
      gatheredMs: 0,
      nextReceiveAt: 0,
    }));
    this.activePollers = config.POLLERS;
  }

  /** Every message handler is registered now (consumers start earlier, in onModuleInit). */
  onApplicationBootstrap(): void {
    const now = Date.now();
    this.pollers.forEach((poller) => (poller.lastPollAt = now));
    this.isStarted = true;
    this.bootstrapped();
  }

  get count(): number {
    return this.pollers.length;
  }

  get isDraining(): boolean {
    return this.draining.signal.aborted;
  }

  /** Pollers handling a batch right now. */
  handling(): string[] {
    return this.pollers.filter((poller) => poller.phase === 'handling').map(({ name }) => name);
  }

  /** The drain's first step: no receive starts any more, waiting pollers give up at once. */
  drain(): void {
    this.draining.abort();
    this.wakeParked.abort();
    this.gate.close();
  }

  /** Pollers that have not started a receive for longer than any healthy cycle can take. */
  stuckPollers(now = Date.now()): string[] {
    const cycleMs =
      Math.max(this.config.SQS_WAIT_TIME_SECONDS * 1000, 1000) +
      this.config.PAUSE_PROBE_INTERVAL_MS * 5;
    const limitMs = this.config.STUCK_POLLER_FACTOR * cycleMs + this.config.HANDLER_TIMEOUT_MS;
    return this.pollers
      .filter((poller) => poller.phase !== 'parked' && now - poller.lastPollAt > limitMs)
      .map(({ name }) => name);
  }

  /** sqs-consumer's preReceiveMessageCallback: resolves when this poller may receive now. */
  async beforeReceive(index: number): Promise<void> {
    const poller = this.pollers[index];
    if (!this.isStarted) {
      await Promise.race([this.started, this.aborted(this.draining.signal)]);
    }
    for (;;) {
      this.throwIfDraining();
      poller.lastPollAt = Date.now();
      if (index >= this.activePollers) {
        poller.phase = 'parked';
        await this.aborted(this.wakeParked.signal);
        continue;
      }
      poller.phase = 'receiving';
      // While the database is down this waits, a few probe intervals at a time (a new cycle keeps
      // liveness fresh): no hot loop, and no receive that would only burn receive counts.
      if (!(await this.gate.beforeReceive())) {
        continue;
      }
      const waitMs = poller.nextReceiveAt - Date.now();
      if (waitMs > 0) {
        await sleep(waitMs, undefined, { signal: this.draining.signal }).catch(() => undefined);
      }
      this.throwIfDraining();
      poller.lastPollAt = Date.now();
      return;
    }
  }

  /** sqs-consumer's postReceiveMessageCallback. */
  afterReceive(index: number): void {
    const poller = this.pollers[index];
    const now = Date.now();
    poller.gatheredMs = now - poller.returnedAt;
    poller.returnedAt = now;
  }

  /** A long poll came back empty ('empty' event): no pacing, it waited already. */
  received0(index: number): void {
    this.adapt(0, false);
    this.pollers[index].nextReceiveAt = 0;
    this.pollers[index].phase = 'idle';
  }

  /** A receive failed ('error' event without messages): pause before the next one. */
  receiveFailed(index: number): void {
    this.pollers[index].nextReceiveAt = Date.now() + RECEIVE_RETRY_MS;
    this.pollers[index].phase = 'idle';
  }

  /** The batch handler starts: adapts the active pollers and paces this one's next receive. */
  handlingStarted(index: number, messages: Message[]): void {
    const poller = this.pollers[index];
    poller.phase = 'handling';
    const full = messages.length >= this.config.SQS_BATCH_SIZE;
    // How long the oldest message of a full receive waited: a queue that waits for us.
    const waitedMs = full ? oldestWaitMs(messages) : 0;
    this.adapt(messages.length, waitedMs > BEHIND_MS);
    poller.nextReceiveAt =
      waitedMs > MAX_RECEIVE_PACE_MS ? 0 : poller.returnedAt + this.paceMs(messages.length, poller);
  }

  handlingEnded(index: number): void {
    this.pollers[index].phase = 'idle';
  }

  /**
   * Fewer pollers when receives come back partial, so that messages gather between receives and
   * each call carries more of them (SQS answers a long poll as soon as one message is there); one
   * more, up to POLLERS, while the replica is behind. One poller always polls.
   */
  private adapt(received: number, behind: boolean): void {
    if (behind) {
      if (this.activePollers < this.pollers.length) {
        this.activePollers += 1;
        this.wakeParked.abort();
        this.wakeParked = new AbortController();
      }
    } else if (received < this.config.SQS_BATCH_SIZE) {
      this.activePollers = Math.max(1, this.activePollers - 1);
    }
  }

  /**
   * Until as many messages again would fill a batch at the rate this one saw (after a full one:
   * three quarters of the time it took, so a rising load soon polls without waiting), at most
   * MAX_RECEIVE_PACE_MS after the receive returned.
   */
  private paceMs(received: number, poller: PollerState): number {
    return Math.min(
      MAX_RECEIVE_PACE_MS,
      received >= this.config.SQS_BATCH_SIZE
        ? poller.gatheredMs * 0.75
        : (poller.gatheredMs * this.config.SQS_BATCH_SIZE) / received,
    );
  }

  private throwIfDraining(): void {
    if (this.isDraining) {
      throw new PollerDraining();
    }
  }

  private aborted(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) =>
      signal.aborted
        ? resolve()
        : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
}

/** The age of the oldest message by SQS's SentTimestamp; 0 when unknown (SQS sends what we ask for). */
function oldestWaitMs(messages: Message[]): number {
  const oldest = Math.min(...messages.map((message) => Number(message.Attributes?.SentTimestamp)));
  return Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0;
}
