import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { sqsBatches } from '@orders/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDeadLetter, queueNameOf, ReceivedDeadLetter } from './dead-letter';

/** SQS's ApproximateNumberOf* counts: they lag by up to a minute, so they are hints, never evidence. */
export interface DlqDepth {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Seconds SQS keeps a message, counted from its SentTimestamp. */
  retentionSeconds?: number;
  /** A DLQ with its own redrive policy would lose letters to our peeks (each one is a receive). */
  redrivePolicy?: string;
}

export interface ScanOptions {
  /** How long a letter stays hidden after it was received, unless released earlier. */
  visibilitySeconds: number;
  maxMessages: number;
  /** Asked when the DLQ looks drained: until when another reader hides (or hid) letters; they are visible after it. */
  hiddenUntil?: () => Promise<Date | undefined>;
  /** How long to wait for such letters at most, from the first time the DLQ looked drained. */
  maxWaitMs?: number;
  signal?: AbortSignal;
  onWaiting?: (secondsLeft: number) => void;
}

export interface ScanOutcome {
  startedAt: Date;
  examined: number;
  /** The scan received until SQS had nothing visible left and nobody hid any: no bound hit, not interrupted. */
  complete: boolean;
  /** It stopped waiting for letters another reader still hides. */
  leftHidden: boolean;
  interrupted: boolean;
}

/** Returns the ids of letters the visitor removed from the DLQ; all others are released afterwards. */
export type ScanVisitor = (batch: ReceivedDeadLetter[]) => Promise<Iterable<string> | void>;

export class DlqHasRedrivePolicyError extends Error {
  constructor(dlqName: string, policy: string) {
    super(
      `${dlqName} has a redrive policy of its own (${policy}): every look at a letter is a receive that counts towards it and would move letters onward. Nothing was read. Remove the RedrivePolicy from the DLQ.`,
    );
    this.name = 'DlqHasRedrivePolicyError';
  }
}

// One empty long poll asks every SQS server, so it reliably means "nothing visible right now".
const IDLE_WAIT_SECONDS = 1;
const RECEIVE_SLACK_MS = 2000;
// Receives in a row that bring back only letters already seen before the scan gives up (as partial).
const MAX_STALE_ROUNDS = 50;

/**
 * Reads the DLQ without consuming it. SQS has no peek: a letter must be received to be seen, and a
 * received letter is hidden for a while. So a scan receives every letter once, keeps what it has
 * seen hidden (otherwise the same letters come back and the end is never reached), and releases all
 * of them with ChangeMessageVisibility 0 when it ends, successful or not. Nothing is deleted here;
 * only a visitor (redrive, purge, edit) deletes, through the writer, and it says which ones.
 * Whether the scan saw everything is decided by receiving until nothing comes back, never by a count.
 */
@Injectable()
export class DlqReader {
  private readonly logger = new Logger(DlqReader.name);

  constructor(
    private readonly sqs: SQSClient,
    private readonly config: DlqSidecarConfig,
  ) {}

  get queueUrl(): string {
    return this.config.ORDERS_DLQ_URL;
  }

  async depth(): Promise<DlqDepth> {
    const response = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
          'MessageRetentionPeriod',
          'RedrivePolicy',
        ],
      }),
      { abortSignal: AbortSignal.timeout(this.config.SQS_REQUEST_TIMEOUT_MS) },
    );
    const attributes = response.Attributes ?? {};
    const retention = Number(attributes.MessageRetentionPeriod);
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      retentionSeconds: Number.isFinite(retention) && retention > 0 ? retention : undefined,
      redrivePolicy: attributes.RedrivePolicy || undefined,
    };
  }

  /** Refuses a DLQ with a redrive policy of its own before the first receive. */
  async scan(
    options: ScanOptions,
    visit: ScanVisitor = async () => undefined,
  ): Promise<ScanOutcome> {
    const startedAt = new Date();
    const { redrivePolicy } = await this.depth();
    if (redrivePolicy) {
      throw new DlqHasRedrivePolicyError(queueNameOf(this.queueUrl), redrivePolicy);
    }
    // Letters we hide right now: message id → latest receipt handle.
    const held = new Map<string, string>();
    const seen = new Set<string>();
    let staleRounds = 0;
    let drained = false;
    let leftHidden = false;
    let waitingSince: number | undefined;
    try {
      while (!options.signal?.aborted && seen.size < options.maxMessages) {
        const receivedAt = Date.now();
        // The signal is checked between receives only: an aborted receive could hide letters we never learn of.
        const messages = await this.receive(
          Math.min(10, options.maxMessages - seen.size),
          options.visibilitySeconds,
        );
        const fresh: ReceivedDeadLetter[] = [];
        const now = new Date();
        for (const message of messages) {
          const id = message.MessageId ?? '';
          // Seen before (its hiding expired, or a delete did not take): hide it again, do not revisit.
          held.set(id, message.ReceiptHandle ?? '');
          if (!seen.has(id)) {
            seen.add(id);
            fresh.push({ letter: parseDeadLetter(message, now), message });
          }
        }
        if (fresh.length > 0) {
          staleRounds = 0;
          waitingSince = undefined;
          for (const removed of (await visit(fresh)) ?? []) {
            held.delete(removed);
          }
          continue;
        }
        if (messages.length > 0) {
          // Only letters seen before, whose hiding ran out during a long scan: unseen ones may still be behind them.
          if (++staleRounds >= MAX_STALE_ROUNDS) {
            break;
          }
          continue;
        }
        // Nothing visible. Drained, unless someone hid letters during that receive (a second of slack for clocks).
        const hiddenUntil = (await options.hiddenUntil?.().catch(() => undefined))?.getTime() ?? 0;
        if (hiddenUntil < receivedAt - 1000) {
          drained = true;
          break;
        }
        waitingSince ??= Date.now();
        if (Date.now() - waitingSince >= (options.maxWaitMs ?? 0)) {
          leftHidden = true;
          break;
        }
        const secondsLeft = Math.ceil((hiddenUntil - Date.now()) / 1000);
        if (secondsLeft > 0) {
          options.onWaiting?.(secondsLeft);
          await sleep(Math.min(1000, secondsLeft * 1000), undefined, {
            signal: options.signal,
          }).catch(() => undefined);
        }
      }
    } finally {
      await this.release([...held.values()]);
    }
    const interrupted = options.signal?.aborted ?? false;
    return {
      startedAt,
      examined: seen.size,
      complete: drained && !interrupted,
      leftHidden,
      interrupted,
    };
  }

  /** Makes letters visible again at once. A failure only delays them until their hiding expires. */
  async release(receiptHandles: string[]): Promise<void> {
    const chunks = sqsBatches(receiptHandles);
    for (let start = 0; start < chunks.length; start += 8) {
      await Promise.all(chunks.slice(start, start + 8).map((chunk) => this.releaseChunk(chunk)));
    }
  }

  private async releaseChunk(receiptHandles: string[]): Promise<void> {
    try {
      const response = await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: receiptHandles.map((handle, index) => ({
            Id: String(index),
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      if (response.Failed?.length) {
        this.logger.warn({
          msg: 'some dead letters could not be released; they reappear when their hiding expires',
          failed: response.Failed.length,
        });
      }
    } catch (error) {
      this.logger.warn({
        msg: 'could not release dead letters; they reappear when their hiding expires',
        count: receiptHandles.length,
        error: String(error),
      });
    }
  }

  private async receive(max: number, visibilitySeconds: number): Promise<Message[]> {
    const response = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: IDLE_WAIT_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
      {
        abortSignal: AbortSignal.timeout(
          this.config.SQS_REQUEST_TIMEOUT_MS + IDLE_WAIT_SECONDS * 1000 + RECEIVE_SLACK_MS,
        ),
      },
    );
    return response.Messages ?? [];
  }
}
