import { ChangeMessageVisibilityBatchCommand, Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { envelopeRoute } from '@orders/contracts';
import { processInMessageTrace, queueNameOfUrl } from '@orders/messaging';
import { ProcessorMetrics } from '../health/processor.metrics';
import {
  ProcessingErrorCode,
  ProcessingException,
  toProcessingException,
} from '../orders/processing.exception';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { PollerRegistry } from './poller.registry';
import { redeliveryDelaySeconds } from './redelivery-delay';
import { SqsBridgeServer } from './sqs-bridge.server';
import { messageLogFields, SqsMessageContext } from './sqs-message.context';

type Outcome = { message: Message; ack: boolean; failure?: ProcessingException };

// Failures that say "the database is not answering" rather than "this order is wrong".
const DATABASE_SYMPTOMS = new Set<ProcessingErrorCode>([
  ProcessingErrorCode.DatabaseUnavailable,
  ProcessingErrorCode.HandlerTimeout,
]);

/**
 * One received batch: every message goes through the Nest message pipeline concurrently (their
 * writes share one transaction), then each is settled on its own: acknowledged when stored,
 * dead-lettered with its reason when it can never succeed, or handed back to SQS with a growing
 * delay when the failure is transient. Returns the messages to delete (partial-batch ack).
 */
@Injectable()
export class OrderBatchHandler {
  private readonly logger = new Logger(OrderBatchHandler.name);

  constructor(
    private readonly bridge: SqsBridgeServer,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly gate: DatabaseGate,
    private readonly pollers: PollerRegistry,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async handle(poller: string, messages: Message[]): Promise<Message[]> {
    if (this.pollers.isDraining) {
      // Received while shutting down and not started: hand back at once for another replica.
      await this.changeVisibility(messages, () => 0);
      return [];
    }
    this.pollers.batchStarted(poller);
    try {
      this.metrics.batchSize.observe(messages.length);
      const now = Date.now();
      for (const message of messages) {
        const sent = Number(message.Attributes?.SentTimestamp ?? now);
        this.metrics.queueWaitSeconds.observe(Math.max(0, now - sent) / 1000);
      }
      const queue = queueNameOfUrl(this.config.ORDERS_QUEUE_URL);
      const outcomes = await this.withTimeout(
        messages.map((message) =>
          processInMessageTrace(queue, message, () => this.process(message), failureCode),
        ),
        messages,
      );
      return await this.settle(outcomes);
    } finally {
      this.pollers.batchFinished(poller);
    }
  }

  private async process(message: Message): Promise<Outcome> {
    try {
      const envelope = parseBody(message.Body);
      await this.bridge.dispatch(
        envelopeRoute(String(envelope.type), Number(envelope.version)),
        envelope,
        new SqsMessageContext([message]),
      );
      return { message, ack: true };
    } catch (error) {
      return { message, ack: false, failure: toProcessingException(error) };
    }
  }

  private async settle(outcomes: Outcome[]): Promise<Message[]> {
    const stored = outcomes.filter((outcome) => outcome.ack).map((outcome) => outcome.message);
    const permanent = outcomes.filter((outcome) => outcome.failure?.kind === 'permanent');
    const transient = outcomes.filter((outcome) => outcome.failure?.kind === 'transient');

    const deadLettered: Message[] = [];
    for (const outcome of permanent) {
      const failure = outcome.failure as ProcessingException;
      const context = messageLogFields(outcome.message);
      try {
        await this.deadLetters.publish(outcome.message, failure);
        this.metrics.deadLettered.inc({ code: failure.code });
        deadLettered.push(outcome.message);
        this.logger.warn({
          msg: 'order message dead-lettered',
          code: failure.code,
          reason: failure.message,
          ...context,
        });
      } catch (error) {
        // Not in the DLQ, so not deleted either: SQS redelivers it and we try again.
        this.logger.error({
          msg: 'could not dead-letter a message; it stays in the queue',
          code: failure.code,
          error: String(error),
          ...context,
        });
      }
    }

    if (transient.length > 0) {
      for (const outcome of transient) {
        this.metrics.redeliveries.inc({ code: (outcome.failure as ProcessingException).code });
      }
      await this.changeVisibility(
        transient.map((outcome) => outcome.message),
        (message) => redeliveryDelaySeconds(message, this.config),
      );
      // Nothing stored and the database is to blame: receiving more would only burn receive counts.
      const databaseFailures = transient.filter((outcome) =>
        DATABASE_SYMPTOMS.has((outcome.failure as ProcessingException).code),
      );
      if (stored.length === 0 && databaseFailures.length > 0) {
        this.gate.reportOutage((databaseFailures[0].failure as ProcessingException).message);
      }
    }
    return [...stored, ...deadLettered];
  }

  private async changeVisibility(
    messages: Message[],
    seconds: (message: Message) => number,
  ): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
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

  /**
   * A message not settled by HANDLER_TIMEOUT_MS (or by the drain's cut-off) counts as a transient
   * failure and is handed back; the messages already settled keep their outcome.
   */
  private async withTimeout(work: Promise<Outcome>[], messages: Message[]): Promise<Outcome[]> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(
        () =>
          resolve(`Not stored within HANDLER_TIMEOUT_MS (${this.config.HANDLER_TIMEOUT_MS} ms)`),
        this.config.HANDLER_TIMEOUT_MS,
      );
    });
    const cutOff = this.pollers.drainCutoff.then(() => 'Not stored before the drain deadline');
    const expired = Promise.race([timedOut, cutOff]).then(
      (reason) => new ProcessingException(ProcessingErrorCode.HandlerTimeout, reason),
    );
    try {
      return await Promise.all(
        work.map((outcome, index) =>
          Promise.race([
            outcome,
            expired.then((failure): Outcome => ({ message: messages[index], ack: false, failure })),
          ]),
        ),
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

const failureCode = (outcome: Outcome) => outcome.failure?.code;

function parseBody(body: string | undefined): { type?: unknown; version?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch (error) {
    throw new ProcessingException(
      ProcessingErrorCode.MalformedJson,
      'Message body is not valid JSON',
      undefined,
      error,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProcessingException(
      ProcessingErrorCode.MalformedJson,
      'Message body is not a JSON object',
    );
  }
  return parsed as { type?: unknown; version?: unknown };
}
