import { Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { ProcessorConfig } from '@orders/config';
import { envelopeRoute, TRACE_ATTRIBUTES } from '@orders/contracts';
import { processBatchInSpan, queueNameOfUrl, untraced } from '@orders/messaging';
import { lastValueFrom } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProcessingErrorCode,
  ProcessingException,
  toProcessingException,
} from '../messages/processing.exception';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { BatchSettler, HandledMessage } from './batch-settler';
import { DatabaseGate } from './database-gate';

type Phase = 'idle' | 'receiving' | 'handling' | 'parked' | 'stopped';

interface Poller {
  name: string;
  phase: Phase;
  lastPollAt: number;
  /** When its last receive returned: the span over which the next one's messages gather. */
  returnedAt: number;
  /** Set while a ReceiveMessage is in flight: the drain cancels a long poll with it. */
  receive?: AbortController;
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

// At most this long before the drain deadline, batches still running are cut off.
const CUTOFF_MARGIN_MS = 2_000;
// After a failed receive (the SDK has already retried it), wait this long before the next one.
const RECEIVE_RETRY_MS = 1_000;
// After a receive of fresh messages, the next one waits at most this long after it for a fuller
// batch: a bounded price in latency for fewer receives per order (SQS answers as soon as one
// message is there).
const MAX_RECEIVE_PACE_MS = 15;
// A full receive whose oldest message waited longer than this says the replica is behind: one
// more poller. (A full receive alone does not: the gateway sends ten at a time, and a waiting long
// poll gets all ten at once.) Past MAX_RECEIVE_PACE_MS already, the next receive does not wait.
const BEHIND_MS = 2 * MAX_RECEIVE_PACE_MS;

/**
 * The processor's Nest transport: POLLERS receive loops on the orders queue. Each received batch
 * is one event per message type through Nest's microservice pipeline (`@EventPattern({ type,
 * version })`, its filters and interceptors); the handler answers with one outcome per message,
 * and each message is then settled on its own. It also gives the drain and liveness what they need:
 * what every poller is doing, and a long poll that can be cancelled.
 */
@Injectable()
export class OrderQueueServer extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(OrderQueueServer.name);
  private readonly pollers: Poller[];
  // Pollers at or above this index are parked: a partial receive parks one, a full one wakes one.
  private activePollers: number;
  private wakeParked: (() => void)[] = [];
  private readonly stopping = new AbortController();
  // Aborted shortly before the drain deadline: batches still running then are handed back.
  private readonly cutoff = new AbortController();

  constructor(
    private readonly sqs: SQSClient,
    private readonly settler: BatchSettler,
    private readonly gate: DatabaseGate,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {
    super();
    this.pollers = Array.from({ length: config.POLLERS }, (_, index) => ({
      name: `orders-poller-${index}`,
      phase: 'idle',
      lastPollAt: Date.now(),
      returnedAt: Date.now(),
    }));
    this.activePollers = config.POLLERS;
    this.stopping.signal.addEventListener('abort', () => this.wake());
  }

  get isDraining(): boolean {
    return this.stopping.signal.aborted;
  }

  listen(callback: () => void): void {
    this.pollers.forEach((poller, index) => void this.poll(poller, index));
    callback();
  }

  close(): void {
    // Normally the drain has stopped every poller by now; this only makes sure.
    this.stopping.abort();
    this.pollers.forEach((poller) => poller.receive?.abort());
  }

  on(): void {
    throw new Error('OrderQueueServer has no transport events');
  }

  unwrap<T>(): T {
    throw new Error('OrderQueueServer wraps no client');
  }

  /** Pollers that have not started a receive for longer than any healthy cycle can take. */
  stuckPollers(now = Date.now()): string[] {
    const cycleMs =
      Math.max(this.config.SQS_WAIT_TIME_SECONDS * 1000, 1000) +
      this.config.PAUSE_PROBE_INTERVAL_MS * 5;
    const limitMs = this.config.STUCK_POLLER_FACTOR * cycleMs + this.config.HANDLER_TIMEOUT_MS;
    return this.pollers
      .filter(
        (poller) =>
          poller.phase !== 'stopped' &&
          poller.phase !== 'parked' &&
          now - poller.lastPollAt > limitMs,
      )
      .map((poller) => poller.name);
  }

  /**
   * Stops receiving and waits, until the deadline, for every batch in flight to be settled and its
   * delete to return. A long poll with nothing behind it is cancelled instead of waited for.
   */
  async drain(deadline: number): Promise<DrainOutcome> {
    const handling = () => this.pollers.filter((poller) => poller.phase === 'handling');
    const batchesInFlight = handling().length;
    this.stopping.abort();
    this.gate.close();
    // Leaves time to hand the unfinished messages back and delete the finished ones.
    const settleMs = Math.min(CUTOFF_MARGIN_MS, Math.round((deadline - Date.now()) / 5));
    const cutoff = setTimeout(
      () => this.cutoff.abort(),
      Math.max(0, deadline - settleMs - Date.now()),
    );
    let abortedReceives = 0;
    const cancelLongPolls = () => {
      for (const poller of this.pollers) {
        if (poller.receive && !poller.receive.signal.aborted) {
          poller.receive.abort();
          abortedReceives += 1;
        }
      }
    };
    while (this.pollers.some((poller) => poller.phase !== 'stopped') && Date.now() < deadline) {
      if (handling().length === 0) {
        // Only long polls are left: cancelling one costs at most a redelivery after the visibility timeout.
        cancelLongPolls();
      }
      await sleep(20);
    }
    clearTimeout(cutoff);
    cancelLongPolls();
    await this.settler.flushDeletes();
    const unfinished = handling().map((poller) => poller.name);
    return { drained: unfinished.length === 0, unfinished, abortedReceives, batchesInFlight };
  }

  private async poll(poller: Poller, index: number): Promise<void> {
    while (!this.isDraining) {
      if (index >= this.activePollers) {
        poller.phase = 'parked';
        await new Promise<void>((resolve) => this.wakeParked.push(resolve));
        continue;
      }
      poller.phase = 'receiving';
      poller.lastPollAt = Date.now();
      try {
        if (!(await this.gate.beforeReceive()) || this.isDraining) {
          continue;
        }
        poller.receive = new AbortController();
        const signal = poller.receive.signal;
        // Mostly empty long polls: the batch span below is what a trace needs.
        const { Messages = [] } = await untraced(() =>
          this.sqs.send(this.receiveCommand(), { abortSignal: signal }),
        );
        poller.receive = undefined;
        const gatheredMs = Date.now() - poller.returnedAt;
        poller.returnedAt = Date.now();
        // How long the oldest message of a full receive waited: a queue that waits for us.
        const waitedMs = Messages.length >= this.config.SQS_BATCH_SIZE ? oldestWaitMs(Messages) : 0;
        this.adapt(Messages.length, waitedMs > BEHIND_MS);
        if (Messages.length > 0) {
          poller.phase = 'handling';
          await this.handleBatch(Messages);
        }
        poller.phase = 'idle';
        await this.pace(poller, Messages.length, gatheredMs, waitedMs);
      } catch (error) {
        if (poller.receive?.signal.aborted) {
          continue; // a long poll cancelled by the drain
        }
        this.metrics.consumerErrors.inc({ event: 'receive' });
        this.logger.warn({ msg: 'sqs receive failed', poller: poller.name, error: String(error) });
        await sleep(RECEIVE_RETRY_MS, undefined, { signal: this.stopping.signal }).catch(
          () => undefined,
        );
      } finally {
        poller.receive = undefined;
        poller.phase = 'idle';
      }
    }
    poller.phase = 'stopped';
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
        this.wake();
      }
    } else if (received < this.config.SQS_BATCH_SIZE) {
      this.activePollers = Math.max(1, this.activePollers - 1);
    }
  }

  /**
   * Before the next receive, waits until as many messages again would fill a batch at the rate
   * this one saw (after a full one: three quarters of the time it took, so a rising load soon
   * polls without waiting), at most MAX_RECEIVE_PACE_MS after it returned. Never after an empty
   * long poll (it waited already), nor when the oldest message had already waited that long.
   */
  private async pace(
    poller: Poller,
    received: number,
    gatheredMs: number,
    waitedMs: number,
  ): Promise<void> {
    if (received === 0 || waitedMs > MAX_RECEIVE_PACE_MS) {
      return;
    }
    const gapMs = Math.min(
      MAX_RECEIVE_PACE_MS,
      received >= this.config.SQS_BATCH_SIZE
        ? gatheredMs * 0.75
        : (gatheredMs * this.config.SQS_BATCH_SIZE) / received,
    );
    const waitMs = poller.returnedAt + gapMs - Date.now();
    if (waitMs > 0) {
      await sleep(waitMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  private wake(): void {
    this.wakeParked.splice(0).forEach((resolve) => resolve());
  }

  /** One received batch, start to end: the place for per-batch concerns such as tracing. */
  private async handleBatch(messages: Message[]): Promise<void> {
    if (this.isDraining) {
      // Received while shutting down and not started: hand back at once for another replica.
      await this.settler.handBack(messages);
      return;
    }
    const startedAt = Date.now();
    this.metrics.batchSize.observe(messages.length);
    for (const message of messages) {
      const sentAt = Number(message.Attributes?.SentTimestamp ?? startedAt);
      this.metrics.queueWaitSeconds.observe(Math.max(0, startedAt - sentAt) / 1000);
    }
    await processBatchInSpan(queueNameOfUrl(this.config.ORDERS_QUEUE_URL), messages, async () => {
      const heartbeat = setInterval(
        () => void this.settler.extendVisibility(messages),
        this.config.HEARTBEAT_INTERVAL_SECONDS * 1000,
      );
      try {
        await this.settler.settle(await this.dispatch(messages), startedAt);
      } finally {
        clearInterval(heartbeat);
      }
    });
  }

  /** Parses every body once, then hands each message type its share of the batch in one call. */
  private async dispatch(messages: Message[]): Promise<HandledMessage[]> {
    const handled: HandledMessage[] = [];
    const events = new Map<MessageHandler, ReceivedMessage[]>();
    for (const message of messages) {
      const body = parseBody(message.Body);
      if (body instanceof ProcessingException) {
        handled.push({ message, outcome: body });
        continue;
      }
      const route = envelopeRoute(String(body.type), Number(body.version));
      const handler = this.getHandlerByPattern(this.normalizePattern({ ...route }));
      if (!handler) {
        const reason = `No handler for message type "${route.type}" version ${route.version}`;
        handled.push({
          message,
          body,
          outcome: new ProcessingException(ProcessingErrorCode.UnsupportedMessage, reason),
        });
        continue;
      }
      const event = events.get(handler) ?? [];
      events.set(handler, event);
      event.push({ message, body });
    }
    const { expired, cancel } = this.expiry();
    try {
      for (const [handler, received] of events) {
        const outcomes = await Promise.race([this.invoke(handler, received), expired]);
        received.forEach(({ message, body }, index) =>
          handled.push({
            message,
            body,
            outcome: Array.isArray(outcomes)
              ? (outcomes[index] ?? toProcessingException(new Error('The handler gave no outcome')))
              : outcomes,
          }),
        );
      }
    } finally {
      cancel();
    }
    return handled;
  }

  private async invoke(
    handler: MessageHandler,
    received: ReceivedMessage[],
  ): Promise<MessageOutcome[] | ProcessingException> {
    try {
      return await lastValueFrom(this.transformToObservable(await handler(received)));
    } catch (error) {
      return toProcessingException(error);
    }
  }

  /**
   * A batch not handled by HANDLER_TIMEOUT_MS (or by the drain's cut-off) counts as a transient
   * failure and is handed back.
   */
  private expiry(): { expired: Promise<ProcessingException>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let onCutoff: () => void = () => undefined;
    const expired = new Promise<ProcessingException>((resolve) => {
      const expire = (reason: string) =>
        resolve(new ProcessingException(ProcessingErrorCode.HandlerTimeout, reason));
      const timeout = this.config.HANDLER_TIMEOUT_MS;
      timer = setTimeout(
        () => expire(`Not stored within HANDLER_TIMEOUT_MS (${timeout} ms)`),
        timeout,
      );
      onCutoff = () => expire('Not stored before the drain deadline');
      if (this.cutoff.signal.aborted) {
        onCutoff();
      }
      this.cutoff.signal.addEventListener('abort', onCutoff, { once: true });
    });
    return {
      expired,
      cancel: () => {
        clearTimeout(timer);
        this.cutoff.signal.removeEventListener('abort', onCutoff);
      },
    };
  }

  private receiveCommand(): ReceiveMessageCommand {
    return new ReceiveMessageCommand({
      QueueUrl: this.config.ORDERS_QUEUE_URL,
      MaxNumberOfMessages: this.config.SQS_BATCH_SIZE,
      WaitTimeSeconds: this.config.SQS_WAIT_TIME_SECONDS,
      VisibilityTimeout: this.config.VISIBILITY_TIMEOUT_SECONDS,
      // Only what backoff, dead letters and logs read: smaller answers to parse.
      // SentTimestamp: for orders_queue_wait_seconds.
      MessageSystemAttributeNames: [
        'ApproximateReceiveCount',
        'ApproximateFirstReceiveTimestamp',
        'SentTimestamp',
      ],
      MessageAttributeNames: [...TRACE_ATTRIBUTES],
    });
  }
}

function parseBody(body: string | undefined): Record<string, unknown> | ProcessingException {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch (error) {
    return new ProcessingException(
      ProcessingErrorCode.MalformedJson,
      'Message body is not valid JSON',
      undefined,
      error,
    );
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : new ProcessingException(
        ProcessingErrorCode.MalformedJson,
        'Message body is not a JSON object',
      );
}

/** The age of the oldest message by SQS's SentTimestamp; 0 when unknown (SQS sends what we ask for). */
function oldestWaitMs(messages: Message[]): number {
  const oldest = Math.min(...messages.map((message) => Number(message.Attributes?.SentTimestamp)));
  return Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0;
}
