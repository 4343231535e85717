import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { inMessageTrace, MicroBatcher, SQS_MAX_BATCH_ENTRIES, sqsBatches } from '@orders/messaging';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { messageLogFields, MessageOutcome } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { redeliveryDelaySeconds } from './redelivery-delay';

/** One message of a batch with what became of it. */
export interface HandledMessage {
  message: Message;
  body?: Record<string, unknown>;
  outcome: MessageOutcome;
}

// Failures that say "the database is not answering" rather than "this order is wrong".
const DATABASE_SYMPTOMS = new Set<ProcessingErrorCode>([
  ProcessingErrorCode.DatabaseUnavailable,
  ProcessingErrorCode.HandlerTimeout,
]);

// A settled message waits at most this long for nine others to share its DeleteMessageBatch: far
// below any visibility timeout, and a crash meanwhile only means a redelivery the insert absorbs.
const DELETE_LINGER_MS = 500;

/**
 * Settles each message of a handled batch on its own: deleted when stored (partial-batch ack),
 * dead-lettered with its reason when it can never succeed, or handed back to SQS with a delay that
 * grows per receive when the failure is transient.
 */
@Injectable()
export class BatchSettler {
  private readonly logger = new Logger(BatchSettler.name);
  // Deletes of settled messages, batched across received batches: one call per ten messages.
  private readonly deletes = new MicroBatcher<Message, void>(
    async (messages) => {
      await this.delete(messages);
      return messages.map(() => ({ ok: true, value: undefined }));
    },
    { maxItems: SQS_MAX_BATCH_ENTRIES, lingerMs: DELETE_LINGER_MS },
  );

  constructor(
    private readonly deadLetters: DeadLetterPublisher,
    private readonly gate: DatabaseGate,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  /** Returns the messages settled for good (stored or dead-lettered): exactly those being deleted. */
  async settle(handled: HandledMessage[], startedAt: number): Promise<Message[]> {
    const ms = Date.now() - startedAt;
    const done: Message[] = [];
    const transient: { message: Message; failure: ProcessingException }[] = [];
    let stored = 0;
    await Promise.all(
      // Each message's lines (and dead-letter send) carry its own trace id, whatever the batch's is.
      handled.map(({ message, body, outcome }) =>
        inMessageTrace(message, async (batchTraceId) => {
          // The batch's own trace, when it is not this order's: its INSERT and SQS calls are there.
          const fields = { ...messageLogFields(message, body), batchTraceId };
          if (!(outcome instanceof ProcessingException)) {
            stored += 1;
            done.push(message);
            this.logger.log({ msg: 'order message handled', outcome, ...fields, ms });
          } else if (outcome.kind === 'transient') {
            transient.push({ message, failure: outcome });
            this.metrics.redeliveries.inc({ code: outcome.code });
            this.logger.warn({
              msg: 'order message failed',
              code: outcome.code,
              kind: outcome.kind,
              reason: outcome.message,
              ...fields,
            });
          } else if (await this.deadLetter(message, outcome, fields)) {
            done.push(message);
          }
        }),
      ),
    );
    // Not awaited: the poller receives its next batch while the deletes wait for company.
    done.forEach((message) => void this.deletes.submit(message));
    await this.changeVisibility(
      transient.map(({ message }) => message),
      (message) => redeliveryDelaySeconds(message, this.config),
    );
    // Nothing stored and the database is to blame: receiving more would only burn receive counts.
    const databaseFailure = transient.find(({ failure }) => DATABASE_SYMPTOMS.has(failure.code));
    if (stored === 0 && databaseFailure) {
      this.gate.reportOutage(databaseFailure.failure.message);
    }
    return done;
  }

  /** Sends every delete still waiting and waits for those in flight (the drain's last step). */
  flushDeletes(): Promise<void> {
    return this.deletes.drain();
  }

  /** Makes messages visible again at once, for this or another replica. */
  handBack(messages: Message[]): Promise<void> {
    return this.changeVisibility(messages, () => 0);
  }

  /** The heartbeat: keeps a batch that is still being worked on hidden. */
  extendVisibility(messages: Message[]): Promise<void> {
    return this.changeVisibility(messages, () => this.config.VISIBILITY_TIMEOUT_SECONDS);
  }

  private async deadLetter(
    message: Message,
    failure: ProcessingException,
    fields: ReturnType<typeof messageLogFields> & { batchTraceId?: string },
  ): Promise<boolean> {
    try {
      await this.deadLetters.publish(message, failure);
      this.metrics.deadLettered.inc({ code: failure.code });
      this.logger.warn({
        msg: 'order message dead-lettered',
        code: failure.code,
        reason: failure.message,
        ...fields,
      });
      return true;
    } catch (error) {
      // Not in the DLQ, so not deleted either: SQS redelivers it and we try again.
      this.logger.error({
        msg: 'could not dead-letter a message; it stays in the queue',
        code: failure.code,
        error: String(error),
        ...fields,
      });
      return false;
    }
  }

  private async delete(messages: Message[]): Promise<void> {
    for (const chunk of sqsBatches(messages)) {
      try {
        const response = await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.config.ORDERS_QUEUE_URL,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
        for (const failed of response.Failed ?? []) {
          // Stored, but SQS will deliver it again; the insert absorbs the duplicate. (sqs-consumer's
          // own delete would ignore these entries: its deletes are off, ours count them.)
          this.metrics.deleteFailures.inc();
          this.logger.warn({
            msg: 'could not delete a stored message',
            code: failed.Code,
            reason: failed.Message,
            ...messageLogFields(chunk[Number(failed.Id)]),
          });
        }
      } catch (error) {
        this.metrics.deleteFailures.inc(chunk.length);
        this.logger.warn({
          msg: 'could not delete stored messages',
          messages: chunk.length,
          error: String(error),
        });
      }
    }
  }

  private async changeVisibility(
    messages: Message[],
    seconds: (message: Message) => number,
  ): Promise<void> {
    for (const chunk of sqsBatches(messages)) {
      try {
        const response = await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.config.ORDERS_QUEUE_URL,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: seconds(message),
            })),
          }),
        );
        for (const failed of response.Failed ?? []) {
          // The message simply reappears after the visibility timeout it already has.
          this.logger.warn({
            msg: 'could not change visibility',
            code: failed.Code,
            reason: failed.Message,
            ...messageLogFields(chunk[Number(failed.Id)]),
          });
        }
      } catch (error) {
        this.logger.warn({
          msg: 'could not change visibility',
          messages: chunk.length,
          error: String(error),
        });
      }
    }
  }
}
