import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { sqsBatches } from '@orders/messaging';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDeadLetter, ReceivedDeadLetter } from './dead-letter';

export interface DlqDepth {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Seconds SQS keeps a message, counted from its SentTimestamp. */
  retentionSeconds?: number;
  /** A DLQ with its own redrive policy would lose letters to our peeks (each one is a receive). */
  hasRedrivePolicy: boolean;
}

export interface ScanOptions {
  /** How long a letter stays hidden after it was received, unless released earlier. */
  visibilitySeconds: number;
  maxMessages: number;
  /** Once the queue looks exhausted, wait up to this long for letters another reader is hiding. */
  waitForHiddenMs: number;
  signal?: AbortSignal;
  onWaiting?: (hiddenByOthers: number) => void;
}

export interface ScanOutcome {
  startedAt: Date;
  examined: number;
  /** Every letter in the DLQ was examined: nobody else hid any, no limit hit, not interrupted. */
  complete: boolean;
  hiddenByOthers: number;
  interrupted: boolean;
}

/** Returns the ids of letters the visitor removed from the DLQ; all others are released afterwards. */
export type ScanVisitor = (batch: ReceivedDeadLetter[]) => Promise<Iterable<string> | void>;

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
 * only a visitor (redrive, purge) deletes, and it says which ones.
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
      hasRedrivePolicy: Boolean(attributes.RedrivePolicy),
    };
  }

  async scan(
    options: ScanOptions,
    visit: ScanVisitor = async () => undefined,
  ): Promise<ScanOutcome> {
    const startedAt = new Date();
    const before = await this.depth();
    // Letters we hide right now: message id → latest receipt handle.
    const held = new Map<string, string>();
    const seen = new Set<string>();
    let hiddenByOthers = 0;
    let waitingSince: number | undefined;
    let staleRounds = 0;
    let cutShort = false;
    try {
      while (!options.signal?.aborted && seen.size < options.maxMessages) {
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
          waitingSince = undefined;
          staleRounds = 0;
          for (const removed of (await visit(fresh)) ?? []) {
            held.delete(removed);
          }
          continue;
        }
        if (messages.length > 0) {
          // Only letters seen before, whose hiding ran out during a long scan: unseen ones may still be behind them.
          staleRounds += 1;
          if (staleRounds >= MAX_STALE_ROUNDS) {
            cutShort = true;
            break;
          }
          continue;
        }
        // Nothing new is visible. Letters hidden by someone else (another scan, a killed CLI run) come back later.
        hiddenByOthers = Math.max(0, (await this.depth()).inFlight - held.size);
        if (hiddenByOthers === 0 || options.waitForHiddenMs <= 0) {
          break;
        }
        waitingSince ??= Date.now();
        if (Date.now() - waitingSince >= options.waitForHiddenMs) {
          break;
        }
        options.onWaiting?.(hiddenByOthers);
        await sleep(1000, undefined, { signal: options.signal }).catch(() => undefined);
      }
    } finally {
      await this.release([...held.values()]);
    }
    const interrupted = options.signal?.aborted ?? false;
    return {
      startedAt,
      examined: seen.size,
      complete:
        !interrupted &&
        !cutShort &&
        seen.size < options.maxMessages &&
        before.inFlight === 0 &&
        hiddenByOthers === 0,
      hiddenByOthers,
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

  private async receive(max: number, visibilitySeconds: number) {
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
